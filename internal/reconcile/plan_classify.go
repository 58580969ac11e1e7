package reconcile

import (
	"fmt"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/plan"
)

// classify decides the action of a desired service from the live job, the record and
// Nomad's dry-run. Order matters: a pause or a remembered failure wins over any change.
func classify(ps *PlannedService, sp *plan.ServicePlan) {
	rec, d := ps.Record, ps.DryRun
	switch {
	case rec != nil && rec.Paused && !ps.Unpause:
		sp.Action = plan.ActionSkip
		sp.Reason = "sync is paused for this service (manual rollback)"
		if rec.PausedReason != "" {
			sp.Reason += ": " + rec.PausedReason
		}
		sp.Reason += "; `ecsgit resume` re-enables it"
	case rec.FailedSpec(sp.SpecHash):
		sp.Action, sp.Degraded = plan.ActionSkip, true
		sp.Reason = fmt.Sprintf("this spec failed and was rolled back (%s); it is not applied again until Git changes the service", rec.Failed.Reason)
	case ps.Live == nil || nomadbackend.IsStopped(ps.Live):
		sp.Action = plan.ActionCreate
		if ps.Live != nil {
			sp.Reason = "the job is stopped in Nomad; apply starts it again"
		}
	case d.DiffType == nomadbackend.DiffNone:
		classifyNoNomadChange(ps, sp)
	default:
		sp.Action = plan.ActionUpdate
		kind, replaced := updateKind(d, sp.Changes, ps.Live.Desired, desiredCount(sp))
		sp.Update = kind
		if sp.Rollout != nil {
			sp.Rollout.TasksReplaced = replaced
		}
	}
}

// classifyNoNomadChange: Nomad would change nothing. Still an update of ecsgit's records
// when they are missing or describe another spec (e.g. a field Nomad does not see, or a
// job adopted from records lost) — apply then writes records only, no Nomad register.
func classifyNoNomadChange(ps *PlannedService, sp *plan.ServicePlan) {
	rec := ps.Record
	if rec != nil && rec.Outcome == nomadbackend.OutcomePending {
		// An apply registered this job and stopped before its rollout ended (killed, or
		// a daemon restarted): the rollout may still be running, a bad release included.
		// Not "no changes": apply has work to do, and --detailed-exitcode must say so.
		sp.Action, sp.Update = plan.ActionUpdate, plan.UpdateMetadata
		sp.Reason = "a rollout started by an earlier apply has not been recorded as finished (the apply was interrupted); " +
			"apply follows it to its end, circuit breaker included, and records the outcome"
		return
	}
	if rec != nil && rec.Paused && ps.Unpause {
		sp.Action, sp.Update = plan.ActionUpdate, plan.UpdateMetadata
		sp.Reason = "the commit touches a service paused by a manual rollback; apply lifts the pause"
		return
	}
	if rec != nil && rec.SpecHash == sp.SpecHash && sp.OldTaskDefinition == sp.NewTaskDefinition {
		sp.Action = plan.ActionNoop
		return
	}
	sp.Action, sp.Update = plan.ActionUpdate, plan.UpdateMetadata
	if rec == nil {
		sp.Reason = "the job matches but ecsgit has no record of it; apply writes the record only"
	}
}

// updateKind says how an edit reaches the tasks. Replacement comes from Nomad's own
// annotations: the scheduler, not ecsgit, knows which changes are destructive. Without
// replacement it is a scale when the ECS changes are desiredCount only (the translated
// update block follows the count, so Nomad's diff alone is not count-only) or when
// Nomad's diff changes counts only (drift of a scale).
//
// It also counts the tasks a replacing rollout replaces in total. Nomad's dry-run shows
// the first evaluation only: a rolling update in batches of one
// replaces one task now and leaves the others for later evaluations (Destructive 1,
// Ignore 1 for a 2-task service at 50/200), a canary rollout places canaries and keeps
// the old tasks until promotion. The deployment replaces every running task of the old
// version either way (ECS: a new deployment replaces every task), so the total is the
// tasks that keep running through the change: the live count, or the desired count
// when that is smaller (the rest are stopped, not replaced).
func updateKind(d *nomadbackend.DryRun, changes []plan.FieldChange, live, desired int) (plan.UpdateKind, int) {
	if n := max(d.Counts.Destructive, d.Counts.Canary); n > 0 {
		if total := min(live, desired); total > n {
			n = total
		}
		return plan.UpdateReplace, n
	}
	if plan.ClassifyUpdate(changes) == plan.UpdateScale || countOnly(d.Diff) {
		return plan.UpdateScale, 0
	}
	return plan.UpdateInPlace, 0
}

// desiredCount is the plan's desired task count (0 when unknown).
func desiredCount(sp *plan.ServicePlan) int {
	if sp.Rollout == nil {
		return 0
	}
	return sp.Rollout.DesiredCount
}

// countOnly: the job diff changes nothing but task-group counts.
func countOnly(d *nomadbackend.JobDiff) bool {
	if d == nil || len(editedFields(d.Fields)) > 0 || len(d.Objects) > 0 {
		return false
	}
	sawCount := false
	for _, tg := range d.TaskGroups {
		if tg.Type == nomadbackend.DiffNone {
			continue
		}
		if tg.Type != nomadbackend.DiffEdited || len(tg.Objects) > 0 || len(editedTasks(tg.Tasks)) > 0 {
			return false
		}
		for _, f := range editedFields(tg.Fields) {
			if f.Name != "Count" {
				return false
			}
			sawCount = true
		}
	}
	return sawCount
}

func editedFields(fs []nomadbackend.FieldDiff) []nomadbackend.FieldDiff {
	var out []nomadbackend.FieldDiff
	for _, f := range fs {
		if f.Type != nomadbackend.DiffNone {
			out = append(out, f)
		}
	}
	return out
}

func editedTasks(ts []nomadbackend.TaskDiff) []nomadbackend.TaskDiff {
	var out []nomadbackend.TaskDiff
	for _, t := range ts {
		if t.Type != nomadbackend.DiffNone {
			out = append(out, t)
		}
	}
	return out
}
