package eventsink

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/ecsgit/ecsgit/internal/ecsevents"
)

// Headers of a delivery.
const (
	// HeaderSignature is "sha256=" + hex(HMAC-SHA256(secret, body)), GitHub's scheme:
	// a receiver recomputes it over the raw body and compares in constant time.
	HeaderSignature = "X-Ecsgit-Signature-256"
	// HeaderEventID is the envelope's id: the same on every retry and after a daemon
	// restart, so that a receiver drops a copy it already processed.
	HeaderEventID = "X-Ecsgit-Event-Id"
	// HeaderAttempt counts the deliveries of this event by this daemon process (1 first).
	HeaderAttempt = "X-Ecsgit-Delivery-Attempt"
)

// Format is the body of a delivery.
type Format string

// Formats.
const (
	// FormatEventBridge posts the envelope, as an EventBridge rule's HTTP target would.
	FormatEventBridge Format = "eventbridge"
	// FormatSlack posts {"text": ...}: Slack incoming webhooks and compatible chat tools
	// (Mattermost, Rocket.Chat, Discord's /slack endpoint).
	FormatSlack Format = "slack"
)

// ParseFormat checks a format name.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case FormatEventBridge, FormatSlack:
		return f, nil
	}
	return "", fmt.Errorf("webhook format %q: want eventbridge or slack", s)
}

// Webhook is one HTTP endpoint.
type Webhook struct {
	URL    string
	Secret []byte // nil: unsigned
	Format Format
	Client *http.Client
}

// permanentError is a delivery the receiver refused for good (4xx other than 408/429):
// retrying would not help.
type permanentError struct{ error }

// Deliver posts one event; an error is retried unless it is permanent.
func (w *Webhook) Deliver(ctx context.Context, ev ecsevents.Event, attempt int) error {
	body, err := w.body(ev)
	if err != nil {
		return permanentError{err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return permanentError{err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ecsgit-events")
	req.Header.Set(HeaderEventID, ev.Envelope.ID)
	req.Header.Set(HeaderAttempt, strconv.Itoa(attempt))
	if w.Secret != nil {
		req.Header.Set(HeaderSignature, Sign(w.Secret, body))
	}
	c := w.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		return fmt.Errorf("HTTP %d", code)
	default:
		return permanentError{fmt.Errorf("HTTP %d", code)}
	}
}

func (w *Webhook) body(ev ecsevents.Event) ([]byte, error) {
	if w.Format == FormatSlack {
		return json.Marshal(map[string]string{"text": ev.Envelope.DetailType + ": " + ev.Text})
	}
	return json.Marshal(ev.Envelope)
}

// Sign is the signature header value of body.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature header value in constant time (for receivers written in Go).
func Verify(secret, body []byte, header string) bool {
	return hmac.Equal([]byte(header), []byte(Sign(secret, body)))
}
