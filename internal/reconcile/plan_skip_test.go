package reconcile

import (
	"testing"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/plan"
)

// The scheduler dry-run may be skipped only when nothing changed on either side since a
// successful apply; every other case must ask Nomad.
func TestUnchangedSinceApplied(t *testing.T) {
	idx := uint64(42)
	live := &nomadbackend.LiveJob{JobModifyIndex: idx}
	stopped := &nomadbackend.LiveJob{JobModifyIndex: idx, Stopped: true}
	rec := func(mod func(*nomadbackend.ServiceRecord)) *nomadbackend.ServiceRecord {
		r := &nomadbackend.ServiceRecord{JobModifyIndex: 42, SpecHash: "h1", Outcome: nomadbackend.OutcomeSucceeded}
		if mod != nil {
			mod(r)
		}
		return r
	}
	sp := func(hash, oldTD, newTD string) *plan.ServicePlan {
		return &plan.ServicePlan{JobModifyIndex: 42, SpecHash: hash, OldTaskDefinition: oldTD, NewTaskDefinition: newTD}
	}
	cases := []struct {
		name string
		ps   *PlannedService
		sp   *plan.ServicePlan
		want bool
	}{
		{"unchanged", &PlannedService{Live: live, Record: rec(nil)}, sp("h1", "web:3", "web:3"), true},
		{"spec changed", &PlannedService{Live: live, Record: rec(nil)}, sp("h2", "web:3", "web:4"), false},
		{"new revision only", &PlannedService{Live: live, Record: rec(nil)}, sp("h1", "web:3", "web:4"), false},
		{"changed outside ecsgit", &PlannedService{Live: live, Record: rec(func(r *nomadbackend.ServiceRecord) { r.JobModifyIndex = 41 })}, sp("h1", "web:3", "web:3"), false},
		{"apply interrupted", &PlannedService{Live: live, Record: rec(func(r *nomadbackend.ServiceRecord) { r.Outcome = nomadbackend.OutcomePending })}, sp("h1", "web:3", "web:3"), false},
		{"rolled back", &PlannedService{Live: live, Record: rec(func(r *nomadbackend.ServiceRecord) { r.Outcome = nomadbackend.OutcomeRolledBack })}, sp("h1", "web:3", "web:3"), false},
		{"job stopped", &PlannedService{Live: stopped, Record: rec(nil)}, sp("h1", "web:3", "web:3"), false},
		{"no record", &PlannedService{Live: live}, sp("h1", "web:3", "web:3"), false},
		{"no job", &PlannedService{Record: rec(nil)}, sp("h1", "web:3", "web:3"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := UnchangedSinceApplied(c.ps, c.sp); got != c.want {
				t.Errorf("UnchangedSinceApplied = %v, want %v", got, c.want)
			}
		})
	}
}
