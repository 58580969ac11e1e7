package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/ecsgit/ecsgit/nomadbackend"
	"github.com/ecsgit/ecsgit/plan"
	"github.com/ecsgit/ecsgit/reconcile"
	"github.com/ecsgit/ecsgit/spec"
)

type applyOptions struct {
	planOptions
	AutoApprove      bool
	Force            bool
	Parallelism      int
	PlacementTimeout time.Duration
}

func init() {
	registerCommand(func(s *streams) *cobra.Command {
		opts := &applyOptions{}
		cmd := &cobra.Command{
			Use:   "apply [DIR | PLANFILE]",
			Short: "Apply the plan: register changed jobs, follow their rollouts, record the outcome",
			Long: `Apply computes the plan of DIR (default: the current directory), or loads a plan
file saved by 'ecsgit plan --out', shows it and asks for confirmation ('yes'). On a
non-interactive stdin it refuses unless --auto-approve is given (CI). A plan with
placement failures is refused unless --force.

Each changed service's job is registered with EnforceIndex at the index the plan
saw: a job changed since the plan is left untouched and reported ("run plan
again"); the other services go on. Services whose Nomad job already matches are
not written at all. Services are applied in dependency order (ecsgit.yaml
services.<name>.after, compose depends_on), each level concurrently (--parallelism),
and every rollout is followed to its end with its progress shown. A failed rollout
with the circuit breaker's rollback leaves the previous revision running, and the
failed spec is not retried until Git changes it.

An interrupted apply (Ctrl-C, a killed CI job) is safe to run again: it follows the
rollout still running and finishes its record without registering twice.

Exit status: 0 every service applied (or unchanged); 1 a service failed, was rolled
back, could not be placed, conflicted, or the apply was refused; 2 usage error.`,
			Example: `  # interactive: review, type yes
  ecsgit apply deploy/

  # CI on merge
  ecsgit apply --auto-approve deploy/

  # apply exactly a reviewed plan
  ecsgit plan --out plan.ecsgit deploy/ && ecsgit apply plan.ecsgit`,
			Args: cobra.MaximumNArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				opts.Dir, opts.DirGiven = ".", len(args) == 1
				if opts.DirGiven {
					opts.Dir = args[0]
				}
				if opts.Parallelism < 1 {
					return usageError{fmt.Errorf("--parallelism %d: want at least 1", opts.Parallelism)}
				}
				return applyRun(cmd.Context(), s, opts)
			},
		}
		f := cmd.Flags()
		f.BoolVar(&opts.AutoApprove, "auto-approve", false, "apply without asking (required when stdin is not a terminal)")
		f.BoolVar(&opts.Force, "force", false, "apply even though the plan has placement failures")
		f.IntVar(&opts.Parallelism, "parallelism", 8, "services applied and watched at once")
		f.DurationVar(&opts.PlacementTimeout, "placement-timeout", 60*time.Second, "fail a rollout whose tasks cannot be placed for this long")
		f.DurationVar(&opts.Timeout, "timeout", 15*time.Minute, "stop waiting for rollouts after this long (they go on in Nomad; apply again to follow them)")
		f.BoolVar(&opts.Prune, "prune", false, "delete owned jobs whose service left the repository (also: prune: true in ecsgit.yaml)")
		f.BoolVar(&opts.AllowEmptyPrune, "allow-empty-prune", false, "with prune, allow deleting every owned job when the repository has no services")
		f.StringVar(&opts.Source, "source", "", "stable repository identity (ownership of jobs; default: ecsgit.yaml's source, else \""+reconcile.DefaultSource+"\")")
		f.StringVar(&opts.Address, "address", "", "Nomad HTTP address (default $NOMAD_ADDR)")
		f.StringVarP(&opts.Namespace, "namespace", "n", "", "Nomad namespace (default $NOMAD_NAMESPACE, else ecsgit.yaml's)")
		opts.Git.add(f)
		return cmd
	})
}

