package syncloop

import (
	"context"
	"errors"

	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/reconcile"
	"github.com/ecsgit/ecsgit/internal/source"
)

// EngineApply is the daemon's apply: the apply engine's reconcile.ApplyPlanned, exactly what
// `ecsgit apply` runs, with the result mapped to what the loop needs. A conflict or a
// Nomad error is returned as an error (the loop retries with backoff and re-plans); a
// failed or rolled-back rollout is a per-service outcome (not retried: failure memory
// decides when to try again).
func EngineApply(ctx context.Context, b reconcile.Cluster, p *reconcile.Planned, rev source.Revision) (*SyncResult, error) {
	res, err := reconcile.ApplyPlanned(ctx, b, p, reconcile.ApplyOptions{Who: "ecsgit sync", Commit: reconcile.CommitOf(rev)})
	if err != nil {
		return nil, err
	}
	out := &SyncResult{}
	var errs []error
	for _, r := range res.Services {
		sr := SyncServiceResult{JobID: r.JobID, Service: r.Service, Written: r.Registered, JobModifyIndex: r.JobModifyIndex, Reason: r.Reason}
		switch {
		case r.Status == reconcile.StatusSkipped && r.Action == plan.ActionDelete:
			sr.PruneHeld = true // kept running this pass (applyLevels): named in log and status
			out.Services = append(out.Services, sr)
			continue
		}
		if r.Status == reconcile.StatusSkipped {
			continue
		}
		sr.Status, sr.Outcome = r.Status, r.Status.Record()
		switch r.Status {
		case reconcile.StatusDeleted:
			sr.Written, sr.Deregistered = true, true
		case reconcile.StatusConflict, reconcile.StatusError: // transient: the loop retries
			sr.Err = r.Err()
			errs = append(errs, sr.Err)
		}
		out.Services = append(out.Services, sr)
	}
	return out, errors.Join(errs...)
}
