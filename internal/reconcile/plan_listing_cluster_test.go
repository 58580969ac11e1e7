package reconcile

import (
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/repotest"
)

// A plan of many services reads the namespace's jobs from one listing (issue 12) and
// still sees what a job read would: all new at first, all unchanged after the apply,
// and a job changed by hand (`nomad job run`) as drift, with a new service beside it as a
// create.
func TestPlanFromTheJobListing(t *testing.T) {
	t.Parallel()
	e := newApplyEnv(t)
	ctx := applyCtx(t, 3*time.Minute)
	dir := t.TempDir()
	svcs := manyServices(listJobsFrom, 0)
	d := repotest.New(e.Namespace, svcs...).WriteLoad(t, dir)
	if p := e.plan(ctx, t, d); p.Plan.Summary.Create != listJobsFrom {
		t.Fatalf("first plan: %+v", p.Plan.Summary)
	}
	e.mustApply(ctx, t, d)
	if p := e.plan(ctx, t, d); p.Plan.Summary.Unchanged != listJobsFrom {
		t.Fatalf("plan after the apply: %+v", p.Plan.Summary)
	}

	job, _, err := e.Client.Jobs().Info("svc-03", e.QueryOptions())
	if err != nil {
		t.Fatal(err)
	}
	job.Meta["by-hand"] = "yes"
	if _, _, err := e.Client.Jobs().Register(job, e.WriteOptions()); err != nil {
		t.Fatal(err)
	}
	p := e.plan(ctx, t, repotest.New(e.Namespace, append(svcs, repotest.Service{Name: "svc-new"})...).WriteLoad(t, dir))
	if sp := planOf(t, p.Plan, "svc-03"); !sp.Drifted || sp.Action != plan.ActionUpdate {
		t.Errorf("job changed by hand: drifted %v, action %s", sp.Drifted, sp.Action)
	}
	if sp := planOf(t, p.Plan, "svc-new"); sp.Action != plan.ActionCreate {
		t.Errorf("new service: %s", sp.Action)
	}
	if s := p.Plan.Summary; s.Unchanged != listJobsFrom-1 || s.Drifted != 1 {
		t.Errorf("summary: %+v", s)
	}
}
