package source

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
)

// provider is a Git host whose push webhooks are understood.
type provider string

const (
	providerGitHub provider = "github"
	providerGitLab provider = "gitlab"
	providerGitea  provider = "gitea" // also Forgejo and Gogs
)

// delivery is what the headers of one request say.
type delivery struct {
	provider provider
	event    string // provider's event name
	isPush   bool
}

// detect identifies the provider. Gitea/Forgejo also send GitHub-style
// headers for compatibility, so they are recognised first.
func detect(h http.Header) (delivery, error) {
	switch {
	case h.Get("X-Gitlab-Event") != "":
		ev := h.Get("X-Gitlab-Event")
		return delivery{providerGitLab, ev, ev == "Push Hook" || ev == "Tag Push Hook"}, nil
	case h.Get("X-Gitea-Event") != "" || h.Get("X-Forgejo-Event") != "" || h.Get("X-Gogs-Event") != "":
		ev := firstNonEmpty(h.Get("X-Forgejo-Event"), h.Get("X-Gitea-Event"), h.Get("X-Gogs-Event"))
		return delivery{providerGitea, ev, ev == "push"}, nil
	case h.Get("X-GitHub-Event") != "":
		ev := h.Get("X-GitHub-Event")
		return delivery{providerGitHub, ev, ev == "push"}, nil
	}
	return delivery{}, errors.New("unknown webhook sender: no X-GitHub-Event, X-Gitea-Event or X-Gitlab-Event header")
}

// signed checks, from the headers alone, that the request carries a
// signature or token, so an unsigned request is refused before its body is
// read. verify decides whether it matches.
func (d delivery) signed(h http.Header) error {
	var name, v string
	switch d.provider {
	case providerGitLab:
		name, v = "X-Gitlab-Token", h.Get("X-Gitlab-Token")
	case providerGitea:
		name, v = "X-Gitea-Signature", firstNonEmpty(h.Get("X-Forgejo-Signature"), h.Get("X-Gitea-Signature"), h.Get("X-Gogs-Signature"))
	default:
		name, v = "X-Hub-Signature-256", h.Get("X-Hub-Signature-256")
	}
	if v == "" {
		return fmt.Errorf("%s missing (set a secret on the webhook)", name)
	}
	return nil
}

// verify checks the request's signature or token against secret. Every
// comparison is constant-time.
func (d delivery) verify(h http.Header, body, secret []byte) error {
	switch d.provider {
	case providerGitLab:
		tok := h.Get("X-Gitlab-Token")
		if tok == "" || subtle.ConstantTimeCompare([]byte(tok), secret) != 1 {
			return errors.New("X-Gitlab-Token does not match the secret")
		}
		return nil
	case providerGitea:
		sig := firstNonEmpty(h.Get("X-Forgejo-Signature"), h.Get("X-Gitea-Signature"), h.Get("X-Gogs-Signature"))
		return checkHMAC(sig, body, secret, "X-Gitea-Signature")
	default:
		sig, ok := strings.CutPrefix(h.Get("X-Hub-Signature-256"), "sha256=")
		if !ok {
			return errors.New("X-Hub-Signature-256 missing (set a secret on the GitHub webhook)")
		}
		return checkHMAC(sig, body, secret, "X-Hub-Signature-256")
	}
}

func checkHMAC(sigHex string, body, secret []byte, header string) error {
	got, err := hex.DecodeString(sigHex)
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("%s missing or malformed", header)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return fmt.Errorf("%s does not match the secret", header)
	}
	return nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// LoadSecret reads a webhook secret from an environment variable or a file
// (--webhook-secret-env / --webhook-secret-file). Surrounding whitespace is
// trimmed: files usually end in a newline that the provider never sends.
func LoadSecret(env, file string) ([]byte, error) {
	var s string
	switch {
	case env != "" && file != "":
		return nil, errors.New("webhook secret: set an environment variable or a file, not both")
	case env != "":
		s = os.Getenv(env)
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("webhook secret: %w", err)
		}
		s = string(b)
	default:
		return nil, errors.New("webhook secret: none configured")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("webhook secret is empty")
	}
	return []byte(s), nil
}
