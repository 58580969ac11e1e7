package nomadbackend

import (
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/nomad/api"
)

func TestRegisterEnforcesIndex(t *testing.T) {
	c, ns := clusterClient(t)
	ctx := ctxT(t)
	job := testJob(ns, "web", "repo", 0, 64)

	_, idx, err := c.Register(ctx, WrapJob(job), 0)
	if err != nil {
		t.Fatalf("first register: %v", err)
	}
	// Index 0 means "must not exist": a second create is a conflict, typed.
	_, _, err = c.Register(ctx, WrapJob(testJob(ns, "web", "repo", 1, 64)), 0)
	var ce *ConflictError
	if !errors.Is(err, ErrConflict) || !errors.As(err, &ce) || !strings.Contains(ce.Detail, "already exists") {
		t.Fatalf("register at 0 over an existing job: got %v, want ErrConflict (already exists)", err)
	}
	_, _, err = c.Register(ctx, WrapJob(testJob(ns, "web", "repo", 1, 64)), idx+100)
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("register at a stale index: got %v, want ErrConflict", err)
	}
	if !errors.As(err, &ce) || ce.LiveIndex != idx {
		t.Fatalf("conflict at a stale index carries live index %d, want %d (%v)", ce.LiveIndex, idx, err)
	}
	_, idx2, err := c.Register(ctx, WrapJob(testJob(ns, "web", "repo", 1, 64)), idx)
	if err != nil || idx2 <= idx {
		t.Fatalf("register at the planned index: idx %d → %d, err %v", idx, idx2, err)
	}
	if _, err := c.Deregister(ctx, ns, "web", false); err != nil {
		t.Fatal(err)
	}
	live, err := c.ReadJob(ctx, ns, "web")
	if err != nil || !IsStopped(live) {
		t.Fatalf("after deregister: stopped=%v err=%v", IsStopped(live), err)
	}
}

func TestPlanJobReportsPlacementFailureAndWritesNothing(t *testing.T) {
	c, ns := clusterClient(t)
	ctx := ctxT(t)
	before, _, err := c.api.Evaluations().List(queryOpts(ctx, ns))
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.PlanJob(ctx, WrapJob(testJob(ns, "huge", "repo", 3, 10000))) // nodes have 4096 MB
	if err != nil {
		t.Fatal(err)
	}
	if d.DiffType != DiffAdded || d.Counts.Place != 3 {
		t.Errorf("diff %s place %d, want Added / 3", d.DiffType, d.Counts.Place)
	}
	want := `group "tasks": 3 tasks cannot be placed: insufficient memory on 3 of 3 nodes`
	if len(d.Failures) != 1 || d.Failures[0] != want {
		t.Errorf("failures = %q, want [%q]", d.Failures, want)
	}
	after, _, err := c.api.Evaluations().List(queryOpts(ctx, ns))
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("plan stored evaluations: %d → %d", len(before), len(after))
	}
	if j, err := c.ReadJob(ctx, ns, "huge"); j != nil || err != nil {
		t.Errorf("plan created the job (%v, %v)", j != nil, err)
	}
}

func TestListOwnedFiltersBySource(t *testing.T) {
	c, ns := clusterClient(t)
	ctx := ctxT(t)
	mine := testJob(ns, "mine", `repo "quoted"`, 0, 64)
	other := testJob(ns, "other", "another-repo", 0, 64)
	unowned := testJob(ns, "unowned", "", 0, 64)
	unowned.Meta = nil
	for _, j := range []*api.Job{mine, other, unowned} {
		if _, _, err := c.Register(ctx, WrapJob(j), 0); err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.ListOwned(ctx, ns, `repo "quoted"`)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "mine" {
		t.Fatalf("ListOwned = %+v, want only mine", got)
	}
	if own, why := OwnershipOf(liveJobOf(unowned), "x"); own != NotOwned || !strings.Contains(why, "does not manage") {
		t.Errorf("unowned: %v %q", own, why)
	}
	if own, _ := OwnershipOf(liveJobOf(other), `repo "quoted"`); own != OwnedByOther {
		t.Errorf("other source: %v", own)
	}
}
