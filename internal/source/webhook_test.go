package source

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const testSecret = "hook-secret"

func hmacHex(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}

// signed builds a delivery as each provider sends it.
func signed(provider, event, body, secret string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/v1/webhook", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	switch provider {
	case "github":
		r.Header.Set("X-GitHub-Event", event)
		r.Header.Set("X-Hub-Signature-256", "sha256="+hmacHex(secret, body))
	case "gitea":
		// Gitea also sends GitHub-style headers; the Gitea ones must win.
		r.Header.Set("X-Gitea-Event", event)
		r.Header.Set("X-GitHub-Event", event)
		r.Header.Set("X-Gitea-Signature", hmacHex(secret, body))
	case "forgejo":
		r.Header.Set("X-Forgejo-Event", event)
		r.Header.Set("X-Forgejo-Signature", hmacHex(secret, body))
	case "gitlab":
		if event == "push" {
			event = "Push Hook"
		}
		r.Header.Set("X-Gitlab-Event", event)
		r.Header.Set("X-Gitlab-Token", secret)
	}
	return r
}

func newTestWebhook(t *testing.T, ref string) (http.Handler, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	h, err := WebhookHandler(WebhookOptions{
		Secret:  []byte(testSecret),
		Ref:     ref,
		Trigger: func() { calls.Add(1) },
		MaxBody: 1 << 10,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return h, &calls
}

func TestWebhookProviders(t *testing.T) {
	mainPush := `{"ref":"refs/heads/main","after":"abc"}`
	tests := []struct {
		name      string
		event     string
		body      string
		secret    string
		wantCode  int
		wantState string
	}{
		{"push to followed branch", "push", mainPush, testSecret, 202, "accepted"},
		{"bad signature", "push", mainPush, "wrong", 401, "rejected"},
		{"other branch", "push", `{"ref":"refs/heads/feature"}`, testSecret, 200, "ignored"},
		{"ping", "ping", `{"zen":"hi"}`, testSecret, 200, "ignored"},
		{"malformed payload", "push", `{not json`, testSecret, 400, "rejected"},
		{"push without ref", "push", `{}`, testSecret, 400, "rejected"},
		{"too large", "push", `{"ref":"refs/heads/main","pad":"` + strings.Repeat("x", 2<<10) + `"}`, testSecret, 413, "rejected"},
	}
	for _, provider := range []string{"github", "gitea", "forgejo", "gitlab"} {
		for _, tt := range tests {
			t.Run(provider+"/"+tt.name, func(t *testing.T) {
				h, calls := newTestWebhook(t, "main")
				event := tt.event
				if provider == "gitlab" && event == "ping" {
					event = "System Hook"
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, signed(provider, event, tt.body, tt.secret))
				var resp WebhookResponse
				_ = json.Unmarshal(rec.Body.Bytes(), &resp)
				if rec.Code != tt.wantCode || resp.Status != tt.wantState {
					t.Fatalf("got %d %+v, want %d %s", rec.Code, resp, tt.wantCode, tt.wantState)
				}
				if tt.wantState == "ignored" && resp.Reason == "" {
					t.Error("an ignored delivery must say why")
				}
				wantCalls := int32(0)
				if tt.wantCode == 202 {
					wantCalls = 1
				}
				waitFor(t, func() bool { return calls.Load() == wantCalls })
			})
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // and nothing more arrives
	if !cond() {
		t.Fatal("condition changed after being met")
	}
}

func TestWebhookRequestShape(t *testing.T) {
	h, _ := newTestWebhook(t, "main")
	tests := []struct {
		name string
		req  *http.Request
		want int
	}{
		{"GET", httptest.NewRequest(http.MethodGet, "/v1/webhook", nil), 405},
		{"unknown sender", httptest.NewRequest(http.MethodPost, "/v1/webhook", strings.NewReader(`{}`)), 400},
		{"github without signature", func() *http.Request {
			r := signed("github", "push", `{"ref":"refs/heads/main"}`, testSecret)
			r.Header.Del("X-Hub-Signature-256")
			return r
		}(), 401},
		{"gitlab without token", func() *http.Request {
			r := signed("gitlab", "push", `{"ref":"refs/heads/main"}`, testSecret)
			r.Header.Del("X-Gitlab-Token")
			return r
		}(), 401},
		{"signature over another body", func() *http.Request {
			r := signed("github", "push", `{"ref":"refs/heads/main"}`, testSecret)
			r.Body = io.NopCloser(bytes.NewReader([]byte(`{"ref":"refs/heads/main" }`)))
			return r
		}(), 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, tt.req)
			if rec.Code != tt.want {
				t.Fatalf("code %d, want %d (%s)", rec.Code, tt.want, rec.Body)
			}
		})
	}
}

func TestRefMatches(t *testing.T) {
	sha := strings.Repeat("a", 40)
	tests := []struct {
		configured, pushed string
		want               bool
	}{
		{"main", "refs/heads/main", true},
		{"main", "refs/heads/main2", false},
		{"main", "refs/tags/main", true},
		{"v1.2.0", "refs/tags/v1.2.0", true},
		{"refs/heads/main", "refs/heads/main", true},
		{"refs/heads/main", "refs/tags/main", false},
		{"release/1", "refs/heads/release/1", true},
		{sha, "refs/heads/main", false},
	}
	for _, tt := range tests {
		if got := refMatches(tt.configured, tt.pushed); got != tt.want {
			t.Errorf("refMatches(%q, %q) = %v, want %v", tt.configured, tt.pushed, got, tt.want)
		}
	}
}

// TestWebhookCoalesces: a burst of deliveries while a poll runs gives one
// more poll, not one per delivery, and the handler never blocks.
func TestWebhookCoalesces(t *testing.T) {
	release := make(chan struct{})
	var calls atomic.Int32
	h, err := WebhookHandler(WebhookOptions{
		Secret: []byte(testSecret), Ref: "main",
		Trigger: func() { calls.Add(1); <-release },
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 { // 20 pushes: each delivery and payload is another
		rec := httptest.NewRecorder()
		body := fmt.Sprintf(`{"ref":"refs/heads/main","after":"%040d"}`, i)
		r := signed("github", "push", body, testSecret)
		r.Header.Set("X-GitHub-Delivery", fmt.Sprint("delivery-", i))
		h.ServeHTTP(rec, r)
		if rec.Code != 202 {
			t.Fatalf("code %d", rec.Code)
		}
	}
	waitFor(t, func() bool { return calls.Load() == 1 })
	release <- struct{}{} // first poll ends; exactly one pending poll runs
	waitFor(t, func() bool { return calls.Load() == 2 })
	close(release)
	time.Sleep(50 * time.Millisecond)
	if n := calls.Load(); n != 2 {
		t.Fatalf("20 deliveries gave %d polls, want 2", n)
	}
}

func TestWebhookOptionsAndSecret(t *testing.T) {
	if _, err := WebhookHandler(WebhookOptions{Trigger: func() {}}); err == nil {
		t.Error("no secret: want an error")
	}
	if _, err := WebhookHandler(WebhookOptions{Secret: []byte("x")}); err == nil {
		t.Error("no trigger: want an error")
	}
	t.Setenv("HOOK_SECRET_TEST", " s1 ")
	file := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(file, []byte("s2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		env, file, want string
		wantErr         bool
	}{
		{"HOOK_SECRET_TEST", "", "s1", false},
		{"", file, "s2", false},
		{"HOOK_SECRET_TEST", file, "", true},
		{"", "", "", true},
		{"HOOK_SECRET_UNSET_XYZ", "", "", true},
		{"", "/nonexistent/secret", "", true},
	}
	for _, tt := range tests {
		got, err := LoadSecret(tt.env, tt.file)
		if (err != nil) != tt.wantErr || string(got) != tt.want {
			t.Errorf("LoadSecret(%q, %q) = %q, %v", tt.env, tt.file, got, err)
		}
	}
}
