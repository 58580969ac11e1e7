package reconcile

import (
	"testing"

	"github.com/ecsgit/ecsgit/nomadbackend"
	"github.com/ecsgit/ecsgit/plan"
)

// classify is the pure step of planning: from what the pass read (live job, record,
// Nomad's dry-run) and the desired spec, the action, without any Nomad call.
func TestClassifyTable(t *testing.T) {
	live := &nomadbackend.LiveJob{JobModifyIndex: 42, Desired: 2}
	rec := func(mod func(*nomadbackend.ServiceRecord)) *nomadbackend.ServiceRecord {
		r := &nomadbackend.ServiceRecord{JobModifyIndex: 42, SpecHash: "h1", Outcome: nomadbackend.OutcomeSucceeded}
		if mod != nil {
			mod(r)
		}
		return r
	}
	none := &nomadbackend.DryRun{DiffType: nomadbackend.DiffNone}
	replace := &nomadbackend.DryRun{DiffType: nomadbackend.DiffEdited, Counts: nomadbackend.UpdateCounts{Destructive: 1, Ignore: 1}}
	inPlace := &nomadbackend.DryRun{DiffType: nomadbackend.DiffEdited, Counts: nomadbackend.UpdateCounts{InPlace: 2}}
	for _, tc := range []struct {
		name       string
		ps         PlannedService
		hash       string
		wantAction plan.Action
		wantUpdate plan.UpdateKind
	}{
		{"nothing changed", PlannedService{Live: live, Record: rec(nil), DryRun: none}, "h1", plan.ActionNoop, plan.UpdateNone},
		{"no job yet", PlannedService{Record: rec(nil), DryRun: &nomadbackend.DryRun{DiffType: nomadbackend.DiffAdded}}, "h1", plan.ActionCreate, plan.UpdateNone},
		{"job stopped", PlannedService{Live: &nomadbackend.LiveJob{Stopped: true}, Record: rec(nil), DryRun: replace}, "h1", plan.ActionCreate, plan.UpdateNone},
		{"new image", PlannedService{Live: live, Record: rec(nil), DryRun: replace}, "h2", plan.ActionUpdate, plan.UpdateReplace},
		{"in place", PlannedService{Live: live, Record: rec(nil), DryRun: inPlace}, "h2", plan.ActionUpdate, plan.UpdateInPlace},
		{"Nomad sees nothing, records differ", PlannedService{Live: live, Record: rec(nil), DryRun: none}, "h2", plan.ActionUpdate, plan.UpdateMetadata},
		{"no record of a matching job", PlannedService{Live: live, DryRun: none}, "h1", plan.ActionUpdate, plan.UpdateMetadata},
		{"interrupted apply", PlannedService{Live: live, Record: rec(func(r *nomadbackend.ServiceRecord) { r.Outcome = nomadbackend.OutcomePending }), DryRun: none}, "h1", plan.ActionUpdate, plan.UpdateMetadata},
		{"paused wins over a change", PlannedService{Live: live, Record: rec(func(r *nomadbackend.ServiceRecord) { r.Paused = true }), DryRun: replace}, "h2", plan.ActionSkip, plan.UpdateNone},
		{"paused, the pass lifts it", PlannedService{Live: live, Record: rec(func(r *nomadbackend.ServiceRecord) { r.Paused = true }), DryRun: replace, Unpause: true}, "h2", plan.ActionUpdate, plan.UpdateReplace},
		{"paused, lifted, nothing else to do", PlannedService{Live: live, Record: rec(func(r *nomadbackend.ServiceRecord) { r.Paused = true }), DryRun: none, Unpause: true}, "h1", plan.ActionUpdate, plan.UpdateMetadata},
		{"failed spec is not retried", PlannedService{Live: live, Record: rec(func(r *nomadbackend.ServiceRecord) {
			r.Failed = &nomadbackend.Failure{SpecHash: "h2", Reason: "rolled back"}
		}), DryRun: replace}, "h2", plan.ActionSkip, plan.UpdateNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := tc.ps
			sp := plan.ServicePlan{SpecHash: tc.hash, OldTaskDefinition: "web:1", NewTaskDefinition: "web:1", Rollout: &plan.Rollout{DesiredCount: 2}}
			classify(&ps, &sp)
			if sp.Action != tc.wantAction || sp.Update != tc.wantUpdate {
				t.Errorf("%s/%q (%s), want %s/%q", sp.Action, sp.Update, sp.Reason, tc.wantAction, tc.wantUpdate)
			}
		})
	}
}
