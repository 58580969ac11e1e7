package reconcile

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/ecsgit/ecsgit/nomadbackend"
	"github.com/ecsgit/ecsgit/source"
	"github.com/ecsgit/ecsgit/spec"
)

// SyncEngine is the pipeline one sync pass runs over a checked-out revision. The daemon
// uses exactly the planning and apply the CLI uses (DESIGN: "it never has its own second
// code path"); the interface exists so the loop can be tested without a cluster and so
// the apply entry point can be swapped without touching the loop.
type SyncEngine interface {
	// Plan loads, validates and plans dir. Invalid content returns *InvalidRevisionError.
	// reuse, when not nil, is PlanOptions.Reuse for this pass.
	Plan(ctx context.Context, dir string, rev source.Revision, reuse ReuseFunc) (*Planned, error)
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
	Outcome        nomadbackend.RecordOutcome
	Err            error
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
}

func (e *InvalidRevisionError) Error() string {
	n := len(e.Diagnostics)
	first := ""
	if n > 0 {
		first = ": " + e.Diagnostics[0]
	}
	return fmt.Sprintf("commit %s does not validate (%d errors)%s", e.Revision.Short(), n, first)
}

// PipelineEngine is the SyncEngine of the daemon: spec.Load → validate → ComputePlanned
// → ApplyFunc.
type PipelineEngine struct {
	Nomad Cluster
	// Load carries the compose loader (cmd wires compose.LoadForSpec: reconcile must not
	// import compose's dependencies into every consumer).
	Load spec.LoadOptions
	// Plan options (Source, Namespace, Prune, AllowEmptyPrune, Label).
	Options PlanOptions
	// Strict makes warnings errors, as `ecsgit validate --strict`.
	Strict bool
	// Identity, when set, refuses a commit that would change the daemon's ownership
	// identity (IdentityPin).
	Identity *IdentityPin
	// ApplyFunc is the apply entry point; nil means EngineApply, the apply engine the CLI
	// uses (tests may substitute a recorder).
	ApplyFunc func(ctx context.Context, b Cluster, p *Planned, rev source.Revision) (*SyncResult, error)
}

// Plan implements SyncEngine.
func (e *PipelineEngine) Plan(ctx context.Context, dir string, rev source.Revision, reuse ReuseFunc) (*Planned, error) {
	desired, err := spec.Load(dir, e.Load)
	if err != nil {
		return nil, fmt.Errorf("load commit %s: %w", rev.Short(), err)
	}
	if desired.Diagnostics.HasErrors(e.Strict) {
		return nil, &InvalidRevisionError{Revision: rev, Diagnostics: relativeDiagnostics(dir, desired.Diagnostics, e.Strict)}
	}
	// The daemon watches one namespace (event stream, HA lock); a commit whose
	// ecsgit.yaml names another one must not be deployed there silently.
	if ns := desired.Config.Namespace; e.Options.Namespace != "" && ns != spec.DefaultConfig().Namespace && ns != e.Options.Namespace {
		return nil, &InvalidRevisionError{Revision: rev, Diagnostics: []string{fmt.Sprintf(
			"%s: error: ecsgit.yaml sets namespace %q but this daemon manages %q; restart ecsgit sync with --namespace %s", spec.ConfigFileName, ns, e.Options.Namespace, ns)}}
	}
	if e.Identity != nil {
		if msg := e.Identity.check(desired.Config); msg != "" {
			return nil, &InvalidRevisionError{Revision: rev, Diagnostics: []string{msg}}
		}
	}
	opts := e.Options
	opts.Commit = rev.SHA
	opts.Reuse = reuse
	p, err := ComputePlanned(ctx, desired, e.Nomad, opts)
	if err != nil {
		return nil, fmt.Errorf("plan commit %s: %w", rev.Short(), err)
	}
	return p, nil
}

// Apply implements SyncEngine.
func (e *PipelineEngine) Apply(ctx context.Context, p *Planned, rev source.Revision) (*SyncResult, error) {
	if e.ApplyFunc != nil {
		return e.ApplyFunc(ctx, e.Nomad, p, rev)
	}
	return EngineApply(ctx, e.Nomad, p, rev)
}

// relativeDiagnostics renders the blocking diagnostics with paths inside the repository:
// the checkout directory is a cache path nobody can open from a status page.
func relativeDiagnostics(dir string, ds spec.Diagnostics, strict bool) []string {
	prefix := filepath.Clean(dir) + string(filepath.Separator)
	var out []string
	for _, d := range ds {
		if d.Severity != spec.SeverityError && !(strict && d.Severity == spec.SeverityWarning) {
			continue
		}
		out = append(out, strings.ReplaceAll(d.String(), prefix, ""))
	}
	return out
}
