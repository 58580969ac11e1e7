package reconcile

import (
	"context"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/plan"
)

// delete prunes one owned job the plan listed (decision 9). Nomad's deregister has no
// enforce index, so the job is re-read and its JobModifyIndex compared with the plan's
// first: a job changed since the plan is left alone. The job is stopped, not purged, so
// `nomad job history` still explains what happened; the record keeps the history.
func (a *applier) delete(ctx context.Context, sp plan.ServicePlan) ServiceResult {
	live, err := a.b.ReadJob(ctx, a.ns, sp.JobID)
	if err != nil {
		return errorResult(err)
	}
	if live == nil || nomadbackend.IsStopped(live) {
		return ServiceResult{Status: StatusDeleted, Reason: "already stopped"}
	}
	if nomadbackend.JobModifyIndexOf(live) != sp.JobModifyIndex {
		return ServiceResult{Status: StatusConflict, Reason: a.conflictReason(ctx, sp, nil)}
	}
	if own, why := nomadbackend.OwnershipOf(live, live.Source); own != nomadbackend.OwnedBySource {
		return ServiceResult{Status: StatusSkipped, Reason: why}
	}
	if _, err := a.b.Deregister(ctx, a.ns, sp.JobID, false); err != nil {
		return errorResult(err)
	}
	now := time.Now().UTC()
	_, err = a.updateRecord(ctx, sp.JobID, func(r *nomadbackend.ServiceRecord) error {
		r.Outcome, r.AppliedAt, r.AppliedBy = nomadbackend.OutcomeDeleted, now, a.opts.Who
		e := nomadbackend.HistoryEntry{Revision: r.Revision, Time: now, Who: a.opts.Who, Outcome: nomadbackend.OutcomeDeleted, SpecHash: r.SpecHash}
		if a.opts.Commit != nil {
			e.Commit = a.opts.Commit.SHA
		}
		r.AddHistory(e)
		return nil
	})
	if err != nil {
		return ServiceResult{Status: StatusError, Reason: "stopped, but the record was not updated: " + err.Error()}
	}
	return ServiceResult{Status: StatusDeleted, Reason: sp.Reason}
}
