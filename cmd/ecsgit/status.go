package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecsgit/ecsgit/internal/iostreams"
	"github.com/ecsgit/ecsgit/internal/reconcile"
)

type statusOptions struct {
	IO *iostreams.IOStreams

	Cluster clusterFlags
	Output  string
	Server  string
	Service string // only this one (empty: all)
}

func newCmdStatus(f *factory, runF func(*statusOptions) error) *cobra.Command {
	opts := &statusOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "status [SERVICE]",
		Short: "Show each managed service: desired/running/healthy, revision, last outcome",
		Long: `Status lists the ecsgit-managed services of the namespace (or one SERVICE): desired,
running and healthy tasks from Nomad, the task-definition revision and the outcome of the
last apply from ecsgit's records, the latest deployment, and why a service is degraded
(a failed spec that was rolled back and is not retried) or paused (a manual rollback).
With SERVICE it also lists the service's last events, as the ECS console does ("has
reached a steady state", deployments, placement failures; see 'ecsgit events').
For a service with a scalable target: its capacity range and the last scaling activity
with its reason (Nomad's scaling events: the autoscaler's actions).
It only reads.

With --server URL it shows instead what a running 'ecsgit sync' reports at
URL/v1/status: the commit deployed, the last pass (with validation errors as
file:line), and each service's state (Synced, OutOfSync, Progressing, Degraded,
Failed, Paused) with the reason.`,
		Example: `  ecsgit status                                   # from Nomad and ecsgit's records
  ecsgit status --server http://127.0.0.1:8787     # from a running ecsgit sync`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Service = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			if opts.Server != "" {
				return statusFromServer(cmd.Context(), opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	f2 := cmd.Flags()
	addOutputFlag(cmd, &opts.Output, []string{outputHuman, outputJSON})
	opts.Cluster.add(f2, "default")
	f2.StringVar(&opts.Server, "server", "", "read the status of a running ecsgit sync at this URL (e.g. http://127.0.0.1:8787)")
	return cmd
}

func statusRun(ctx context.Context, opts *statusOptions) error {
	out := opts.IO.Out
	b, ns, err := opts.Cluster.recordsClient()
	if err != nil {
		return err
	}
	svcs, err := reconcile.InspectServices(ctx, b, ns, opts.Service)
	if err != nil {
		return err
	}
	if opts.Output == outputJSON {
		return writeJSON(out, svcs)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tDESIRED\tRUNNING\tHEALTHY\tREVISION\tLAST OUTCOME\tDEPLOYMENT")
	for _, si := range svcs {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\n", si.Service, si.Desired, si.Running, si.Healthy, dash(si.TaskDefinition), dash(string(si.Outcome)), dash(si.Deployment))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, si := range svcs {
		if len(si.Targets) > 0 {
			fmt.Fprintf(out, "\n%s targets:\n", si.Service)
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "  TARGET GROUP\tTARGET\tALLOC\tHEALTH\tREASON")
			for _, th := range si.Targets {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", th.TargetGroup, th.Address, th.AllocID, th.State, dash(th.Reason))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
	}
	for _, si := range svcs {
		if si.Degraded != "" {
			fmt.Fprintf(out, "%s: degraded: %s\n", si.Service, si.Degraded)
		}
		if si.Paused != "" {
			fmt.Fprintf(out, "%s: paused: %s\n", si.Service, si.Paused)
		}
		if si.Drifted {
			fmt.Fprintf(out, "%s: drifted: the live job changed outside ecsgit (see ecsgit plan)\n", si.Service)
		}
		if sc := si.Scaling; sc != nil {
			state := "active"
			if !sc.Enabled {
				state = "no policy active"
			}
			fmt.Fprintf(out, "%s: auto scaling %s: %d tasks (min %d, max %d)\n", si.Service, state, si.Desired, sc.Min, sc.Max)
			if a := si.LastScaling; a != nil {
				to := "-"
				if a.Count != nil {
					to = fmt.Sprint(*a.Count)
				}
				kind := "last scaling activity"
				if a.Error {
					kind = "last scaling activity (failed)"
				}
				fmt.Fprintf(out, "%s: %s %s: %d → %s: %s\n", si.Service, kind, a.Time.Format(time.RFC3339), a.PreviousCount, to, a.Message)
			}
		}
	}
	if opts.Service != "" {
		recs, err := serviceEventsFromNomad(ctx, b, ns, opts.Service)
		if err != nil {
			return err
		}
		renderServiceEvents(out, opts.Service, recs)
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
