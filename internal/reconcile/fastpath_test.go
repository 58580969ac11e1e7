package reconcile

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/repotest"
)

// splitFake is the fake cluster with the two optional parts the Nomad backend has: the
// watch in two halves (evaluationWaiter) and the bulk job listing (jobLister). It counts
// the calls the protocol of issue 19 removes. A register of a job with tasks starts a
// deployment (the rollout goes on after the evaluation); one of desiredCount 0 does not.
type splitFake struct {
	*fakeCluster
	mu                   sync.Mutex
	jobReads, recReads   int
	recWrites, listings  int
	familyAssigns        int
	interruptEvaluations bool // WaitEvaluation returns as a killed apply's would
}

var (
	_ evaluationWaiter = (*splitFake)(nil)
	_ jobLister        = (*splitFake)(nil)
)

func (s *splitFake) count(n *int) { s.mu.Lock(); *n++; s.mu.Unlock() }

func (s *splitFake) ReadJob(ctx context.Context, ns, id string) (*nomadbackend.LiveJob, error) {
	s.count(&s.jobReads)
	return s.fakeCluster.ReadJob(ctx, ns, id)
}

func (s *splitFake) ReadServiceRecord(ctx context.Context, ns, id string) (*nomadbackend.ServiceRecord, error) {
	s.count(&s.recReads)
	return s.fakeCluster.ReadServiceRecord(ctx, ns, id)
}

func (s *splitFake) WriteServiceRecord(ctx context.Context, r *nomadbackend.ServiceRecord) error {
	s.count(&s.recWrites)
	return s.fakeCluster.WriteServiceRecord(ctx, r)
}

func (s *splitFake) UpdateServiceRecord(ctx context.Context, ns, id string, fn func(*nomadbackend.ServiceRecord) error) (*nomadbackend.ServiceRecord, error) {
	s.count(&s.recWrites)
	return s.fakeCluster.UpdateServiceRecord(ctx, ns, id, fn)
}

func (s *splitFake) AssignRevision(ctx context.Context, ns, family, hash string) (int, error) {
	s.count(&s.familyAssigns)
	return s.fakeCluster.AssignRevision(ctx, ns, family, hash)
}

func (s *splitFake) ListJobs(_ context.Context, ns string) (map[string]nomadbackend.JobStub, error) {
	s.count(&s.listings)
	s.fakeCluster.mu.Lock()
	defer s.fakeCluster.mu.Unlock()
	out := map[string]nomadbackend.JobStub{}
	for id, j := range s.jobs {
		l := j.live
		out[id] = nomadbackend.JobStub{ID: id, Namespace: l.Namespace, Status: l.Status, Stopped: l.Stopped,
			JobModifyIndex: l.JobModifyIndex, ManagedBy: l.ManagedBy, Source: l.Source}
	}
	return out, nil
}

func (s *splitFake) WaitEvaluation(ctx context.Context, _, evalID string, _ time.Duration) (nomadbackend.Evaluation, error) {
	if s.interruptEvaluations {
		return nomadbackend.Evaluation{}, context.Canceled
	}
	id := strings.TrimPrefix(evalID, "eval-")
	live, _ := s.fakeCluster.ReadJob(ctx, "", id)
	ev := nomadbackend.Evaluation{ID: evalID}
	if live != nil && live.Desired > 0 {
		ev.DeploymentID = "dep-" + id
	}
	return ev, nil
}

func (s *splitFake) FollowEvaluation(ctx context.Context, ns, jobID string, ev nomadbackend.Evaluation, opts nomadbackend.WatchOptions, progress func(nomadbackend.Progress)) (nomadbackend.Outcome, error) {
	return s.fakeCluster.WatchRollout(ctx, ns, jobID, ev.ID, opts, progress)
}

func (s *splitFake) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobReads, s.recReads, s.recWrites, s.listings, s.familyAssigns = 0, 0, 0, 0, 0
}

