package reconcile

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/ecsgit/ecsgit/internal/source"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// Pipeline is the one way a pass is planned: `ecsgit plan`, `ecsgit apply` and the sync
// daemon all call Pipeline.Plan (DESIGN: the daemon "never has its own second code
// path"). It loads and validates a checked-out tree, applies the daemon's refusals
// (another namespace, a changed identity), then plans with Options. Everything that
// decides the plan (drift mode, which pauses a commit lifts) is an input here, so the
// same inputs give the same plan wherever it is computed.
type Pipeline struct {
	Cluster Cluster
	// Load carries the compose loader (cmd wires compose.LoadForSpec: reconcile must not
	// import compose's dependencies into every consumer).
	Load spec.LoadOptions
	// Options are the plan options of every pass (Source, Namespace, Prune, DriftMode,
	// Label); Pass fills Commit, Reuse and Unpause per pass.
	Options PlanOptions
	// Strict makes validation warnings errors, as `ecsgit validate --strict`.
	Strict bool
	// PinNamespace refuses a tree whose ecsgit.yaml names a namespace other than
	// Options.Namespace (the daemon watches one namespace: event stream, HA lock). The
	// CLI leaves it off: there --namespace overrides ecsgit.yaml.
	PinNamespace bool
	// Identity, when set, refuses a tree that would change the daemon's ownership
	// identity (IdentityPin).
	Identity *IdentityPin
}

// Pass is what one planning pass is given besides the pipeline's fixed options.
type Pass struct {
	// Dir is the checked-out tree; Revision its commit (zero for a plain directory).
	Dir      string
	Revision source.Revision
	// Label, when set, overrides Options.Label (what Plan.Source shows).
	Label string
	// Reuse and Unpause are PlanOptions.Reuse and PlanOptions.Unpause for this pass.
	Reuse   ReuseFunc
	Unpause UnpauseFunc
	// ReuseOwned is PlanOptions.ReuseOwned for this pass.
	ReuseOwned OwnedReuseFunc
}

// what names the tree in errors: the commit when there is one.
func (p Pass) what() string {
	if p.Revision.SHA == "" {
		return p.Dir
	}
	return "commit " + p.Revision.Short()
}

// LoadError: the tree could not be read at all (not a directory, unreadable files).
type LoadError struct {
	What string
	Err  error
}

func (e *LoadError) Error() string { return fmt.Sprintf("load %s: %v", e.What, e.Err) }
func (e *LoadError) Unwrap() error { return e.Err }

// Plan loads, validates and plans one tree. Invalid content returns
// *InvalidRevisionError (before any Nomad call); an unreadable tree *LoadError.
func (pp *Pipeline) Plan(ctx context.Context, pass Pass) (*Planned, error) {
	load := pp.Load
	if load.Cache != nil || pass.Reuse != nil {
		// A snapshot's manifest names each file's blob: with the cache, unchanged files
		// are not read; for the plan memo, each document's ContentKey comes from it.
		load.Digests = source.SnapshotBlobs(pass.Dir)
	}
	loadStarted := time.Now()
	desired, err := spec.Load(pass.Dir, load)
	loaded := time.Since(loadStarted)
	if err != nil {
		return nil, &LoadError{What: pass.what(), Err: err}
	}
	if desired.Diagnostics.HasErrors(pp.Strict) {
		return nil, &InvalidRevisionError{Revision: pass.Revision, Diagnostics: relativeDiagnostics(pass.Dir, desired.Diagnostics, pp.Strict),
			All: desired.Diagnostics}
	}
	if ns := desired.Config.Namespace; pp.PinNamespace && pp.Options.Namespace != "" && ns != spec.DefaultConfig().Namespace && ns != pp.Options.Namespace {
		return nil, &InvalidRevisionError{Revision: pass.Revision, Diagnostics: []string{fmt.Sprintf(
			"%s: error: ecsgit.yaml sets namespace %q but this daemon manages %q; restart ecsgit sync with --namespace %s", spec.ConfigFileName, ns, pp.Options.Namespace, ns)}}
	}
	if pp.Identity != nil {
		if msg := pp.Identity.check(desired.Config); msg != "" {
			return nil, &InvalidRevisionError{Revision: pass.Revision, Diagnostics: []string{msg}}
		}
	}
	opts := pp.Options
	opts.Commit, opts.Reuse, opts.Unpause, opts.ReuseOwned = pass.Revision.SHA, pass.Reuse, pass.Unpause, pass.ReuseOwned
	if pass.Label != "" {
		opts.Label = pass.Label
	}
	// Not wrapped: the caller names the pass (the daemon's phase and commit, the CLI's
	// directory), and the error already names the service.
	p, err := ComputePlanned(ctx, desired, pp.Cluster, opts)
	if p != nil {
		p.LoadDuration = loaded
	}
	return p, err
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
