package nomadbackend

import (
	"testing"

	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
)

// The job listing a plan reads instead of one job read per service (issue 12) shows
// every job of the namespace, ecsgit's or not, with the ownership meta and the same
// JobModifyIndex a job read gives.
func TestListJobsMatchesReadJob(t *testing.T) {
	c, ns := clusterClient(t)
	ctx := ctxT(t)
	if _, _, err := c.Register(ctx, WrapJob(testJob(ns, "web", "repo", 0, 64)), 0); err != nil {
		t.Fatal(err)
	}
	foreign := testJob(ns, "by-hand", "repo", 0, 64)
	foreign.Meta = nil // `nomad job run` by someone else
	if _, _, err := c.Register(ctx, WrapJob(foreign), 0); err != nil {
		t.Fatal(err)
	}
	listed, err := c.ListJobs(ctx, ns)
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != 2 {
		t.Fatalf("listed %d jobs, want 2: %+v", len(listed), listed)
	}
	live, err := c.ReadJob(ctx, ns, "web")
	if err != nil {
		t.Fatal(err)
	}
	web := listed["web"]
	if web.ManagedBy != nomadjob.ManagedByValue || web.Source != "repo" || web.JobModifyIndex != live.JobModifyIndex || web.Stopped {
		t.Errorf("listing of web: %+v, job read: %+v", web, live)
	}
	if got := web.Live(live.Version); *got != (LiveJob{ID: live.ID, Namespace: live.Namespace, Status: live.Status, Version: live.Version,
		JobModifyIndex: live.JobModifyIndex, ManagedBy: live.ManagedBy, Source: live.Source}) {
		t.Errorf("summary from the listing %+v, from the job read %+v (Desired aside)", got, live)
	}
	if h := listed["by-hand"]; h.ManagedBy != "" || h.JobModifyIndex == 0 {
		t.Errorf("listing of a job without ecsgit meta: %+v", h)
	}
}

// A register of a job with no tasks starts no deployment and places nothing: its
// rollout ends with the evaluation, which is what lets apply record pending and the
// outcome in one write.
func TestWaitEvaluationOfARegisterWithoutTasksHasEnded(t *testing.T) {
	c, ns := clusterClient(t)
	ctx := ctxT(t)
	evalID, _, err := c.Register(ctx, WrapJob(testJob(ns, "idle", "repo", 0, 64)), 0)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := c.WaitEvaluation(ctx, ns, evalID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !ev.Ended() || ev.ID != evalID {
		t.Fatalf("evaluation of a register of 0 tasks: %+v, want ended", ev)
	}
	out, err := c.FollowEvaluation(ctx, ns, "idle", ev, WatchOptions{}, nil)
	if err != nil || out.Status != RolloutSucceeded {
		t.Fatalf("following it: %+v %v", out, err)
	}
}