func manyServices(n, count int) []repotest.Service {
	out := make([]repotest.Service, n)
	for i := range out {
		out[i] = repotest.Service{Name: fmt.Sprintf("svc-%02d", i), Count: count}
	}
	return out
}

func splitPlanApply(t *testing.T, s *splitFake, dir string, svcs []repotest.Service) *Result {
	t.Helper()
	p, err := ComputePlanned(t.Context(), repotest.New("default", svcs...).WriteLoad(t, dir), s, PlanOptions{Source: fakeSource})
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	res, err := ApplyPlanned(t.Context(), s, p, ApplyOptions{Who: "test", PlacementTimeout: time.Minute})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return res
}

// Issue 19: a register whose rollout ends with its evaluation (desiredCount 0) costs two
// record writes (the claim, then pending and outcome in one), and apply reads no record
// the plan just read; a register that starts a deployment keeps the pending write
// before its watch (three writes). The plan lists the jobs once and reads none of the
// new services' jobs.
func TestApplyWritesPerService(t *testing.T) {
	const n = 20 // ≥ listJobsFrom
	for _, tc := range []struct {
		name         string
		count        int
		writesPerSvc int
	}{
		{"no deployment: claim + recorded outcome", 0, 2},
		{"deployment: claim + pending + outcome", 1, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &splitFake{fakeCluster: newFakeCluster(t)}
			res := splitPlanApply(t, s, t.TempDir(), manyServices(n, tc.count))
			for _, r := range res.Services {
				if r.Status != StatusApplied || r.TaskDefinition != r.Service+":1" {
					t.Fatalf("%s: %+v", r.Service, r)
				}
				if rec := s.record(r.Service); rec.Outcome != nomadbackend.OutcomeSucceeded || rec.Claim != "" || rec.Revision != 1 ||
					rec.JobModifyIndex == 0 || len(rec.History) != 1 || rec.History[0].Outcome != nomadbackend.OutcomeSucceeded {
					t.Fatalf("record of %s: %+v", r.Service, rec)
				}
				// The daemon tells the events of its own registers from drift by it.
				if rec := s.record(r.Service); r.JobModifyIndex != rec.JobModifyIndex {
					t.Errorf("%s: result's JobModifyIndex %d, recorded %d", r.Service, r.JobModifyIndex, rec.JobModifyIndex)
				}
			}
			if s.listings != 1 || s.recReads != n || s.recWrites != tc.writesPerSvc*n || s.familyAssigns != n {
				t.Errorf("listings %d, record reads %d, record writes %d, revision assignments %d; want 1, %d, %d, %d",
					s.listings, s.recReads, s.recWrites, s.familyAssigns, n, tc.writesPerSvc*n, n)
			}
			if want := n; tc.count == 0 && s.jobReads != want { // one read after each register, none in the plan
				t.Errorf("%d job reads, want %d", s.jobReads, want)
			}

			// A no-op plan and apply: one record read per service, no job read, no family
			// record read, no write.
			s.reset()
			res = splitPlanApply(t, s, t.TempDir(), manyServices(n, tc.count))
			for _, r := range res.Services {
				if r.Status != StatusUnchanged {
					t.Fatalf("second apply, %s: %+v", r.Service, r)
				}
			}
			if s.jobReads != 0 || s.recReads != n || s.recWrites != 0 || s.familyAssigns != 0 {
				t.Errorf("no-op: job reads %d, record reads %d, record writes %d, revision assignments %d; want 0, %d, 0, 0",
					s.jobReads, s.recReads, s.recWrites, s.familyAssigns, n)
			}
		})
	}
}

