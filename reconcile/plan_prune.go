package reconcile

import (
	"context"
	"fmt"

	"github.com/ecsgit/ecsgit/internal/parallel"
	"github.com/ecsgit/ecsgit/nomadbackend"
	"github.com/ecsgit/ecsgit/plan"
)

// prune lists the owned jobs of this source that no desired service produces. With prune
// on they are planned for deletion; otherwise they are shown as skipped, so a reviewer
// still sees them. Only jobs carrying this source's ownership meta are ever listed, and an
// empty desired state never deletes anything unless allowEmpty (decision 9).
func (pl *planner) prune(ctx context.Context, desired []plan.ServicePlan, enabled, allowEmpty bool) ([]plan.ServicePlan, []*PlannedService, error) {
	owned, err := pl.b.ListOwned(ctx, pl.ns, pl.source)
	if err != nil {
		return nil, nil, fmt.Errorf("plan prune: %w", err)
	}
	want := make(map[string]bool, len(desired))
	for _, sp := range desired {
		want[sp.JobID] = true
	}
	var orphans []nomadbackend.OwnedJob
	for _, j := range owned {
		if !want[j.ID] && !j.Stopped {
			orphans = append(orphans, j)
		}
	}
	refuseAll := len(desired) == 0 && !allowEmpty
	sps := make([]plan.ServicePlan, len(orphans))
	svcs := make([]*PlannedService, len(orphans))
	err = parallel.ForEach(ctx, len(orphans), pl.b.Concurrency(), func(ctx context.Context, i int) error {
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
		sps[i] = prunePlan(j, rec, enabled, refuseAll, len(orphans))
		sps[i].JobModifyIndex = nomadbackend.JobModifyIndexOf(live)
		return nil
	})
	return sps, svcs, err
}

func prunePlan(j nomadbackend.OwnedJob, rec *nomadbackend.ServiceRecord, enabled, refuseAll bool, n int) plan.ServicePlan {
	sp := plan.ServicePlan{Service: j.ID, JobID: j.ID, Action: plan.ActionDelete,
		OldTaskDefinition: rec.TaskDefinitionRef(),
		Reason:            "the service is no longer in the repository"}
	switch {
	case !enabled:
		sp.Action = plan.ActionSkip
		sp.Reason += "; prune is off (--prune or `prune: true` in ecsgit.yaml deletes it)"
	case refuseAll:
		sp.Action = plan.ActionSkip
		sp.Reason = fmt.Sprintf("the repository has no services at all; refusing to delete all %d owned jobs (a failed checkout looks the same) — allow it explicitly to prune everything", n)
	}
	return sp
}
