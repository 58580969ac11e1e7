package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/wait"
)

// applied is the part of a record that describes what runs; a rollback restores it.
type applied struct {
	taskDefinition, service json.RawMessage
}

// recordPending assigns the revision (decision 3) and writes the service record with
// outcome "pending" right after the register: from then on, an interrupted apply is
// visible and the next one settles it instead of guessing. base is the record as this
// apply last wrote it (the claim; nil: read it first); revision, when set, is the
// revision assignment this apply started earlier (startRevision).
func (a *applier) recordPending(ctx context.Context, sp plan.ServicePlan, u *Unit, live *nomadbackend.LiveJob, base *nomadbackend.ServiceRecord, revision func() (string, int, error)) (*nomadbackend.ServiceRecord, error) {
	if live == nil {
		return nil, fmt.Errorf("record %s as pending: the job is gone from Nomad right after its register", sp.Service)
	}
	if revision == nil {
		revision = func() (string, int, error) { return a.revision(ctx, sp, u) }
	}
	family, rev, err := revision()
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	rec, err := a.writeOn(ctx, sp.JobID, base, func(r *nomadbackend.ServiceRecord) error {
		a.markPending(r, sp, u, live, family, rev, now)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("record %s as pending: %w", sp.Service, err)
	}
	return rec, nil
}

// recordEnded records a register whose rollout ended with its evaluation (register):
// the pending record and the outcome in one write.
// live is the registered job when registeredJob could tell it without a read (nil: it
// is read here).
func (a *applier) recordEnded(ctx context.Context, sp plan.ServicePlan, u *Unit, base *nomadbackend.ServiceRecord, revision func() (string, int, error), live *nomadbackend.LiveJob) (ServiceResult, error) {
	if live == nil {
		var err error
		if live, err = a.b.ReadJob(ctx, a.ns, sp.JobID); err != nil {
			return ServiceResult{}, err
		}
	}
	if live == nil {
		return ServiceResult{}, fmt.Errorf("record %s: the job is gone from Nomad right after its register", sp.Service)
	}
	family, rev, err := revision()
	if err != nil {
		return ServiceResult{}, err
	}
	out := nomadbackend.Outcome{Status: nomadbackend.RolloutSucceeded, JobVersion: nomadbackend.JobVersionOf(live)}
	now := time.Now().UTC()
	rec, err := a.writeOn(ctx, sp.JobID, base, func(r *nomadbackend.ServiceRecord) error {
		a.markPending(r, sp, u, live, family, rev, now)
		a.markOutcome(r, sp.SpecHash, out, live, now)
		return nil
	})
	if err != nil {
		return ServiceResult{}, fmt.Errorf("record %s: %w", sp.Service, err)
	}
	return ServiceResult{Status: StatusApplied, TaskDefinition: rec.TaskDefinitionRef(), JobVersion: rec.JobVersion}, nil
}

// revision is the task definition's family and the revision its content gets: the one
// the plan found in the family record, or the one AssignRevision gives new content.
func (a *applier) revision(ctx context.Context, sp plan.ServicePlan, u *Unit) (string, int, error) {
	family, rev := splitTaskDefinitionRef(sp.NewTaskDefinition)
	if u.ECS == nil || u.ECS.Family == "" {
		return family, rev, nil
	}
	if u.ECS.RevisionKnown && u.ECS.Family == family && rev > 0 {
		return family, rev, nil
	}
	if f := u.plannedFamily; f != nil && f.Family == u.ECS.Family && f.Namespace == a.ns {
		if ra, ok := a.b.(revisionAssignerFrom); ok {
			rev, err := ra.AssignRevisionFrom(ctx, f, u.ECS.ContentHash)
			return u.ECS.Family, rev, err
		}
	}
	rev, err := a.b.AssignRevision(ctx, a.ns, u.ECS.Family, u.ECS.ContentHash)
	return u.ECS.Family, rev, err
}

// startRevision runs revision concurrently with what follows (the register's
// evaluation) and returns the function that waits for it: the revision is needed only
// by the record write after the register. It is started only after Nomad accepted the
// register, so a refused register leaves no revision number behind.
func (a *applier) startRevision(ctx context.Context, sp plan.ServicePlan, u *Unit) func() (string, int, error) {
	type result struct {
		family string
		rev    int
		err    error
	}
	ch := make(chan result, 1)
	go func() {
		family, rev, err := a.revision(ctx, sp, u)
		ch <- result{family, rev, err}
	}()
	var r *result
	return func() (string, int, error) {
		if r == nil {
			got := <-ch
			r = &got
		}
		return r.family, r.rev, r.err
	}
}

// markPending is the pending write's change of a record (repeatable, for writeOn).
func (a *applier) markPending(r *nomadbackend.ServiceRecord, sp plan.ServicePlan, u *Unit, live *nomadbackend.LiveJob, family string, rev int, now time.Time) {
	if r.Outcome != nomadbackend.OutcomePending && r.Revision > 0 {
		a.remember(sp.JobID, applied{r.TaskDefinition, r.Service})
	}
	r.Source = live.Source
	r.Claim = "" // the register the claim announced is recorded now
	if u.Unpause {
		r.Paused, r.PausedReason = false, ""
	}
	r.Family, r.Revision, r.SpecHash = family, rev, sp.SpecHash
	if u.ECS != nil && len(u.ECS.TaskDefinition) > 0 {
		r.TaskDefinition, r.Service = u.ECS.TaskDefinition, u.ECS.Service
	}
	r.Commit = a.opts.Commit
	r.JobVersion, r.JobModifyIndex = nomadbackend.JobVersionOf(live), nomadbackend.JobModifyIndexOf(live)
	r.Outcome, r.AppliedAt, r.AppliedBy = nomadbackend.OutcomePending, now, a.opts.Who
	e := nomadbackend.HistoryEntry{Revision: rev, Time: now, Who: a.opts.Who, Outcome: nomadbackend.OutcomePending,
		SpecHash: sp.SpecHash, JobVersion: r.JobVersion}
	if a.opts.Commit != nil {
		e.Commit = a.opts.Commit.SHA
	}
	r.AddHistory(e)
}

// writeOn changes a record with fn and writes it: on base (a record this apply just
// read or wrote) with check-and-set at its index, without reading it again; when base
// is nil or the record moved since, by UpdateServiceRecord (read, fn, write, retried).
// fn must be repeatable.
func (a *applier) writeOn(ctx context.Context, jobID string, base *nomadbackend.ServiceRecord, fn func(*nomadbackend.ServiceRecord) error) (*nomadbackend.ServiceRecord, error) {
	if base != nil && base.ModifyIndex != 0 {
		r := base.Clone()
		if err := fn(r); err != nil {
			return nil, err
		}
		err := a.writeRecord(ctx, r)
		if err == nil {
			return r, nil
		}
		if !errors.Is(err, nomadbackend.ErrRecordConflict) {
			return nil, err
		}
	}
	return a.updateRecord(ctx, jobID, fn)
}

func (a *applier) remember(jobID string, p applied) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.prev == nil {
		a.prev = map[string]applied{}
	}
	a.prev[jobID] = p
}

