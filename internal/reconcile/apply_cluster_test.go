package reconcile

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/repotest"
)

// TestApplyBadReleaseRollsBackAndIsNotRetried: app:broken fails its health check, the
// circuit breaker fails the deployment and auto-revert brings back app:1; apply reports
// the cause; the next plan of the same Git state shows the service degraded and a second
// apply writes nothing to Nomad (decision 8).
func TestApplyBadReleaseRollsBackAndIsNotRetried(t *testing.T) {
	t.Parallel()
	e := newApplyEnv(t)
	ctx := applyCtx(t, 5*time.Minute)
	dir := t.TempDir()
	svc := repotest.Service{Name: "web", Count: 2, HealthCheck: true, Breaker: true}
	first := e.mustApply(ctx, t, repotest.New(e.Namespace, svc).WriteLoad(t, dir))
	if r := result(t, first, "web"); r.TaskDefinition != "web:1" {
		t.Fatalf("first apply: %+v", r)
	}

	svc.Image = "ecsgit-demo/app:broken"
	res := e.apply(ctx, t, e.plan(ctx, t, repotest.New(e.Namespace, svc).WriteLoad(t, dir)))
	r := result(t, res, "web")
	if r.Status != StatusRolledBack || res.OK() {
		t.Fatalf("bad release: %+v", r)
	}
	if !strings.Contains(r.Reason, "check") || !strings.Contains(r.Reason, "web:1") {
		t.Errorf("reason does not name the failing check and the revision rolled back to: %s", r.Reason)
	}
	if img := e.liveImage(t, "web"); img != "ecsgit-demo/app:1" {
		t.Fatalf("after the rollback the job runs %s", img)
	}
	e.WaitHealthy("web", 2, time.Minute)
	rec, err := e.Backend.ReadServiceRecord(ctx, e.Namespace, "web")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Failed == nil || rec.Outcome != nomadbackend.OutcomeRolledBack || rec.Revision != 1 {
		t.Fatalf("record after rollback: outcome %s revision %d failed %+v", rec.Outcome, rec.Revision, rec.Failed)
	}
	if h := rec.History[len(rec.History)-1]; h.Revision != 2 || h.Outcome != nomadbackend.OutcomeRolledBack || h.Who != "test" {
		t.Fatalf("last history entry %+v", h)
	}

	// Same Git state again: degraded, not retried, zero writes.
	before := e.writes(t)
	p := e.plan(ctx, t, repotest.New(e.Namespace, svc).WriteLoad(t, dir))
	sp := planOf(t, p.Plan, "web")
	if !sp.Degraded || sp.Action != plan.ActionSkip {
		t.Fatalf("second plan: %s %q degraded=%v", sp.Action, sp.Reason, sp.Degraded)
	}
	res = e.apply(ctx, t, p)
	if r := result(t, res, "web"); r.Status != StatusDegraded || res.Registered() != 0 {
		t.Fatalf("second apply: %+v", r)
	}
	if after := e.writes(t); !after.equal(before) {
		t.Fatalf("second apply wrote to Nomad:\nbefore %+v\nafter  %+v", before, after)
	}

	// A new commit that fixes the service is applied again and clears the memory.
	svc.Image = "ecsgit-demo/app:2"
	fixed := e.mustApply(ctx, t, repotest.New(e.Namespace, svc).WriteLoad(t, dir))
	if r := result(t, fixed, "web"); r.TaskDefinition != "web:3" {
		t.Fatalf("fixed release: %+v", r)
	}
}

