package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/nomad/api"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/ecsgit/ecsgit/nomadbackend"
	"github.com/ecsgit/ecsgit/plan"
	"github.com/ecsgit/ecsgit/reconcile"
	"github.com/ecsgit/ecsgit/spec"
)

type planOptions struct {
	Dir              string
	DirGiven         bool // DIR was an argument (not the default ".")
	Git              gitFlags
	Address          string
	Namespace        string
	Source           string
	Output           string
	Out              string
	DetailedExitcode bool
	Prune            bool
	AllowEmptyPrune  bool
	Strict           bool
	Timeout          time.Duration
}

func init() {
	registerCommand(func(s *streams) *cobra.Command {
		opts := &planOptions{}
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

Exit status: 0 success; 1 error (invalid repository, Nomad unreachable, with
--strict a non-exact translation); 2 usage error. With --detailed-exitcode:
0 no changes, 2 changes present, 1 error.`,
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
				opts.Dir, opts.DirGiven = ".", len(args) == 1
				if opts.DirGiven {
					opts.Dir = args[0]
				}
				switch plan.Format(opts.Output) {
				case plan.FormatHuman, plan.FormatJSON, plan.FormatMarkdown:
				default:
					return usageError{fmt.Errorf("--output %q: want human, json or markdown", opts.Output)}
				}
				return planRun(cmd.Context(), s, opts)
			},
		}
		f := cmd.Flags()
		f.StringVarP(&opts.Output, "output", "o", "human", "output format: human, json or markdown")
		f.StringVar(&opts.Out, "out", "", "save the plan to FILE for 'ecsgit apply FILE'")
		f.BoolVar(&opts.DetailedExitcode, "detailed-exitcode", false, "exit 0 without changes, 2 with changes, 1 on error")
		f.BoolVar(&opts.Prune, "prune", false, "plan the deletion of owned jobs whose service left the repository")
		f.BoolVar(&opts.AllowEmptyPrune, "allow-empty-prune", false, "with --prune, allow deleting every owned job when the repository has no services")
		f.BoolVar(&opts.Strict, "strict", false, "fail when any field is not translated exactly")
		f.StringVar(&opts.Source, "source", "", "stable repository identity (ownership of jobs; default: ecsgit.yaml's source, else \""+reconcile.DefaultSource+"\")")
		f.StringVar(&opts.Address, "address", "", "Nomad HTTP address (default $NOMAD_ADDR)")
		f.StringVarP(&opts.Namespace, "namespace", "n", "", "Nomad namespace (default $NOMAD_NAMESPACE, else ecsgit.yaml's)")
		f.DurationVar(&opts.Timeout, "timeout", 5*time.Minute, "give up planning after this long")
		opts.Git.add(f)
		_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"human", "json", "markdown"}, cobra.ShellCompDirectiveNoFileComp))
		return cmd
	})
}

func planRun(ctx context.Context, s *streams, opts *planOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	snap, err := snapshotRepo(ctx, opts.Dir, opts.DirGiven, &opts.Git)
	if err != nil {
		return err
	}
	d, err := spec.Load(snap.Dir, loadOptions())
	if err != nil {
		return usageError{err}
	}
	if d.Diagnostics.HasErrors(false) {
		printProblems(s, d.Diagnostics)
		return exitError{exitFailure}
	}
	b, ns, err := planClient(opts)
	if err != nil {
		return err
	}
	po := reconcile.PlanOptions{Source: opts.Source, Namespace: ns, Prune: opts.Prune, AllowEmptyPrune: opts.AllowEmptyPrune, Label: snap.Label}
	if snap.Commit != nil {
		po.Commit = snap.Commit.SHA
	}
	planned, err := reconcile.ComputePlanned(ctx, d, b, po)
	if err != nil {
		return err
	}
	p := planned.Plan
	if err := plan.Render(s.Out, p, plan.Format(opts.Output), plan.RenderOptions{Color: colorFor(s)}); err != nil {
		return fmt.Errorf("render plan: %w", err)
	}
	if opts.Out != "" {
		if err := savePlanFile(opts.Out, planned); err != nil {
			return err
		}
		fmt.Fprintf(s.Err, "Saved the plan to %s; apply it with: ecsgit apply %s\n", opts.Out, opts.Out)
	}
	if opts.Strict && strictViolations(s, p) > 0 {
		return exitError{exitFailure}
	}
	if opts.DetailedExitcode {
		if code := plan.DetailedExitCode(p); code != 0 {
			return exitError{code}
		}
	}
	return nil
}

func printProblems(s *streams, ds spec.Diagnostics) {
	for _, dg := range ds {
		if dg.Severity != spec.SeverityNote {
			fmt.Fprintln(s.Err, dg)
		}
	}
}

// planClient connects to Nomad. The namespace is resolved here because NewClient
// deliberately drops the client-wide one (it would override every per-job namespace).
func planClient(opts *planOptions) (*nomadbackend.Client, string, error) {
	cfg := api.DefaultConfig()
	if opts.Address != "" {
		cfg.Address = opts.Address
	}
	ns := opts.Namespace
	if ns == "" {
		ns = os.Getenv("NOMAD_NAMESPACE")
	}
	b, err := nomadbackend.NewClient(cfg)
	return b, ns, err
}

// colorFor: colours only on a terminal, and never with NO_COLOR set.
func colorFor(s *streams) bool {
	f, ok := s.Out.(*os.File)
	return ok && os.Getenv("NO_COLOR") == "" && term.IsTerminal(int(f.Fd()))
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

// strictViolations lists the non-exact translations on stderr and counts them.
func strictViolations(s *streams, p *plan.Plan) int {
	n := 0
	for _, sp := range p.Services {
		for _, note := range sp.Fidelity {
			if note.Level != spec.FidelityExact {
				n++
				fmt.Fprintf(s.Err, "%s: %s: %s: %s: %s [%s]\n", note.Pos, sp.Service, note.Level, note.Field, note.Detail, note.Rule)
			}
		}
	}
	if n > 0 {
		fmt.Fprintf(s.Err, "--strict: %d fields are not translated exactly\n", n)
	}
	return n
}
