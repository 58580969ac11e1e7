package syncloop

import (
	"context"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/reconcile"
	"github.com/ecsgit/ecsgit/internal/source"
)

// SyncEngine is the pipeline one sync pass runs over a checked-out revision. The daemon
// uses exactly the planning and apply the CLI uses (DESIGN: "it never has its own second
// code path"); the interface exists so the loop can be tested without a cluster and so
// the apply entry point can be swapped without touching the loop.
type SyncEngine interface {
	// Plan loads, validates and plans one pass (reconcile.Pipeline.Plan). Invalid content returns
	// *reconcile.InvalidRevisionError.
	Plan(ctx context.Context, pass reconcile.Pass) (*reconcile.Planned, error)
	// Apply carries out a plan and reports what each service ended as.
	Apply(ctx context.Context, p *reconcile.Planned, rev source.Revision) (*SyncResult, error)
}

// SyncResult is what one apply did, per service.
type SyncResult struct {
	Services []SyncServiceResult
}

// SyncServiceResult is the outcome of one service of an apply.
type SyncServiceResult struct {
	JobID   string
	Service string
	// Written: ecsgit registered or deregistered the job in this apply. JobModifyIndex is
	// the index the write produced; the drift watcher ignores events at that index (they
	// are ecsgit's own writes).
	Written        bool
	Deregistered   bool
	JobModifyIndex uint64
	// Status is how the apply of the service ended; Outcome its Status.Record().
	Status  reconcile.Status
	Outcome nomadbackend.RecordOutcome
	Err     error
	// Reason is what happened in words (a prune's reason, why a prune was held).
	Reason string
	// PruneHeld: the plan deleted this job, but apply kept it running (a service created
	// in the same apply did not become healthy).
	PruneHeld bool
}

// PipelineEngine is the SyncEngine of the daemon: reconcile.Pipeline.Plan, then ApplyFunc.
type PipelineEngine struct {
	reconcile.Pipeline
	// ApplyFunc is the apply entry point; nil means EngineApply, the apply engine the CLI
	// uses (tests may substitute a recorder).
	ApplyFunc func(ctx context.Context, b reconcile.Cluster, p *reconcile.Planned, rev source.Revision) (*SyncResult, error)
}

// Apply implements SyncEngine.
func (e *PipelineEngine) Apply(ctx context.Context, p *reconcile.Planned, rev source.Revision) (*SyncResult, error) {
	if e.ApplyFunc != nil {
		return e.ApplyFunc(ctx, e.Cluster, p, rev)
	}
	return EngineApply(ctx, e.Cluster, p, rev)
}