func (a *applier) previous(jobID string) (applied, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.prev[jobID]
	return p, ok
}

// settle follows the deployment of a pending record's job version to its end (or learns
// how it ended while no apply was watching) and records the outcome. u is the unit of
// the record's spec, or nil when this apply plans another spec: the circuit breaker is
// then the one the record's service definition asks for (breakerFor).
func (a *applier) settle(ctx context.Context, sp plan.ServicePlan, rec *nomadbackend.ServiceRecord, u *Unit) (ServiceResult, error) {
	var dep *nomadbackend.Deployment
	// A register's evaluation may not have created its deployment yet: give it a moment.
	for range 10 {
		var err error
		if dep, err = latestDeploymentFor(ctx, a.b, a.ns, sp.JobID, rec.JobVersion); err != nil {
			return ServiceResult{}, err
		}
		if dep != nil {
			break
		}
		if err := wait.Sleep(ctx, 300*time.Millisecond); err != nil {
			return ServiceResult{}, err
		}
	}
	out := nomadbackend.Outcome{Status: nomadbackend.RolloutSucceeded, JobVersion: rec.JobVersion}
	var werr error
	if dep != nil {
		out, werr = a.b.WatchDeployment(ctx, a.ns, sp.JobID, dep.ID, a.watchOptions(rec, u), a.progress(sp.Service))
	}
	return a.finish(ctx, sp, rec, out, werr)
}

