package nomadbackend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestServiceRecordRoundTripAndCAS(t *testing.T) {
	c, ns := clusterClient(t)
	ctx := ctxT(t)
	if r, err := c.ReadServiceRecord(ctx, ns, "web"); r != nil || err != nil {
		t.Fatalf("absent record: %v %v", r, err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := &ServiceRecord{Namespace: ns, JobID: "web", Source: "repo", Family: "web", Revision: 3, SpecHash: "abc",
		TaskDefinition: json.RawMessage(`{"family":"web"}`), Service: json.RawMessage(`{"serviceName":"web"}`),
		Commit: &Commit{SHA: "deadbeef", Author: "a@b", Message: "fix"}, JobVersion: 2, JobModifyIndex: 99,
		Outcome: OutcomeSucceeded, AppliedAt: at, AppliedBy: "me@host",
		Failed: &Failure{SpecHash: "bad", Reason: "unhealthy", Time: at}, Paused: true, PausedReason: "manual rollback"}
	r.AddHistory(HistoryEntry{Revision: 3, Commit: "deadbeef", Time: at, Who: "me@host", Outcome: OutcomeSucceeded})
	if err := c.WriteServiceRecord(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := c.ReadServiceRecord(ctx, ns, "web")
	if err != nil {
		t.Fatal(err)
	}
	if got.ModifyIndex != r.ModifyIndex || got.TaskDefinitionRef() != "web:3" || got.Commit.SHA != "deadbeef" ||
		!got.FailedSpec("bad") || !got.Paused || len(got.History) != 1 || !got.AppliedAt.Equal(at) ||
		got.JobModifyIndex != 99 || string(got.Service) != `{"serviceName":"web"}` {
		t.Fatalf("round trip lost data: %+v", got)
	}
	// A writer holding a stale index loses.
	stale := *got
	got.Revision = 4
	if err := c.WriteServiceRecord(ctx, got); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteServiceRecord(ctx, &stale); !errors.Is(err, ErrRecordConflict) {
		t.Fatalf("stale write: %v, want ErrRecordConflict", err)
	}
	// UpdateServiceRecord retries through conflicts: 8 concurrent appends all land.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.UpdateServiceRecord(ctx, ns, "web", func(r *ServiceRecord) error {
				r.AddHistory(HistoryEntry{Revision: 10 + i, Who: "w"})
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	final, _ := c.ReadServiceRecord(ctx, ns, "web")
	if len(final.History) != 9 {
		t.Errorf("history has %d entries, want 9 (no lost update)", len(final.History))
	}
}

func TestAssignRevisionConcurrent(t *testing.T) {
	c, ns := clusterClient(t)
	ctx := ctxT(t)
	const n = 8
	revs := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			revs[i], err = c.AssignRevision(ctx, ns, "web", fmt.Sprintf("content-%d", i))
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	seen := map[int]bool{}
	for _, r := range revs {
		if r < 1 || r > n || seen[r] {
			t.Fatalf("revisions %v are not distinct numbers 1..%d", revs, n)
		}
		seen[r] = true
	}
	// The same content keeps its revision; new content gets the next one.
	if r, err := c.AssignRevision(ctx, ns, "web", "content-3"); err != nil || r != revs[3] {
		t.Errorf("same content: rev %d (%v), want %d", r, err, revs[3])
	}
	if r, err := c.AssignRevision(ctx, ns, "web", "content-new"); err != nil || r != n+1 {
		t.Errorf("new content: rev %d (%v), want %d", r, err, n+1)
	}
	f, err := c.ReadFamilyRecord(ctx, ns, "web")
	if err != nil || f.Latest != n+1 {
		t.Fatalf("family record latest %v (%v)", f, err)
	}
	if rev, known := f.RevisionFor("other"); known || rev != n+2 {
		t.Errorf("RevisionFor(new) = %d %v, want %d false", rev, known, n+2)
	}
}

func TestRecordsHonourContextAndPathRules(t *testing.T) {
	c, ns := clusterClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.ReadServiceRecord(ctx, ns, "web"); err == nil {
		t.Error("read with a cancelled context succeeded")
	}
	long := strings.Repeat("x", 200) + ".v2"
	r := &ServiceRecord{Namespace: ns, JobID: long, Family: "f", Outcome: OutcomePending}
	if err := c.WriteServiceRecord(ctxT(t), r); err != nil {
		t.Fatalf("a long job ID with a dot must still get a record: %v", err)
	}
	if got, err := c.ReadServiceRecord(ctxT(t), ns, long); err != nil || got == nil {
		t.Fatalf("read back: %v %v", got, err)
	}
}

// AssignRevisionFrom starts from what a plan read (here: every goroutine believes the
// family has no record, as the record listing of one plan showed): exactly one
// create-only write wins, the others fall back to the read-and-retry, and the numbers
// stay distinct and consecutive.
func TestAssignRevisionFromStaleRecordConcurrent(t *testing.T) {
	c, ns := clusterClient(t)
	ctx := ctxT(t)
	const n = 8
	known := EmptyFamilyRecord(ns, "api")
	revs := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			revs[i], err = c.AssignRevisionFrom(ctx, known, fmt.Sprintf("content-%d", i))
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	seen := map[int]bool{}
	for _, r := range revs {
		if r < 1 || r > n || seen[r] {
			t.Fatalf("revisions %v are not distinct numbers 1..%d", revs, n)
		}
		seen[r] = true
	}
	if len(known.Revisions) != 0 || known.Latest != 0 {
		t.Errorf("the plan's record was changed: %+v", known)
	}
	// From a record read before those writes: the same content keeps its revision.
	if r, err := c.AssignRevisionFrom(ctx, known, "content-5"); err != nil || r != revs[5] {
		t.Errorf("same content from a stale record: rev %d (%v), want %d", r, err, revs[5])
	}
}
