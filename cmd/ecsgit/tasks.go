package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecsgit/ecsgit/internal/iostreams"
	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/reconcile"
)

type stopTaskOptions struct {
	IO      *iostreams.IOStreams
	Cluster clusterFlags
	Task    string
}

func newCmdStopTask(f *factory, runF func(*stopTaskOptions) error) *cobra.Command {
	opts := &stopTaskOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "stop-task JOB_ID",
		Short: "Stop a task started by run-task (aws ecs stop-task)",
		Long: `Stop-task stops the tasks of a run-task job (the ID run-task printed, or one of
'ecsgit list-tasks'). Their containers get SIGTERM, then SIGKILL after the task
definition's stopTimeout, and the tasks show stopCode UserInitiated. Only jobs that
run-task created are accepted.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Task = args[0]
			if runF != nil {
				return runF(opts)
			}
			b, ns, err := opts.Cluster.recordsClient()
			if err != nil {
				return err
			}
			if err := b.StopTask(cmd.Context(), ns, opts.Task); err != nil {
				return err
			}
			fmt.Fprintf(opts.IO.ErrOut, "stopping %s\n", opts.Task)
			return nil
		},
	}
	opts.Cluster.add(cmd.Flags(), "default")
	return cmd
}

type listTasksOptions struct {
	IO  *iostreams.IOStreams
	Now func() time.Time

	Cluster   clusterFlags
	Output    string
	Filter    nomadbackend.TaskFilter
	Retention time.Duration
}

func newCmdListTasks(f *factory, runF func(*listTasksOptions) error) *cobra.Command {
	opts := &listTasksOptions{IO: f.IOStreams, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "list-tasks",
		Short: "List the tasks started by run-task and pre-deploy tasks (aws ecs list-tasks)",
		Long: `List-tasks lists the tasks of the run-task jobs in the namespace, newest first:
job, task ID, task definition, lastStatus, desiredStatus, stopCode, the essential
container's exit code, startedBy and group. Finished jobs older than --retention are
purged first. Services' tasks are not listed ('ecsgit status' shows services).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return listTasksRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	addOutputFlag(cmd, &opts.Output, []string{outputHuman, outputJSON})
	fl.StringVar(&opts.Filter.StartedBy, "started-by", "", "only tasks with this startedBy")
	fl.StringVar(&opts.Filter.Group, "group", "", "only tasks of this group")
	fl.StringVar(&opts.Filter.Family, "family", "", "only tasks of this task-definition family")
	fl.DurationVar(&opts.Retention, "retention", reconcile.DefaultTaskRetention, "purge finished run-task jobs older than this first")
	opts.Cluster.add(fl, "default")
	return cmd
}

func listTasksRun(ctx context.Context, opts *listTasksOptions) error {
	b, ns, err := opts.Cluster.recordsClient()
	if err != nil {
		return err
	}
	if _, err := b.PurgeExpiredTasks(ctx, ns, opts.Retention, opts.Now()); err != nil {
		fmt.Fprintf(opts.IO.ErrOut, "warning: purging finished tasks: %v\n", err)
	}
	tasks, err := b.ListTasks(ctx, ns, opts.Filter)
	if err != nil {
		return err
	}
	if opts.Output == outputJSON {
		if tasks == nil {
			tasks = []nomadbackend.Task{}
		}
		return writeJSON(opts.IO.Out, tasks)
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tTASK\tTASK DEFINITION\tLAST STATUS\tDESIRED\tSTOP CODE\tEXIT\tSTARTED BY\tGROUP")
	for _, t := range tasks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.JobID, t.TaskID[:8], t.TaskDefinition, t.LastStatus, t.DesiredStatus,
			dash(string(t.StopCode)), exitOf(t), dash(t.StartedBy), dash(t.Group))
	}
	return tw.Flush()
}

// exitOf is the exit codes of a task's containers that have one ("-" when none).
func exitOf(t nomadbackend.Task) string {
	s := ""
	for _, c := range t.Containers {
		if c.ExitCode != nil {
			if s != "" {
				s += ","
			}
			s += fmt.Sprintf("%s=%d", c.Name, *c.ExitCode)
		}
	}
	return dash(s)
}
