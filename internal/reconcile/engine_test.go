package reconcile

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// The engine's unit tests: planning and applying against the in-memory fakeCluster, in
// milliseconds, under -short. The real-cluster tests (*_cluster_test.go) check the same
// paths against Nomad.

const fakeSource = "unit-test"

func fakePlan(t *testing.T, f *fakeCluster, d *spec.Desired, opts PlanOptions) *Planned {
	t.Helper()
	opts.Source = fakeSource
	p, err := ComputePlanned(t.Context(), d, f, opts)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return p
}

func fakeApply(t *testing.T, f *fakeCluster, p *Planned) *Result {
	t.Helper()
	res, err := ApplyPlanned(t.Context(), f, p, ApplyOptions{Who: "test", PlacementTimeout: time.Minute})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return res
}

// failingRollout plays a deployment whose failed-task count goes through counts, asking
// the judge at each; when it says fail, the deployment fails and auto-revert runs (as
// Nomad reports it). seen collects the counts the judge was asked about.
func failingRollout(seen *[]int, counts ...int) func(func(nomadbackend.Observation) nomadbackend.Verdict) (nomadbackend.Outcome, error) {
	return func(judge func(nomadbackend.Observation) nomadbackend.Verdict) (nomadbackend.Outcome, error) {
		for _, n := range counts {
			*seen = append(*seen, n)
			v := judge(nomadbackend.Observation{Progress: nomadbackend.Progress{Desired: 2, Placed: 2, FailedTasks: n}})
			if v.Fail {
				return nomadbackend.Outcome{Status: nomadbackend.RolloutRolledBack,
					Reason: v.Reason + " (Deployment marked as failed - rolling back to job version 0)"}, nil
			}
		}
		return nomadbackend.Outcome{Status: nomadbackend.RolloutFailed, Reason: "Failed due to progress deadline"}, nil
	}
}

// interruptedRollout is a watch cut short (the apply was killed or timed out).
func interruptedRollout(func(nomadbackend.Observation) nomadbackend.Verdict) (nomadbackend.Outcome, error) {
	return nomadbackend.Outcome{}, context.Canceled
}