// TestApplyConcurrentChangesOneWins: two applies planned against the same job version,
// with different changes: EnforceIndex lets exactly one register; the other reports the
// conflict and writes nothing, so no update is lost silently.
func TestApplyConcurrentChangesOneWins(t *testing.T) {
	t.Parallel()
	e := newApplyEnv(t)
	ctx := applyCtx(t, 4*time.Minute)
	dirA, dirB := t.TempDir(), t.TempDir()
	base := repotest.Service{Name: "web", Count: 1}
	e.mustApply(ctx, t, repotest.New(e.Namespace, base).WriteLoad(t, dirA))

	// A no-op apply writes nothing at all.
	before := e.writes(t)
	noop := e.apply(ctx, t, e.plan(ctx, t, repotest.New(e.Namespace, base).WriteLoad(t, dirA)))
	if r := result(t, noop, "web"); r.Status != StatusUnchanged {
		t.Fatalf("no-op apply: %+v", r)
	}
	if after := e.writes(t); !after.equal(before) {
		t.Fatalf("no-op apply wrote to Nomad:\nbefore %+v\nafter  %+v", before, after)
	}

	a, b := base, base
	a.Image = "ecsgit-demo/app:2"
	b.Env = map[string]string{"GREETING": "from-b"}
	pa := e.plan(ctx, t, repotest.New(e.Namespace, a).WriteLoad(t, dirA))
	pb := e.plan(ctx, t, repotest.New(e.Namespace, b).WriteLoad(t, dirB))
	var ra, rb *Result
	var wg sync.WaitGroup
	wg.Go(func() { ra = e.apply(ctx, t, pa) })
	wg.Go(func() { rb = e.apply(ctx, t, pb) })
	wg.Wait()
	sa, sb := result(t, ra, "web"), result(t, rb, "web")
	winner, loser := sa, sb
	wantImage, wantEnv := "ecsgit-demo/app:2", ""
	if sb.Status == StatusApplied {
		winner, loser = sb, sa
		wantImage, wantEnv = "ecsgit-demo/app:1", "from-b"
	}
	if winner.Status != StatusApplied || loser.Status != StatusConflict || loser.Registered {
		t.Fatalf("want one applied and one conflict: %+v / %+v", sa, sb)
	}
	if !strings.Contains(loser.Reason, "since the plan") || !strings.Contains(loser.Reason, "run plan again") {
		t.Errorf("conflict reason: %s", loser.Reason)
	}
	job, _, err := e.Client.Jobs().Info("web", e.QueryOptions())
	if err != nil {
		t.Fatal(err)
	}
	task := job.TaskGroups[0].Tasks[0]
	if task.Config["image"] != wantImage || task.Env["GREETING"] != wantEnv {
		t.Fatalf("live job has image %v env %v; the winner's change should be live", task.Config["image"], task.Env)
	}
	// The loser's change is not lost: planning it again shows it, and it applies.
	loserDir, loserSvc := dirB, b
	if sb.Status == StatusApplied {
		loserDir, loserSvc = dirA, a
	}
	again := e.plan(ctx, t, repotest.New(e.Namespace, loserSvc).WriteLoad(t, loserDir))
	if sp := planOf(t, again.Plan, "web"); sp.Action != plan.ActionUpdate {
		t.Fatalf("re-plan of the losing change: %s", sp.Action)
	}
	if r := result(t, e.apply(ctx, t, again), "web"); r.Status != StatusApplied {
		t.Fatalf("re-applied losing change: %+v", r)
	}
}

// TestApplyPruneOwnedOnly: a service removed from the repository is deleted only when
// prune is on and after the plan listed it; a job ecsgit does not own is never touched;
// an empty repository prunes nothing.
func TestApplyPruneOwnedOnly(t *testing.T) {
	t.Parallel()
	e := newApplyEnv(t)
	ctx := applyCtx(t, 4*time.Minute)
	dir := t.TempDir()
	web, worker := repotest.Service{Name: "web", Count: 1}, repotest.Service{Name: "worker", Count: 1}
	e.mustApply(ctx, t, repotest.New(e.Namespace, web, worker).WriteLoad(t, dir))
	e.Register(unownedJob("handmade"))

	// Prune off: the removed service is shown as skipped and kept.
	p := e.plan(ctx, t, repotest.New(e.Namespace, web).WriteLoad(t, dir))
	if sp := planOf(t, p.Plan, "worker"); sp.Action != plan.ActionSkip {
		t.Fatalf("prune off: worker is %q", sp.Action)
	}
	e.apply(ctx, t, p)
	if status(t, e, "worker") != "running" {
		t.Fatal("worker was stopped with prune off")
	}

	// Empty repository with prune on: nothing is deleted.
	p = e.plan(ctx, t, repotest.Repo{Namespace: e.Namespace, Prune: true}.WriteLoad(t, dir))
	if p.Plan.Summary.Delete != 0 {
		t.Fatalf("empty repository plans %d deletes", p.Plan.Summary.Delete)
	}

	// Prune on: the plan lists worker as a delete, and only it; apply stops only it.
	p = e.plan(ctx, t, repotest.Repo{Namespace: e.Namespace, Prune: true, Services: []repotest.Service{web}}.WriteLoad(t, dir))
	if sp := planOf(t, p.Plan, "worker"); sp.Action != plan.ActionDelete {
		t.Fatalf("prune on: worker is %q", sp.Action)
	}
	for _, sp := range p.Plan.Services {
		if sp.JobID == "handmade" {
			t.Fatalf("the unowned job is in the plan: %+v", sp)
		}
	}
	res := e.apply(ctx, t, p)
	if r := result(t, res, "worker"); r.Status != StatusDeleted {
		t.Fatalf("prune: %+v", r)
	}
	if job, err := e.Backend.ReadJob(ctx, e.Namespace, "worker"); err != nil || !nomadbackend.IsStopped(job) {
		t.Fatalf("worker not stopped after prune: %v", err)
	}
	for _, id := range []string{"web", "handmade"} {
		if s := status(t, e, id); s != "running" && s != "pending" {
			t.Fatalf("%s is %s after prune", id, s)
		}
	}
	rec, err := e.Backend.ReadServiceRecord(ctx, e.Namespace, "worker")
	if err != nil || rec.Outcome != nomadbackend.OutcomeDeleted {
		t.Fatalf("worker record after prune: %+v %v", rec, err)
	}
}

