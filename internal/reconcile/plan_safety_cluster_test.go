package reconcile

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// An unowned Nomad job with a service's name is never touched, and the plan says why.
func TestPlanSkipsUnownedJob(t *testing.T) {
	b, ns := clusterBackend(t)
	ctx := ctxFor(t)
	legacy := api.NewServiceJob("legacy", "legacy", "global", 50)
	legacy.Namespace, legacy.Datacenters = &ns, []string{"*"}
	tg := api.NewTaskGroup("tasks", 0)
	tg.AddTask(api.NewTask("app", "docker").SetConfig("image", "ecsgit-demo/app:1"))
	legacy.AddTaskGroup(tg)
	_, before, err := b.Register(ctx, nomadbackend.WrapJob(legacy), 0)
	if err != nil {
		t.Fatal(err)
	}
	p := mustPlan(ctx, t, repotest.New(ns, repotest.Service{Name: "legacy", Count: 1}).WriteLoad(t, t.TempDir()), b, PlanOptions{Prune: true})
	applyForTest(ctx, t, b, p)
	sp := planOf(t, p.Plan, "legacy")
	if sp.Action != plan.ActionSkip || !strings.Contains(sp.Reason, "does not manage") || p.Plan.HasChanges() {
		t.Fatalf("unowned job:\n%s", describe(sp))
	}
	live, _ := b.ReadJob(ctx, ns, "legacy")
	if nomadbackend.JobModifyIndexOf(live) != before {
		t.Error("the unowned job was modified")
	}
	if r, _ := b.ReadServiceRecord(ctx, ns, "legacy"); r != nil {
		t.Error("a record was written for an unowned job")
	}
}

