package reconcile

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/repotest"
)

// fromPrior plans a service from earlier reads only when reading again could not
// conclude anything else; otherwise the planner reads Nomad.
func TestFromPrior(t *testing.T) {
	desired := repotest.New("", repotest.Service{Name: "web", Image: "app:1", Memory: 64, Count: 1}).WriteLoad(t, t.TempDir())
	if len(desired.Services) != 1 {
		t.Fatalf("load: %d services", len(desired.Services))
	}
	svc := desired.Services[0]
	fresh := func() (*PlannedService, *plan.ServicePlan) {
		tr, err := nomadjob.Translate(desired, svc, nomadjob.TranslateOptions{Source: "repo"})
		if err != nil {
			t.Fatal(err)
		}
		ps := &PlannedService{Translation: tr, Service: svc, TaskDefinition: desired.TaskDefinitionFor(svc), ReadAt: time.Now()}
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
			ContentHash: contentHash, Revision: 3, RevisionIsKnown: true, ReadAt: readAt,
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
		{"unchanged, as the daemon keeps it (slimmed)", prior(nil).ForReuse(), true},
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
			if !ps.ReadAt.Equal(readAt) {
				t.Fatal("a reused service must keep the time of the original read (its age counts from there)")
			}
		})
	}
}