// Apply follows the dependency levels: a service starts only after the ones it runs
// after ended well, and a failed dependency skips its dependents.
func TestEngineApplyOrdersByDependencyLevels(t *testing.T) {
	svcs := []repotest.Service{{Name: "db", Count: 1}, {Name: "api", Count: 1, After: []string{"db"}},
		{Name: "web", Count: 1, After: []string{"api"}}, {Name: "cron", Count: 1}}
	t.Run("in order", func(t *testing.T) {
		f := newFakeCluster(t)
		res := fakeApply(t, f, fakePlan(t, f, repotest.New("default", svcs...).WriteLoad(t, t.TempDir()), PlanOptions{}))
		if !res.OK() {
			t.Fatalf("apply: %+v", res.Services)
		}
		pos := map[string]int{}
		for i, id := range f.callsOf("register ") {
			pos[id] = i
		}
		if len(pos) != 4 || !(pos["db"] < pos["api"] && pos["api"] < pos["web"]) {
			t.Fatalf("register order %v: want db before api before web", f.callsOf("register "))
		}
	})
	t.Run("a failed dependency skips its dependents", func(t *testing.T) {
		svcs := []repotest.Service{{Name: "db", Count: 1}, {Name: "api", Count: 1, After: []string{"db"}}, {Name: "cron", Count: 1}}
		f := newFakeCluster(t)
		var seen []int
		f.onRollout("db", failingRollout(&seen, 0))
		res := fakeApply(t, f, fakePlan(t, f, repotest.New("default", svcs...).WriteLoad(t, t.TempDir()), PlanOptions{}))
		for svc, want := range map[string]Status{"db": StatusFailed, "api": StatusSkipped, "cron": StatusApplied} {
			if r := result(t, res, svc); r.Status != want {
				t.Errorf("%s: %s (%s), want %s", svc, r.Status, r.Reason, want)
			}
		}
		if r := result(t, res, "api"); !strings.Contains(r.Reason, "runs after db") {
			t.Errorf("api's reason does not name db: %q", r.Reason)
		}
		if got := strings.Join(f.callsOf("register "), ","); strings.Contains(got, "api") {
			t.Errorf("the dependent of a failed service was registered: %s", got)
		}
	})
	t.Run("dependents of a skipped dependent are skipped too", func(t *testing.T) {
		// db fails → api is skipped → web (after api) must not be applied either;
		// cron depends on nothing and is applied.
		f := newFakeCluster(t)
		var seen []int
		f.onRollout("db", failingRollout(&seen, 0))
		res := fakeApply(t, f, fakePlan(t, f, repotest.New("default", svcs...).WriteLoad(t, t.TempDir()), PlanOptions{}))
		for svc, want := range map[string]Status{"db": StatusFailed, "api": StatusSkipped, "web": StatusSkipped, "cron": StatusApplied} {
			if r := result(t, res, svc); r.Status != want {
				t.Errorf("%s: %s (%s), want %s", svc, r.Status, r.Reason, want)
			}
		}
		if r := result(t, res, "web"); !strings.Contains(r.Reason, "runs after api") || !strings.Contains(r.Reason, "db did not succeed") {
			t.Errorf("web's reason does not name api and db: %q", r.Reason)
		}
		if got := strings.Join(f.callsOf("register "), ","); strings.Contains(got, "api") || strings.Contains(got, "web") {
			t.Errorf("a dependent of a failed service was registered: %s", got)
		}
	})
	t.Run("a skip the plan decided does not block its dependents", func(t *testing.T) {
		// A paused (or foreign) service is skipped by the plan, not because of a
		// failure: what runs after it is applied as before.
		f := newFakeCluster(t)
		dir := t.TempDir()
		two := []repotest.Service{{Name: "db", Count: 1}, {Name: "api", Count: 1, After: []string{"db"}}}
		fakeApply(t, f, fakePlan(t, f, repotest.New("default", two...).WriteLoad(t, dir), PlanOptions{}))
		rec := f.record("db")
		rec.Paused = true
		if err := f.WriteServiceRecord(t.Context(), rec); err != nil {
			t.Fatal(err)
		}
		two[0].Image, two[1].Image = "ecsgit-demo/app:2", "ecsgit-demo/app:2"
		res := fakeApply(t, f, fakePlan(t, f, repotest.New("default", two...).WriteLoad(t, dir), PlanOptions{}))
		for svc, want := range map[string]Status{"db": StatusSkipped, "api": StatusApplied} {
			if r := result(t, res, svc); r.Status != want {
				t.Errorf("%s: %s (%s), want %s", svc, r.Status, r.Reason, want)
			}
		}
	})
}

// Every write is bound to the index the plan saw: a job changed since the plan, or a
// concurrent apply planned against the same record, is refused with nothing written.
func TestEngineApplyRefusesWhatChangedSincePlan(t *testing.T) {
	svc := repotest.Service{Name: "web", Count: 2}
	t.Run("job changed in Nomad (EnforceIndex)", func(t *testing.T) {
		f := newFakeCluster(t)
		dir := t.TempDir()
		fakeApply(t, f, fakePlan(t, f, repotest.New("default", svc).WriteLoad(t, dir), PlanOptions{}))
		svc := svc
		svc.Image = "ecsgit-demo/app:2"
		p := fakePlan(t, f, repotest.New("default", svc).WriteLoad(t, dir), PlanOptions{})
		planned := planOf(t, p.Plan, "web").JobModifyIndex
		live := f.touch("web") // `nomad job run` by hand between plan and apply
		r := result(t, fakeApply(t, f, p), "web")
		want := "index " + strconv.FormatUint(planned, 10) + " → " + strconv.FormatUint(live, 10)
		if r.Status != StatusConflict || !strings.Contains(r.Reason, want) || r.Registered {
			t.Fatalf("apply after a change by hand: %s %q, want a conflict naming %q", r.Status, r.Reason, want)
		}
		if n := len(f.callsOf("register ")); n != 2 { // the first apply's, and the refused one
			t.Fatalf("%d register calls, want 2", n)
		}
		if rec := f.record("web"); rec.Revision != 1 || rec.Outcome != nomadbackend.OutcomeSucceeded {
			t.Fatalf("record after the refused apply: revision %d outcome %s", rec.Revision, rec.Outcome)
		}
	})
	t.Run("two applies of one plan state (record claim)", func(t *testing.T) {
		f := newFakeCluster(t)
		dir := t.TempDir()
		fakeApply(t, f, fakePlan(t, f, repotest.New("default", svc).WriteLoad(t, dir), PlanOptions{}))
		a, b := svc, svc
		a.Image, b.Image = "ecsgit-demo/app:2", "ecsgit-demo/app:broken"
		pa := fakePlan(t, f, repotest.New("default", a).WriteLoad(t, dir), PlanOptions{})
		pb := fakePlan(t, f, repotest.New("default", b).WriteLoad(t, t.TempDir()), PlanOptions{})
		if r := result(t, fakeApply(t, f, pa), "web"); r.Status != StatusApplied {
			t.Fatalf("first apply: %+v", r)
		}
		r := result(t, fakeApply(t, f, pb), "web")
		if r.Status != StatusConflict || !strings.Contains(r.Reason, "record index") {
			t.Fatalf("second apply of the same plan state: %s %q, want a record conflict", r.Status, r.Reason)
		}
		if n := len(f.callsOf("register ")); n != 2 {
			t.Fatalf("%d register calls, want 2 (the loser registers nothing)", n)
		}
	})
}

