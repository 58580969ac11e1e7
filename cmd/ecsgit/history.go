package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

func init() {
	registerCommand(func(s *streams) *cobra.Command {
		opts := &planOptions{}
		cmd := &cobra.Command{
			Use:   "history SERVICE",
			Short: "List the revisions applied to a service: commit, time, who, outcome",
			Long: `History reads ecsgit's record of SERVICE (its Nomad job ID) and lists, oldest first,
every apply, rollback and prune: the task-definition revision, the Git commit, when and
by whom, and how the rollout ended. The newest ` + "20" + ` entries are kept.`,
			Example: `  ecsgit history web
  ecsgit history web --output json -n prod`,
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				if opts.Output != "text" && opts.Output != "json" {
					return usageError{fmt.Errorf("--output %q: want text or json", opts.Output)}
				}
				return historyRun(cmd.Context(), s, opts, args[0])
			},
		}
		f := cmd.Flags()
		f.StringVarP(&opts.Output, "output", "o", "text", "output format: text or json")
		addRecordsFlags(f, opts)
		return cmd
	})
}

func historyRun(ctx context.Context, s *streams, opts *planOptions, service string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	b, ns, err := recordsClient(opts)
	if err != nil {
		return err
	}
	rec, err := b.ReadServiceRecord(ctx, ns, service)
	if err != nil {
		return err
	}
	if rec == nil {
		return fmt.Errorf("%s: ecsgit has no record of this service in namespace %s", service, ns)
	}
	if opts.Output == "json" {
		enc := json.NewEncoder(s.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(rec.History)
	}
	tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REVISION\tCOMMIT\tTIME\tWHO\tOUTCOME\tJOB VERSION")
	for _, h := range rec.History {
		commit := h.Commit
		if len(commit) > 12 {
			commit = commit[:12]
		}
		if commit == "" {
			commit = "-"
		}
		fmt.Fprintf(tw, "%s:%d\t%s\t%s\t%s\t%s\t%d\n", rec.Family, h.Revision, commit, h.Time.Local().Format(time.DateTime), h.Who, h.Outcome, h.JobVersion)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if rec.Failed != nil {
		fmt.Fprintf(s.Out, "\ndegraded: spec %s failed and was rolled back: %s\n", rec.Failed.SpecHash, rec.Failed.Reason)
	}
	if rec.Paused {
		fmt.Fprintf(s.Out, "\npaused: %s\n", rec.PausedReason)
	}
	return nil
}
