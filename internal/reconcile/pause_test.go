package reconcile

import (
	"testing"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/repotest"
)

// A pause of a manual rollback is an input to planning (PlanOptions.Unpause), not a
// write before it: without Unpause the paused service is skipped; with it the plan
// shows the update that lifts the pause, and the apply clears the pause in the record.
func TestPlanUnpauseIsAnInput(t *testing.T) {
	f := newFakeCluster(t)
	dir := t.TempDir()
	fakeApply(t, f, fakePlan(t, f, repotest.New("default", repotest.Service{Name: "web", Count: 1}).WriteLoad(t, dir), PlanOptions{}))
	rec := f.record("web")
	rec.Paused, rec.PausedReason = true, "rolled back to web:1 by alice"
	if err := f.WriteServiceRecord(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	d := repotest.New("default", repotest.Service{Name: "web", Count: 1, Image: "ecsgit-demo/app:2"}).WriteLoad(t, dir)

	held := fakePlan(t, f, d, PlanOptions{})
	if sp := held.Plan.Services[0]; sp.Action != plan.ActionSkip {
		t.Fatalf("paused, no Unpause: %s (%s), want skip", sp.Action, sp.Reason)
	}
	lifted := fakePlan(t, f, d, PlanOptions{Unpause: func(jobID, _ string) bool { return jobID == "web" }})
	if sp := lifted.Plan.Services[0]; sp.Action != plan.ActionUpdate {
		t.Fatalf("paused, Unpause lifts it: %s (%s), want update", sp.Action, sp.Reason)
	}
	if rec := f.record("web"); !rec.Paused {
		t.Fatal("planning lifted the pause: it must only read")
	}
	if res := fakeApply(t, f, lifted); !res.OK() {
		t.Fatalf("apply: %+v", res.Services)
	}
	if rec := f.record("web"); rec.Paused || rec.PausedReason != "" || rec.Outcome != nomadbackend.OutcomeSucceeded {
		t.Errorf("after the apply: paused %v (%q), outcome %s; want the pause lifted and the update recorded", rec.Paused, rec.PausedReason, rec.Outcome)
	}
}
