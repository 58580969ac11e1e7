package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ecsgit/ecsgit/internal/compose"
	"github.com/ecsgit/ecsgit/internal/iostreams"
	"github.com/ecsgit/ecsgit/internal/spec"
)

func newCmdConvert(f *factory) *cobra.Command {
	conv := &cobra.Command{
		Use:   "convert",
		Short: "Convert other formats into ECS task and service definitions",
	}
	conv.AddCommand(newCmdConvertCompose(f, nil))
	return conv
}

// convertOutput is what `convert compose` prints: the ECS documents, plus the apply order
// that compose depends_on across services became (ecsgit.yaml services.<name>.after).
type convertOutput struct {
	TaskDefinitions []spec.TaskDefinition `json:"taskDefinitions"`
	Services        []spec.Service        `json:"services"`
	After           map[string][]string   `json:"after,omitempty"`
}

type convertComposeOptions struct {
	IO *iostreams.IOStreams

	Compose   compose.Options // Files: -f, then the arguments (default: ./compose.yaml & co.)
	OutputDir string
	Strict    bool
}

func newCmdConvertCompose(f *factory, runF func(*convertComposeOptions) error) *cobra.Command {
	o := &convertComposeOptions{IO: f.IOStreams}
	opts := &o.Compose
	var files []string
	cmd := &cobra.Command{
		Use:   "compose [FILE...]",
		Short: "Convert a docker-compose project into ECS task and service definitions",
		Long: `Loads a docker-compose project the way docker compose does (interpolation, .env,
env_file, extends, include, profiles; several files are merged in order like -f a -f b)
and prints the ECS task definitions and services ecsgit would deploy, as JSON.

Every compose key that is not translated exactly is reported on stderr with its file
and line; --strict makes any of them, and any warning, an error (exit 1). See
docs/compose.md.`,
		Example: `  ecsgit convert compose                                  # ./compose.yaml
  ecsgit convert compose -f compose.yaml -f compose.prod.yaml --profile web
  ecsgit convert compose --output-dir deploy/ examples/compose-app/compose.yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = append(append([]string(nil), files...), args...)
			if len(opts.Files) == 0 {
				for _, name := range spec.ComposeFileNames {
					if _, err := os.Stat(name); err == nil {
						opts.Files = []string{name}
						break
					}
				}
			}
			if len(opts.Files) == 0 {
				return usageError{fmt.Errorf("no compose file given and none found in the current directory")}
			}
			if runF != nil {
				return runF(o)
			}
			return runConvertCompose(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&files, "file", "f", nil, "compose file (repeatable; merged in order)")
	fl.StringSliceVar(&opts.Profiles, "profile", nil, "profile to enable (repeatable)")
	fl.StringVarP(&opts.ProjectName, "project-name", "p", "", "project name (default: `name:` or the directory name)")
	fl.StringArrayVar(&opts.EnvFiles, "env-file", nil, "env file for interpolation (default: .env in the project directory)")
	fl.StringVar(&o.OutputDir, "output-dir", "", "write <family>.taskdef.json and <service>.service.json here instead of printing")
	fl.BoolVar(&o.Strict, "strict", false, strictHelp)
	return cmd
}

func runConvertCompose(ctx context.Context, o *convertComposeOptions) error {
	s := o.IO
	res, diags := compose.LoadAndConvert(ctx, o.Compose)
	for _, d := range diags {
		fmt.Fprintln(s.ErrOut, d)
	}
	failed := diags.HasErrors(o.Strict)
	nonExact := 0
	if res != nil {
		nonExact = printFidelity(s.ErrOut, res)
	}
	if res == nil || failed {
		return exitError{exitFailure}
	}
	out := convertOutput{TaskDefinitions: []spec.TaskDefinition{}, Services: []spec.Service{}}
	for _, td := range res.TaskDefinitions {
		out.TaskDefinitions = append(out.TaskDefinitions, td.TaskDefinition)
	}
	for _, sv := range res.Services {
		out.Services = append(out.Services, sv.Service)
		if len(sv.After) > 0 {
			if out.After == nil {
				out.After = map[string][]string{}
			}
			out.After[sv.ServiceName] = sv.After
		}
	}
	if err := writeConverted(s.Out, out, o.OutputDir); err != nil {
		return err
	}
	if o.Strict && nonExact > 0 {
		fmt.Fprintf(s.ErrOut, "ecsgit: --strict: %d compose key(s) not translated exactly\n", nonExact)
		return exitError{exitFailure}
	}
	return nil
}

// printFidelity writes one line per non-exact key, in the diagnostic format, and returns
// how many there were.
func printFidelity(w io.Writer, res *compose.Result) int {
	n := 0
	print := func(owner string, notes []spec.FidelityNote) {
		for _, fn := range notes {
			n++
			fmt.Fprintf(w, "%s: %s: %s: %s (%s) [%s]\n", fn.Pos, fn.Level, fn.Field, fn.Detail, owner, fn.Rule)
		}
	}
	for _, td := range res.TaskDefinitions {
		print("task definition "+td.Family, td.Fidelity)
	}
	for _, sv := range res.Services {
		print("service "+sv.ServiceName, sv.Fidelity)
	}
	return n
}

func writeConverted(stdout io.Writer, out convertOutput, dir string) error {
	if dir == "" {
		return writeJSON(stdout, out)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	write := func(name string, v any) error {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		defer f.Close()
		if err := writeJSON(f, v); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		return f.Close()
	}
	for _, td := range out.TaskDefinitions {
		if err := write(td.Family+".taskdef.json", td); err != nil {
			return err
		}
	}
	for _, sv := range out.Services {
		if err := write(sv.ServiceName+".service.json", sv); err != nil {
			return err
		}
	}
	if len(out.After) > 0 {
		fmt.Fprintln(stdout, "# apply order from depends_on; add to ecsgit.yaml:")
		fmt.Fprintln(stdout, "services:")
		for _, name := range sortedStrings(out.After) {
			fmt.Fprintf(stdout, "  %s:\n    after: %q\n", name, out.After[name])
		}
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func sortedStrings(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}
