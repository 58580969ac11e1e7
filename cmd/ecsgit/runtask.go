package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecsgit/ecsgit/internal/iostreams"
	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/reconcile"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// exitTaskNotStarted: run-task --wait, the task could not be placed, its image could
// not be pulled or its container could not start (no exit code exists). 125 is what
// `docker run` exits with when the container cannot be run, so it never looks like a
// container's own exit code in practice.
const exitTaskNotStarted = 125

type runTaskOptions struct {
	IO  *iostreams.IOStreams
	Now func() time.Time

	Cluster clusterFlags
	Output  string
	Source  string

	TaskDef string // family, family:revision, or a file
	Dir     string

	Count                int
	Overrides            string
	StartedBy            string
	Group                string
	LaunchType           string
	PlacementConstraints string
	PlacementStrategy    string
	NetworkConfiguration string
	CLIInputJSON         string
	Wait                 bool
	Retention            time.Duration
	Timeout              time.Duration

	cluster string // --cli-input-json's cluster, reported as not used
}

func newCmdRunTask(f *factory, runF func(*runTaskOptions) error) *cobra.Command {
	opts := &runTaskOptions{IO: f.IOStreams, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "run-task TASKDEF [DIR]",
		Short: "Run a one-off task (aws ecs run-task): a Nomad batch job, optionally followed to its end",
		Long: `Run-task runs a task definition of the repository DIR (default: the current
directory) once, as 'aws ecs run-task' does: TASKDEF is a family, family:revision (the
revision must be the one of the repository's content), or a task-definition file.
The flags take the JSON of 'aws ecs run-task' (a value starting with file:// is read
from that file); --cli-input-json takes the whole request.

The tasks become one Nomad batch job (count allocations), owned by ecsgit (job meta
ecsgit.kind=run-task), never restarted and never rescheduled, as in ECS. Tasks that
Nomad cannot place are refused before anything is registered, with the reason.
Finished run-task jobs are purged after --retention (default 1h, as ECS shows
stopped tasks for at least an hour), by the next run-task or list-tasks.

With --wait, run-task follows the tasks to their end, streams the essential
container's logs to stdout, prints each task's stopCode and stoppedReason on stderr,
and exits with the essential container's exit code.

Exit status: without --wait, 0 when the tasks were placed; with --wait, the essential
container's exit code (of the first task that did not exit 0). 125 when a task could
not be placed, its image not pulled or its container not started; 1 for other
errors. See 'ecsgit help exit-codes'.`,
		Example: `  ecsgit run-task migrate --wait
  ecsgit run-task web:3 deploy/ --count 2 --started-by ci
  ecsgit run-task web --wait --overrides '{"containerOverrides":[{"name":"app","command":["--mode=fail"],"environment":[{"name":"LOG_LEVEL","value":"debug"}]}]}'`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.TaskDef, opts.Dir = args[0], "."
			if len(args) == 2 {
				opts.Dir = args[1]
			}
			if runF != nil {
				return runF(opts)
			}
			return runTaskRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	addOutputFlag(cmd, &opts.Output, []string{outputHuman, outputJSON})
	fl.IntVar(&opts.Count, "count", 1, "number of tasks to run (1–10)")
	fl.StringVar(&opts.Overrides, "overrides", "", `task overrides (JSON of run-task's --overrides: containerOverrides[].name, command, environment, cpu, memory, memoryReservation; cpu, memory)`)
	fl.StringVar(&opts.StartedBy, "started-by", "", "startedBy tag of the tasks (list-tasks --started-by)")
	fl.StringVar(&opts.Group, "group", "", "task group name (list-tasks --group)")
	fl.StringVar(&opts.LaunchType, "launch-type", "", "EC2, FARGATE or EXTERNAL (checked against the task definition's requiresCompatibilities)")
	fl.StringVar(&opts.PlacementConstraints, "placement-constraints", "", `placement constraints (JSON list: [{"type":"memberOf","expression":"attribute:ecs.availability-zone == a"}])`)
	fl.StringVar(&opts.PlacementStrategy, "placement-strategy", "", `placement strategy (JSON list: [{"type":"spread","field":"attribute:ecs.availability-zone"}])`)
	fl.StringVar(&opts.NetworkConfiguration, "network-configuration", "", "network configuration (JSON: awsvpcConfiguration)")
	fl.StringVar(&opts.CLIInputJSON, "cli-input-json", "", "the whole RunTask request as JSON (flags given as well win)")
	fl.BoolVar(&opts.Wait, "wait", false, "follow the tasks to their end, stream the essential container's logs, exit with its exit code")
	fl.DurationVar(&opts.Retention, "retention", reconcile.DefaultTaskRetention, "purge finished run-task jobs older than this")
	fl.DurationVar(&opts.Timeout, "timeout", 0, "with --wait: stop waiting after this long (0: no limit); the tasks go on")
	fl.StringVar(&opts.Source, "source", "", "stable repository identity (default: ecsgit.yaml's source)")
	opts.Cluster.add(fl, "ecsgit.yaml's")
	return cmd
}

// runTaskInput is the JSON of `aws ecs run-task --cli-input-json` that ecsgit honours.
type runTaskInput struct {
	TaskDefinition       string                     `json:"taskDefinition,omitempty"`
	Count                int                        `json:"count,omitempty"`
	Overrides            *spec.TaskOverride         `json:"overrides,omitempty"`
	StartedBy            string                     `json:"startedBy,omitempty"`
	Group                string                     `json:"group,omitempty"`
	LaunchType           string                     `json:"launchType,omitempty"`
	PlacementConstraints []spec.PlacementConstraint `json:"placementConstraints,omitempty"`
	PlacementStrategy    []spec.PlacementStrategy   `json:"placementStrategy,omitempty"`
	NetworkConfiguration json.RawMessage            `json:"networkConfiguration,omitempty"`
	Cluster              string                     `json:"cluster,omitempty"` // the namespace stands for it
}

func runTaskRun(ctx context.Context, opts *runTaskOptions) error {
	req, err := opts.request()
	if err != nil {
		return usageError{err}
	}
	if opts.cluster != "" {
		fmt.Fprintf(opts.IO.ErrOut, "note: cluster %q of --cli-input-json is not used: the Nomad namespace stands for the ECS cluster (-n, else ecsgit.yaml's)\n", opts.cluster)
	}
	b, ns, err := opts.Cluster.client()
	if err != nil {
		return err
	}
	if ns != "" {
		req.Config.Namespace = ns
	}
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	ios := opts.IO
	if _, err := b.PurgeExpiredTasks(ctx, req.Config.Namespace, opts.Retention, opts.Now()); err != nil {
		fmt.Fprintf(ios.ErrOut, "warning: purging finished tasks: %v\n", err)
	}
	st, err := reconcile.StartTask(ctx, b, *req)
	var pe *nomadbackend.PlacementError
	if errors.As(err, &pe) {
		fmt.Fprintf(ios.ErrOut, "ecsgit: run-task %s: no task started: %s\n", opts.TaskDef, strings.Join(pe.Reasons, "; "))
		return exitError{exitTaskNotStarted}
	}
	if err != nil {
		return err
	}
	for _, n := range st.Fidelity {
		fmt.Fprintf(ios.ErrOut, "note: %s: %s: %s\n", n.Field, n.Level, n.Detail)
	}
	fmt.Fprintf(ios.ErrOut, "started %d task(s) of %s: job %s (namespace %s)\n", st.Count, st.TaskDefinition, st.JobID, st.Namespace)
	if !opts.Wait {
		if opts.Output == outputJSON {
			return writeJSON(ios.Out, st)
		}
		fmt.Fprintln(ios.Out, st.JobID)
		return nil
	}
	logs := ios.Out
	if opts.Output == outputJSON {
		logs = ios.ErrOut
	}
	tasks, err := b.WaitTasks(ctx, st.Namespace, st.JobID, st.Essential, logs)
	if err != nil {
		return err
	}
	out := reconcile.OutcomeOf(tasks, st.Essential)
	for _, t := range tasks {
		fmt.Fprintf(ios.ErrOut, "task %s: %s: stopCode %s: %s%s\n", t.TaskID[:8], t.LastStatus, dash(string(t.StopCode)), t.StoppedReason, containerExits(t))
	}
	if opts.Output == outputJSON {
		if err := writeJSON(ios.Out, tasks); err != nil {
			return err
		}
	}
	if out.ExitCode == nil {
		fmt.Fprintf(ios.ErrOut, "ecsgit: run-task %s: %s: %s\n", opts.TaskDef, dash(string(out.StopCode)), out.Reason)
		return exitError{exitTaskNotStarted}
	}
	if *out.ExitCode != 0 {
		return exitError{*out.ExitCode}
	}
	return nil
}

func containerExits(t nomadbackend.Task) string {
	var parts []string
	for _, c := range t.Containers {
		if c.ExitCode != nil {
			parts = append(parts, fmt.Sprintf("%s exitCode %d", c.Name, *c.ExitCode))
		} else if c.Reason != "" && c.Reason != t.StoppedReason {
			parts = append(parts, fmt.Sprintf("%s: %s", c.Name, c.Reason))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// request builds the RunTask request from --cli-input-json, the flags (which win) and
// the repository.
func (o *runTaskOptions) request() (*reconcile.RunTaskRequest, error) {
	var in runTaskInput
	if o.CLIInputJSON != "" {
		if err := decodeFlagJSON("--cli-input-json", o.CLIInputJSON, &in); err != nil {
			return nil, err
		}
	}
	if o.Count != 1 || in.Count == 0 {
		in.Count = o.Count
	}
	if o.Overrides != "" {
		src, err := flagBytes(o.Overrides)
		if err != nil {
			return nil, fmt.Errorf("--overrides: %w", err)
		}
		if in.Overrides, err = spec.DecodeTaskOverride(src); err != nil {
			return nil, fmt.Errorf("--overrides: %w", err)
		}
	}
	for _, f := range []struct {
		name, val string
		dst       any
	}{
		{"--placement-constraints", o.PlacementConstraints, &in.PlacementConstraints},
		{"--placement-strategy", o.PlacementStrategy, &in.PlacementStrategy},
		{"--network-configuration", o.NetworkConfiguration, &in.NetworkConfiguration},
	} {
		if f.val != "" {
			if err := decodeFlagJSON(f.name, f.val, f.dst); err != nil {
				return nil, err
			}
		}
	}
	o.cluster = in.Cluster
	in.StartedBy = firstSet(o.StartedBy, in.StartedBy)
	in.Group = firstSet(o.Group, in.Group)
	in.LaunchType = firstSet(o.LaunchType, in.LaunchType)
	td, rev, cfg, err := loadTaskDefinition(o.TaskDef, o.Dir)
	if err != nil {
		return nil, err
	}
	source, _ := spec.ResolveSource(o.Source, cfg)
	return &reconcile.RunTaskRequest{
		Config: cfg, Source: source, TaskDefinition: td, Revision: rev, Overrides: in.Overrides,
		Count: in.Count, StartedBy: in.StartedBy, Group: in.Group, LaunchType: in.LaunchType,
		PlacementConstraints: in.PlacementConstraints, PlacementStrategy: in.PlacementStrategy,
		NetworkConfiguration: in.NetworkConfiguration, TestDriver: nomadjob.TestDriverFromEnv(),
	}, nil
}

func firstSet(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// loadTaskDefinition finds TASKDEF: a file (loaded alone, with DIR's ecsgit.yaml), or a
// family[:revision] of the repository DIR. A task definition with errors is refused
// with them (file:line:col).
func loadTaskDefinition(ref, dir string) (*spec.TaskDefinitionDoc, int, spec.Config, error) {
	if st, err := os.Stat(ref); err == nil && !st.IsDir() {
		d, err := spec.LoadFiles([]string{ref}, loadOptions())
		if err != nil {
			return nil, 0, spec.Config{}, err
		}
		cfg, _ := spec.LoadConfig(dir)
		d.Config = cfg
		for _, td := range d.TaskDefinitions {
			return td, 0, cfg, problemsOf(d.Diagnostics, "")
		}
		return nil, 0, cfg, fmt.Errorf("%s holds no task definition", ref)
	}
	family, rev := ref, 0
	if i := strings.LastIndexByte(ref, ':'); i >= 0 {
		n, err := strconv.Atoi(ref[i+1:])
		if err != nil || n < 1 {
			return nil, 0, spec.Config{}, fmt.Errorf("TASKDEF %q: want a family, family:revision (revision ≥ 1) or a file", ref)
		}
		family, rev = ref[:i], n
	}
	d, err := spec.Load(dir, loadOptions())
	if err != nil {
		return nil, 0, spec.Config{}, err
	}
	td := d.TaskDefinitions[family]
	if td == nil {
		return nil, 0, d.Config, fmt.Errorf("no task definition of family %q in %s (families: %s)", family, dir, strings.Join(families(d), ", "))
	}
	return td, rev, d.Config, problemsOf(d.Diagnostics, td.Pos.File)
}

// problemsOf is an error listing the errors of file (all files: "").
func problemsOf(ds spec.Diagnostics, file string) error {
	var lines []string
	for _, dg := range ds {
		if dg.Severity == spec.SeverityError && (file == "" || filepath.Clean(dg.Pos.File) == filepath.Clean(file)) {
			lines = append(lines, dg.String())
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return errors.New("the task definition is invalid:\n" + strings.Join(lines, "\n"))
}

func families(d *spec.Desired) []string { return slices.Sorted(maps.Keys(d.TaskDefinitions)) }

// flagBytes is a flag's JSON: inline, or file://PATH as the AWS CLI reads it.
func flagBytes(v string) ([]byte, error) {
	if p, ok := strings.CutPrefix(v, "file://"); ok {
		return os.ReadFile(p)
	}
	return []byte(v), nil
}

func decodeFlagJSON(name, v string, dst any) error {
	src, err := flagBytes(v)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	dec := json.NewDecoder(strings.NewReader(string(src)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