// interactive reports whether the user can be asked for confirmation; tests replace it.
var interactive = func(s *streams) bool {
	f, ok := s.In.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func applyRun(ctx context.Context, s *streams, opts *applyOptions) error {
	ctx, cancel := rolloutContext(ctx, opts.Timeout)
	defer cancel()

	b, ns, err := planClient(&opts.planOptions)
	if err != nil {
		return err
	}
	p, units, commit, err := loadApplyPlan(ctx, s, b, ns, opts)
	if err != nil {
		return err
	}
	if err := plan.Render(s.Out, p, plan.FormatHuman, plan.RenderOptions{Color: colorFor(s)}); err != nil {
		return fmt.Errorf("render plan: %w", err)
	}
	if !p.Applyable() && !opts.Force {
		fmt.Fprintf(s.Err, "ecsgit: the plan has placement failures in %d services; nothing was applied. Fix the capacity or constraints, or apply with --force.\n", p.Summary.PlacementFailures)
		return exitError{exitFailure}
	}
	if p.HasChanges() {
		ok, err := confirm(s, opts.AutoApprove)
		if err != nil || !ok {
			return err
		}
	}
	pr := newProgressPrinter(s)
	res, err := reconcile.Apply(ctx, b, p, units, reconcile.ApplyOptions{
		Parallelism: opts.Parallelism, PlacementTimeout: opts.PlacementTimeout, Force: opts.Force,
		Commit: commit, Events: pr.event,
	})
	if err != nil {
		return err
	}
	printApplySummary(s, res)
	if !res.OK() {
		return exitError{exitFailure}
	}
	return nil
}

// loadApplyPlan loads a plan file, or plans the directory (or --repo) now.
func loadApplyPlan(ctx context.Context, s *streams, b *nomadbackend.Client, ns string, opts *applyOptions) (*plan.Plan, map[string]*reconcile.Unit, *nomadbackend.Commit, error) {
	if opts.Git.Repo == "" {
		st, err := os.Stat(opts.Dir)
		if err != nil {
			return nil, nil, nil, usageError{err}
		}
		if !st.IsDir() {
			return loadPlanFile(b, ns, opts.Dir)
		}
	}
	snap, err := snapshotRepo(ctx, opts.Dir, opts.DirGiven, &opts.Git)
	if err != nil {
		return nil, nil, nil, err
	}
	d, err := spec.Load(snap.Dir, loadOptions())
	if err != nil {
		return nil, nil, nil, usageError{err}
	}
	if d.Diagnostics.HasErrors(false) {
		printProblems(s, d.Diagnostics)
		return nil, nil, nil, exitError{exitFailure}
	}
	commit := snap.Commit
	po := reconcile.PlanOptions{Source: opts.Source, Namespace: ns, Prune: opts.Prune, AllowEmptyPrune: opts.AllowEmptyPrune, Label: snap.Label}
	if commit != nil {
		po.Commit = commit.SHA
	}
	planned, err := reconcile.ComputePlanned(ctx, d, b, po)
	if err != nil {
		return nil, nil, nil, err
	}
	units, err := reconcile.UnitsFromPlanned(planned)
	return planned.Plan, units, commit, err
}

// loadPlanFile reads a saved plan. It must target the cluster apply talks to: a plan
// reviewed against another cluster is refused, not re-targeted.
func loadPlanFile(b *nomadbackend.Client, ns, path string) (*plan.Plan, map[string]*reconcile.Unit, *nomadbackend.Commit, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, usageError{err}
	}
	defer f.Close()
	pf, err := plan.Load(f)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	p := pf.Plan
	if p.NomadAddress != "" && strings.TrimRight(p.NomadAddress, "/") != strings.TrimRight(b.Address(), "/") {
		return nil, nil, nil, fmt.Errorf("%s was planned against %s, not %s; nothing was applied", path, p.NomadAddress, b.Address())
	}
	if ns != "" && ns != p.Namespace {
		return nil, nil, nil, fmt.Errorf("%s was planned for namespace %s, not %s; nothing was applied", path, p.Namespace, ns)
	}
	units, err := reconcile.UnitsFromPlanFile(pf)
	if err != nil {
		return nil, nil, nil, err
	}
	var commit *nomadbackend.Commit
	if p.Commit != "" {
		commit = &nomadbackend.Commit{SHA: p.Commit}
	}
	return p, units, commit, nil
}

// errNotConfirmed is returned (exit 1) when the user answers anything but "yes".
var errNotConfirmed = errors.New("apply cancelled; nothing was applied")

// confirm asks on a terminal, and refuses on anything else without --auto-approve (a
// CI job must say so explicitly, as with Terraform).
func confirm(s *streams, auto bool) (bool, error) {
	if auto {
		return true, nil
	}
	if !interactive(s) {
		fmt.Fprintln(s.Err, "ecsgit: apply needs confirmation, but stdin is not a terminal; nothing was applied.\nReview the plan above and run again with --auto-approve (e.g. in CI).")
		return false, exitError{exitFailure}
	}
	fmt.Fprint(s.Out, "\nDo you want to apply these changes? Only 'yes' will be accepted: ")
	line, _ := bufio.NewReader(s.In).ReadString('\n')
	if strings.TrimSpace(line) != "yes" {
		fmt.Fprintln(s.Err, "ecsgit:", errNotConfirmed)
		return false, exitError{exitFailure}
	}
	return true, nil
}

func printApplySummary(s *streams, res *reconcile.Result) {
	counts := map[reconcile.Status]int{}
	for _, r := range res.Services {
		counts[r.Status]++
	}
	var parts []string
	for _, st := range []reconcile.Status{reconcile.StatusApplied, reconcile.StatusRecorded, reconcile.StatusDeleted, reconcile.StatusUnchanged,
		reconcile.StatusSkipped, reconcile.StatusDegraded, reconcile.StatusConflict, reconcile.StatusFailed, reconcile.StatusRolledBack,
		reconcile.StatusUnplaceable, reconcile.StatusTimeout, reconcile.StatusError} {
		if n := counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	verdict := "Apply complete"
	if !res.OK() {
		verdict = "Apply failed"
	}
	fmt.Fprintf(s.Out, "\n%s: %s.\n", verdict, strings.Join(parts, ", "))
	for _, r := range res.Services {
		if r.Status.Failed() {
			fmt.Fprintf(s.Err, "ecsgit: %s\n", r)
		}
	}
}

// rolloutContext is the context of a command that follows rollouts (apply, rollback).
// Ctrl-C or SIGTERM stop the waiting, never a write in flight: records stay "pending"
// and the next apply follows the rollout from there. timeout bounds the whole command.
func rolloutContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	return ctx, func() { cancel(); stop() }
}
