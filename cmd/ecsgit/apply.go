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

	"github.com/ecsgit/ecsgit/internal/iostreams"
	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/reconcile"
)

type applyOptions struct {
	IO *iostreams.IOStreams

	Target           targetFlags
	Output           string
	AutoApprove      bool
	Force            bool
	Parallelism      int
	PlacementTimeout time.Duration
	Timeout          time.Duration
}

func newCmdApply(f *factory, runF func(*applyOptions) error) *cobra.Command {
	opts := &applyOptions{IO: f.IOStreams}
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
and every rollout is followed to its end with its progress shown on stderr. A failed
rollout with the circuit breaker's rollback leaves the previous revision running,
and the failed spec is not retried until Git changes it.

The plan and the result go to stdout. With --output json, stdout is one JSON object
(namespace, services: service, job_id, action, status, reason, task_definition,
job_version, registered, resumed) and the plan is shown on stderr instead.

An interrupted apply (Ctrl-C, a killed CI job) is safe to run again: it follows the
rollout still running and finishes its record without registering twice.

Exit status: 0 every service applied (or unchanged); 1 a service failed or could
not be placed, the apply was refused, or a usage error; 3 no other failure, but a
service is degraded (rolled back now, or earlier and not retried): Git and the
cluster differ; 4 transient, apply again later: Nomad unreachable or erroring, a
rollout outlived --timeout, or a concurrent writer changed a job (nothing of that
service was written). See 'ecsgit help exit-codes'.`,
		Example: `  # interactive: review, type yes
  ecsgit apply deploy/

  # CI on merge
  ecsgit apply --auto-approve deploy/

  # CI, result for a program
  ecsgit apply --auto-approve --output json deploy/ > result.json

  # apply exactly a reviewed plan
  ecsgit plan --out plan.ecsgit deploy/ && ecsgit apply plan.ecsgit`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Target.setDir(args)
			if opts.Parallelism < 1 {
				return usageError{fmt.Errorf("--parallelism %d: want at least 1", opts.Parallelism)}
			}
			if runF != nil {
				return runF(opts)
			}
			return applyRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	addOutputFlag(cmd, &opts.Output, []string{outputHuman, outputJSON})
	fl.BoolVar(&opts.AutoApprove, "auto-approve", false, "apply without asking (required when stdin is not a terminal)")
	fl.BoolVar(&opts.Force, "force", false, "apply even though the plan has placement failures")
	fl.IntVar(&opts.Parallelism, "parallelism", 8, "services applied and watched at once")
	fl.DurationVar(&opts.PlacementTimeout, "placement-timeout", 60*time.Second, "fail a rollout whose tasks cannot be placed for this long")
	fl.DurationVar(&opts.Timeout, "timeout", 15*time.Minute, "stop waiting for rollouts after this long (they go on in Nomad; apply again to follow them)")
	opts.Target.add(fl)
	return cmd
}

func applyRun(ctx context.Context, opts *applyOptions) error {
	ctx, cancel := rolloutContext(ctx, opts.Timeout)
	defer cancel()
	ios := opts.IO

	b, ns, err := opts.Target.Cluster.client()
	if err != nil {
		return err
	}
	p, units, commit, err := loadApplyPlan(ctx, ios, b, ns, &opts.Target)
	if err != nil {
		return err
	}
	// The plan is data in the human view; with --output json stdout is the result
	// only, and the plan still reaches the log on stderr.
	planOut, color := ios.Out, ios.ColorEnabled()
	if opts.Output == outputJSON {
		planOut, color = ios.ErrOut, ios.ErrColorEnabled()
	}
	if err := plan.Render(planOut, p, plan.FormatHuman, plan.RenderOptions{Color: color}); err != nil {
		return fmt.Errorf("render plan: %w", err)
	}
	if !p.Applyable() && !opts.Force {
		fmt.Fprintf(ios.ErrOut, "ecsgit: the plan has placement failures in %d services; nothing was applied. Fix the capacity or constraints, or apply with --force.\n", p.Summary.PlacementFailures)
		return exitError{exitFailure}
	}
	if p.HasChanges() {
		ok, err := confirm(ios, opts.AutoApprove)
		if err != nil || !ok {
			return err
		}
	}
	pr := newProgressPrinter(ios)
	res, err := reconcile.Apply(ctx, b, p, units, reconcile.ApplyOptions{
		Parallelism: opts.Parallelism, PlacementTimeout: opts.PlacementTimeout, Force: opts.Force,
		Commit: commit, Events: pr.event,
	})
	if err != nil {
		return err
	}
	code := applyExitCode(res)
	for _, w := range res.Warnings {
		fmt.Fprintf(ios.ErrOut, "ecsgit: warning: %s\n", w)
	}
	if opts.Output == outputJSON {
		if err := writeJSON(ios.Out, res); err != nil {
			return err
		}
		printApplyProblems(ios, res)
	} else {
		printApplySummary(ios, res, code)
	}
	if code != exitOK {
		return exitError{code}
	}
	return nil
}

// applyStatuses is every apply status, in the order the summary counts them, with the
// exit code it gives: the one place where cmd lists reconcile's statuses.
var applyStatuses = []struct {
	Status reconcile.Status
	Exit   int
}{
	{reconcile.StatusApplied, exitOK},
	{reconcile.StatusRecorded, exitOK},
	{reconcile.StatusDeleted, exitOK},
	{reconcile.StatusUnchanged, exitOK},
	{reconcile.StatusSkipped, exitOK},
	{reconcile.StatusDegraded, exitDegraded},  // the failed spec is remembered, not retried
	{reconcile.StatusConflict, exitTransient}, // nothing written; planning again sees the other writer
	{reconcile.StatusFailed, exitFailure},
	{reconcile.StatusRolledBack, exitDegraded}, // the previous revision runs again
	{reconcile.StatusUnplaceable, exitFailure},
	{reconcile.StatusTimeout, exitTransient}, // the rollout goes on; applying again follows it
	{reconcile.StatusError, exitFailure},     // 4 when its cause is transient (serviceExit)
}

// statusExit is the exit code of one service's status; a status missing from the table
// falls back on reconcile's own Failed.
func statusExit(st reconcile.Status) int {
	for _, s := range applyStatuses {
		if s.Status == st {
			return s.Exit
		}
	}
	if st.Failed() {
		return exitFailure
	}
	return exitOK
}

// serviceExit is the exit code one service's result asks for: its status's row, and for
// an error the class of its cause (Nomad answering 500 mid-apply is transient, a 403 is
// not).
func serviceExit(r reconcile.ServiceResult) int {
	code := statusExit(r.Status)
	if r.Status == reconcile.StatusError {
		return errorExit(r.Err())
	}
	return code
}

// applyExitCode: any failure is 1; otherwise a transient failure is 4 (applying again
// may succeed); otherwise a degraded service (rolled back now, or remembered as failed
// and not retried) is 3; otherwise 0.
func applyExitCode(res *reconcile.Result) int {
	code := exitOK
	for _, r := range res.Services {
		switch serviceExit(r) {
		case exitFailure:
			return exitFailure
		case exitTransient:
			code = exitTransient
		case exitDegraded:
			if code == exitOK {
				code = exitDegraded
			}
		}
	}
	for _, r := range res.LoadBalancing {
		switch statusExit(r.Status) {
		case exitFailure:
			return exitFailure
		case exitTransient:
			code = exitTransient
		}
	}
	return code
}

// loadApplyPlan loads a plan file, or plans the directory (or --repo) now.
func loadApplyPlan(ctx context.Context, ios *iostreams.IOStreams, b *nomadbackend.Client, ns string, t *targetFlags) (*plan.Plan, map[string]*reconcile.Unit, *nomadbackend.Commit, error) {
	if t.Git.Repo == "" {
		st, err := os.Stat(t.Dir)
		if err != nil {
			return nil, nil, nil, usageError{err}
		}
		if !st.IsDir() {
			return loadPlanFile(b, ns, t.Dir)
		}
	}
	planned, commit, err := computePlan(ctx, ios, t, b, ns, false)
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
// CI job must say so explicitly, as with Terraform). The question goes to stderr, so
// it never ends up in redirected output.
func confirm(ios *iostreams.IOStreams, auto bool) (bool, error) {
	if auto {
		return true, nil
	}
	if !ios.CanPrompt() {
		fmt.Fprintln(ios.ErrOut, "ecsgit: apply needs confirmation, but stdin is not a terminal; nothing was applied.\nReview the plan above and run again with --auto-approve (e.g. in CI).")
		return false, exitError{exitFailure}
	}
	fmt.Fprint(ios.ErrOut, "\nDo you want to apply these changes? Only 'yes' will be accepted: ")
	line, _ := bufio.NewReader(ios.In).ReadString('\n')
	if strings.TrimSpace(line) != "yes" {
		fmt.Fprintln(ios.ErrOut, "ecsgit:", errNotConfirmed)
		return false, exitError{exitFailure}
	}
	return true, nil
}

// printApplySummary is the human result on stdout: one line per service in plan order,
// then the counts. Problems are repeated on stderr.
func printApplySummary(ios *iostreams.IOStreams, res *reconcile.Result, code int) {
	counts := map[reconcile.Status]int{}
	fmt.Fprintln(ios.Out)
	for _, r := range res.Services {
		counts[r.Status]++
		fmt.Fprintln(ios.Out, r)
	}
	for _, r := range res.LoadBalancing {
		fmt.Fprintln(ios.Out, r)
	}
	var parts []string
	for _, s := range applyStatuses {
		if n := counts[s.Status]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s.Status))
		}
	}
	verdict := "Apply complete"
	if code == exitFailure || !res.OK() {
		verdict = "Apply failed"
	}
	fmt.Fprintf(ios.Out, "%s: %s.\n", verdict, strings.Join(parts, ", "))
	printApplyProblems(ios, res)
}

// printApplyProblems names each failed or degraded service on stderr.
func printApplyProblems(ios *iostreams.IOStreams, res *reconcile.Result) {
	for _, r := range res.Services {
		if serviceExit(r) != exitOK {
			fmt.Fprintf(ios.ErrOut, "ecsgit: %s\n", r)
		}
	}
	for _, r := range res.LoadBalancing {
		if statusExit(r.Status) != exitOK {
			fmt.Fprintf(ios.ErrOut, "ecsgit: %s\n", r)
		}
	}
}

// rolloutContext is the context of a command that follows rollouts (apply, rollback).
// Ctrl-C or SIGTERM stop the waiting, never a write in flight: records stay "pending"
// and the next apply follows the rollout from there. timeout bounds the whole command.
func rolloutContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	return ctx, func() { cancel(); stop() }
}
