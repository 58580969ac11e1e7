package reconcile

import (
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/spec"
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

// decide is the whole pure step: what read gathered in, the plan out, no Nomad call
// (the planner has no cluster here at all).
func TestDecideTable(t *testing.T) {
	td := &spec.TaskDefinitionDoc{TaskDefinition: spec.TaskDefinition{Family: "web"}}
	svc := &spec.ServiceDoc{}
	rec := &nomadbackend.ServiceRecord{JobModifyIndex: 42, JobVersion: 3, SpecHash: "h1", Outcome: nomadbackend.OutcomeSucceeded,
		Family: "web", Revision: 1}
	live := &nomadbackend.LiveJob{JobModifyIndex: 42, Version: 3, Desired: 2}
	moved := &nomadbackend.LiveJob{JobModifyIndex: 50, Version: 4, Desired: 3}
	scaled := &nomadbackend.JobDiff{Type: nomadbackend.DiffEdited, TaskGroups: []nomadbackend.GroupDiff{{Type: nomadbackend.DiffEdited, Name: "web",
		Fields: []nomadbackend.FieldDiff{{Type: nomadbackend.DiffEdited, Name: "Count", Old: "2", New: "3"}}}}}
	for _, tc := range []struct {
		name                 string
		reads                serviceReads
		wantAction           plan.Action
		wantDrifted          bool
		wantDriftPath        string
		wantNomadDiff        string
		wantOld, wantNew     string
		wantReasonSubstrings string
	}{
		{name: "foreign job", reads: serviceReads{Live: live, Foreign: "the job is owned by source other"},
			wantAction: plan.ActionSkip, wantReasonSubstrings: "owned by source other"},
		{name: "unchanged since applied: no dry-run was read", reads: serviceReads{Live: live, Record: rec, ContentHash: "c1", Revision: 1, RevisionKnown: true},
			wantAction: plan.ActionNoop, wantNomadDiff: "None", wantOld: "web:1", wantNew: "web:1"},
		{name: "scaled outside ecsgit: drift, corrected", reads: serviceReads{Live: moved, Record: rec, ContentHash: "c1", Revision: 1, RevisionKnown: true,
			DryRun: &nomadbackend.DryRun{DiffType: nomadbackend.DiffEdited, Counts: nomadbackend.UpdateCounts{Stop: 1, Ignore: 2}}, DriftDiff: scaled},
			wantAction: plan.ActionUpdate, wantDrifted: true, wantDriftPath: "desiredCount", wantNomadDiff: "Edited", wantOld: "web:1", wantNew: "web:1"},
		{name: "job gone: drift, created again", reads: serviceReads{Record: rec, ContentHash: "c1", Revision: 1, RevisionKnown: true,
			DryRun: &nomadbackend.DryRun{DiffType: nomadbackend.DiffAdded, Counts: nomadbackend.UpdateCounts{Place: 2}}},
			wantAction: plan.ActionCreate, wantDrifted: true, wantDriftPath: "job", wantNomadDiff: "Added", wantOld: "web:1", wantNew: "web:1"},
		{name: "new content: next revision", reads: serviceReads{Live: live, Record: rec, ContentHash: "c2", Revision: 2,
			DryRun: &nomadbackend.DryRun{DiffType: nomadbackend.DiffEdited, Counts: nomadbackend.UpdateCounts{Destructive: 2}}},
			wantAction: plan.ActionUpdate, wantNomadDiff: "Edited", wantOld: "web:1", wantNew: "web:2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := &PlannedService{Service: svc, TaskDefinition: td}
			hash := "h1"
			if tc.reads.Revision == 2 {
				hash = "h2"
			}
			sp := plan.ServicePlan{Service: "web", JobID: "web", SpecHash: hash, Rollout: &plan.Rollout{DesiredCount: 2}}
			if err := decide(ps, &sp, tc.reads); err != nil {
				t.Fatal(err)
			}
			if sp.Action != tc.wantAction || sp.Drifted != tc.wantDrifted || sp.NomadDiffType != tc.wantNomadDiff ||
				sp.OldTaskDefinition != tc.wantOld || sp.NewTaskDefinition != tc.wantNew {
				t.Errorf("got %s drifted=%v nomad=%q %s → %s (%s)", sp.Action, sp.Drifted, sp.NomadDiffType, sp.OldTaskDefinition, sp.NewTaskDefinition, sp.Reason)
			}
			if tc.wantDriftPath != "" && (len(sp.DriftChanges) == 0 || sp.DriftChanges[0].Path != tc.wantDriftPath) {
				t.Errorf("drift changes %+v, want %s first", sp.DriftChanges, tc.wantDriftPath)
			}
			if tc.wantReasonSubstrings != "" && !strings.Contains(sp.Reason, tc.wantReasonSubstrings) {
				t.Errorf("reason %q", sp.Reason)
			}
		})
	}
}