func unownedJob(id string) *api.Job {
	job := api.NewServiceJob(id, id, "global", 50)
	job.Datacenters = []string{"*"}
	tg := api.NewTaskGroup("app", 1)
	task := api.NewTask("app", "docker")
	task.Config = map[string]any{"image": "ecsgit-demo/app:1"}
	task.Resources = &api.Resources{CPU: new(50), MemoryMB: new(32)}
	tg.AddTask(task)
	job.AddTaskGroup(tg)
	return job
}

func status(t *testing.T, e *applyEnv, id string) string {
	t.Helper()
	job, _, err := e.Client.Jobs().Info(id, e.QueryOptions())
	if err != nil {
		t.Fatal(err)
	}
	return *job.Status
}

// TestApplyRenameStopsOldAfterNewIsHealthy: a service renamed in one commit (the new job
// created, the old one pruned) keeps its old tasks until the new ones are healthy, as
// ECS keeps a replaced service's tasks until the new deployment is steady. The check runs
// when apply starts the prune: the new service's deployment must already be successful.
// (Without applyLevels both are one level and the prune starts with the create: checked.)
func TestApplyRenameStopsOldAfterNewIsHealthy(t *testing.T) {
	t.Parallel()
	e := newApplyEnv(t)
	ctx := applyCtx(t, 4*time.Minute)
	dir := t.TempDir()
	e.mustApply(ctx, t, repotest.New(e.Namespace, repotest.Service{Name: "old-name", Count: 1, HealthCheck: true}).WriteLoad(t, dir))

	p := e.plan(ctx, t, repotest.Repo{Namespace: e.Namespace, Prune: true, Services: []repotest.Service{repotest.Service{Name: "new-name", Count: 2, HealthCheck: true}}}.WriteLoad(t, dir))
	if sp := planOf(t, p.Plan, "old-name"); sp.Action != plan.ActionDelete || !strings.Contains(sp.Reason, "stopped only after the 1 created or updated services of this apply are healthy") {
		t.Fatalf("the plan does not say when the old job stops:\n%+v", sp)
	}
	var atPrune string
	res, err := ApplyPlanned(ctx, e.Backend, p, ApplyOptions{Who: "test", Poll: 500 * time.Millisecond, PlacementTimeout: 30 * time.Second,
		Events: func(ev Event) {
			if ev.Kind != EventStart || ev.Service != "old-name" {
				return
			}
			deps, _, err := e.Client.Jobs().Deployments("new-name", false, e.QueryOptions())
			switch {
			case err != nil:
				atPrune = err.Error()
			case len(deps) == 0:
				atPrune = "no deployment yet"
			default:
				atPrune = deps[0].Status
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		t.Fatalf("apply: %+v", res.Services)
	}
	if atPrune != api.DeploymentStatusSuccessful {
		t.Fatalf("the old job's prune started while the new service's deployment was %q, want %q", atPrune, api.DeploymentStatusSuccessful)
	}
	if r := result(t, res, "old-name"); r.Status != StatusDeleted {
		t.Fatalf("old-name: %+v", r)
	}
}

// TestInterruptedRegisterIsNotDrift (fault trial D6): an apply killed between its
// register and its record write left a job ecsgit registered itself. The next plan must
// not call that drift (CI reviewers and ecsgit_drifted_services would see a change
// nobody made); apply records it without registering again. The kill is reproduced by
// running the apply's first two steps (claim, register) and stopping there.
func TestInterruptedRegisterIsNotDrift(t *testing.T) {
	t.Parallel()
	e := newApplyEnv(t)
	ctx := applyCtx(t, 3*time.Minute)
	dir := t.TempDir()
	e.mustApply(ctx, t, repotest.New(e.Namespace, repotest.Service{Name: "web", Count: 1}).WriteLoad(t, dir))

	p := e.plan(ctx, t, repotest.New(e.Namespace, repotest.Service{Name: "web", Count: 1, Env: map[string]string{"V": "2"}}).WriteLoad(t, dir))
	units, err := UnitsFromPlanned(p)
	if err != nil {
		t.Fatal(err)
	}
	sp := planOf(t, p.Plan, "web")
	a := &applier{b: e.Backend, ns: e.Namespace, opts: ApplyOptions{Who: "test"}.withDefaults(), results: map[string]*ServiceResult{}}
	if r, ok := a.claim(ctx, sp, units["web"], false); !ok {
		t.Fatalf("claim: %+v", r)
	}
	if _, _, err := e.Backend.Register(ctx, units["web"].Job, sp.JobModifyIndex); err != nil {
		t.Fatal(err)
	}
	// killed here: no pending record

	// An apply of another spec planned now (a racing apply, found by the fault suite)
	// must not call the first apply's register drift either.
	other := e.plan(ctx, t, repotest.New(e.Namespace, repotest.Service{Name: "web", Count: 1, Env: map[string]string{"V": "3"}}).WriteLoad(t, dir))
	if sp := planOf(t, other.Plan, "web"); sp.Drifted || !strings.Contains(sp.Reason, "another ecsgit apply registered this service") {
		t.Fatalf("a racing apply's plan reports the first apply's register as drift:\n%+v", sp)
	}

	again := e.plan(ctx, t, repotest.New(e.Namespace, repotest.Service{Name: "web", Count: 1, Env: map[string]string{"V": "2"}}).WriteLoad(t, dir))
	sp = planOf(t, again.Plan, "web")
	if sp.Drifted || again.Plan.Summary.Drifted != 0 {
		t.Fatalf("ecsgit's own interrupted register is reported as drift:\n%+v", sp)
	}
	if sp.Action != plan.ActionUpdate || sp.Update != plan.UpdateMetadata || !strings.Contains(sp.Reason, "interrupted before recording it") {
		t.Fatalf("plan after the interrupted register: %+v", sp)
	}
	res := e.apply(ctx, t, again)
	if r := result(t, res, "web"); r.Status != StatusRecorded || r.Registered {
		t.Fatalf("apply after the interrupted register: %+v", r)
	}
}

// TestForeignRegisterDuringRolloutIsNamed (fault trial D9): a job registered by someone
// else while ecsgit follows its rollout cancels ecsgit's deployment. The result must say
// that another writer registered a newer version, not only Nomad's "Cancelled due to
// newer version of job".
func TestForeignRegisterDuringRolloutIsNamed(t *testing.T) {
	t.Parallel()
	e := newApplyEnv(t)
	ctx := applyCtx(t, 3*time.Minute)
	dir := t.TempDir()
	e.mustApply(ctx, t, repotest.New(e.Namespace, repotest.Service{Name: "web", Count: 1, HealthCheck: true}).WriteLoad(t, dir))

	p := e.plan(ctx, t, repotest.New(e.Namespace, repotest.Service{Name: "web", Count: 1, HealthCheck: true, Env: map[string]string{"V": "2"}}).WriteLoad(t, dir))
	var once sync.Once
	res, err := ApplyPlanned(ctx, e.Backend, p, ApplyOptions{Who: "test", Poll: 500 * time.Millisecond, PlacementTimeout: 30 * time.Second,
		Events: func(ev Event) {
			if ev.Kind != EventProgress || ev.Service != "web" {
				return
			}
			once.Do(func() {
				job, _, err := e.Client.Jobs().Info("web", e.QueryOptions())
				if err != nil {
					t.Error(err)
					return
				}
				job.TaskGroups[0].Tasks[0].Env["V"] = "someone else"
				if _, _, err := e.Client.Jobs().Register(job, e.WriteOptions()); err != nil {
					t.Error(err)
				}
			})
		}})
	if err != nil {
		t.Fatal(err)
	}
	r := result(t, res, "web")
	if !r.Status.Failed() || !strings.Contains(r.Reason, "another writer registered job version") {
		t.Fatalf("a rollout cancelled by a foreign register: %+v", r)
	}
}
