package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/plan"
)

// service applies one service of the plan. The write sequence is built for crash safety
// (docs/rollouts.md): register → record "pending" → watch → record the outcome. An apply
// killed anywhere in it is finished by the next one: a pending record is settled first
// (its deployment followed to the end), and a job registered without a record shows as
// Nomad diff None and gets its record without a second register.
func (a *applier) service(ctx context.Context, sp plan.ServicePlan, u *Unit) ServiceResult {
	switch sp.Action {
	case plan.ActionSkip:
		st := StatusSkipped
		if sp.Degraded {
			st = StatusDegraded
		}
		return ServiceResult{Status: st, Reason: sp.Reason, TaskDefinition: sp.OldTaskDefinition}
	case plan.ActionDelete:
		return a.delete(ctx, sp)
	}
	if u == nil {
		u = &Unit{}
	}
	// Records are read, never written, for a service whose plan is a no-op and whose
	// record is settled: a no-op apply performs no write at all. A no-op planned in this
	// process uses the record the plan just read.
	// A change planned in this process also starts from the plan's record: every write
	// below is check-and-set at its index, so a record that moved since is a conflict,
	// not a silent overwrite.
	rec := u.PlannedRecord
	if planned, ok := u.plannedRecord(); ok {
		rec = planned
	} else if rec == nil || sp.Action != plan.ActionNoop {
		var err error
		if rec, err = a.b.ReadServiceRecord(ctx, a.ns, sp.JobID); err != nil {
			return errorResult(err)
		}
	}
	settled := false
	if rec != nil && rec.Outcome == nomadbackend.OutcomePending {
		// The unit describes the spec of this plan; the pending rollout may be of another
		// (then the record's own ECS documents give its circuit breaker).
		var same *Unit
		if rec.SpecHash == sp.SpecHash {
			same = u
		}
		r, err := a.settle(ctx, sp, rec, same)
		if err != nil {
			return errorResult(err)
		}
		settled = true
		if rec.SpecHash == sp.SpecHash || rec.FailedSpec(sp.SpecHash) {
			// The interrupted apply was of this very spec: its outcome is this apply's
			// (and a rolled-back spec must not be registered again).
			r.Resumed = true
			return r
		}
	}
	switch {
	case sp.Action == plan.ActionNoop:
		return ServiceResult{Status: StatusUnchanged, TaskDefinition: sp.NewTaskDefinition}
	case sp.NomadDiffType == string(nomadbackend.DiffNone):
		return a.recordOnly(ctx, sp, u)
	}
	if u.ECS != nil && len(u.ECS.PreDeploy) > 0 && plan.IsDeployment(sp) {
		if r, ok := a.preDeploy(ctx, sp, u); !ok {
			return r
		}
	}
	claimed, r, ok := a.claimRecord(ctx, sp, u, settled)
	if !ok {
		return r
	}
	return a.register(ctx, sp, u, claimed)
}

// claim makes the service record the point where concurrent applies are ordered. Nomad
// checks EnforceIndex against a snapshot before its Raft write, so two registers at the
// same index that arrive together can both pass (observed under load). Variables'
// check-and-set is decided inside the Raft apply, so the record is claimed first, at
// the index the plan saw: of two applies planned against the same state exactly one
// claim succeeds and the other stops with a conflict, before any Nomad job write.
//
// The claim is written on the record the plan read when the plan was computed in this
// process (no read: check-and-set at the plan's index is the very comparison a read
// would make), and on a fresh read otherwise. It returns the claimed record (nil when
// nothing was claimed), whose index the next write of this apply checks against.
func (a *applier) claim(ctx context.Context, sp plan.ServicePlan, u *Unit, settled bool) (ServiceResult, bool) {
	_, r, ok := a.claimRecord(ctx, sp, u, settled)
	return r, ok
}