// An apply interrupted after its register leaves the record pending: the plan shows
// the service as progressing, and the next apply follows the rollout to its end and
// records it, without registering again.
func TestEngineResumesAfterACrash(t *testing.T) {
	f := newFakeCluster(t)
	dir := t.TempDir()
	svc := repotest.Service{Name: "web", Count: 2}
	fakeApply(t, f, fakePlan(t, f, repotest.New("default", svc).WriteLoad(t, dir), PlanOptions{}))
	svc.Image = "ecsgit-demo/app:2"
	d := repotest.New("default", svc).WriteLoad(t, dir)
	f.onRollout("web", interruptedRollout)
	if r := result(t, fakeApply(t, f, fakePlan(t, f, d, PlanOptions{})), "web"); r.Status != StatusTimeout || !r.Registered {
		t.Fatalf("interrupted apply: %+v", r)
	}
	if rec := f.record("web"); rec.Outcome != nomadbackend.OutcomePending {
		t.Fatalf("record after the interruption: %s", rec.Outcome)
	}

	p := fakePlan(t, f, d, PlanOptions{})
	if sp := planOf(t, p.Plan, "web"); sp.Action != plan.ActionUpdate || sp.Update != plan.UpdateMetadata || !strings.Contains(sp.Reason, "rollout") {
		t.Fatalf("plan while the rollout is pending: %s %s %q", sp.Action, sp.Update, sp.Reason)
	}
	if !plan.WouldChange(p.Plan) {
		t.Fatal("--detailed-exitcode while the rollout is pending would exit 0, want 2 (changes)")
	}
	r := result(t, fakeApply(t, f, p), "web")
	if r.Status != StatusApplied || !r.Resumed || r.TaskDefinition != "web:2" {
		t.Fatalf("resumed apply: %+v", r)
	}
	if n := len(f.callsOf("register ")); n != 2 {
		t.Fatalf("%d register calls, want 2: the resumed apply must not register again", n)
	}
	if rec := f.record("web"); rec.Outcome != nomadbackend.OutcomeSucceeded || rec.Revision != 2 {
		t.Fatalf("record after resuming: %s revision %d", rec.Outcome, rec.Revision)
	}
	if p := fakePlan(t, f, d, PlanOptions{}); planOf(t, p.Plan, "web").Action != plan.ActionNoop {
		t.Fatalf("plan after the resumed apply: %s", planOf(t, p.Plan, "web").Action)
	}
}

