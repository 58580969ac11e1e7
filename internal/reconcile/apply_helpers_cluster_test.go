package reconcile

import (
	"context"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/clustertest"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// applyEnv is clustertest's namespace and client, with plan and apply as methods.
type applyEnv struct{ *clustertest.Env }

func newApplyEnv(t *testing.T) *applyEnv {
	t.Helper()
	return &applyEnv{clustertest.New(t)}
}

func applyCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func (e *applyEnv) plan(ctx context.Context, t *testing.T, d *spec.Desired) *Planned {
	t.Helper()
	p, err := ComputePlanned(ctx, d, e.Backend, PlanOptions{Source: "apply-test"})
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return p
}

func (e *applyEnv) apply(ctx context.Context, t *testing.T, p *Planned) *Result {
	t.Helper()
	res, err := ApplyPlanned(ctx, e.Backend, p, ApplyOptions{Who: "test", Poll: 500 * time.Millisecond, PlacementTimeout: 30 * time.Second,
		Events: func(ev Event) {
			if ev.Kind != EventStart {
				t.Logf("%s", ev.Message)
			}
		}})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return res
}

// mustApply plans and applies d and fails unless every service ends well.
func (e *applyEnv) mustApply(ctx context.Context, t *testing.T, d *spec.Desired) *Result {
	t.Helper()
	res := e.apply(ctx, t, e.plan(ctx, t, d))
	if !res.OK() {
		t.Fatalf("apply failed: %+v", res.Services)
	}
	return res
}

func result(t *testing.T, r *Result, service string) ServiceResult {
	t.Helper()
	for _, s := range r.Services {
		if s.Service == service {
			return s
		}
	}
	t.Fatalf("service %s not in the result %+v", service, r.Services)
	return ServiceResult{}
}

func planOf(t testing.TB, p *plan.Plan, service string) plan.ServicePlan {
	t.Helper()
	for _, sp := range p.Services {
		if sp.Service == service {
			return sp
		}
	}
	t.Fatalf("service %s not in the plan", service)
	return plan.ServicePlan{}
}

// writeCounter snapshots what identifies a Nomad write in a namespace: every job's
// JobModifyIndex, the number of evaluations and every variable's ModifyIndex.
type writeCounter struct {
	jobs  map[string]uint64
	evals int
	vars  map[string]uint64
}

func (e *applyEnv) writes(t *testing.T) writeCounter {
	t.Helper()
	w := writeCounter{jobs: map[string]uint64{}, vars: map[string]uint64{}}
	jobs, _, err := e.Client.Jobs().List(e.QueryOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		w.jobs[j.ID] = j.JobModifyIndex
	}
	evals, _, err := e.Client.Evaluations().List(e.QueryOptions())
	if err != nil {
		t.Fatal(err)
	}
	w.evals = len(evals)
	vars, _, err := e.Client.Variables().List(e.QueryOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vars {
		w.vars[v.Path] = v.ModifyIndex
	}
	return w
}

func (a writeCounter) equal(b writeCounter) bool {
	if a.evals != b.evals || len(a.jobs) != len(b.jobs) || len(a.vars) != len(b.vars) {
		return false
	}
	for k, v := range a.jobs {
		if b.jobs[k] != v {
			return false
		}
	}
	for k, v := range a.vars {
		if b.vars[k] != v {
			return false
		}
	}
	return true
}

// liveImage is the image the live job's task "app" runs.
func (e *applyEnv) liveImage(t *testing.T, jobID string) string {
	t.Helper()
	job, _, err := e.Client.Jobs().Info(jobID, e.QueryOptions())
	if err != nil {
		t.Fatal(err)
	}
	return job.TaskGroups[0].Tasks[0].Config["image"].(string)
}
