package eventsink

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ecsgit/ecsgit/internal/ecsevents"
)

func ev(id string, index uint64) ecsevents.Event {
	return ecsevents.Event{Envelope: ecsevents.Envelope{Version: "0", ID: id, DetailType: ecsevents.DetailServiceAction, Source: ecsevents.Source},
		NomadIndex: index, Text: "text " + id}
}

// TestWebhookSignedInOrderWithRetries: a receiver failing twice gets every event once it
// answers, in order, signed, with the event ID header the same on every attempt.
func TestWebhookSignedInOrderWithRetries(t *testing.T) {
	secret := []byte("s3cret")
	var mu sync.Mutex
	var got []string
	var fails atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !Verify(secret, body, r.Header.Get(HeaderSignature)) {
			t.Errorf("bad signature %q", r.Header.Get(HeaderSignature))
		}
		if fails.Add(1) <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		mu.Lock()
		got = append(got, r.Header.Get(HeaderEventID))
		mu.Unlock()
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	m := NewMetrics()
	d := NewDispatcher(ctx, []SinkConfig{{Name: "hook", To: &Webhook{URL: srv.URL, Secret: secret}, Backoff: 5 * time.Millisecond}}, m, nil)
	d.Publish(10, []ecsevents.Event{ev("a", 10), ev("b", 10)})
	d.Publish(11, []ecsevents.Event{ev("c", 11)})
	d.Publish(12, nil)
	if c := d.Cursor(); c != 9 {
		t.Fatalf("cursor before delivery = %d, want 9 (nothing delivered)", c)
	}
	waitFor(t, func() bool { return d.Cursor() == 11 })
	mu.Lock()
	defer mu.Unlock()
	if want := "[a b c]"; fmtSlice(got) != want {
		t.Fatalf("delivered %v, want %s", got, want)
	}
	if r := testutil.ToFloat64(m.retries.WithLabelValues("hook")); r != 2 {
		t.Fatalf("retries = %v, want 2", r)
	}
}

type blocked struct{ release chan struct{} }

func (b blocked) Deliver(ctx context.Context, _ ecsevents.Event, _ int) error {
	select {
	case <-b.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestQueueFullDropsAndCounts: a sink whose queue is full drops new events, counted, and
// the cursor still waits for the events it holds.
func TestQueueFullDropsAndCounts(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	m := NewMetrics()
	b := blocked{release: make(chan struct{})}
	d := NewDispatcher(ctx, []SinkConfig{{Name: "slow", To: b, QueueSize: 2}}, m, nil)
	d.Publish(5, []ecsevents.Event{ev("1", 5)})
	waitFor(t, func() bool { return len(d.sinks[0].queue) == 0 }) // in flight
	d.Publish(6, []ecsevents.Event{ev("2", 6), ev("3", 6), ev("4", 6)})
	if n := testutil.ToFloat64(m.dropped.WithLabelValues("slow", DropQueueFull)); n != 1 {
		t.Fatalf("dropped = %v, want 1", n)
	}
	if c := d.Cursor(); c != 4 {
		t.Fatalf("cursor = %d, want 4", c)
	}
	close(b.release)
	waitFor(t, func() bool { return d.Cursor() == 5 })
}

// TestRejectedIsNotRetried: a 4xx answer drops the event at once (counted).
func TestRejectedIsNotRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusBadRequest)
	}))
	defer srv.Close()
	m := NewMetrics()
	d := NewDispatcher(t.Context(), []SinkConfig{{Name: "h", To: &Webhook{URL: srv.URL}}}, m, nil)
	d.Publish(3, []ecsevents.Event{ev("x", 3)})
	waitFor(t, func() bool {
		return d.Cursor() == 2 && testutil.ToFloat64(m.dropped.WithLabelValues("h", DropRejected)) == 1
	})
	if calls.Load() != 1 || testutil.ToFloat64(m.dropped.WithLabelValues("h", DropRejected)) != 1 {
		t.Fatalf("calls %d, dropped %v", calls.Load(), testutil.ToFloat64(m.dropped.WithLabelValues("h", DropRejected)))
	}
}

func TestParseFormat(t *testing.T) {
	if _, err := ParseFormat("teams"); err == nil {
		t.Fatal("teams accepted")
	}
	if f, err := ParseFormat("slack"); err != nil || f != FormatSlack {
		t.Fatal(f, err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func fmtSlice(s []string) string {
	out := "["
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out + "]"
}

// TestSlackBody: the Slack-compatible body is {"text": ...} with the detail-type and the
// human message, signed like the envelope.
func TestSlackBody(t *testing.T) {
	var body []byte
	var sig string
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		sig = r.Header.Get(HeaderSignature)
	}))
	defer srv.Close()
	w := &Webhook{URL: srv.URL, Secret: []byte("k"), Format: FormatSlack}
	e := ev("x", 1)
	e.Text = "(service web) has reached a steady state."
	if err := w.Deliver(t.Context(), e, 1); err != nil {
		t.Fatal(err)
	}
	if want := `{"text":"ECS Service Action: (service web) has reached a steady state."}`; string(body) != want || !Verify([]byte("k"), body, sig) {
		t.Fatalf("body %s (signature ok: %v), want %s", body, Verify([]byte("k"), body, sig), want)
	}
}