// The circuit breaker's threshold comes from the spec being rolled out, also when the
// rollout is resumed, and counts the failures the deployment already has.
func TestEngineBreakerThresholds(t *testing.T) {
	svc := repotest.Service{Name: "web", Count: 2, Breaker: true} // ECS: clamp(ceil(2/2), 3, 200) = 3
	t.Run("watched from the start", func(t *testing.T) {
		f := newFakeCluster(t)
		dir := t.TempDir()
		fakeApply(t, f, fakePlan(t, f, repotest.New("default", svc).WriteLoad(t, dir), PlanOptions{}))
		bad := svc
		bad.Env = map[string]string{"MODE": "fail"}
		var seen []int
		f.onRollout("web", failingRollout(&seen, 1, 2, 3, 4))
		r := result(t, fakeApply(t, f, fakePlan(t, f, repotest.New("default", bad).WriteLoad(t, dir), PlanOptions{})), "web")
		if r.Status != StatusRolledBack || !strings.Contains(r.Reason, "3 failed tasks reached the threshold of 3") {
			t.Fatalf("bad release: %s %q", r.Status, r.Reason)
		}
		if len(seen) != 3 {
			t.Errorf("the breaker tripped after observations %v, want at the third (3 failed)", seen)
		}
	})
	t.Run("resumed by a plan of another spec counts earlier failures", func(t *testing.T) {
		f := newFakeCluster(t)
		dir := t.TempDir()
		fakeApply(t, f, fakePlan(t, f, repotest.New("default", svc).WriteLoad(t, dir), PlanOptions{}))
		bad := svc
		bad.Env = map[string]string{"MODE": "fail"}
		f.onRollout("web", interruptedRollout)
		fakeApply(t, f, fakePlan(t, f, repotest.New("default", bad).WriteLoad(t, dir), PlanOptions{}))
		// Git moved on while the bad release ran unwatched: the unit is of the new spec,
		// the pending rollout's breaker must come from the record.
		next := svc
		next.Image = "ecsgit-demo/app:2"
		var seen []int
		f.onRollout("web", failingRollout(&seen, 4))
		r := result(t, fakeApply(t, f, fakePlan(t, f, repotest.New("default", next).WriteLoad(t, dir), PlanOptions{})), "web")
		if len(seen) != 1 || outcomeOfRevision(f.record("web"), 2) != nomadbackend.OutcomeRolledBack {
			t.Fatalf("the resumed watch did not trip at its first observation (4 failed ≥ 3): seen %v, history %+v", seen, f.record("web").History)
		}
		if r.Status != StatusApplied || r.TaskDefinition != "web:3" {
			t.Fatalf("the new spec after the resumed rollback: %+v", r)
		}
	})
	t.Run("no breaker, no tripping", func(t *testing.T) {
		f := newFakeCluster(t)
		dir := t.TempDir()
		plain := repotest.Service{Name: "web", Count: 2}
		fakeApply(t, f, fakePlan(t, f, repotest.New("default", plain).WriteLoad(t, dir), PlanOptions{}))
		plain.Env = map[string]string{"MODE": "fail"}
		var seen []int
		f.onRollout("web", failingRollout(&seen, 3, 10, 50))
		if r := result(t, fakeApply(t, f, fakePlan(t, f, repotest.New("default", plain).WriteLoad(t, dir), PlanOptions{})), "web"); r.Status != StatusFailed {
			t.Fatalf("without a circuit breaker: %s %q, want failed by Nomad's deadline", r.Status, r.Reason)
		}
	})
}

// The breaker's verdicts, observation by observation.
func TestBreakerJudge(t *testing.T) {
	obs := func(failed, unplaced int, mod func(*nomadbackend.Observation)) nomadbackend.Observation {
		o := nomadbackend.Observation{Progress: nomadbackend.Progress{Desired: 4, FailedTasks: failed}, Unplaced: unplaced}
		if unplaced > 0 {
			o.PlacementFailures = []string{`group "web": insufficient memory on 3 of 3 nodes`}
		}
		if mod != nil {
			mod(&o)
		}
		return o
	}
	cases := []struct {
		name      string
		threshold int
		obs       nomadbackend.Observation
		after     time.Duration // since the first unplaced observation
		fail      bool
		reason    string
	}{
		{"below the threshold", 3, obs(2, 0, nil), 0, false, ""},
		{"at the threshold", 3, obs(3, 0, nil), 0, true, "circuit breaker: 3 failed tasks reached the threshold of 3"},
		{"failures found on resuming count at once", 3, obs(7, 0, nil), 0, true, "7 failed tasks reached the threshold of 3"},
		{"no circuit breaker", 0, obs(50, 0, nil), 0, false, ""},
		{"the rollback deployment is never failed", 3, obs(9, 0, func(o *nomadbackend.Observation) { o.Revert = true }), 0, false, ""},
		{"unplaced within the deadline", 0, obs(0, 2, nil), 30 * time.Second, false, ""},
		{"unplaced past the deadline", 0, obs(0, 2, nil), 61 * time.Second, true, "could not place tasks: group \"web\": insufficient memory"},
		{"unplaced without placement failures is just slow", 0, obs(0, 2, func(o *nomadbackend.Observation) { o.PlacementFailures = nil }), time.Hour, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Unix(1000, 0)
			b := newBreaker(tc.threshold, time.Minute)
			b.now = func() time.Time { return now }
			v := b.judge(tc.obs)
			if tc.after > 0 {
				now = now.Add(tc.after)
				v = b.judge(tc.obs)
			}
			if v.Fail != tc.fail || !strings.Contains(v.Reason, tc.reason) {
				t.Fatalf("verdict %+v, want fail=%v with %q", v, tc.fail, tc.reason)
			}
			if v.Unplaceable != strings.HasPrefix(tc.reason, "could not place") {
				t.Errorf("unplaceable = %v", v.Unplaceable)
			}
		})
	}
}

