package reconcile

import (
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/repotest"
)

// TestPlanLifecycle walks one service through create → apply → no-op → image change →
// scale → out-of-band scale (drift) on the real cluster.
func TestPlanLifecycle(t *testing.T) {
	b, ns := clusterBackend(t)
	ctx := ctxFor(t)
	web := repotest.Service{Name: "web", Count: 4}

	p := mustPlan(ctx, t, repotest.New(ns, web).WriteLoad(t, t.TempDir()), b, PlanOptions{})
	sp := planOf(t, p.Plan, "web")
	if sp.Action != plan.ActionCreate || sp.NewTaskDefinition != "web:1" || sp.OldTaskDefinition != "" ||
		!sp.Placement.OK || sp.Placement.Place != 4 || sp.JobModifyIndex != 0 {
		t.Fatalf("first plan:\n%s", describe(sp))
	}
	applyForTest(ctx, t, b, p)

	t.Run("apply then plan is empty", func(t *testing.T) {
		p := mustPlan(ctx, t, repotest.New(ns, web).WriteLoad(t, t.TempDir()), b, PlanOptions{})
		sp := planOf(t, p.Plan, "web")
		if sp.Action != plan.ActionNoop || sp.Drifted || len(sp.Changes) != 0 || sp.NomadDiffType != "None" ||
			sp.OldTaskDefinition != "web:1" || sp.NewTaskDefinition != "web:1" {
			t.Errorf("plan after apply:\n%s", describe(sp))
		}
		if p.Plan.HasChanges() || plan.WouldChange(p.Plan) {
			t.Errorf("summary %+v, would change %v; want no changes", p.Plan.Summary, plan.WouldChange(p.Plan))
		}
	})

	t.Run("image change replaces every task", func(t *testing.T) {
		v2 := web
		v2.Image = "ecsgit-demo/app:2"
		p := mustPlan(ctx, t, repotest.New(ns, v2).WriteLoad(t, t.TempDir()), b, PlanOptions{})
		sp := planOf(t, p.Plan, "web")
		if sp.Action != plan.ActionUpdate || sp.Update != plan.UpdateReplace || sp.Rollout.TasksReplaced != 4 ||
			sp.OldTaskDefinition != "web:1" || sp.NewTaskDefinition != "web:2" {
			t.Errorf("image change:\n%s", describe(sp))
		}
		if len(sp.Changes) != 1 || sp.Changes[0].Path != "containerDefinitions[app].image" ||
			sp.Changes[0].Old != "ecsgit-demo/app:1" || sp.Changes[0].New != "ecsgit-demo/app:2" {
			t.Errorf("changes = %+v, want exactly the image", sp.Changes)
		}
		if !plan.WouldChange(p.Plan) {
			t.Error("a plan with changes should be WouldChange (plan --detailed-exitcode exits 2)")
		}
	})

	t.Run("desiredCount change scales without replacing", func(t *testing.T) {
		six := web
		six.Count = 6
		p := mustPlan(ctx, t, repotest.New(ns, six).WriteLoad(t, t.TempDir()), b, PlanOptions{})
		sp := planOf(t, p.Plan, "web")
		if sp.Action != plan.ActionUpdate || sp.Update != plan.UpdateScale || sp.Placement.Destructive != 0 ||
			sp.Placement.Place != 2 || sp.Rollout.TasksReplaced != 0 || sp.NewTaskDefinition != "web:1" {
			t.Errorf("scale:\n%s", describe(sp))
		}
		if len(sp.Changes) != 1 || sp.Changes[0].Path != "desiredCount" || sp.Changes[0].ForcesReplacement {
			t.Errorf("changes = %+v, want desiredCount only", sp.Changes)
		}
	})

	t.Run("out-of-band scale is drift", func(t *testing.T) {
		waitDeployment(ctx, t, b, ns, "web") // Nomad refuses to scale during a deployment
		two := 2
		_, _, err := nomadtest.ClientAt(t, b.Address()).Jobs().Scale("web", nomadjob.TaskGroupName, &two, "by hand", false, nil, &api.WriteOptions{Namespace: ns})
		if err != nil {
			t.Fatal(err)
		}
		p := mustPlan(ctx, t, repotest.New(ns, web).WriteLoad(t, t.TempDir()), b, PlanOptions{})
		sp := planOf(t, p.Plan, "web")
		if !sp.Drifted || sp.Action != plan.ActionUpdate || sp.Update != plan.UpdateScale || p.Plan.Summary.Drifted != 1 {
			t.Fatalf("drift:\n%s", describe(sp))
		}
		want := plan.FieldChange{Path: "desiredCount", Old: "4", New: "2", Kind: plan.KindChanged}
		if len(sp.DriftChanges) != 1 || sp.DriftChanges[0] != want {
			t.Errorf("drift changes = %+v, want [%+v]", sp.DriftChanges, want)
		}
		if len(sp.Changes) != 1 || sp.Changes[0].Old != "2" || sp.Changes[0].New != "4" {
			t.Errorf("changes = %+v, want desiredCount 2 → 4 (apply undoes the drift)", sp.Changes)
		}
	})
}

// TestPlanCountsTheWholeRollout is the user report on the real cluster: a 2-task
// service at 50/200 (Nomad rolls one task at a time, so its first evaluation shows one
// destructive update) gets a new image; the plan says both tasks are replaced, and the
// apply indeed replaces both.
func TestPlanCountsTheWholeRollout(t *testing.T) {
	e := newApplyEnv(t)
	ctx := applyCtx(t, 3*time.Minute)
	dir := t.TempDir()
	svc := repotest.Service{Name: "web", Count: 2, MinHealthyPercent: new(50), MaxPercent: new(200)}
	e.mustApply(ctx, t, repotest.New(e.Namespace, svc).WriteLoad(t, dir))

	svc.Image = "ecsgit-demo/app:2"
	p := e.plan(ctx, t, repotest.New(e.Namespace, svc).WriteLoad(t, dir))
	sp := planOf(t, p.Plan, "web")
	if sp.Update != plan.UpdateReplace || sp.Rollout.TasksReplaced != 2 {
		t.Fatalf("plan: %s, %d tasks replaced (dry-run: %+v); want replace, 2", sp.Update, sp.Rollout.TasksReplaced, sp.Placement)
	}
	if r := result(t, e.apply(ctx, t, p), "web"); r.Status != StatusApplied {
		t.Fatalf("apply: %s (%s)", r.Status, r.Reason)
	}
	if img := e.liveImage(t, "web"); img != "ecsgit-demo/app:2" {
		t.Errorf("live image %s after the apply", img)
	}
}
