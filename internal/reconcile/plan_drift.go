package reconcile

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// drift detects a live job that differs from what ecsgit last applied: its JobModifyIndex
// moved (someone ran `nomad job run`, `nomad job scale`, reverted in the UI) or the job
// is gone. The changes are Nomad's own diff between the version ecsgit produced and the
// live version (diff, read by the planner when driftRead asked for it), mapped to ECS
// terms where the field maps back. No Nomad call.
func drift(ps *PlannedService, sp *plan.ServicePlan, diff *nomadbackend.JobDiff) {
	rec, live := ps.Record, ps.Live
	if rec == nil || rec.JobModifyIndex == 0 || rec.Outcome == nomadbackend.OutcomeDeleted {
		return // ecsgit never applied this job: nothing to drift from
	}
	if live == nil {
		sp.Drifted = true
		sp.DriftChanges = []plan.FieldChange{plan.NewFieldChange("job", plan.KindRemoved, "present", "")}
		return
	}
	if nomadbackend.JobModifyIndexOf(live) == rec.JobModifyIndex {
		return
	}
	if ps.Service != nil && ps.Service.Scaling != nil && ps.DryRun != nil && ps.DryRun.DiffType == nomadbackend.DiffNone {
		// A scaled service planned at its live count with nothing for Nomad to change:
		// whatever moved the job's index was a count change, the autoscaler's (even when
		// Nomad no longer keeps the version ecsgit applied, after many scaling actions).
		return
	}
	switch unrecordedRegister(rec, live, sp.SpecHash, ps.ReadAt) {
	case claimedThisSpec:
		// Registered after an apply claimed the record for this very spec, and no record
		// write since: that apply's own register, interrupted before it was recorded
		// (fault trial D6). Apply records it; it is not drift.
		sp.Reason = "an earlier apply registered this spec and was interrupted before recording it; apply writes the record only"
		return
	case claimedOtherSpec:
		// Another ecsgit apply claimed the record and registered its spec, and has not
		// recorded it yet: it is in flight (or was killed a moment ago). Its write is
		// ecsgit's, not drift (found by the fault suite's racing applies).
		sp.Reason = "another ecsgit apply registered this service " + rec.AppliedAt.UTC().Format(time.RFC3339) + " and has not recorded it yet (in flight, or interrupted); this plan updates from that version, and its apply is refused if that apply records first"
		return
	}
	liveVersion := nomadbackend.JobVersionOf(live)
	sp.DriftChanges = nomadChanges(diff)
	if diff != nil && len(sp.DriftChanges) > 0 {
		if sp.DriftChanges = withoutAutoscalerCounts(ps, sp.DriftChanges); len(sp.DriftChanges) == 0 {
			sp.DriftChanges = nil
			return // only the autoscaler changed the count: not drift
		}
	}
	sp.Drifted = true
	if len(sp.DriftChanges) == 0 {
		sp.DriftChanges = []plan.FieldChange{plan.NewFieldChange("job", plan.KindChanged,
			fmt.Sprintf("version %d (applied by ecsgit)", rec.JobVersion),
			fmt.Sprintf("version %d (changed outside ecsgit)", liveVersion))}
	}
	if rec.SpecHash == sp.SpecHash && len(sp.Changes) == 0 {
		// Git did not change: what apply does is undo the drift.
		sp.Changes = reverse(sp.DriftChanges)
	}
}

// driftRead says whether drift needs Nomad's diff between two versions of the job (the
// one ecsgit applied, the live one), and which: exactly when drift would report the live
// job as drifted.
func driftRead(rec *nomadbackend.ServiceRecord, live *nomadbackend.LiveJob, specHash string, now time.Time) (from, to uint64, ok bool) {
	if rec == nil || rec.JobModifyIndex == 0 || rec.Outcome == nomadbackend.OutcomeDeleted || live == nil ||
		nomadbackend.JobModifyIndexOf(live) == rec.JobModifyIndex || unrecordedRegister(rec, live, specHash, now) != notClaimed {
		return 0, 0, false
	}
	return rec.JobVersion, nomadbackend.JobVersionOf(live), true
}

// claimState says whose register a live job that ecsgit has not recorded is.
type claimState int

const (
	notClaimed       claimState = iota // no claim explains it: drift, if the index moved
	claimedThisSpec                    // an apply of this very spec registered it (interrupted, D6)
	claimedOtherSpec                   // an apply of another spec registered it, not recorded yet
)

// claimInFlight bounds how long a claim of another spec explains a register: an apply's
// default --timeout. A claim older than that belongs to an apply that died, and a change
// after it is drift again.
const claimInFlight = 15 * time.Minute

// unrecordedRegister: the live job was registered after an apply claimed the record (the
// claim names its spec), with no record write since.
func unrecordedRegister(rec *nomadbackend.ServiceRecord, live *nomadbackend.LiveJob, specHash string, now time.Time) claimState {
	switch {
	case rec.Claim == "" || nomadbackend.JobModifyIndexOf(live) <= rec.ModifyIndex:
		return notClaimed
	case rec.Claim == specHash:
		return claimedThisSpec
	case !now.IsZero() && now.Sub(rec.AppliedAt) < claimInFlight:
		return claimedOtherSpec
	}
	return notClaimed
}

