package source

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
)

// Redact returns url without credentials: userinfo passwords and tokens are
// removed, and the values of query parameters are masked (presigned URLs and
// some hosting services carry tokens there). An SCP-like SSH address
// (git@host:org/repo) is returned unchanged: its user is not a secret.
//
// A user name without a password is dropped too: for HTTPS it is commonly
// the token itself (https://<token>@github.com/…).
func Redact(raw string) string {
	if !strings.Contains(raw, "://") {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		// Not parseable: fall back to the pattern used for error text so
		// that nothing that looks like userinfo survives.
		return redactURLsIn(raw)
	}
	if u.User != nil {
		if u.Scheme == "ssh" && !hasPassword(u.User) {
			// ssh://git@host/… : the user name is an account, not a secret.
		} else {
			u.User = nil
		}
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			q[k] = []string{"REDACTED"}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func hasPassword(u *url.Userinfo) bool {
	_, ok := u.Password()
	return ok
}

// userinfoPattern finds "scheme://userinfo@" anywhere in a text. Used for
// error messages from go-git and net/http, which embed URLs verbatim.
var userinfoPattern = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s"']+@`)

func redactURLsIn(s string) string {
	return userinfoPattern.ReplaceAllStringFunc(s, func(m string) string {
		i := strings.Index(m, "://")
		scheme := m[:i+3]
		if strings.HasPrefix(scheme, "ssh") && !strings.Contains(m[i+3:], ":") {
			return m // ssh://git@ keeps its account name
		}
		return scheme
	})
}

// redactor removes known secrets and any URL userinfo from texts.
type redactor struct {
	secrets []string
}

func newRedactor(secrets ...string) *redactor {
	r := &redactor{}
	for _, s := range secrets {
		// Very short strings would mangle ordinary words; a real token is
		// never this short.
		if len(s) >= 4 {
			r.secrets = append(r.secrets, s)
			if esc := url.QueryEscape(s); esc != s {
				r.secrets = append(r.secrets, esc)
			}
		}
	}
	return r
}

func (r *redactor) text(s string) string {
	s = redactURLsIn(s)
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, "***")
	}
	return s
}

// wrap returns err with redacted text. The original error is deliberately
// not reachable through errors.Unwrap (its text holds the secret), but
// errors.Is still sees through it so callers can test for sentinels such as
// transport.ErrAuthenticationRequired or context.Canceled.
func (r *redactor) wrap(context string, err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if context != "" {
		msg = context + ": " + msg
	}
	return &redactedError{msg: strings.TrimSpace(r.text(msg)), cause: err}
}

type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }

// Is delegates to the hidden cause.
func (e *redactedError) Is(target error) bool { return errors.Is(e.cause, target) }

// As delegates to the hidden cause for our own typed errors only: exposing a
// go-git or net error would expose its unredacted text.
func (e *redactedError) As(target any) bool {
	if t, ok := target.(**PathMissingError); ok {
		return errors.As(e.cause, t)
	}
	return false
}