// Prune never empties the cluster for an empty repository, and never touches a job of
// another source or one ecsgit does not manage.
func TestEnginePruneRefusals(t *testing.T) {
	t.Run("empty repository", func(t *testing.T) {
		f := newFakeCluster(t)
		dir := t.TempDir()
		fakeApply(t, f, fakePlan(t, f, repotest.Repo{Namespace: "default", Prune: true, Services: []repotest.Service{repotest.Service{Name: "web", Count: 1}, repotest.Service{Name: "api", Count: 1}}}.WriteLoad(t, dir), PlanOptions{}))
		empty := repotest.Repo{Namespace: "default", Prune: true}.WriteLoad(t, t.TempDir())
		p := fakePlan(t, f, empty, PlanOptions{Prune: true})
		for _, sp := range p.Plan.Services {
			if sp.Action != plan.ActionSkip || !strings.Contains(sp.Reason, "refusing to delete all 2 owned jobs") {
				t.Errorf("%s: %s %q, want a refusal", sp.Service, sp.Action, sp.Reason)
			}
		}
		fakeApply(t, f, p)
		if got := f.callsOf("deregister "); len(got) != 0 {
			t.Fatalf("an empty repository deregistered %v", got)
		}
		p = fakePlan(t, f, empty, PlanOptions{Prune: true, AllowEmptyPrune: true})
		if p.Plan.Summary.Delete != 2 {
			t.Fatalf("with AllowEmptyPrune: %+v, want 2 deletes", p.Plan.Summary)
		}
	})
	t.Run("foreign and unmanaged jobs", func(t *testing.T) {
		f := newFakeCluster(t)
		f.put(nomadbackend.LiveJob{ID: "web", ManagedBy: nomadjob.ManagedByValue, Source: "another-repo", Status: nomadbackend.JobRunning})
		f.put(nomadbackend.LiveJob{ID: "api", Status: nomadbackend.JobRunning})
		f.put(nomadbackend.LiveJob{ID: "legacy", ManagedBy: nomadjob.ManagedByValue, Source: "another-repo", Status: nomadbackend.JobRunning})
		p := fakePlan(t, f, repotest.Repo{Namespace: "default", Prune: true, Services: []repotest.Service{repotest.Service{Name: "web", Count: 1}, repotest.Service{Name: "api", Count: 1}}}.WriteLoad(t, t.TempDir()), PlanOptions{Prune: true})
		for svc, want := range map[string]string{"web": `belongs to ecsgit source "another-repo"`, "api": "does not manage"} {
			if sp := planOf(t, p.Plan, svc); sp.Action != plan.ActionSkip || !strings.Contains(sp.Reason, want) {
				t.Errorf("%s: %s %q, want a skip saying %q", svc, sp.Action, sp.Reason, want)
			}
		}
		for _, sp := range p.Plan.Services {
			if sp.Service == "legacy" {
				t.Errorf("another source's job is in the plan: %s %q", sp.Action, sp.Reason)
			}
		}
		fakeApply(t, f, p)
		if got := f.callsOf("register "); len(got) != 0 {
			t.Errorf("registered over jobs ecsgit does not own: %v", got)
		}
		if got := f.callsOf("deregister "); len(got) != 0 {
			t.Errorf("deregistered %v", got)
		}
	})
}

// outcomeOfRevision is the recorded outcome of the last history entry of revision rev.
func outcomeOfRevision(rec *nomadbackend.ServiceRecord, rev int) nomadbackend.RecordOutcome {
	for i := len(rec.History) - 1; i >= 0; i-- {
		if rec.History[i].Revision == rev {
			return rec.History[i].Outcome
		}
	}
	return ""
}