// claimRecord is claim, returning the claimed record too.
func (a *applier) claimRecord(ctx context.Context, sp plan.ServicePlan, u *Unit, settled bool) (*nomadbackend.ServiceRecord, ServiceResult, bool) {
	if u.ECS == nil || u.ECS.Family == "" {
		return nil, ServiceResult{}, true // a plan file without ECS documents: EnforceIndex alone
	}
	want := u.ECS.RecordIndex
	planned, ok := u.plannedRecord()
	var rec *nomadbackend.ServiceRecord
	switch {
	case ok && !settled && planned == nil && want == 0:
	case ok && !settled && planned != nil && planned.ModifyIndex == want:
		rec = planned.Clone()
	default:
		var err error
		if rec, err = a.b.ReadServiceRecord(ctx, a.ns, sp.JobID); err != nil {
			return nil, errorResult(err), false
		}
		if settled && rec != nil {
			want = rec.ModifyIndex // this apply's own settle moved it
		}
	}
	conflict := func(now uint64) (*nomadbackend.ServiceRecord, ServiceResult, bool) {
		return nil, ServiceResult{Status: StatusConflict, Reason: fmt.Sprintf(
			"another apply changed this service since the plan (record index %d → %d); nothing was written; run plan again", want, now)}, false
	}
	if rec == nil {
		rec = &nomadbackend.ServiceRecord{Namespace: a.ns, JobID: sp.JobID}
	}
	if rec.ModifyIndex != want {
		return conflict(rec.ModifyIndex)
	}
	// "An apply of this spec started": the write must change the record, and the claim
	// tells the next plan that a register after it is ecsgit's own.
	rec.AppliedAt, rec.AppliedBy, rec.Claim = time.Now().UTC(), a.opts.Who, sp.SpecHash
	if err := a.writeRecord(ctx, rec); err != nil {
		if errors.Is(err, nomadbackend.ErrRecordConflict) {
			now := uint64(0)
			if cur, rerr := a.b.ReadServiceRecord(ctx, a.ns, sp.JobID); rerr == nil && cur != nil {
				now = cur.ModifyIndex
			}
			return conflict(now)
		}
		return nil, errorResult(err), false
	}
	return rec, ServiceResult{}, true
}

// evaluationWaiter is the watch in two halves, which the Nomad backend offers (an
// optional part of Cluster: without it, apply takes the full write sequence). Between
// them, apply learns whether the rollout already ended with the register's evaluation.
type evaluationWaiter interface {
	WaitEvaluation(ctx context.Context, ns, evalID string, poll time.Duration) (nomadbackend.Evaluation, error)
	FollowEvaluation(ctx context.Context, ns, jobID string, ev nomadbackend.Evaluation, opts nomadbackend.WatchOptions, progress func(nomadbackend.Progress)) (nomadbackend.Outcome, error)
}

// evaluationWaiterAfter starts the evaluation wait with a blocking query at the
// register's index (nomadbackend.Client.WaitEvaluationAfter): one read fewer.
type evaluationWaiterAfter interface {
	WaitEvaluationAfter(ctx context.Context, ns, evalID string, created uint64, poll time.Duration) (nomadbackend.Evaluation, error)
}

var (
	_ evaluationWaiter      = (*nomadbackend.Client)(nil)
	_ evaluationWaiterAfter = (*nomadbackend.Client)(nil)
)

