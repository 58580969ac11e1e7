package reconcile

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/repotest"
)

// TestApplyResumedFailingRolloutTripsBreaker (fault trials, D1): an apply of a release
// whose tasks exit at once is interrupted while its deployment runs. The plan then shows
// the service as progressing (so `plan --detailed-exitcode` is not 0 while the bad
// release runs), and the next apply, which resumes the rollout from the pending record,
// trips the circuit breaker at the service's threshold and rolls back, within minutes
// rather than at Nomad's 10-minute progress deadline.
func TestApplyResumedFailingRolloutTripsBreaker(t *testing.T) {
	t.Parallel()
	e := newApplyEnv(t)
	ctx := applyCtx(t, 6*time.Minute)
	dir := t.TempDir()
	svc := repotest.Service{Name: "web", Count: 2, Breaker: true}
	e.mustApply(ctx, t, repotest.New(e.Namespace, svc).WriteLoad(t, dir))

	svc.Env = map[string]string{"MODE": "fail"}
	bad := repotest.New(e.Namespace, svc).WriteLoad(t, dir)
	interrupted, stop := context.WithCancel(ctx)
	res, err := ApplyPlanned(interrupted, e.Backend, e.plan(ctx, t, bad), ApplyOptions{Who: "test", Poll: 500 * time.Millisecond,
		PlacementTimeout: 30 * time.Second, Events: func(ev Event) {
			if ev.Kind == EventProgress {
				stop() // the job is registered and recorded pending: interrupt mid-rollout
			}
		}})
	stop()
	if err != nil {
		t.Fatal(err)
	}
	if r := result(t, res, "web"); r.Status != StatusTimeout || !r.Registered {
		t.Fatalf("interrupted apply: %+v", r)
	}
	rec, err := e.Backend.ReadServiceRecord(ctx, e.Namespace, "web")
	if err != nil || rec == nil || rec.Outcome != nomadbackend.OutcomePending {
		t.Fatalf("record after the interruption: %+v %v", rec, err)
	}

	p := e.plan(ctx, t, bad)
	if sp := planOf(t, p.Plan, "web"); sp.Action != plan.ActionUpdate || !strings.Contains(sp.Reason, "rollout") {
		t.Fatalf("plan during the interrupted rollout: %s %q", sp.Action, sp.Reason)
	}
	if !plan.WouldChange(p.Plan) {
		t.Fatal("plan --detailed-exitcode during the interrupted rollout would exit 0, want 2 (changes)")
	}

	started := time.Now()
	res = e.apply(ctx, t, p)
	r := result(t, res, "web")
	if r.Status != StatusRolledBack || !r.Resumed || !strings.Contains(r.Reason, "circuit breaker: ") || !strings.Contains(r.Reason, "threshold of 3") {
		t.Fatalf("resumed apply: %+v", r)
	}
	t.Logf("resumed apply rolled back in %s", time.Since(started).Round(time.Second))
	rec, err = e.Backend.ReadServiceRecord(ctx, e.Namespace, "web")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Outcome != nomadbackend.OutcomeRolledBack || rec.Failed == nil || rec.Revision != 1 {
		t.Fatalf("record after the resumed rollback: outcome %s revision %d failed %+v", rec.Outcome, rec.Revision, rec.Failed)
	}
	e.WaitHealthy("web", 2, time.Minute)
}
