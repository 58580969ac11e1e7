package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/ecsgit/ecsgit/internal/iostreams"
	"github.com/ecsgit/ecsgit/internal/spec"
)

type validateOptions struct {
	IO *iostreams.IOStreams

	Paths   []string
	Output  string
	Strict  bool
	Verbose bool
}

func newCmdValidate(f *factory, runF func(*validateOptions) error) *cobra.Command {
	opts := &validateOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "validate [PATH...]",
		Short: "Check ECS task/service definitions, compose files and ecsgit.yaml offline",
		Long: `Validate reads the given files and directories (default: the current directory)
the way every other ecsgit command reads a repository, and reports every problem as
one line:

  FILE:LINE:COL: error|warning|advice: MESSAGE [RULE-ID]

sorted by file and position. Rule IDs are stable and listed in docs/validation-rules.md.
A directory is loaded as a repository (its ecsgit.yaml, every *.json definition and
compose project under it); files given one by one are checked together, so a service
and the task definition it runs should be passed together. Notes (ignored read-only
fields, skipped files) are shown only with --verbose. A summary goes to stderr.

--strict fails on warnings too, never on advice (style advice such as an image
without a tag, about definitions AWS accepts as they are). Validate checks the definitions only; 'ecsgit plan
--strict' and 'ecsgit convert compose --strict' also fail on fields not translated
exactly.

Validate needs no cluster and no network. Exit status: 0 valid, 1 invalid (errors,
or warnings with --strict) or a usage error. See 'ecsgit help exit-codes'.`,
		Example: `  # the repository in the current directory
  ecsgit validate

  # a CI step that also fails on warnings, with machine-readable output
  ecsgit validate --strict --output json deploy/

  # one task definition and its service
  ecsgit validate web/taskdef.json web/service.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			if runF != nil {
				return runF(opts)
			}
			return validateRun(opts)
		},
	}
	addOutputFlag(cmd, &opts.Output, []string{outputHuman, outputJSON})
	cmd.Flags().BoolVar(&opts.Strict, "strict", false, strictHelp)
	cmd.Flags().BoolVarP(&opts.Verbose, "verbose", "v", false, "also show notes")
	return cmd
}

// loadPaths loads each directory as a repository and all plain files together.
func loadPaths(paths []string) (files int, diags spec.Diagnostics, err error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	opts := loadOptions()
	var plain []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return 0, nil, usageError{err}
		}
		if !st.IsDir() {
			plain = append(plain, p)
			continue
		}
		d, err := spec.Load(p, opts)
		if err != nil {
			return 0, nil, err
		}
		files += len(d.Files)
		diags = append(diags, d.Diagnostics...)
	}
	if len(plain) > 0 {
		d, err := spec.LoadFiles(plain, opts)
		if err != nil {
			return 0, nil, err
		}
		files += len(d.Files)
		diags = append(diags, d.Diagnostics...)
	}
	diags.Sort()
	return files, diags, nil
}

func validateRun(opts *validateOptions) error {
	s := opts.IO
	files, all, err := loadPaths(opts.Paths)
	if err != nil {
		return err
	}
	var shown spec.Diagnostics
	counts := map[spec.Severity]int{}
	for _, d := range all {
		counts[d.Severity]++
		if d.Severity != spec.SeverityNote || opts.Verbose {
			shown = append(shown, d)
		}
	}
	if opts.Output == outputJSON {
		err = writeDiagnosticsJSON(s.Out, shown)
	} else {
		for _, d := range shown {
			fmt.Fprintln(s.Out, d.String())
		}
	}
	if err != nil {
		return err
	}
	summary := fmt.Sprintf("%s, %s, %s", plural(files, "file"), plural(counts[spec.SeverityError], "error"), plural(counts[spec.SeverityWarning], "warning"))
	if n := counts[spec.SeverityAdvice]; n > 0 {
		summary += fmt.Sprintf(", %d advice", n)
	}
	fmt.Fprintln(s.ErrOut, summary)
	if all.HasErrors(opts.Strict) {
		return exitError{exitFailure}
	}
	return nil
}

// jsonDiagnostic is the --output json form of a diagnostic: flat, so that jq filters stay
// short. Its field names are a public interface.
type jsonDiagnostic struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Severity string `json:"severity"`
	Rule     string `json:"rule"`
	Message  string `json:"message"`
}

func writeDiagnosticsJSON(w io.Writer, ds spec.Diagnostics) error {
	out := make([]jsonDiagnostic, 0, len(ds))
	for _, d := range ds {
		out = append(out, jsonDiagnostic{d.Pos.File, d.Pos.Line, d.Pos.Col, string(d.Severity), d.Rule, d.Message})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
