package source

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// WebhookOptions configures WebhookHandler.
type WebhookOptions struct {
	// Secret is the shared secret: the HMAC key for GitHub and
	// Gitea/Forgejo, the token for GitLab. Required: an unauthenticated
	// trigger endpoint lets anyone make the daemon hammer the Git server.
	Secret []byte
	// Ref is the configured ref (--ref): a branch or tag name, or a full
	// ref. A push to refs/heads/<Ref> or refs/tags/<Ref> matches. A ref
	// pinned to a commit SHA matches nothing (it cannot move).
	Ref string
	// Trigger is called when a matching push arrives, from a separate
	// goroutine, at most once at a time; calls coalesce (see coalescer).
	Trigger func()
	// MaxBody caps the request body; default 5 MiB (GitHub caps payloads
	// at 25 MB, but push payloads for normal pushes are far smaller).
	MaxBody int64
	// Logger receives one line per delivery; default slog.Default().
	Logger *slog.Logger
	// ReplayMemory is how many verified deliveries are remembered to recognise a replay
	// (default DefaultReplayMemory); ReplayWindow how long each is remembered (default
	// DefaultReplayWindow). See webhook_replay.go.
	ReplayMemory int
	ReplayWindow time.Duration
}

// DefaultWebhookMaxBody is the default request body limit.
const DefaultWebhookMaxBody = 5 << 20

// WebhookResponse is the JSON body of every webhook reply.
type WebhookResponse struct {
	Status string `json:"status"` // "accepted", "ignored" or "rejected"
	Reason string `json:"reason,omitempty"`
}

// WebhookHandler serves POST /v1/webhook for GitHub, GitLab and
// Gitea/Forgejo push events. Replies:
//
//	202 accepted  signature valid, push to the configured ref: Trigger runs
//	200 ignored   signature valid, but another event (ping) or another ref, or
//	              a duplicate: a delivery ID or a body received before
//	400           unknown sender or malformed payload
//	401           signature or token missing or mismatched
//	405           not a POST
//	413           body larger than MaxBody
//
// The signature is checked before the payload is parsed, so an
// unauthenticated sender learns nothing from the reply but 401; a request
// without any signature or token is refused before its body is read. A
// duplicate is answered 200, not 4xx: a provider's redelivery is not an
// error (GitLab disables a hook that keeps failing), and it triggers nothing.
func WebhookHandler(opts WebhookOptions) (http.Handler, error) {
	if len(opts.Secret) == 0 {
		return nil, errors.New("webhook: a secret is required")
	}
	if opts.Trigger == nil {
		return nil, errors.New("webhook: a trigger func is required")
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultWebhookMaxBody
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.ReplayMemory <= 0 {
		opts.ReplayMemory = DefaultReplayMemory
	}
	if opts.ReplayWindow <= 0 {
		opts.ReplayWindow = DefaultReplayWindow
	}
	return &webhook{opts: opts, trigger: &coalescer{fn: opts.Trigger},
		replays: newReplayMemory(opts.ReplayMemory, opts.ReplayWindow, time.Now)}, nil
}

type webhook struct {
	opts    WebhookOptions
	trigger *coalescer
	replays *replayMemory
}

func (wh *webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		wh.reply(w, r, http.StatusMethodNotAllowed, "rejected", "only POST is accepted")
		return
	}
	d, err := detect(r.Header)
	if err != nil {
		wh.reply(w, r, http.StatusBadRequest, "rejected", err.Error())
		return
	}
	if err := d.signed(r.Header); err != nil {
		wh.reply(w, r, http.StatusUnauthorized, "rejected", err.Error())
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, wh.opts.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			wh.reply(w, r, http.StatusRequestEntityTooLarge, "rejected", fmt.Sprintf("body larger than %d bytes", wh.opts.MaxBody))
			return
		}
		wh.reply(w, r, http.StatusBadRequest, "rejected", "read body: "+err.Error())
		return
	}
	if err := d.verify(r.Header, body, wh.opts.Secret); err != nil {
		wh.reply(w, r, http.StatusUnauthorized, "rejected", err.Error())
		return
	}
	// Only now, with the sender authenticated, may the delivery take a place in memory.
	id := d.deliveryID(r.Header)
	if !wh.replays.firstTime(replayKeys(d.provider, id, body)) {
		wh.reply(w, r, http.StatusOK, "ignored", duplicateReason(id))
		return
	}
	if !d.isPush {
		wh.reply(w, r, http.StatusOK, "ignored", fmt.Sprintf("%s event %q is not a push", d.provider, d.event))
		return
	}
	var p struct {
		Ref string `json:"ref"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.Ref == "" {
		wh.reply(w, r, http.StatusBadRequest, "rejected", "push payload without a ref")
		return
	}
	if !refMatches(wh.opts.Ref, p.Ref) {
		wh.reply(w, r, http.StatusOK, "ignored", fmt.Sprintf("push to %s, following %s", p.Ref, wh.opts.Ref))
		return
	}
	wh.trigger.kick()
	wh.reply(w, r, http.StatusAccepted, "accepted", fmt.Sprintf("%s push to %s", d.provider, p.Ref))
}

func duplicateReason(id string) string {
	if id == "" {
		return "duplicate: this payload was received before"
	}
	return fmt.Sprintf("duplicate: delivery %s or its payload was received before", id)
}

// refMatches tells whether a pushed full ref is the configured one. A short
// configured name matches a branch or a tag of that name, as Fetch resolves
// it; a commit SHA never matches.
func refMatches(configured, pushed string) bool {
	if shaPattern.MatchString(configured) {
		return false
	}
	if strings.HasPrefix(configured, "refs/") {
		return pushed == configured
	}
	return pushed == "refs/heads/"+configured || pushed == "refs/tags/"+configured
}

func (wh *webhook) reply(w http.ResponseWriter, r *http.Request, code int, status, reason string) {
	wh.opts.Logger.Info("webhook", "status", status, "code", code, "reason", reason, "remote", r.RemoteAddr)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(WebhookResponse{Status: status, Reason: reason})
}
