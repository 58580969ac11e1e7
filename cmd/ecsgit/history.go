package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecsgit/ecsgit/internal/iostreams"
	"github.com/ecsgit/ecsgit/internal/nomadbackend"
)

type historyOptions struct {
	IO *iostreams.IOStreams

	Cluster clusterFlags
	Output  string
	Service string
}

func newCmdHistory(f *factory, runF func(*historyOptions) error) *cobra.Command {
	opts := &historyOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "history SERVICE",
		Short: "List the revisions applied to a service: commit, time, who, outcome",
		Long: `History reads ecsgit's record of SERVICE (its Nomad job ID) and lists, oldest first,
every apply, rollback and prune: the task-definition revision, the Git commit, when and
by whom, and how the rollout ended. The newest ` + fmt.Sprint(nomadbackend.MaxHistory) + ` entries are kept.

--output json prints one object: service, namespace, family, history (each entry:
task_definition, revision, commit, time, who, outcome, job_version), and degraded
(spec_hash, reason) or paused when the service is.`,
		Example: `  ecsgit history web
  ecsgit history web --output json -n prod`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Service = args[0]
			if runF != nil {
				return runF(opts)
			}
			return historyRun(cmd.Context(), opts)
		},
	}
	addOutputFlag(cmd, &opts.Output, []string{outputHuman, outputJSON})
	opts.Cluster.add(cmd.Flags(), "default")
	return cmd
}

// historyJSON is history's --output json: the CLI's own view, so that the format of
// ecsgit's records in Nomad Variables (compact keys, internal fields) stays free to
// change. Its field names are a public interface.
type historyJSON struct {
	Service   string             `json:"service"`
	Namespace string             `json:"namespace"`
	Family    string             `json:"family"`
	History   []historyEntryJSON `json:"history"`
	Degraded  *historyDegraded   `json:"degraded,omitempty"`
	Paused    string             `json:"paused,omitempty"`
}

type historyEntryJSON struct {
	TaskDefinition string    `json:"task_definition"`
	Revision       int       `json:"revision"`
	Commit         string    `json:"commit,omitempty"`
	Time           time.Time `json:"time"`
	Who            string    `json:"who"`
	Outcome        string    `json:"outcome"`
	JobVersion     uint64    `json:"job_version"`
}

type historyDegraded struct {
	SpecHash string `json:"spec_hash"`
	Reason   string `json:"reason"`
}

func newHistoryJSON(rec *nomadbackend.ServiceRecord, service, ns string) historyJSON {
	out := historyJSON{Service: service, Namespace: ns, Family: rec.Family, History: []historyEntryJSON{}}
	for _, h := range rec.History {
		out.History = append(out.History, historyEntryJSON{
			TaskDefinition: fmt.Sprintf("%s:%d", rec.Family, h.Revision), Revision: h.Revision, Commit: h.Commit,
			Time: h.Time, Who: h.Who, Outcome: string(h.Outcome), JobVersion: h.JobVersion,
		})
	}
	if rec.Failed != nil {
		out.Degraded = &historyDegraded{SpecHash: rec.Failed.SpecHash, Reason: rec.Failed.Reason}
	}
	if rec.Paused {
		out.Paused = rec.PausedReason
	}
	return out
}

func historyRun(ctx context.Context, opts *historyOptions) error {
	out, service := opts.IO.Out, opts.Service
	b, ns, err := opts.Cluster.recordsClient()
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
	if opts.Output == outputJSON {
		return writeJSON(out, newHistoryJSON(rec, service, ns))
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
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
		fmt.Fprintf(out, "\ndegraded: spec %s failed and was rolled back: %s\n", rec.Failed.SpecHash, rec.Failed.Reason)
	}
	if rec.Paused {
		fmt.Fprintf(out, "\npaused: %s\n", rec.PausedReason)
	}
	return nil
}
