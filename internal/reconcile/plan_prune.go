package reconcile

import (
	"context"
	"fmt"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/parallel"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// prune lists the owned jobs of this source that no desired service produces. With prune
// on they are planned for deletion; otherwise they are shown as skipped, so a reviewer
// still sees them. Only jobs carrying this source's ownership meta are ever listed, and an
// empty desired state never deletes anything unless allowEmpty (decision 9).
func (pl *planner) prune(ctx context.Context, desired []plan.ServicePlan, enabled, allowEmpty bool) ([]plan.ServicePlan, []*PlannedService, error) {
	want := make(map[string]bool, len(desired))
	for _, sp := range desired {
		want[sp.JobID] = true
	}
	owned, at, ok := []nomadbackend.OwnedJob(nil), time.Time{}, false
	if pl.reuseOwned != nil {
		owned, at, ok = pl.reuseOwned(want)
	}
	if !ok {
		at = time.Now()
		var err error
		if owned, err = pl.b.ListOwned(ctx, pl.ns, pl.source); err != nil {
			return nil, nil, fmt.Errorf("plan prune: %w", err)
		}
	}
	pl.owned, pl.ownedAt = owned, at
	var orphans []nomadbackend.OwnedJob
	for _, j := range owned {
		if !want[j.ID] && !j.Stopped {
			orphans = append(orphans, j)
		}
	}
	refuseAll := len(desired) == 0 && !allowEmpty
	changes := 0
	for _, sp := range desired {
		if sp.Action == plan.ActionCreate || sp.Action == plan.ActionUpdate {
			changes++
		}
	}
	sps := make([]plan.ServicePlan, len(orphans))
	svcs := make([]*PlannedService, len(orphans))
	err := parallel.ForEach(ctx, len(orphans), pl.b.Concurrency(), func(ctx context.Context, i int) error {
		j := orphans[i]
		live, err := pl.b.ReadJob(ctx, pl.ns, j.ID)
		if err != nil {
			return fmt.Errorf("plan prune: %w", err)
		}
		rec, err := pl.b.ReadServiceRecord(ctx, pl.ns, j.ID)
		if err != nil {
			return fmt.Errorf("plan prune: %w", err)
		}
		svcs[i] = &PlannedService{Live: live, Record: rec}
		sps[i] = pl.prunePlan(j, rec, pruneContext{enabled: enabled, refuseAll: refuseAll, orphans: len(orphans), changes: changes})
		sps[i].JobModifyIndex = nomadbackend.JobModifyIndexOf(live)
		return nil
	})
	return sps, svcs, err
}

// pruneContext is what decides every prune of one plan.
type pruneContext struct {
	enabled, refuseAll bool
	orphans            int // owned jobs no desired service produces
	changes            int // desired services the plan creates or updates
}

// prunePlan decides one orphan. A job is deleted only when prune is on, the repository
// names its identity itself, and ecsgit's own record says this identity applied the job
// (the inventory, as Flux prunes from its own): ownership meta alone can be copied, and
// the default identity is shared by every repository that sets none.
func (pl *planner) prunePlan(j nomadbackend.OwnedJob, rec *nomadbackend.ServiceRecord, c pruneContext) plan.ServicePlan {
	sp := plan.ServicePlan{Service: j.ID, JobID: j.ID, Action: plan.ActionDelete,
		OldTaskDefinition: rec.TaskDefinitionRef(),
		Reason:            "the service is no longer in the repository"}
	skip := func(why string) plan.ServicePlan {
		sp.Action, sp.Reason = plan.ActionSkip, why
		return sp
	}
	switch {
	case !c.enabled:
		return skip(sp.Reason + "; prune is off (--prune or `prune: true` in ecsgit.yaml deletes it)")
	case c.refuseAll:
		return skip(fmt.Sprintf("the repository has no services at all; refusing to delete all %d owned jobs (a failed checkout looks the same) — allow it explicitly to prune everything", c.orphans))
	case !pl.sourceExplicit:
		return skip(fmt.Sprintf("the service is no longer in the repository, but prune needs an ownership identity the repository names itself (`source:` in %s or --source): the default identity %q is shared by every repository that sets none", spec.ConfigFileName, pl.source))
	case rec == nil:
		return skip(fmt.Sprintf("the job carries source %q's ownership meta, but no ecsgit record says this source applied it; not pruned", pl.source))
	case rec.Source != pl.source:
		return skip(fmt.Sprintf("ecsgit's record says source %q applied it, not %q; not pruned", rec.Source, pl.source))
	}
	if c.changes > 0 {
		sp.Reason += fmt.Sprintf("; stopped only after the %d created or updated services of this apply are healthy", c.changes)
	}
	return sp
}