// finish records how a rollout ended. A rollback restores the record to the revision
// that runs again and remembers the failed spec (decision 8), so that the next plan of
// the same Git state shows the service degraded instead of retrying it.
func (a *applier) finish(ctx context.Context, sp plan.ServicePlan, pending *nomadbackend.ServiceRecord, out nomadbackend.Outcome, werr error) (ServiceResult, error) {
	if werr != nil {
		// The record stays pending: the next apply follows the rollout from there.
		return errorResult(werr), nil
	}
	live, err := a.b.ReadJob(ctx, a.ns, sp.JobID)
	if err != nil {
		return ServiceResult{}, err
	}
	status := statusOfRollout(out.Status)
	now := time.Now().UTC()
	res := ServiceResult{Status: status, Reason: out.Reason, JobVersion: out.JobVersion}
	rec, err := a.writeOn(ctx, sp.JobID, pending, func(r *nomadbackend.ServiceRecord) error {
		a.markOutcome(r, pending.SpecHash, out, live, now)
		return nil
	})
	if err != nil {
		return ServiceResult{}, fmt.Errorf("record the outcome of %s: %w", sp.Service, err)
	}
	res.TaskDefinition = rec.TaskDefinitionRef()
	res.JobVersion = rec.JobVersion
	if status.Record() == nomadbackend.OutcomeRolledBack {
		v := ""
		if out.RevertedToVersion != nil {
			v = fmt.Sprintf(" (job version %d)", *out.RevertedToVersion)
		}
		res.Reason = fmt.Sprintf("rolled back to %s%s; the failed spec is not retried until Git changes: %s", rec.TaskDefinitionRef(), v, out.Reason)
	}
	return res, nil
}

// markOutcome is the outcome write's change of a pending record (repeatable, for
// writeOn): how the rollout of specHash ended. Of a record another apply took over
// since (its register superseded this rollout), only this rollout's own history entry
// is settled: the record's outcome, version and index are the other apply's. Left
// pending, that entry would say forever that a rollout which ended was still going on
// (TestFaultConcurrentApplies: the newer apply's pending write came between this
// apply's pending write and its outcome).
func (a *applier) markOutcome(r *nomadbackend.ServiceRecord, specHash string, out nomadbackend.Outcome, live *nomadbackend.LiveJob, now time.Time) {
	outcome := statusOfRollout(out.Status).Record()
	takenOver := r.Outcome != nomadbackend.OutcomePending || r.SpecHash != specHash
	for i := len(r.History) - 1; i >= 0; i-- {
		if h := &r.History[i]; h.Outcome == nomadbackend.OutcomePending && h.SpecHash == specHash {
			h.Outcome = outcome
			break
		}
	}
	if takenOver {
		return
	}
	r.Outcome = outcome
	if out.JobVersion != 0 || live != nil {
		r.JobVersion = max(out.JobVersion, nomadbackend.JobVersionOf(live))
	}
	r.JobModifyIndex = nomadbackend.JobModifyIndexOf(live)
	switch outcome {
	case nomadbackend.OutcomeSucceeded:
		if r.Failed != nil && r.Failed.SpecHash != r.SpecHash {
			r.Failed = nil // a newer spec succeeded: the old failure no longer matters
		}
	case nomadbackend.OutcomeRolledBack:
		r.Failed = &nomadbackend.Failure{SpecHash: specHash, Reason: shortReason(out.Reason), Time: now}
		a.restorePrevious(r)
	}
	r.AppliedAt = now
}

// restorePrevious points the record back at the last revision that succeeded, which
// is what Nomad's auto-revert runs again.
func (a *applier) restorePrevious(r *nomadbackend.ServiceRecord) {
	for i := len(r.History) - 1; i >= 0; i-- {
		h := r.History[i]
		if h.Outcome == nomadbackend.OutcomeSucceeded && h.SpecHash != r.Failed.SpecHash {
			r.Revision, r.SpecHash = h.Revision, h.SpecHash
			if p, ok := a.previous(r.JobID); ok {
				r.TaskDefinition, r.Service = p.taskDefinition, p.service
			}
			return
		}
	}
}

// shortReason keeps the failure memory's reason within a line (records are size-bound).
func shortReason(s string) string {
	const max = 400
	s = strings.TrimSpace(s)
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

// splitTaskDefinitionRef splits "family:revision".
func splitTaskDefinitionRef(ref string) (string, int) {
	i := strings.LastIndexByte(ref, ':')
	if i < 0 {
		return ref, 0
	}
	n, _ := strconv.Atoi(ref[i+1:])
	return ref[:i], n
}
