package main

import (
	"fmt"
	"path/filepath"
	"sort"

	"github.com/spf13/cobra"

	"github.com/ecsgit/ecsgit/internal/iostreams"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/spec"
)

type renderOptions struct {
	IO *iostreams.IOStreams

	Service   string
	Dir       string
	Source    string
	Namespace string
}

func newCmdRender(f *factory, runF func(*renderOptions) error) *cobra.Command {
	opts := &renderOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "render SERVICE [DIR]",
		Short: "Print the Nomad job that a service translates to",
		Long: `Render loads the repository in DIR (default: the current directory), translates
SERVICE to its Nomad job and prints the job as JSON on stdout, exactly as ecsgit
submits it: the {"Job": {...}} document that Nomad's HTTP API and
'nomad job run -json' accept. It needs no cluster.

Every field that is not translated exactly is reported on stderr, one line each:

  FILE:LINE:COL: approximate|unsupported: FIELD: CONSEQUENCE [RULE-ID]

followed by how the rolling update is carried out (see docs/mapping.md).

There is no --hcl output: Nomad's Go API has no HCL encoder, and a hand-written
one would be a second rendering that could differ from what is submitted (field
names, list-of-maps blocks, defaults). The JSON is the job.`,
		Example: `  # the web service of the repository in the current directory
  ecsgit render web

  # submit it by hand
  ecsgit render web examples/gitops > web.json && nomad job run -json web.json`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Service, opts.Dir = args[0], "."
			if len(args) == 2 {
				opts.Dir = args[1]
			}
			if runF != nil {
				return runF(opts)
			}
			return renderRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Source, "source", "", "stable repository identity written to job meta (default: ecsgit.yaml's source, else \""+spec.DefaultSource+"\")")
	cmd.Flags().StringVarP(&opts.Namespace, "namespace", "n", "", "Nomad namespace (default: ecsgit.yaml's)")
	return cmd
}

func renderRun(opts *renderOptions) error {
	s := opts.IO
	d, err := spec.Load(opts.Dir, loadOptions())
	if err != nil {
		return usageError{err}
	}
	if d.Diagnostics.HasErrors(false) {
		printProblems(s, d.Diagnostics)
		return exitError{exitFailure}
	}
	svc := findService(d, opts.Service)
	if svc == nil {
		return fmt.Errorf("no service %q in %s (services: %v)", opts.Service, opts.Dir, serviceNames(d))
	}
	if opts.Namespace != "" {
		d.Config.Namespace = opts.Namespace
	}
	src, _ := spec.ResolveSource(opts.Source, d.Config)
	tr, err := nomadjob.Translate(d, svc, nomadjob.TranslateOptions{Source: src, TestDriver: nomadjob.TestDriverFromEnv()})
	if err != nil {
		return err
	}
	b, err := nomadjob.JobJSON(tr.Job)
	if err != nil {
		return err
	}
	if _, err := s.Out.Write(b); err != nil {
		return fmt.Errorf("write job: %w", err)
	}
	printTranslationReport(s, tr)
	return nil
}

func findService(d *spec.Desired, name string) *spec.ServiceDoc {
	for _, svc := range d.Services {
		if svc.ServiceName == name {
			return svc
		}
	}
	return nil
}

func serviceNames(d *spec.Desired) []string {
	names := make([]string, 0, len(d.Services))
	for _, svc := range d.Services {
		names = append(names, svc.ServiceName)
	}
	sort.Strings(names)
	return names
}

// printTranslationReport writes the translation report to stderr: one line per non-exact field,
// then the rollout.
func printTranslationReport(s *iostreams.IOStreams, tr *nomadjob.Translation) {
	for _, n := range tr.Fidelity {
		pos := n.Pos
		pos.File = filepath.ToSlash(pos.File)
		fmt.Fprintf(s.ErrOut, "%s: %s: %s: %s [%s]\n", pos, n.Level, n.Field, n.Detail, n.Rule)
	}
	r := tr.Rollout
	exact := "exact"
	if !r.Exact {
		exact = "worst case: " + r.WorstCase
	}
	fmt.Fprintf(s.ErrOut, "rollout: %s (%s; min healthy %d, max running %d; %s)\n", r.Mechanism, r.Class, r.MinHealthy, r.MaxRunning, exact)
	fmt.Fprintf(s.ErrOut, "circuit breaker: %s\n", r.CircuitBreaker)
}