// An apply killed after its register and before the record write that now carries both
// pending and the outcome leaves only the claim: the next plan finds the job as it
// would register it (no drift, Nomad diff None) and apply records it without
// registering again.
func TestApplyInterruptedBeforeTheMergedWrite(t *testing.T) {
	s := &splitFake{fakeCluster: newFakeCluster(t), interruptEvaluations: true}
	dir := t.TempDir()
	svcs := manyServices(1, 0)
	if r := result(t, splitPlanApply(t, s, dir, svcs), "svc-00"); r.Status != StatusTimeout || !r.Registered {
		t.Fatalf("interrupted apply: %+v", r)
	}
	if rec := s.record("svc-00"); rec == nil || rec.Claim == "" || rec.Outcome != "" {
		t.Fatalf("record after the interruption, want the claim only: %+v", rec)
	}
	s.interruptEvaluations = false
	p, err := ComputePlanned(t.Context(), repotest.New("default", svcs...).WriteLoad(t, dir), s, PlanOptions{Source: fakeSource})
	if err != nil {
		t.Fatal(err)
	}
	if sp := planOf(t, p.Plan, "svc-00"); sp.Drifted || sp.Action != plan.ActionUpdate || sp.NomadDiffType != string(nomadbackend.DiffNone) {
		t.Fatalf("plan after the interruption: %+v", sp)
	}
	res, err := ApplyPlanned(t.Context(), s, p, ApplyOptions{Who: "test", PlacementTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if r := result(t, res, "svc-00"); r.Status != StatusRecorded || r.Registered {
		t.Fatalf("resumed apply: %+v", r)
	}
	if n := len(s.callsOf("register ")); n != 1 {
		t.Fatalf("%d registers, want 1", n)
	}
	if rec := s.record("svc-00"); rec.Outcome != nomadbackend.OutcomeSucceeded || rec.Claim != "" {
		t.Fatalf("record after resuming: %+v", rec)
	}
}

// A daemon pass (PlanOptions.Reuse) lists the namespace's jobs, as a plan does, when 16
// or more of its services have no earlier reads to reuse: the pass after the first one
// at 5,000 services read every job and record one by one (54 s). A pass that reuses
// nearly everything still reads its few services one by one, and both plan the same.
func TestDaemonPassListsWhenManyServicesAreUnread(t *testing.T) {
	s := &splitFake{fakeCluster: newFakeCluster(t)}
	dir := t.TempDir()
	svcs := manyServices(20, 0)
	if res := splitPlanApply(t, s, dir, svcs); !res.OK() {
		t.Fatalf("apply: %+v", res.Services)
	}
	d := repotest.New("default", svcs...).WriteLoad(t, dir)
	first, err := ComputePlanned(t.Context(), d, s, PlanOptions{Source: fakeSource})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		reusable     int // services the pass has earlier reads of
		wantListings int
	}{
		{reusable: 20, wantListings: 0},
		{reusable: 10, wantListings: 0}, // 10 unread: read one by one
		{reusable: 4, wantListings: 1},  // 16 unread
		{reusable: 0, wantListings: 1},
	} {
		t.Run(fmt.Sprintf("reusable=%d", tc.reusable), func(t *testing.T) {
			kept := map[string]*PlannedService{}
			for _, svc := range svcs[:tc.reusable] {
				ps := first.Services[svc.Name] // no jobPrefix: the job ID is the service name
				if ps == nil {
					t.Fatalf("no planned service %s", svc.Name)
				}
				kept[svc.Name] = ps.ForReuse()
			}
			s.reset()
			p, err := ComputePlanned(t.Context(), d, s, PlanOptions{Source: fakeSource,
				Reuse: func(jobID string) *PlannedService { return kept[jobID] }})
			if err != nil {
				t.Fatal(err)
			}
			if s.listings != tc.wantListings {
				t.Errorf("listings = %d, want %d", s.listings, tc.wantListings)
			}
			if sum := p.Plan.Summary; sum != (plan.Summary{Unchanged: len(svcs)}) {
				t.Errorf("plan summary = %+v, want %d unchanged and nothing else", sum, len(svcs))
			}
			if p.Reused != tc.reusable {
				t.Errorf("reused = %d, want %d", p.Reused, tc.reusable)
			}
		})
	}
}
