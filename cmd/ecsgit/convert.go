package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ecsgit/ecsgit/compose"
	"github.com/ecsgit/ecsgit/spec"
	"github.com/spf13/cobra"
)

func init() { registerCommand(newConvertCommand) }

func newConvertCommand(s *streams) *cobra.Command {
	conv := &cobra.Command{
		Use:   "convert",
		Short: "Convert other formats into ECS task and service definitions",
	}
	conv.AddCommand(newConvertComposeCommand(s))
	return conv
}

// convertOutput is what `convert compose` prints: the ECS documents, plus the apply order
// that compose depends_on across services became (ecsgit.yaml services.<name>.after).
type convertOutput struct {
	TaskDefinitions []spec.TaskDefinition `json:"taskDefinitions"`
	Services        []spec.Service        `json:"services"`
	After           map[string][]string   `json:"after,omitempty"`
}

func newConvertComposeCommand(s *streams) *cobra.Command {
	var (
		files     []string
		opts      compose.Options
		outputDir string
		strict    bool
	)
	cmd := &cobra.Command{
		Use:   "compose [FILE...]",
		Short: "Convert a docker-compose project into ECS task and service definitions",
		Long: `Loads a docker-compose project the way docker compose does (interpolation, .env,
env_file, extends, include, profiles; several files are merged in order like -f a -f b)
and prints the ECS task definitions and services ecsgit would deploy, as JSON.

Every compose key that is not translated exactly is reported on stderr with its file
and line; --strict makes any of them an error (exit 1). See docs/compose.md.`,
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
			return runConvertCompose(cmd, s, opts, outputDir, strict)
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&files, "file", "f", nil, "compose file (repeatable; merged in order)")
	f.StringSliceVar(&opts.Profiles, "profile", nil, "profile to enable (repeatable)")
	f.StringVarP(&opts.ProjectName, "project-name", "p", "", "project name (default: `name:` or the directory name)")
	f.StringArrayVar(&opts.EnvFiles, "env-file", nil, "env file for interpolation (default: .env in the project directory)")
	f.StringVar(&outputDir, "output-dir", "", "write <family>.taskdef.json and <service>.service.json here instead of printing")
	f.BoolVar(&strict, "strict", false, "fail (exit 1) if any compose key is not translated exactly")
	return cmd
}

func runConvertCompose(cmd *cobra.Command, s *streams, opts compose.Options, outputDir string, strict bool) error {
	res, diags := compose.LoadAndConvert(cmd.Context(), opts)
	for _, d := range diags {
		fmt.Fprintln(s.Err, d)
	}
	failed := diags.HasErrors(false)
	nonExact := 0
	if res != nil {
		nonExact = printFidelity(s.Err, res)
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
	if err := writeConverted(s.Out, out, outputDir); err != nil {
		return err
	}
	if strict && nonExact > 0 {
		fmt.Fprintf(s.Err, "ecsgit: --strict: %d compose key(s) not translated exactly\n", nonExact)
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
