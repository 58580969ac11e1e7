package reconcile

import (
	"fmt"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/plan"
)

// ECS's rule for a service with a scalable target: desiredCount in Git is the starting
// count only. Once the job runs, the count is the autoscaler's, and a plan, an apply or
// a sync never resets it (docs/autoscaling.md). The planner therefore translates the
// service again at the live count (moved into Git's [MinCapacity, MaxCapacity]) before
// the dry-run, so that Nomad's diff has no count change, the register keeps the count
// and the rollout bounds are computed at the count that runs. The register's
// EnforceIndex makes this exact: every autoscaler action is a job register (a new job
// modify index), so an apply planned before one is refused and planned again rather
// than putting an old count back.

// followLiveCount re-translates ps at the live job's count when the service has a
// scalable target and that count differs from the translated one. It returns the job
// to plan (the given one when nothing changed).
func (pl *planner) followLiveCount(ps *PlannedService, sp *plan.ServicePlan, job *nomadbackend.Job, live *nomadbackend.LiveJob) (*nomadbackend.Job, error) {
	if ps.Service.Scaling == nil || live == nil || nomadbackend.IsStopped(live) {
		return job, nil
	}
	if job.Summary().Desired == live.Desired {
		return job, nil
	}
	n := live.Desired
	tr, err := nomadjob.Translate(pl.desired, ps.Service, nomadjob.TranslateOptions{Source: pl.source, TestDriver: pl.testDriver, LiveCount: &n, Now: pl.now})
	if err != nil {
		return nil, &ContentError{Service: ps.Service.ServiceName, Err: err}
	}
	if tr.SpecHash != sp.SpecHash {
		return nil, fmt.Errorf("plan %s: the live count changed the spec hash (a translation bug)", sp.JobID)
	}
	ps.Translation = tr
	sp.Rollout = rolloutPreview(tr.Rollout)
	sp.Fidelity = fidelity(ps)
	j := nomadbackend.JobOf(tr)
	j.SetNamespace(pl.ns)
	return j, nil
}

// scalingView says in the plan who owns the count of a service with a scalable target.
func scalingView(ps *PlannedService, now time.Time) *plan.Scaling {
	if ps.Service == nil || ps.Service.Scaling == nil || ps.Translation == nil {
		return nil
	}
	r := ps.Service.Scaling.RangeAt(now)
	want := nomadbackend.JobOf(ps.Translation).Summary()
	v := &plan.Scaling{Min: r.Min, Max: r.Max, Count: want.Desired, Enabled: want.Scaling != nil && want.Scaling.Enabled}
	if r.By != nil {
		at := r.At
		v.ScheduledAction, v.ScheduledAt = r.By.Action.ScheduledActionName, &at
	}
	if ps.Live != nil && !nomadbackend.IsStopped(ps.Live) {
		cur := ps.Live.Desired
		v.Current = &cur
	}
	return v
}

// withoutAutoscalerCounts drops, for a service with a scalable target, the count changes
// from a drift diff: they are the autoscaler's work, not drift. A change of the scaling
// block itself (min, max, the policy) still is.
func withoutAutoscalerCounts(ps *PlannedService, cs []plan.FieldChange) []plan.FieldChange {
	if ps.Service == nil || ps.Service.Scaling == nil {
		return cs
	}
	return withoutCounts(cs)
}

// withoutCounts drops the count changes from cs.
func withoutCounts(cs []plan.FieldChange) []plan.FieldChange {
	out := cs[:0:0]
	for _, c := range cs {
		if c.Path != "desiredCount" {
			out = append(out, c)
		}
	}
	return out
}

// countDerivedOnly: Nomad's diff edits nothing but the update block's fields that the
// translation derives from the count (canary = count for 100/200, max_parallel from
// the count and the percents). For a scaled service such a diff is the autoscaler's
// count seen through the update block, not a change: the next real deployment
// registers the block computed at the count it then runs at.
func countDerivedOnly(d *nomadbackend.JobDiff) bool {
	if d == nil || len(editedFields(d.Fields)) > 0 {
		return false
	}
	for _, o := range d.Objects {
		if o.Type != nomadbackend.DiffNone {
			return false
		}
	}
	saw := false
	for _, tg := range d.TaskGroups {
		if tg.Type == nomadbackend.DiffNone {
			continue
		}
		if len(editedFields(tg.Fields)) > 0 || len(editedTasks(tg.Tasks)) > 0 {
			return false
		}
		for _, o := range tg.Objects {
			if o.Type == nomadbackend.DiffNone {
				continue
			}
			if o.Name != "Update" {
				return false
			}
			for _, sub := range o.Objects {
				if sub.Type != nomadbackend.DiffNone {
					return false
				}
			}
			for _, f := range editedFields(o.Fields) {
				if f.Name != "Canary" && f.Name != "MaxParallel" {
					return false
				}
				saw = true
			}
		}
	}
	return saw
}
