package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ecsgit/ecsgit/reconcile"
)

func init() {
	registerCommand(func(s *streams) *cobra.Command {
		opts := &planOptions{}
		var server string
		cmd := &cobra.Command{
			Use:   "status [SERVICE]",
			Short: "Show each managed service: desired/running/healthy, revision, last outcome",
			Long: `Status lists the ecsgit-managed services of the namespace (or one SERVICE): desired,
running and healthy tasks from Nomad, the task-definition revision and the outcome of the
last apply from ecsgit's records, the latest deployment, and why a service is degraded
(a failed spec that was rolled back and is not retried) or paused (a manual rollback).
It only reads.

With --server URL it shows instead what a running 'ecsgit sync' reports at
URL/v1/status: the commit deployed, the last pass (with validation errors as
file:line), and each service's state (Synced, OutOfSync, Progressing, Degraded,
Failed, Paused) with the reason.`,
			Example: `  ecsgit status                                   # from Nomad and ecsgit's records
  ecsgit status --server http://127.0.0.1:8787     # from a running ecsgit sync`,
			Args: cobra.MaximumNArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				if opts.Output != "text" && opts.Output != "json" {
					return usageError{fmt.Errorf("--output %q: want text or json", opts.Output)}
				}
				only := ""
				if len(args) == 1 {
					only = args[0]
				}
				if server != "" {
					return statusFromServer(cmd.Context(), s, server, opts.Output, only)
				}
				return statusRun(cmd.Context(), s, opts, only)
			},
		}
		f := cmd.Flags()
		f.StringVarP(&opts.Output, "output", "o", "text", "output format: text or json")
		addRecordsFlags(f, opts)
		f.StringVar(&server, "server", "", "read the status of a running ecsgit sync at this URL (e.g. http://127.0.0.1:8787)")
		return cmd
	})
}

func statusRun(ctx context.Context, s *streams, opts *planOptions, only string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	b, ns, err := recordsClient(opts)
	if err != nil {
		return err
	}
	svcs, err := reconcile.InspectServices(ctx, b, ns, only)
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		enc := json.NewEncoder(s.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(svcs)
	}
	tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tDESIRED\tRUNNING\tHEALTHY\tREVISION\tLAST OUTCOME\tDEPLOYMENT")
	for _, si := range svcs {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\n", si.Service, si.Desired, si.Running, si.Healthy, dash(si.TaskDefinition), dash(string(si.Outcome)), dash(si.Deployment))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, si := range svcs {
		if si.Degraded != "" {
			fmt.Fprintf(s.Out, "%s: degraded: %s\n", si.Service, si.Degraded)
		}
		if si.Paused != "" {
			fmt.Fprintf(s.Out, "%s: paused: %s\n", si.Service, si.Paused)
		}
		if si.Drifted {
			fmt.Fprintf(s.Out, "%s: drifted: the live job changed outside ecsgit (see ecsgit plan)\n", si.Service)
		}
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