func reverse(cs []plan.FieldChange) []plan.FieldChange {
	out := make([]plan.FieldChange, len(cs))
	for i, c := range cs {
		c.Old, c.New = c.New, c.Old
		switch c.Kind {
		case plan.KindAdded:
			c.Kind = plan.KindRemoved
		case plan.KindRemoved:
			c.Kind = plan.KindAdded
		}
		out[i] = c
	}
	return out
}

// nomadChanges flattens a Nomad job diff into field changes. Fields that map back to ECS
// get their ECS path (Count → desiredCount, a task's image → containerDefinitions[t].image,
// an env var → containerDefinitions[t].environment[K]); the others keep a Nomad path
// prefixed "nomad:" so a reviewer sees where to look.
func nomadChanges(d *nomadbackend.JobDiff) []plan.FieldChange {
	if d == nil {
		return nil
	}
	var out []plan.FieldChange
	add := func(path string, f nomadbackend.FieldDiff, forces bool) {
		c := plan.NewFieldChange(path, changeKind(f.Type), f.Old, f.New) // masks secret values
		c.ForcesReplacement = forces
		out = append(out, c)
	}
	walkFields("nomad:job", d.Fields, d.Objects, func(p string, f nomadbackend.FieldDiff) { add(p, f, false) })
	for _, tg := range d.TaskGroups {
		base := fmt.Sprintf("nomad:group[%s]", tg.Name)
		walkFields(base, tg.Fields, tg.Objects, func(p string, f nomadbackend.FieldDiff) {
			if p == base+".Count" {
				p = "desiredCount"
			}
			add(p, f, false)
		})
		for _, t := range tg.Tasks {
			forces := false
			for _, a := range t.Annotations {
				forces = forces || a == nomadbackend.AnnotationForcesDestroyCreate
			}
			walkFields(fmt.Sprintf("nomad:task[%s]", t.Name), t.Fields, t.Objects, func(p string, f nomadbackend.FieldDiff) {
				add(ecsTaskPath(t.Name, p), f, forces)
			})
		}
	}
	return out
}

func walkFields(base string, fields []nomadbackend.FieldDiff, objects []nomadbackend.ObjectDiff, fn func(string, nomadbackend.FieldDiff)) {
	for _, f := range fields {
		if f.Type != nomadbackend.DiffNone {
			fn(base+"."+f.Name, f)
		}
	}
	for _, o := range objects {
		if o.Type != nomadbackend.DiffNone {
			walkFields(base+"."+o.Name, o.Fields, o.Objects, fn)
		}
	}
}

// ecsTaskPath maps the task paths that have an obvious ECS home.
func ecsTaskPath(task, p string) string {
	prefix := fmt.Sprintf("nomad:task[%s].", task)
	rest := strings.TrimPrefix(p, prefix)
	switch {
	case rest == "Config.image":
		return fmt.Sprintf("containerDefinitions[%s].image", task)
	case strings.HasPrefix(rest, "Env."):
		return fmt.Sprintf("containerDefinitions[%s].environment[%s]", task, strings.TrimPrefix(rest, "Env."))
	}
	return p
}

func changeKind(t nomadbackend.DiffType) plan.ChangeKind {
	switch t {
	case nomadbackend.DiffAdded:
		return plan.KindAdded
	case nomadbackend.DiffDeleted:
		return plan.KindRemoved
	}
	return plan.KindChanged
}

// ecsChanges diffs, in ECS terms, what the record says ecsgit last applied with the
// desired task definition and service. Without a record everything is new.
func ecsChanges(rec *nomadbackend.ServiceRecord, td *spec.TaskDefinition, svc *spec.Service) ([]plan.FieldChange, error) {
	var oldTD *spec.TaskDefinition
	var oldSvc *spec.Service
	if rec != nil && len(rec.TaskDefinition) > 0 {
		oldTD = new(spec.TaskDefinition)
		if err := json.Unmarshal(rec.TaskDefinition, oldTD); err != nil {
			return nil, fmt.Errorf("record's task definition: %w", err)
		}
	}
	if rec != nil && len(rec.Service) > 0 && svc != nil {
		oldSvc = new(spec.Service)
		if err := json.Unmarshal(rec.Service, oldSvc); err != nil {
			return nil, fmt.Errorf("record's service: %w", err)
		}
	}
	return plan.Diff(oldTD, td, oldSvc, svc), nil
}

// holdDrift turns the correction of drift into a skip (PlanOptions.DriftMode report): a service whose
// Git spec is unchanged since ecsgit applied it but whose live job drifted is shown
// OutOfSync and left alone. A service that Git changed is still applied.
func holdDrift(p *Planned) {
	for i := range p.Plan.Services {
		sp := &p.Plan.Services[i]
		ps := p.Services[sp.JobID]
		if !sp.Drifted || ps == nil || ps.Record == nil || ps.Record.SpecHash != sp.SpecHash {
			continue
		}
		if sp.Action == plan.ActionCreate || sp.Action == plan.ActionUpdate {
			sp.Action, sp.Update = plan.ActionSkip, plan.UpdateNone
			sp.Reason = "the live job drifted from Git; drift mode is report, so ecsgit leaves it (" + driftSummary(sp) + ")"
		}
	}
	p.Plan.Summarize()
}

func driftSummary(sp *plan.ServicePlan) string {
	var parts []string
	for i, c := range sp.DriftChanges {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(sp.DriftChanges)-3))
			break
		}
		parts = append(parts, c.Path+" "+c.Kind.String())
	}
	return strings.Join(parts, ", ")
}
