package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/ecsgit/ecsgit/internal/iostreams"
	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/reconcile"
	"github.com/ecsgit/ecsgit/internal/source"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// targetFlags are what plan and apply compare: the repository (DIR, or --repo and the
// Git flags), the cluster, the ownership identity and prune.
type targetFlags struct {
	Dir      string
	DirGiven bool // DIR was an argument (not the default ".")
	Git      gitFlags
	Cluster  clusterFlags
	Prune    pruneFlags
	Source   string
	Drift    string
}

func (t *targetFlags) add(f *pflag.FlagSet) {
	t.Prune.add(f)
	f.StringVar(&t.Drift, "drift", "", "what the plan does with a service that drifted while Git did not change it: correct (re-apply Git's state; the default) or report (leave it, show it drifted); the same choice as 'ecsgit sync --drift'")
	f.StringVar(&t.Source, "source", "", "stable repository identity (ownership of jobs; default: ecsgit.yaml's source, else \""+reconcile.DefaultSource+"\")")
	t.Cluster.add(f, "ecsgit.yaml's")
	t.Git.add(f)
}

// setDir takes the optional DIR argument.
func (t *targetFlags) setDir(args []string) {
	t.Dir, t.DirGiven = ".", len(args) == 1
	if t.DirGiven {
		t.Dir = args[0]
	}
}

// pipeline is the one constructor of the planning pipeline, for plan, apply and sync:
// the loader (compose included) and the validation strictness are set here only.
func pipeline(b reconcile.Cluster, strict bool, opts reconcile.PlanOptions) reconcile.Pipeline {
	// The one place the benchmark-only driver switch is read (nomadjob.TestDriverEnv).
	opts.TestDriver = nomadjob.TestDriverFromEnv()
	return reconcile.Pipeline{Cluster: b, Load: loadOptions(), Strict: strict, Options: opts}
}

// computePlan is the one way plan and apply plan a repository: snapshot (a directory or
// a Git ref), then the pipeline the daemon runs (load, validate with warnings as errors
// under strict, plan against b).
func computePlan(ctx context.Context, ios *iostreams.IOStreams, t *targetFlags, b *nomadbackend.Client, ns string, strict bool) (*reconcile.Planned, *nomadbackend.Commit, error) {
	if d := reconcile.DriftMode(t.Drift); d != "" && d != reconcile.DriftCorrect && d != reconcile.DriftReport {
		return nil, nil, usageError{fmt.Errorf("--drift must be %s or %s, not %q", reconcile.DriftCorrect, reconcile.DriftReport, t.Drift)}
	}
	snap, err := snapshotRepo(ctx, t.Dir, t.DirGiven, &t.Git)
	if err != nil {
		return nil, nil, err
	}
	pp := pipeline(b, strict, reconcile.PlanOptions{Source: t.Source, Namespace: ns, Prune: t.Prune.Prune,
		AllowEmptyPrune: t.Prune.AllowEmptyPrune, DriftMode: reconcile.DriftMode(t.Drift)})
	pass := reconcile.Pass{Dir: snap.Dir, Label: snap.Label}
	if snap.Commit != nil {
		pass.Revision = source.Revision{SHA: snap.Commit.SHA}
	}
	planned, err := pp.Plan(ctx, pass)
	var invalid *reconcile.InvalidRevisionError
	var unreadable *reconcile.LoadError
	switch {
	case errors.As(err, &unreadable):
		return nil, nil, usageError{unreadable.Err}
	case errors.As(err, &invalid):
		printProblems(ios, invalid.All)
		return nil, nil, exitError{exitFailure}
	case err != nil:
		return nil, nil, err
	}
	return planned, snap.Commit, nil
}

func printProblems(ios *iostreams.IOStreams, ds spec.Diagnostics) {
	for _, dg := range ds {
		if dg.Severity != spec.SeverityNote {
			fmt.Fprintln(ios.ErrOut, dg)
		}
	}
}

// fidelityViolations lists the non-exact translations of p on stderr and counts them
// (--strict).
func fidelityViolations(ios *iostreams.IOStreams, p *plan.Plan) int {
	lines := fidelityLines(p)
	for _, l := range lines {
		fmt.Fprintln(ios.ErrOut, l)
	}
	if len(lines) > 0 {
		fmt.Fprintf(ios.ErrOut, "--strict: %d fields are not translated exactly\n", len(lines))
	}
	return len(lines)
}

// fidelityLines are the fields of p not translated exactly, one line each: what
// --strict refuses, in plan and in the sync daemon alike.
func fidelityLines(p *plan.Plan) []string {
	var lines []string
	for _, sp := range p.Services {
		for _, note := range sp.Fidelity {
			if note.Level != spec.FidelityExact {
				lines = append(lines, fmt.Sprintf("%s: %s: %s: %s: %s [%s]", note.Pos, sp.Service, note.Level, note.Field, note.Detail, note.Rule))
			}
		}
	}
	return lines
}
