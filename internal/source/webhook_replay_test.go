package source

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// withDeliveryID sets the delivery ID header the provider sends.
func withDeliveryID(r *http.Request, provider, id string) *http.Request {
	header := map[string]string{
		"github": "X-GitHub-Delivery", "gitea": "X-Gitea-Delivery",
		"forgejo": "X-Forgejo-Delivery", "gitlab": "Idempotency-Key",
	}[provider]
	r.Header.Set(header, id)
	return r
}

// TestWebhookReplay: a verified delivery is accepted once. Sent again, under its own ID or
// a fresh one, or another payload under its ID, it is answered 200 "ignored" and triggers
// nothing. Requests that fail verification take no place in the memory.
func TestWebhookReplay(t *testing.T) {
	push := func(n int) string { return fmt.Sprintf(`{"ref":"refs/heads/main","after":"%040d"}`, n) }
	steps := []struct {
		name, id, body, secret string
		wantCode               int
		wantStatus             string
	}{
		{"wrong signature does not enter memory", "d-1", push(1), "wrong", 401, "rejected"},
		{"first delivery", "d-1", push(1), testSecret, 202, "accepted"},
		{"the same delivery again", "d-1", push(1), testSecret, 200, "ignored"},
		{"the same payload under a fresh ID", "d-2", push(1), testSecret, 200, "ignored"},
		{"another payload under a known ID", "d-1", push(2), testSecret, 200, "ignored"},
		{"the next push", "d-3", push(3), testSecret, 202, "accepted"},
	}
	for _, provider := range []string{"github", "gitea", "forgejo", "gitlab"} {
		t.Run(provider, func(t *testing.T) {
			h, calls := newTestWebhook(t, "main")
			accepted := int32(0)
			for _, st := range steps {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, withDeliveryID(signed(provider, "push", st.body, st.secret), provider, st.id))
				var resp WebhookResponse
				_ = json.Unmarshal(rec.Body.Bytes(), &resp)
				if rec.Code != st.wantCode || resp.Status != st.wantStatus {
					t.Fatalf("%s: got %d %+v, want %d %s", st.name, rec.Code, resp, st.wantCode, st.wantStatus)
				}
				if st.wantStatus == "ignored" && !strings.Contains(resp.Reason, "duplicate") {
					t.Errorf("%s: reason %q does not say duplicate", st.name, resp.Reason)
				}
				if st.wantCode == 202 {
					accepted++
				}
				// One trigger per accepted delivery: wait for each before the next
				// (the coalescer would merge triggers that overlap).
				waitFor(t, func() bool { return calls.Load() == accepted })
			}
		})
	}
}

// TestWebhookReplayNeedsVerification: unsigned and wrongly signed requests, however
// many, leave the memory empty, so they cannot push real deliveries out of it.
func TestWebhookReplayNeedsVerification(t *testing.T) {
	h, _ := newTestWebhook(t, "main")
	wh := h.(*webhook)
	for i := range 50 {
		body := fmt.Sprintf(`{"ref":"refs/heads/main","after":"%d"}`, i)
		r := withDeliveryID(signed("github", "push", body, "wrong"), "github", fmt.Sprint("x-", i))
		if i%2 == 0 {
			r.Header.Del("X-Hub-Signature-256")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != 401 {
			t.Fatalf("request %d: code %d", i, rec.Code)
		}
	}
	if n := wh.replays.len(); n != 0 {
		t.Fatalf("the memory holds %d deliveries from unverified requests", n)
	}
}

// TestReplayMemoryBounds: the memory forgets the oldest delivery beyond its size and every
// delivery older than its window.
func TestReplayMemoryBounds(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	m := newReplayMemory(3, time.Hour, func() time.Time { return now })
	keys := func(n int) []string { return replayKeys(providerGitHub, fmt.Sprint("id-", n), []byte(fmt.Sprint(n))) }
	for n := 1; n <= 3; n++ {
		if !m.firstTime(keys(n)) {
			t.Fatalf("delivery %d: seen before", n)
		}
		now = now.Add(time.Minute)
	}
	if m.firstTime(keys(1)) {
		t.Fatal("delivery 1 replayed within size and window: accepted")
	}
	if !m.firstTime(keys(4)) || m.len() != 3 {
		t.Fatalf("delivery 4: want accepted with 3 remembered, have %d", m.len())
	}
	if !m.firstTime(keys(1)) {
		t.Fatal("delivery 1 beyond the size bound: still remembered")
	}
	if m.firstTime(keys(3)) {
		t.Fatal("delivery 3, within bounds: accepted twice")
	}
	now = now.Add(time.Hour)
	if !m.firstTime(keys(3)) || m.len() != 1 {
		t.Fatalf("after the window: want delivery 3 accepted and only it remembered, have %d", m.len())
	}
}
