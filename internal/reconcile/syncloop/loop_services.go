package syncloop

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/parallel"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/reconcile"
)

// serviceStatuses turns a plan and what apply did into the per-service states of
// /v1/status.
func serviceStatuses(p *reconcile.Planned, res *SyncResult, mode reconcile.DriftMode) []ServiceStatus {
	byJob := map[string]SyncServiceResult{}
	if res != nil {
		for _, r := range res.Services {
			byJob[r.JobID] = r
		}
	}
	out := []ServiceStatus{}
	for _, sp := range p.Plan.Services {
		st := ServiceStatus{Service: sp.Service, JobID: sp.JobID, TaskDefinition: sp.NewTaskDefinition, State: reconcile.StateSynced, Reason: sp.Reason}
		rec := (*nomadbackend.ServiceRecord)(nil)
		if ps := p.Services[sp.JobID]; ps != nil {
			rec = ps.Record
		}
		r, applied := byJob[sp.JobID]
		switch {
		case sp.Action == plan.ActionDelete && applied && r.PruneHeld:
			st.State, st.Reason = reconcile.StateOutOfSync, r.Reason
		case sp.Action == plan.ActionDelete && applied && r.Err == nil:
			continue // pruned: no longer a service of this repository (AttemptStatus.Pruned names it)
		case applied && r.Err != nil:
			st.State, st.Reason = reconcile.StateFailed, r.Err.Error()
		case applied:
			st.State = r.Status.State()
		case sp.Degraded:
			st.State = reconcile.StateDegraded
		case sp.Action == plan.ActionSkip && rec != nil && rec.Paused:
			st.State = reconcile.StatePaused
		case sp.Action == plan.ActionSkip && sp.Drifted && mode == reconcile.DriftReport:
			st.State, st.Drifted = reconcile.StateOutOfSync, true
		case sp.Action == plan.ActionSkip:
			st.State = reconcile.StateOutOfSync
		}
		out = append(out, st)
	}
	return out
}

// noteOwnWrites remembers the JobModifyIndex of every job ecsgit just wrote, so the
// events those writes cause are not mistaken for drift.
func (l *Loop) noteOwnWrites(res *SyncResult) {
	if res == nil {
		return
	}
	for _, r := range res.Services {
		if r.Written && r.JobModifyIndex > 0 {
			l.own[r.JobID] = r.JobModifyIndex
		}
		if r.Deregistered {
			l.own[r.JobID] = deregisteredMark
		}
	}
}

// deregisteredMark in Loop.own: ecsgit itself stopped the job (prune).
const deregisteredMark = ^uint64(0)

// rememberSpecs keeps each service's desired spec hash after a pass, to tell later
// whether a commit touched a service. A service whose pause this pass lifted but whose
// apply failed keeps its earlier hash, so the next pass lifts it again.
func (l *Loop) rememberSpecs(p *reconcile.Planned, res *SyncResult) {
	failed := map[string]bool{}
	if res != nil {
		for _, r := range res.Services {
			if r.Err != nil {
				failed[r.JobID] = true
			}
		}
	}
	for _, sp := range p.Plan.Services {
		if ps := p.Services[sp.JobID]; ps != nil && ps.Unpause && (res == nil || failed[sp.JobID]) {
			continue
		}
		if sp.SpecHash != "" {
			l.specs[sp.JobID] = sp.SpecHash
		}
	}
}

// unpauseFunc is the pass's PlanOptions.Unpause: a pause of a manual rollback (`ecsgit
// rollback`) lasts "until the next commit that touches the service", so a paused
// service whose desired spec differs from the one this loop planned before is lifted.
// A daemon that just started has no previous revision and lifts nothing (the safe side,
// and what `ecsgit plan` shows).
func (l *Loop) unpauseFunc() reconcile.UnpauseFunc {
	specs := maps.Clone(l.specs)
	return func(jobID, specHash string) bool {
		prev, ok := specs[jobID]
		return ok && prev != specHash
	}
}

// driftCandidate is what the event stream saw happen to one owned job.
type driftCandidate struct {
	JobModifyIndex uint64
	Deregistered   bool
	EventType      string
}