// Prune lists only this source's owned jobs, and never everything on an empty source.
func TestPlanPrunesOnlyOwnedJobs(t *testing.T) {
	b, ns := clusterBackend(t)
	ctx := ctxFor(t)
	// "old" is ours; "foreign" belongs to another repository; "manual" to nobody.
	this := PlanOptions{Source: "this-repo"}
	applyForTest(ctx, t, b, mustPlan(ctx, t, repotest.New(ns, repotest.Service{Name: "keep"}, repotest.Service{Name: "old"}).WriteLoad(t, t.TempDir()), b, this))
	applyForTest(ctx, t, b, mustPlan(ctx, t, repotest.New(ns, repotest.Service{Name: "foreign"}).WriteLoad(t, t.TempDir()), b, PlanOptions{Source: "other-repo"}))
	manual := api.NewServiceJob("manual", "manual", "global", 50)
	manual.Namespace, manual.Datacenters = &ns, []string{"*"}
	tg := api.NewTaskGroup("tasks", 0)
	tg.AddTask(api.NewTask("app", "docker").SetConfig("image", "ecsgit-demo/app:1"))
	manual.AddTaskGroup(tg)
	if _, _, err := b.Register(ctx, nomadbackend.WrapJob(manual), 0); err != nil {
		t.Fatal(err)
	}
	// "copied" carries this source's ownership meta, but ecsgit never applied it: no
	// record says so, and meta alone can be copied.
	copied := api.NewServiceJob("copied", "copied", "global", 50)
	copied.Namespace, copied.Datacenters = &ns, []string{"*"}
	copied.Meta = map[string]string{nomadjob.MetaManagedBy: nomadjob.ManagedByValue, nomadjob.MetaSource: "this-repo"}
	tg = api.NewTaskGroup("tasks", 0)
	tg.AddTask(api.NewTask("app", "docker").SetConfig("image", "ecsgit-demo/app:1"))
	copied.AddTaskGroup(tg)
	if _, _, err := b.Register(ctx, nomadbackend.WrapJob(copied), 0); err != nil {
		t.Fatal(err)
	}
	keepOnly := repotest.New(ns, repotest.Service{Name: "keep"}).WriteLoad(t, t.TempDir())
	pruneThis := PlanOptions{Source: "this-repo", Prune: true}

	p := mustPlan(ctx, t, keepOnly, b, pruneThis)
	if got := names(p.Plan, plan.ActionDelete); got != "old" {
		t.Errorf("pruned %q, want only old", got)
	}
	if sp := planOf(t, p.Plan, "old"); sp.OldTaskDefinition != "old:1" || sp.JobModifyIndex == 0 {
		t.Errorf("prune entry:\n%s", describe(sp))
	}
	if got := names(p.Plan, plan.ActionSkip); got != "copied" {
		t.Errorf("skipped %q, want copied (foreign and manual are not ours to list)", got)
	}
	if sp := planOf(t, p.Plan, "copied"); !strings.Contains(sp.Reason, "no ecsgit record says this source applied it") {
		t.Errorf("copied meta:\n%s", describe(sp))
	}

	p = mustPlan(ctx, t, keepOnly, b, this)
	if sp := planOf(t, p.Plan, "old"); sp.Action != plan.ActionSkip || !strings.Contains(sp.Reason, "prune is off") {
		t.Errorf("without prune:\n%s", describe(sp))
	}

	// The default identity is every repository's that names none (a commit that drops
	// ecsgit.yaml's source lands here): it never prunes.
	// (ComputePlanned itself: mustPlan names a source.)
	planDefault := func(d *spec.Desired, opts PlanOptions) *Planned {
		p, err := ComputePlanned(ctx, d, b, opts)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	applyForTest(ctx, t, b, planDefault(repotest.New(ns, repotest.Service{Name: "other-default"}).WriteLoad(t, t.TempDir()), PlanOptions{}))
	p = planDefault(repotest.New(ns, repotest.Service{Name: "keep"}).WriteLoad(t, t.TempDir()), PlanOptions{Prune: true})
	if sp := planOf(t, p.Plan, "other-default"); sp.Action != plan.ActionSkip || !strings.Contains(sp.Reason, "names itself") || p.Plan.Summary.Delete != 0 {
		t.Errorf("default identity prunes:\n%s", describe(sp))
	}

	empty := repotest.New(ns).WriteLoad(t, t.TempDir())
	p = mustPlan(ctx, t, empty, b, pruneThis)
	if p.Plan.Summary.Delete != 0 || p.Plan.Summary.Skipped != 3 || !strings.Contains(planOf(t, p.Plan, "keep").Reason, "refusing to delete all 3") {
		t.Errorf("empty source pruned: %+v", p.Plan.Summary)
	}
	p = mustPlan(ctx, t, empty, b, PlanOptions{Source: "this-repo", Prune: true, AllowEmptyPrune: true})
	if got := names(p.Plan, plan.ActionDelete); got != "keep,old" {
		t.Errorf("AllowEmptyPrune deletes %q, want keep,old", got)
	}
}

func names(p *plan.Plan, a plan.Action) string {
	var out []string
	for _, sp := range p.Services {
		if sp.Action == a {
			out = append(out, sp.Service)
		}
	}
	return strings.Join(out, ",")
}

// A service asking for more memory than any node has fails placement, loudly.
func TestPlanShowsPlacementFailure(t *testing.T) {
	b, ns := clusterBackend(t)
	ctx := ctxFor(t)
	p := mustPlan(ctx, t, repotest.New(ns, repotest.Service{Name: "huge", Count: 3, Memory: 8192}).WriteLoad(t, t.TempDir()), b, PlanOptions{})
	sp := planOf(t, p.Plan, "huge")
	if sp.Action != plan.ActionCreate || sp.Placement.OK || p.Plan.Applyable() || p.Plan.Summary.PlacementFailures != 1 {
		t.Fatalf("placement:\n%s", describe(sp))
	}
	if len(sp.Placement.Failures) != 1 || !strings.Contains(sp.Placement.Failures[0], "insufficient memory on 3 of 3 nodes") {
		t.Errorf("failures %q", sp.Placement.Failures)
	}
}

// A remembered failed spec is not retried (degraded); a paused service is skipped.
func TestPlanHonoursFailureMemoryAndPause(t *testing.T) {
	b, ns := clusterBackend(t)
	ctx := ctxFor(t)
	repo := repotest.New(ns, repotest.Service{Name: "web"}).WriteLoad(t, t.TempDir())
	applyForTest(ctx, t, b, mustPlan(ctx, t, repo, b, PlanOptions{}))
	bad := repotest.New(ns, repotest.Service{Name: "web", Image: "ecsgit-demo/app:broken"}).WriteLoad(t, t.TempDir())
	badHash := planOf(t, mustPlan(ctx, t, bad, b, PlanOptions{}).Plan, "web").SpecHash
	update(ctx, t, b, ns, func(r *nomadbackend.ServiceRecord) {
		r.Failed = &nomadbackend.Failure{SpecHash: badHash, Reason: "deployment failed: tasks unhealthy"}
	})
	sp := planOf(t, mustPlan(ctx, t, bad, b, PlanOptions{}).Plan, "web")
	if sp.Action != plan.ActionSkip || !sp.Degraded || !strings.Contains(sp.Reason, "not applied again until Git changes") {
		t.Errorf("failed spec:\n%s", describe(sp))
	}
	// Git changed again: the new spec is planned normally.
	v2 := repotest.New(ns, repotest.Service{Name: "web", Image: "ecsgit-demo/app:2"}).WriteLoad(t, t.TempDir())
	if sp := planOf(t, mustPlan(ctx, t, v2, b, PlanOptions{}).Plan, "web"); sp.Action != plan.ActionUpdate || sp.Degraded {
		t.Errorf("new spec after failure:\n%s", describe(sp))
	}
	update(ctx, t, b, ns, func(r *nomadbackend.ServiceRecord) { r.Paused, r.PausedReason = true, "rolled back by alice" })
	if sp := planOf(t, mustPlan(ctx, t, v2, b, PlanOptions{}).Plan, "web"); sp.Action != plan.ActionSkip || !strings.Contains(sp.Reason, "alice") {
		t.Errorf("paused:\n%s", describe(sp))
	}
}

func update(ctx context.Context, t testing.TB, b *nomadbackend.Client, ns string, fn func(*nomadbackend.ServiceRecord)) {
	t.Helper()
	if _, err := b.UpdateServiceRecord(ctx, ns, "web", func(r *nomadbackend.ServiceRecord) error { fn(r); return nil }); err != nil {
		t.Fatal(err)
	}
}
