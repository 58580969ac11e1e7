package syncloop

import (
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/reconcile"
)

// A fake clock the cache reads; tests move it forward explicitly.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }

// unchangedPlan is a reconcile.Planned with one service planned as unchanged, read at readAt.
func unchangedPlan(id string, readAt time.Time) *reconcile.Planned {
	idx := uint64(42)
	ps := &reconcile.PlannedService{
		Translation: &nomadjob.Translation{},
		Live:        &nomadbackend.LiveJob{ID: id, JobModifyIndex: idx},
		Record:      &nomadbackend.ServiceRecord{JobID: id, JobModifyIndex: 42, SpecHash: "h1", Outcome: nomadbackend.OutcomeSucceeded, Family: id, Revision: 3},
		ReadAt:      readAt,
	}
	sp := plan.ServicePlan{JobID: id, Action: plan.ActionNoop, SpecHash: "h1", JobModifyIndex: 42, OldTaskDefinition: id + ":3", NewTaskDefinition: id + ":3"}
	return &reconcile.Planned{Plan: &plan.Plan{Services: []plan.ServicePlan{sp}}, Services: map[string]*reconcile.PlannedService{id: ps}}
}

// The cache hands back an earlier read only while the event stream vouches for it:
// subscribed before the read, no event for the job since, younger than the maximum age.
func TestReadCacheTrustsOnlyWhatTheStreamVouchesFor(t *testing.T) {
	cases := []struct {
		name string
		run  func(c *readCache, clk *fakeClock) // after a read at clk's time, remembered
		want bool
	}{
		{"subscribed, quiet, young", func(c *readCache, clk *fakeClock) { clk.add(time.Minute) }, true},
		{"event for the job after the read", func(c *readCache, clk *fakeClock) { clk.add(time.Second); c.jobEvent("web") }, false},
		{"event for another job", func(c *readCache, clk *fakeClock) { clk.add(time.Second); c.jobEvent("api") }, true},
		{"stream interrupted", func(c *readCache, clk *fakeClock) { c.interrupted(); c.subscribed() }, false},
		{"max age reached", func(c *readCache, clk *fakeClock) { clk.add(10 * time.Minute) }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, clk := subscribedReadCache()
			c.remember(unchangedPlan("web", clk.now()))
			tc.run(c, clk)
			if got := c.lookup("web") != nil; got != tc.want {
				t.Errorf("reused = %v, want %v", got, tc.want)
			}
		})
	}
}

// Reads that began before the stream was subscribed, or while it was down, may have
// missed a change: never reused. An event that arrived while the pass that read the
// job was still running (before remember) still voids the read.
func TestReadCacheOrdering(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_000_000, 0)}
	c := newReadCache(10 * time.Minute)
	c.now = clk.now

	c.remember(unchangedPlan("web", clk.now()))
	if c.lookup("web") != nil {
		t.Fatal("reused a read while the stream was not subscribed")
	}
	readBefore := clk.now()
	clk.add(time.Second)
	c.subscribed()
	c.remember(unchangedPlan("web", readBefore))
	if c.lookup("web") != nil {
		t.Fatal("reused a read that began before the stream was subscribed")
	}

	clk.add(time.Second)
	readAt := clk.now()
	clk.add(time.Second)
	c.jobEvent("web") // during the pass, after its read
	c.remember(unchangedPlan("web", readAt))
	if c.lookup("web") != nil {
		t.Fatal("reused a read older than an event for its job")
	}

	clk.add(time.Second)
	c.remember(unchangedPlan("web", clk.now()))
	if c.lookup("web") == nil {
		t.Fatal("a read after the last event should be reused")
	}
	disabled := newReadCache(0)
	disabled.subscribed()
	disabled.remember(unchangedPlan("web", clk.now()))
	if disabled.reuseFunc() != nil || disabled.lookup("web") != nil {
		t.Fatal("--full-read-interval 0 must read every service")
	}
}

// Only services planned as unchanged are kept; a service that left the plan is forgotten.
func TestReadCacheRemembersOnlyUnchanged(t *testing.T) {
	c, clk := subscribedReadCache()
	p := unchangedPlan("web", clk.now())
	c.remember(p)
	if c.lookup("web") == nil {
		t.Fatal("unchanged service not kept")
	}
	p.Plan.Services[0].Action = plan.ActionUpdate
	c.remember(p)
	if c.lookup("web") != nil {
		t.Fatal("a service planned for update was kept")
	}
	c.remember(unchangedPlan("api", clk.now()))
	if c.lookup("web") != nil || c.lookup("api") == nil {
		t.Fatal("remember must replace what an earlier pass kept")
	}
}

// The listing of the source's jobs is handed back while no event since it began concerns
// a job the pass does not plan (those are the only ones prune looks at).
func TestReadCacheReusesTheOwnedListingOnlyForDesiredJobsEvents(t *testing.T) {
	desired := map[string]bool{"web": true, "api": true}
	cases := []struct {
		name string
		run  func(c *readCache, clk *fakeClock) // after a listing at clk's time, remembered
		want bool
	}{
		{"quiet", func(c *readCache, clk *fakeClock) { clk.add(time.Minute) }, true},
		{"ecsgit registered a desired service", func(c *readCache, clk *fakeClock) { clk.add(time.Second); c.jobEvent("web") }, true},
		{"a job outside the repository changed", func(c *readCache, clk *fakeClock) { clk.add(time.Second); c.jobEvent("old") }, false},
		{"a new job appeared", func(c *readCache, clk *fakeClock) { clk.add(time.Second); c.jobEvent("new") }, false},
		{"an event during the listing", func(c *readCache, clk *fakeClock) { c.jobEvent("old") }, false},
		{"stream interrupted", func(c *readCache, clk *fakeClock) { c.interrupted(); c.subscribed() }, false},
		{"max age reached", func(c *readCache, clk *fakeClock) { clk.add(10 * time.Minute) }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, clk := subscribedReadCache()
			p := unchangedPlan("web", clk.now())
			p.Owned, p.OwnedAt = []nomadbackend.OwnedJob{{ID: "web"}, {ID: "old"}}, clk.now()
			c.remember(p)
			tc.run(c, clk)
			owned, at, ok := c.ownedFor(desired)
			if ok != tc.want {
				t.Fatalf("reused = %v, want %v", ok, tc.want)
			}
			if ok && (len(owned) != 2 || !at.Equal(p.OwnedAt)) {
				t.Errorf("reused %v at %v, want the listing of %v", owned, at, p.OwnedAt)
			}
		})
	}
}

// subscribedReadCache is a read cache (10-minute maximum age) on a fake clock whose event
// stream was subscribed a millisecond before the clock's now: what a read remembered at
// that time may be reused.
func subscribedReadCache() (*readCache, *fakeClock) {
	clk := &fakeClock{t: time.Unix(1_000_000, 0)}
	c := newReadCache(10 * time.Minute)
	c.now = clk.now
	c.subscribed()
	clk.add(time.Millisecond)
	return c, clk
}