// register submits the job at the plan's index, records it pending, and follows the
// rollout. claimed is the record as this apply's claim left it (nil: no claim).
//
// The pending record exists so that an apply interrupted during a rollout is finished
// by the next one. When the register's evaluation started no deployment and placed
// every task (desiredCount 0, a change that needs no new allocation), the rollout has
// ended before anything could be interrupted: the pending and the outcome record are
// then one write. An apply killed before that write left the claim, which the next
// plan reads as this spec's interrupted register (plan_drift.go), as before.
func (a *applier) register(ctx context.Context, sp plan.ServicePlan, u *Unit, claimed *nomadbackend.ServiceRecord) ServiceResult {
	if u.Job == nil {
		return ServiceResult{Status: StatusError, Reason: "no Nomad job was bound to this service (plan file without jobs?); run plan again"}
	}
	if u.ECS != nil && len(u.ECS.SecretPaths) > 0 {
		// Before the register: a task placed without the policy blocks on its template.
		if _, err := a.b.EnsureSecretsPolicy(ctx, a.ns, sp.JobID, u.ECS.SecretPaths); err != nil {
			return errorResult(fmt.Errorf("secrets policy of %s: %w", sp.JobID, err))
		}
	}
	evalID, jobIndex, err := a.b.Register(ctx, u.Job, sp.JobModifyIndex)
	if errors.Is(err, nomadbackend.ErrConflict) {
		return ServiceResult{Status: StatusConflict, Reason: a.conflictReason(ctx, sp, err)}
	}
	if err != nil {
		return errorResult(err)
	}
	// The revision is assigned once the register is accepted, alongside its evaluation:
	// a register refused by a racing apply must not consume a revision number
	// (TestFaultConcurrentApplies checks that revisions stay consecutive; it failed when
	// the assignment started before the register).
	revision := a.startRevision(ctx, sp, u)
	defer func() { _, _, _ = revision() }() // never leave the assignment running behind the result
	registered := func(r ServiceResult, err error) ServiceResult {
		r.Registered, r.JobModifyIndex = true, jobIndex
		if err != nil {
			r.Status, r.Reason, r.cause = StatusError, err.Error(), err
		}
		return r
	}
	w, split := a.b.(evaluationWaiter)
	// A periodic job's register creates no evaluation: WatchRollout handles that case.
	split = split && evalID != ""
	var ev nomadbackend.Evaluation
	if split {
		if wa, ok := a.b.(evaluationWaiterAfter); ok {
			ev, err = wa.WaitEvaluationAfter(ctx, a.ns, evalID, jobIndex, a.opts.Poll)
		} else {
			ev, err = w.WaitEvaluation(ctx, a.ns, evalID, a.opts.Poll)
		}
		if err != nil {
			return registered(errorResult(err), nil)
		}
		if ev.Ended() {
			return registered(a.recordEnded(ctx, sp, u, claimed, revision, registeredJob(u, sp, jobIndex, ev)))
		}
	}
	live, err := a.b.ReadJob(ctx, a.ns, sp.JobID)
	if err != nil {
		return registered(ServiceResult{}, err)
	}
	rec, err := a.recordPending(ctx, sp, u, live, claimed, revision)
	if err != nil {
		return registered(ServiceResult{}, err)
	}
	var out nomadbackend.Outcome
	var werr error
	if split {
		out, werr = w.FollowEvaluation(ctx, a.ns, sp.JobID, ev, a.watchOptions(rec, u), a.progress(sp.Service))
	} else {
		out, werr = a.b.WatchRollout(ctx, a.ns, sp.JobID, evalID, a.watchOptions(rec, u), a.progress(sp.Service))
	}
	return registered(a.finish(ctx, sp, rec, out, werr))
}

// registeredJob is the job as a register just stored it, when Nomad's rules give its
// version without reading it back (nil otherwise: read it). A register whose
// evaluation was created in the same Raft entry as the job (ev.JobModifyIndex is the
// register's index, newer than the plan's) stored a new job version: Nomad's state
// store makes it the previous version + 1, or keeps the submitted version (0, ecsgit
// never sets one) for a job that did not exist (nomad/state/state_store.go
// upsertJobImpl, Nomad 1.11.3). The previous version is the one the plan saw, which the
// register's EnforceIndex at the plan's index vouches is still the live one. The
// register of an unchanged spec creates its evaluation alone (ev.JobModifyIndex 0) and
// is read back as before.
func registeredJob(u *Unit, sp plan.ServicePlan, jobIndex uint64, ev nomadbackend.Evaluation) *nomadbackend.LiveJob {
	if !u.inProcess || u.Job == nil || jobIndex == 0 || ev.JobModifyIndex != jobIndex || jobIndex <= sp.JobModifyIndex {
		return nil
	}
	if (u.plannedLive == nil) != (sp.JobModifyIndex == 0) {
		return nil // the plan's view of the live job and its index disagree: read it
	}
	live := u.Job.Summary()
	if live.Version != 0 {
		return nil // a submitted version is kept when it is newer: not ecsgit's case, read it
	}
	live.JobModifyIndex, live.Stopped = jobIndex, false
	if u.plannedLive != nil {
		live.Version = u.plannedLive.Version + 1
	}
	return live
}

