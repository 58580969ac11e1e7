package syncloop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/errtest"
	"github.com/ecsgit/ecsgit/internal/reconcile"
	"github.com/ecsgit/ecsgit/internal/source"
)

// forbidden is a real 403 from Nomad's api client (errtest.NomadForbidden).
func forbidden(t *testing.T) error { return errtest.NomadForbidden(t) }

// fixedSource always has the same revision.
type fixedSource struct{ rev source.Revision }

func (s fixedSource) Fetch(context.Context) (source.Revision, error) { return s.rev, nil }
func (s fixedSource) Checkout(context.Context, source.Revision) (string, error) {
	return "/nonexistent", nil
}
func (s fixedSource) Describe() string { return "fixed" }

// failingEngine fails every plan with err and counts the attempts.
type failingEngine struct {
	err   error
	plans int
}

func (e *failingEngine) Plan(context.Context, reconcile.Pass) (*reconcile.Planned, error) {
	e.plans++
	return nil, e.err
}
func (e *failingEngine) Apply(context.Context, *reconcile.Planned, source.Revision) (*SyncResult, error) {
	return nil, errors.New("not reached")
}

// The class of a pass's error decides the loop's next step: a stalled revision (a
// translation error, Nomad's 403) is not retried until the next commit, placement
// failures wait a poll interval without escalating, anything else (transient or not
// recognised) backs off.
func TestLoopBackoffFollowsTheErrorClass(t *testing.T) {
	for _, tc := range []struct {
		name       string
		err        error
		wantDelay  func(time.Duration) bool
		wantResult AttemptResult
		wantPlans  int // after a second poll of the same revision
	}{
		{"translation content error: stalled", &reconcile.ContentError{Service: "web", Err: errors.New("can never progress")},
			func(d time.Duration) bool { return d == 0 }, resultInvalid, 1},
		{"Nomad 403: stalled", fmt.Errorf("plan: %w", forbidden(t)),
			func(d time.Duration) bool { return d == 0 }, resultError, 1},
		{"placement failures: wait a poll interval", reconcile.ErrPlacementFailures,
			func(d time.Duration) bool { return d == 30*time.Second }, resultError, 2},
		{"Nomad unreachable: backoff", errtest.NomadUnreachable(t),
			func(d time.Duration) bool { return d >= time.Second && d < 2*time.Second }, resultError, 2},
		{"Nomad without a leader (500): backoff", errtest.NomadUnavailable(t),
			func(d time.Duration) bool { return d >= time.Second && d < 2*time.Second }, resultError, 2},
		// ClassUnknown: the CLI exits 1 for it, the daemon still backs off as before.
		{"an error no rule recognises: backoff", errors.New("connection refused"),
			func(d time.Duration) bool { return d >= time.Second && d < 2*time.Second }, resultError, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eng := &failingEngine{err: tc.err}
			l, err := NewLoop(LoopOptions{Source: fixedSource{source.Revision{SHA: "0123456789abcdef", TreeHash: "t1"}}, Engine: eng,
				Interval: 30 * time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			poll := pendingWork{reasons: map[Trigger]bool{TriggerPoll: true}}
			if d := l.pass(t.Context(), poll); !tc.wantDelay(d) {
				t.Errorf("delay after the failure: %v", d)
			}
			if st := l.Status(); st.LastAttempt == nil || st.LastAttempt.Result != tc.wantResult {
				t.Errorf("last attempt %+v, want result %s", st.LastAttempt, tc.wantResult)
			}
			l.pass(t.Context(), poll)
			if eng.plans != tc.wantPlans {
				t.Errorf("planned %d times for two polls of the same revision, want %d", eng.plans, tc.wantPlans)
			}
		})
	}
}
