package reconcile

import (
	"context"
	"fmt"

	"github.com/ecsgit/ecsgit/nomadbackend"
	"github.com/ecsgit/ecsgit/source"
	"github.com/ecsgit/ecsgit/spec"
)

// SyncEngine is the pipeline one sync pass runs over a checked-out revision. The daemon
// uses exactly the planning and apply the CLI uses (DESIGN: "it never has its own second
// code path"); the interface exists so the loop can be tested without a cluster and so
// the apply entry point can be swapped without touching the loop.
type SyncEngine interface {
	// Plan loads, validates and plans one pass (Pipeline.Plan). Invalid content returns
	// *InvalidRevisionError.
	Plan(ctx context.Context, pass Pass) (*Planned, error)
	// Apply carries out a plan and reports what each service ended as.
	Apply(ctx context.Context, p *Planned, rev source.Revision) (*SyncResult, error)
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
	Status  Status
	Outcome nomadbackend.RecordOutcome
	Err     error
	// Reason is what happened in words (a prune's reason, why a prune was held).
	Reason string
	// PruneHeld: the plan deleted this job, but apply kept it running (a service created
	// in the same apply did not become healthy).
	PruneHeld bool
}

// InvalidRevisionError: the revision does not validate (or cannot be planned because of
// its content). It is "stalled" in Flux's terms: retrying the same tree cannot succeed,
// so the loop waits for the next commit and keeps the last good state deployed.
type InvalidRevisionError struct {
	Revision    source.Revision
	Diagnostics []string // "file:line:col: error: message [RULE]", paths relative to the repository path
	// All is every diagnostic of the tree, warnings and notes included, with the paths
	// as loaded (the CLI prints them; nil for refusals that are not validation).
	All spec.Diagnostics
}

func (e *InvalidRevisionError) Error() string {
	n := len(e.Diagnostics)
	first := ""
	if n > 0 {
		first = ": " + e.Diagnostics[0]
	}
	return fmt.Sprintf("commit %s does not validate (%d errors)%s", e.Revision.Short(), n, first)
}

// PipelineEngine is the SyncEngine of the daemon: Pipeline.Plan, then ApplyFunc.
type PipelineEngine struct {
	Pipeline
	// ApplyFunc is the apply entry point; nil means EngineApply, the apply engine the CLI
	// uses (tests may substitute a recorder).
	ApplyFunc func(ctx context.Context, b Cluster, p *Planned, rev source.Revision) (*SyncResult, error)
}

// Apply implements SyncEngine.
func (e *PipelineEngine) Apply(ctx context.Context, p *Planned, rev source.Revision) (*SyncResult, error) {
	if e.ApplyFunc != nil {
		return e.ApplyFunc(ctx, e.Cluster, p, rev)
	}
	return EngineApply(ctx, e.Cluster, p, rev)
}
