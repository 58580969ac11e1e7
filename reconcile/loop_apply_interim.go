package reconcile

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/ecsgit/ecsgit/nomadbackend"
	"github.com/ecsgit/ecsgit/plan"
	"github.com/ecsgit/ecsgit/source"
)

// InterimApply carries out a plan with the smallest correct write sequence: register at
// the planned JobModifyIndex (EnforceIndex), assign the task-definition revision, write
// the record with the commit. It does not watch rollouts (the record says "pending"; the
// daemon follows deployments through the event stream).
//
// It exists only until the apply engine (reconcile/apply*.go) lands; the daemon then
// wires that engine's entry point into PipelineEngine.ApplyFunc and this file goes away.
func InterimApply(ctx context.Context, b *nomadbackend.Client, p *Planned, rev source.Revision) (*SyncResult, error) {
	sps := append([]plan.ServicePlan(nil), p.Plan.Services...)
	// Deletes last, so a rename never has a moment with neither job.
	sort.SliceStable(sps, func(i, j int) bool {
		return sps[i].Action != plan.ActionDelete && sps[j].Action == plan.ActionDelete
	})
	res := &SyncResult{}
	var errs []error
	for _, sp := range sps {
		r := SyncServiceResult{JobID: sp.JobID, Service: sp.Service}
		switch sp.Action {
		case plan.ActionCreate, plan.ActionUpdate:
			r.Err = interimWrite(ctx, b, p.Services[sp.JobID], sp, rev, &r)
		case plan.ActionDelete:
			r.Err = interimDelete(ctx, b, p.Plan.Namespace, sp, rev, &r)
		default:
			continue
		}
		if r.Err != nil {
			errs = append(errs, r.Err)
		}
		res.Services = append(res.Services, r)
	}
	return res, errors.Join(errs...)
}

func interimWrite(ctx context.Context, b *nomadbackend.Client, ps *PlannedService, sp plan.ServicePlan, rev source.Revision, r *SyncServiceResult) error {
	job := ps.Translation.Job
	ns := *job.Namespace
	idx := sp.JobModifyIndex
	version := nomadbackend.JobVersionOf(ps.Live)
	if sp.NomadDiffType != string(nomadbackend.DiffNone) || ps.Live == nil || nomadbackend.IsStopped(ps.Live) {
		_, newIdx, err := b.Register(ctx, job, sp.JobModifyIndex)
		if err != nil {
			return fmt.Errorf("apply %s: %w", sp.JobID, err)
		}
		idx, r.Written = newIdx, true
		live, err := b.ReadJob(ctx, ns, sp.JobID)
		if err != nil {
			return fmt.Errorf("apply %s: read back: %w", sp.JobID, err)
		}
		version = nomadbackend.JobVersionOf(live)
	}
	r.JobModifyIndex = idx
	revNum, err := b.AssignRevision(ctx, ns, ps.TaskDefinition.Family, ps.ContentHash)
	if err != nil {
		return fmt.Errorf("apply %s: revision: %w", sp.JobID, err)
	}
	outcome := nomadbackend.OutcomeSucceeded
	if r.Written {
		outcome = nomadbackend.OutcomePending
	}
	r.Outcome = outcome
	who := "ecsgit sync"
	_, err = b.UpdateServiceRecord(ctx, ns, sp.JobID, func(rec *nomadbackend.ServiceRecord) error {
		rec.Source = job.Meta[nomadbackend.MetaSource]
		rec.Family, rec.Revision, rec.SpecHash = ps.TaskDefinition.Family, revNum, ps.Translation.SpecHash
		var err error
		if rec.TaskDefinition, err = nomadbackend.CanonicalJSON(&ps.TaskDefinition.TaskDefinition); err != nil {
			return err
		}
		if rec.Service, err = nomadbackend.CanonicalJSON(&ps.Service.Service); err != nil {
			return err
		}
		rec.Commit = commitOf(rev)
		rec.JobModifyIndex, rec.JobVersion = idx, version
		rec.Outcome, rec.AppliedAt, rec.AppliedBy = outcome, time.Now().UTC(), who
		rec.AddHistory(nomadbackend.HistoryEntry{Revision: revNum, Commit: rev.SHA, Time: rec.AppliedAt, Who: who, Outcome: outcome, SpecHash: rec.SpecHash})
		return nil
	})
	if err != nil {
		return fmt.Errorf("apply %s: record: %w", sp.JobID, err)
	}
	return nil
}

func interimDelete(ctx context.Context, b *nomadbackend.Client, ns string, sp plan.ServicePlan, rev source.Revision, r *SyncServiceResult) error {
	if _, err := b.Deregister(ctx, ns, sp.JobID, false); err != nil {
		return fmt.Errorf("prune %s: %w", sp.JobID, err)
	}
	r.Written, r.Deregistered, r.Outcome = true, true, nomadbackend.OutcomeDeleted
	_, err := b.UpdateServiceRecord(ctx, ns, sp.JobID, func(rec *nomadbackend.ServiceRecord) error {
		rec.Outcome, rec.AppliedAt, rec.AppliedBy = nomadbackend.OutcomeDeleted, time.Now().UTC(), "ecsgit sync"
		rec.Commit = commitOf(rev)
		rec.AddHistory(nomadbackend.HistoryEntry{Revision: rec.Revision, Commit: rev.SHA, Time: rec.AppliedAt, Who: rec.AppliedBy, Outcome: rec.Outcome})
		return nil
	})
	if err != nil {
		return fmt.Errorf("prune %s: record: %w", sp.JobID, err)
	}
	return nil
}

func commitOf(rev source.Revision) *nomadbackend.Commit {
	if rev.SHA == "" {
		return nil
	}
	return &nomadbackend.Commit{SHA: rev.SHA, Author: rev.Author, Message: rev.Message}
}
