package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/ecsgit/ecsgit/internal/iostreams"
	"github.com/ecsgit/ecsgit/nomadbackend"
	"github.com/ecsgit/ecsgit/plan"
	"github.com/ecsgit/ecsgit/reconcile"
	"github.com/ecsgit/ecsgit/spec"
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
}

func (t *targetFlags) add(f *pflag.FlagSet) {
	t.Prune.add(f)
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

// computePlan is the one way plan and apply plan a repository: snapshot (a directory or
// a Git ref), load, validate (warnings are errors with strict), plan against b.
func computePlan(ctx context.Context, ios *iostreams.IOStreams, t *targetFlags, b *nomadbackend.Client, ns string, strict bool) (*reconcile.Planned, *nomadbackend.Commit, error) {
	snap, err := snapshotRepo(ctx, t.Dir, t.DirGiven, &t.Git)
	if err != nil {
		return nil, nil, err
	}
	d, err := spec.Load(snap.Dir, loadOptions())
	if err != nil {
		return nil, nil, usageError{err}
	}
	if d.Diagnostics.HasErrors(strict) {
		printProblems(ios, d.Diagnostics)
		return nil, nil, exitError{exitFailure}
	}
	po := reconcile.PlanOptions{Source: t.Source, Namespace: ns, Prune: t.Prune.Prune, AllowEmptyPrune: t.Prune.AllowEmptyPrune, Label: snap.Label}
	if snap.Commit != nil {
		po.Commit = snap.Commit.SHA
	}
	planned, err := reconcile.ComputePlanned(ctx, d, b, po)
	if err != nil {
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