// NoteJobEvent hands the loop a change of an owned job seen on the event stream. It is
// debounced by the watcher; the loop decides whether it was its own write.
func (l *Loop) NoteJobEvent(jobID string, c driftCandidate) {
	l.mu.Lock()
	if l.pending.drift == nil {
		l.pending.drift = map[string]driftCandidate{}
	}
	if old, ok := l.pending.drift[jobID]; !ok || c.JobModifyIndex >= old.JobModifyIndex {
		l.pending.drift[jobID] = c
	}
	l.mu.Unlock()
}

// Wake runs a pass for what NoteJobEvent collected (after the watcher's debounce).
func (l *Loop) Wake() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// realDrift drops the candidates that are ecsgit's own writes: the index ecsgit wrote
// (remembered in memory, or in the record after a restart) or a prune it did. The
// records are read side by side: after the first pass of a large repository every job
// has an event, and one read after the other took minutes at 5,000 services.
func (l *Loop) realDrift(ctx context.Context, cands map[string]driftCandidate) map[string]driftCandidate {
	out := map[string]driftCandidate{}
	var check []string
	for id, c := range cands {
		if id == "" { // the event stream was interrupted: anything may have changed
			out[id] = c
			continue
		}
		if own, ok := l.own[id]; ok && ((c.Deregistered && own == deregisteredMark) || (!c.Deregistered && own == c.JobModifyIndex)) {
			continue
		}
		check = append(check, id)
	}
	ours := make([]bool, len(check))
	readErrs := make([]error, len(check))
	if b := l.opts.Nomad; b != nil {
		for i := range readErrs {
			readErrs[i] = errRecordNotRead // ForEach starts no read once ctx is done (shutdown)
		}
		// A failed read is not an error of the pass: the candidate is kept, and the pass
		// reads that service again, whose plan then says whether it drifted.
		_ = parallel.ForEach(ctx, len(check), b.Concurrency(), func(ctx context.Context, i int) error {
			id, c := check[i], cands[check[i]]
			rec, err := b.ReadServiceRecord(ctx, l.opts.Namespace, id)
			readErrs[i] = err
			ours[i] = err == nil && (rec == nil || // ecsgit never applied it: not ours to correct
				(!c.Deregistered && rec.JobModifyIndex == c.JobModifyIndex) ||
				(c.Deregistered && rec.Outcome == nomadbackend.OutcomeDeleted))
			return nil
		})
	}
	unread := 0
	for i, id := range check {
		if ours[i] {
			continue
		}
		c := cands[id]
		out[id] = c
		if readErrs[i] != nil {
			unread++ // not known to be drift: the log must not say it is
			continue
		}
		l.opts.Logger.Info("sync: drift", "job", id, "event", c.EventType, "job_modify_index", c.JobModifyIndex, "mode", l.opts.DriftMode)
	}
	if unread > 0 && ctx.Err() == nil {
		// One line for all of them: a server outage fails every read at once.
		l.opts.Logger.Warn("sync: job events not checked against their records (read failed); the pass reads those services again",
			"jobs", unread, "error", firstError(readErrs))
	}
	return out
}

// errRecordNotRead stands for a record read realDrift did not get to make.
var errRecordNotRead = errors.New("record not read: the pass was stopping")

// firstError is the first non-nil error of errs (nil: none).
func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// NoteDeployment records the end of a deployment of an owned job (event stream): the
// service moves from Progressing to Synced or Failed, and the outcome is counted.
func (l *Loop) NoteDeployment(jobID string, status nomadbackend.DeploymentStatus, description string) {
	var state reconcile.ServiceState
	switch status {
	case nomadbackend.DeploymentSuccessful:
		state = reconcile.StateSynced
	case nomadbackend.DeploymentFailed:
		state = reconcile.StateFailed
	case nomadbackend.DeploymentCancelled:
	default:
		return
	}
	l.status.update(func(s *SyncStatus) {
		for i := range s.Services {
			if s.Services[i].JobID != jobID {
				continue
			}
			// Counted only for services of this repository (the namespace may hold others).
			l.opts.Metrics.Deployments.WithLabelValues(string(status)).Inc()
			if state != "" && s.Services[i].State == reconcile.StateProgressing {
				s.Services[i].State = state
				if state == reconcile.StateFailed {
					s.Services[i].Reason = fmt.Sprintf("deployment failed: %s", description)
				}
			}
		}
	})
}
