package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecsgit/ecsgit/internal/iostreams"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/reconcile"
)

type planOptions struct {
	IO *iostreams.IOStreams

	Target           targetFlags
	Output           string
	Out              string
	DetailedExitcode bool
	Strict           bool
	Timeout          time.Duration
}

// planFormats are plan's --output values: plan.Formats(), the one list.
func planFormats() []string {
	var out []string
	for _, f := range plan.Formats() {
		out = append(out, string(f))
	}
	return out
}

func newCmdPlan(f *factory, runF func(*planOptions) error) *cobra.Command {
	opts := &planOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "plan [DIR]",
		Short: "Show what apply would change on the Nomad cluster, in ECS terms",
		Long: `Plan loads the repository in DIR (default: the current directory), validates it,
and compares every service with the Nomad cluster: the live job, what ecsgit last
applied (its records in Nomad Variables) and Nomad's own scheduler dry-run. It shows,
per service, the action (create, update, delete, unchanged, skipped), the field
changes in ECS terms, the task-definition revision (family:N → family:N+1), drift
(changes made outside ecsgit), placement failures and the rollout. Plan never
writes to the cluster.

The cluster comes from NOMAD_ADDR, NOMAD_TOKEN and the other NOMAD_* variables;
--address overrides NOMAD_ADDR. The namespace is --namespace, else NOMAD_NAMESPACE,
else ecsgit.yaml's. --source is the stable identity of the repository written into
job meta: jobs owned by another source, or not by ecsgit at all, are never touched.

--out saves a plan file: 'ecsgit apply FILE' then applies exactly that plan and
refuses if a job changed in the meantime.

--strict fails (exit 1) on validation warnings and on any field not translated
exactly; the plan is still shown.

Exit status: 0 success; 1 error (invalid repository, --strict findings, usage
error); 4 transient (Nomad or Git unreachable or erroring: plan again later). With
--detailed-exitcode: 0 no changes, 2 changes present, 1 or 4 as above. See
'ecsgit help exit-codes'.`,
		Example: `  # review the repository in the current directory against $NOMAD_ADDR
  ecsgit plan

  # CI: Markdown for a pull-request comment, exit 2 when something would change
  ecsgit plan --output markdown --detailed-exitcode deploy/ > plan.md

  # save the plan and apply exactly it
  ecsgit plan --out plan.ecsgit && ecsgit apply plan.ecsgit

  # plan a branch of a remote repository (token from $GIT_TOKEN)
  ecsgit plan --repo https://git.example.com/deploy.git --ref main --path prod --token-env GIT_TOKEN`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Target.setDir(args)
			if runF != nil {
				return runF(opts)
			}
			return planRun(cmd.Context(), opts)
		},
	}
	f2 := cmd.Flags()
	addOutputFlag(cmd, &opts.Output, planFormats())
	f2.StringVar(&opts.Out, "out", "", "save the plan to FILE for 'ecsgit apply FILE'")
	f2.BoolVar(&opts.DetailedExitcode, "detailed-exitcode", false, "exit 0 without changes, 2 with changes, 1 on error, 4 on a transient error")
	f2.BoolVar(&opts.Strict, "strict", false, strictHelp)
	f2.DurationVar(&opts.Timeout, "timeout", 5*time.Minute, "give up planning after this long")
	opts.Target.add(f2)
	return cmd
}

func planRun(ctx context.Context, opts *planOptions) error {
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	ios := opts.IO
	b, ns, err := opts.Target.Cluster.client()
	if err != nil {
		return err
	}
	planned, _, err := computePlan(ctx, ios, &opts.Target, b, ns, opts.Strict)
	if err != nil {
		return err
	}
	p := planned.Plan
	if err := plan.Render(ios.Out, p, plan.Format(opts.Output), plan.RenderOptions{Color: ios.ColorEnabled()}); err != nil {
		return fmt.Errorf("render plan: %w", err)
	}
	if opts.Out != "" {
		if err := savePlanFile(opts.Out, planned); err != nil {
			return err
		}
		fmt.Fprintf(ios.ErrOut, "Saved the plan to %s; apply it with: ecsgit apply %s\n", opts.Out, opts.Out)
	}
	if opts.Strict && fidelityViolations(ios, p) > 0 {
		return exitError{exitFailure}
	}
	if opts.DetailedExitcode && plan.WouldChange(p) {
		return exitError{exitChanges}
	}
	return nil
}

// savePlanFile binds each created or updated service's Nomad job, the index it was
// planned at and the ECS documents its record needs, so apply does exactly what was
// reviewed.
func savePlanFile(path string, planned *reconcile.Planned) error {
	pf, err := reconcile.NewPlanFile(planned)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := plan.Save(&buf, pf); err != nil {
		return fmt.Errorf("plan file: %w", err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("write plan file: %w", err)
	}
	return nil
}
