package reconcile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/nomadbackend"
	"github.com/ecsgit/ecsgit/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/plan"
	"github.com/ecsgit/ecsgit/spec"
)

// A fake clock the cache reads; tests move it forward explicitly.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }

// unchangedPlan is a Planned with one service planned as unchanged, read at readAt.
func unchangedPlan(id string, readAt time.Time) *Planned {
	idx := uint64(42)
	ps := &PlannedService{
		Translation: &nomadjob.Translation{},
		Live:        &nomadbackend.LiveJob{ID: id, JobModifyIndex: idx},
		Record:      &nomadbackend.ServiceRecord{JobID: id, JobModifyIndex: 42, SpecHash: "h1", Outcome: nomadbackend.OutcomeSucceeded, Family: id, Revision: 3},
		readAt:      readAt,
	}
	sp := plan.ServicePlan{JobID: id, Action: plan.ActionNoop, SpecHash: "h1", JobModifyIndex: 42, OldTaskDefinition: id + ":3", NewTaskDefinition: id + ":3"}
	return &Planned{Plan: &plan.Plan{Services: []plan.ServicePlan{sp}}, Services: map[string]*PlannedService{id: ps}}
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
			clk := &fakeClock{t: time.Unix(1_000_000, 0)}
			c := newReadCache(10 * time.Minute)
			c.now = clk.now
			c.subscribed()
			clk.add(time.Millisecond)
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
	c := newReadCache(10 * time.Minute)
	c.subscribed()
	time.Sleep(time.Millisecond)
	p := unchangedPlan("web", time.Now())
	c.remember(p)
	if c.lookup("web") == nil {
		t.Fatal("unchanged service not kept")
	}
	p.Plan.Services[0].Action = plan.ActionUpdate
	c.remember(p)
	if c.lookup("web") != nil {
		t.Fatal("a service planned for update was kept")
	}
	c.remember(unchangedPlan("api", time.Now()))
	if c.lookup("web") != nil || c.lookup("api") == nil {
		t.Fatal("remember must replace what an earlier pass kept")
	}
}

// fromPrior plans a service from earlier reads only when reading again could not
// conclude anything else; otherwise the planner reads Nomad.
func TestFromPrior(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"ecsgit.yaml":  "version: 1\n",
		"web-td.json":  `{"family":"web","containerDefinitions":[{"name":"web","image":"app:1","memory":64}]}`,
		"web-svc.json": `{"serviceName":"web","taskDefinition":"web","desiredCount":1}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	desired, err := spec.Load(dir, spec.LoadOptions{})
	if err != nil || desired.Diagnostics.HasErrors(false) || len(desired.Services) != 1 {
		t.Fatalf("load: %v %v", err, desired.Diagnostics)
	}
	svc := desired.Services[0]
	fresh := func() (*PlannedService, *plan.ServicePlan) {
		tr, err := nomadjob.Translate(desired, svc, nomadjob.TranslateOptions{Source: "repo"})
		if err != nil {
			t.Fatal(err)
		}
		ps := &PlannedService{Translation: tr, Service: svc, TaskDefinition: desired.TaskDefinitionFor(svc), readAt: time.Now()}
		return ps, &plan.ServicePlan{Service: "web", JobID: *tr.Job.ID, SpecHash: tr.SpecHash}
	}
	ps0, sp0 := fresh()
	contentHash, err := nomadbackend.TaskDefinitionHash(&ps0.TaskDefinition.TaskDefinition)
	if err != nil {
		t.Fatal(err)
	}
	tdJSON, _ := json.Marshal(ps0.TaskDefinition.TaskDefinition)
	svcJSON, _ := json.Marshal(svc.Service)
	readAt := time.Now().Add(-time.Minute)
	prior := func(mod func(*PlannedService)) *PlannedService {
		live := nomadbackend.JobOf(ps0.Translation).Summary()
		live.JobModifyIndex = 42
		p := &PlannedService{
			Live: live,
			Record: &nomadbackend.ServiceRecord{JobID: sp0.JobID, Family: "web", Revision: 3, SpecHash: sp0.SpecHash,
				JobModifyIndex: 42, Outcome: nomadbackend.OutcomeSucceeded, TaskDefinition: tdJSON, Service: svcJSON},
			ContentHash: contentHash, Revision: 3, RevisionIsKnown: true, readAt: readAt,
		}
		if mod != nil {
			mod(p)
		}
		return p
	}
	cases := []struct {
		name  string
		prior *PlannedService
		want  bool
	}{
		{"unchanged", prior(nil), true},
		{"unchanged, as the daemon keeps it (slimmed)", slimForReuse(prior(nil)), true},
		{"spec changed since the record", prior(func(p *PlannedService) { p.Record.SpecHash = "other" }), false},
		{"task definition content changed", prior(func(p *PlannedService) { p.ContentHash = "other" }), false},
		{"last apply still pending", prior(func(p *PlannedService) { p.Record.Outcome = nomadbackend.OutcomePending }), false},
		{"job changed outside ecsgit", prior(func(p *PlannedService) { p.Record.JobModifyIndex = 41 }), false},
		{"job owned by another source", prior(func(p *PlannedService) {
			p.Live.ManagedBy, p.Live.Source = nomadjob.ManagedByValue, "other"
		}), false},
		{"no live job", prior(func(p *PlannedService) { p.Live = nil }), false},
		{"no record", prior(func(p *PlannedService) { p.Record = nil }), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ps, sp := fresh()
			ok, err := fromPrior(ps, sp, tc.prior, "repo")
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.want {
				t.Fatalf("fromPrior = %v, want %v", ok, tc.want)
			}
			if !ok {
				if ps.Live != nil || ps.Record != nil || sp.Action != "" {
					t.Fatal("a refused prior must leave the service untouched for a real read")
				}
				return
			}
			if sp.Action != plan.ActionNoop || sp.OldTaskDefinition != "web:3" || sp.NewTaskDefinition != "web:3" || len(sp.Changes) != 0 {
				t.Fatalf("plan = %s %s → %s, %d changes; want a no-op at web:3", sp.Action, sp.OldTaskDefinition, sp.NewTaskDefinition, len(sp.Changes))
			}
			if !ps.readAt.Equal(readAt) {
				t.Fatal("a reused service must keep the time of the original read (its age counts from there)")
			}
		})
	}
}