// recordOnly handles a service whose job already matches in Nomad but whose record does
// not (no record yet, or an apply killed between register and its record write): it
// records the spec and follows the deployment of the live version if one is running.
func (a *applier) recordOnly(ctx context.Context, sp plan.ServicePlan, u *Unit) ServiceResult {
	live, err := a.b.ReadJob(ctx, a.ns, sp.JobID)
	if err != nil {
		return errorResult(err)
	}
	if live == nil || nomadbackend.JobModifyIndexOf(live) != sp.JobModifyIndex {
		return ServiceResult{Status: StatusConflict, Reason: a.conflictReason(ctx, sp, nil)}
	}
	rec, err := a.recordPending(ctx, sp, u, live, nil, nil)
	if err != nil {
		return errorResult(err)
	}
	r, err := a.settle(ctx, sp, rec, u)
	if err != nil {
		return errorResult(err)
	}
	if r.Status == StatusApplied {
		r.Status = StatusRecorded
	}
	return r
}

// watchOptions binds the rollout policy of the spec rec records (breakerFor) to a watch.
func (a *applier) watchOptions(rec *nomadbackend.ServiceRecord, u *Unit) nomadbackend.WatchOptions {
	return nomadbackend.WatchOptions{Judge: a.breakerFor(rec, u).judge, Poll: a.opts.Poll}
}

func (a *applier) progress(service string) func(nomadbackend.Progress) {
	return func(p nomadbackend.Progress) {
		a.emit(Event{Service: service, Kind: EventProgress, Progress: p, Message: progressLine(service, p)})
	}
}

// progressLine is the plain progress line: "web: 2/4 healthy, 4 placed, 0 failed".
func progressLine(service string, p nomadbackend.Progress) string {
	s := fmt.Sprintf("%s: %d/%d healthy, %d placed, %d failed", service, p.Healthy, p.Desired, p.Placed, p.FailedTasks)
	if p.Canaries > 0 {
		s += fmt.Sprintf(", %d canaries", p.Canaries)
	}
	if p.Description != "" {
		s += " — " + p.Description
	}
	return s
}

// conflictReason words an EnforceIndex refusal the way the user acts on it.
func (a *applier) conflictReason(ctx context.Context, sp plan.ServicePlan, err error) string {
	now := ""
	if ce := (*nomadbackend.ConflictError)(nil); errors.As(err, &ce) && ce.LiveIndex != 0 {
		now = strconv.FormatUint(ce.LiveIndex, 10)
	}
	if now == "" {
		if live, rerr := a.b.ReadJob(ctx, a.ns, sp.JobID); rerr == nil {
			if live == nil {
				now = "deleted"
			} else {
				now = strconv.FormatUint(nomadbackend.JobModifyIndexOf(live), 10)
			}
		}
	}
	if now == "" {
		now = "?"
	}
	return fmt.Sprintf("the Nomad job changed since the plan (index %d → %s); nothing was written; run plan again", sp.JobModifyIndex, now)
}

func errorResult(err error) ServiceResult {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return ServiceResult{Status: StatusTimeout, Reason: "stopped waiting (" + err.Error() + "); the rollout goes on in Nomad — run apply again to follow it and finish the record", cause: err}
	}
	return ServiceResult{Status: StatusError, Reason: err.Error(), cause: err}
}

// latestDeploymentFor returns the newest deployment of the job for version v (nil: none).
func latestDeploymentFor(ctx context.Context, c Cluster, ns, jobID string, v uint64) (*nomadbackend.Deployment, error) {
	ds, err := c.Deployments(ctx, ns, jobID)
	if err != nil {
		return nil, err
	}
	return latestDeployment(ds, &v), nil
}

// latestDeployment is the newest of ds (of job version *v when v is set; nil: none).
func latestDeployment(ds []nomadbackend.Deployment, v *uint64) *nomadbackend.Deployment {
	var best *nomadbackend.Deployment
	for i := range ds {
		d := &ds[i]
		if (v == nil || d.JobVersion == *v) && (best == nil || d.CreateIndex > best.CreateIndex) {
			best = d
		}
	}
	return best
}
