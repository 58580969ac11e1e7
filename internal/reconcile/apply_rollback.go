package reconcile

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
)

// RollbackOptions choose the revision and how the rollout is watched.
type RollbackOptions struct {
	// ToRevision is the task-definition revision to go back to; 0 means the newest
	// revision before the current one whose apply succeeded.
	ToRevision int
	ApplyOptions
}

// Rollback redeploys an earlier revision of a service: the Nomad job version its apply
// produced (kept by Nomad; the record's history maps revision → job version), registered
// with EnforceIndex at the live job's index and watched with the same rollout rules. The
// record is marked paused so that sync does not put the Git state back until a commit
// touches the service; Git now differs from the cluster, and the result says so.
func Rollback(ctx context.Context, b Cluster, ns, jobID string, opts RollbackOptions) (ServiceResult, error) {
	opts.ApplyOptions = opts.withDefaults()
	rec, err := b.ReadServiceRecord(ctx, ns, jobID)
	if err != nil {
		return ServiceResult{}, err
	}
	if rec == nil {
		return ServiceResult{}, fmt.Errorf("%s: ecsgit has no record of this service in namespace %s", jobID, ns)
	}
	target, err := rollbackTarget(rec, opts.ToRevision)
	if err != nil {
		return ServiceResult{}, err
	}
	live, err := b.ReadJob(ctx, ns, jobID)
	if err != nil {
		return ServiceResult{}, err
	}
	if live == nil {
		return ServiceResult{}, fmt.Errorf("%s: the job does not exist in Nomad", jobID)
	}
	old, err := jobVersion(ctx, b, ns, jobID, target.JobVersion)
	if err != nil {
		return ServiceResult{}, err
	}
	res := ServiceResult{Service: jobID, JobID: jobID}
	evalID, _, err := b.Register(ctx, old, nomadbackend.JobModifyIndexOf(live))
	if errors.Is(err, nomadbackend.ErrConflict) {
		res.Status, res.Reason = StatusConflict, "the Nomad job changed while rolling back; nothing was written; run rollback again"
		return res, nil
	}
	if err != nil {
		return res, err
	}
	res.Registered = true
	a := &applier{b: b, ns: ns, opts: opts.ApplyOptions, results: map[string]*ServiceResult{}}
	// A manual rollback has no circuit breaker (it goes back to a version that ran), only
	// the placement deadline.
	out, werr := b.WatchRollout(ctx, ns, jobID, evalID,
		nomadbackend.WatchOptions{Judge: newBreaker(0, opts.PlacementTimeout).judge, Poll: opts.Poll}, a.progress(jobID))
	if werr != nil {
		r := errorResult(werr)
		r.Service, r.JobID, r.Registered = jobID, jobID, true
		return r, nil
	}
	status := statusOfRollout(out.Status)
	outcome := status.Record()
	now := time.Now().UTC()
	after, err := b.ReadJob(ctx, ns, jobID)
	if err != nil {
		return res, err
	}
	rec, err = b.UpdateServiceRecord(ctx, ns, jobID, func(r *nomadbackend.ServiceRecord) error {
		r.Revision, r.SpecHash = target.Revision, target.SpecHash
		r.JobVersion, r.JobModifyIndex = nomadbackend.JobVersionOf(after), nomadbackend.JobModifyIndexOf(after)
		r.Outcome, r.AppliedAt, r.AppliedBy = outcome, now, opts.Who
		r.Paused = true
		r.PausedReason = fmt.Sprintf("rolled back to %s:%d by %s at %s", r.Family, target.Revision, opts.Who, now.Format(time.RFC3339))
		r.AddHistory(nomadbackend.HistoryEntry{Revision: target.Revision, Time: now, Who: opts.Who + " (rollback)",
			Outcome: outcome, SpecHash: target.SpecHash, JobVersion: r.JobVersion})
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("record the rollback of %s: %w", jobID, err)
	}
	res.Status, res.Reason, res.TaskDefinition, res.JobVersion = status, out.Reason, rec.TaskDefinitionRef(), rec.JobVersion
	if status == StatusApplied {
		res.Reason = "Git now differs from the cluster: sync leaves this service paused until a commit changes it"
	}
	return res, nil
}

// rollbackTarget picks the history entry to go back to.
func rollbackTarget(rec *nomadbackend.ServiceRecord, to int) (nomadbackend.HistoryEntry, error) {
	for i := len(rec.History) - 1; i >= 0; i-- {
		h := rec.History[i]
		if h.Outcome != nomadbackend.OutcomeSucceeded {
			continue
		}
		if (to == 0 && h.Revision != rec.Revision) || (to != 0 && h.Revision == to) {
			return h, nil
		}
	}
	if to != 0 {
		return nomadbackend.HistoryEntry{}, fmt.Errorf("%s: no successful apply of revision %d in its history (see ecsgit history %s)", rec.JobID, to, rec.JobID)
	}
	return nomadbackend.HistoryEntry{}, fmt.Errorf("%s: no earlier successful revision in its history to roll back to", rec.JobID)
}

// jobVersion returns a kept version of the job, ready to register again.
func jobVersion(ctx context.Context, b Cluster, ns, jobID string, v uint64) (*nomadbackend.Job, error) {
	j, err := b.JobVersion(ctx, ns, jobID, v)
	if err != nil || j != nil {
		return j, err
	}
	return nil, fmt.Errorf("%s: Nomad no longer keeps job version %d (it keeps a few versions only); roll back by reverting the commit in Git instead", jobID, v)
}
