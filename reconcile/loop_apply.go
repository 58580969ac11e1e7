package reconcile

import (
	"context"
	"errors"

	"github.com/ecsgit/ecsgit/nomadbackend"
	"github.com/ecsgit/ecsgit/plan"
	"github.com/ecsgit/ecsgit/source"
)

// EngineApply is the daemon's apply: the apply engine's ApplyPlanned, exactly what
// `ecsgit apply` runs, with the result mapped to what the loop needs. A conflict or a
// Nomad error is returned as an error (the loop retries with backoff and re-plans); a
// failed or rolled-back rollout is a per-service outcome (not retried: failure memory
// decides when to try again).
func EngineApply(ctx context.Context, b Cluster, p *Planned, rev source.Revision) (*SyncResult, error) {
	res, err := ApplyPlanned(ctx, b, p, ApplyOptions{Who: "ecsgit sync", Commit: CommitOf(rev)})
	if err != nil {
		return nil, err
	}
	out := &SyncResult{}
	var errs []error
	for _, r := range res.Services {
		sr := SyncServiceResult{JobID: r.JobID, Service: r.Service, Written: r.Registered, Reason: r.Reason}
		switch {
		case r.Status == StatusSkipped && r.Action == plan.ActionDelete:
			sr.PruneHeld = true // kept running this pass (applyLevels): named in log and status
			out.Services = append(out.Services, sr)
			continue
		}
		if r.Status == StatusSkipped {
			continue
		}
		sr.Status, sr.Outcome = r.Status, r.Status.Record()
		switch r.Status {
		case StatusDeleted:
			sr.Written, sr.Deregistered = true, true
		case StatusConflict, StatusError: // transient: the loop retries
			sr.Err = &ServiceError{Service: r.Service, Status: r.Status, Reason: r.Reason, Cause: r.cause}
			errs = append(errs, sr.Err)
		}
		out.Services = append(out.Services, sr)
	}
	return out, errors.Join(errs...)
}

// CommitOf is what ecsgit records about the commit it deploys (nil when unknown).
func CommitOf(rev source.Revision) *nomadbackend.Commit {
	if rev.SHA == "" {
		return nil
	}
	return &nomadbackend.Commit{SHA: rev.SHA, Author: rev.Author, Message: rev.Message}
}
