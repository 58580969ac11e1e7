package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ecsgit/ecsgit/internal/reconcile/syncloop"
)

// statusFromServer shows what a running `ecsgit sync` reports at GET /v1/status: the
// commit it deployed, its last attempt (with validation errors as file:line) and each
// service's state. It reads the daemon's view; without --server, status reads the
// records in Nomad directly.
func statusFromServer(ctx context.Context, opts *statusOptions) error {
	server, only := opts.Server, opts.Service
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	url := strings.TrimSuffix(server, "/") + "/v1/status"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return usageError{fmt.Errorf("--server %q: %w", server, err)}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("read daemon status: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("read daemon status: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("read daemon status: %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	var st syncloop.SyncStatus
	if err := json.Unmarshal(body, &st); err != nil {
		return fmt.Errorf("daemon status is not ecsgit's /v1/status JSON: %w", err)
	}
	if only != "" {
		kept := st.Services[:0]
		for _, svc := range st.Services {
			if svc.Service == only || svc.JobID == only {
				kept = append(kept, svc)
			}
		}
		st.Services = kept
	}
	if opts.Output == outputJSON {
		return writeJSON(opts.IO.Out, st)
	}
	renderSyncStatus(opts.IO.Out, &st)
	if only != "" {
		recs, err := serviceEventsFromServer(ctx, server, only)
		if err != nil {
			return err
		}
		renderServiceEvents(opts.IO.Out, only, recs)
	}
	return nil
}

func renderSyncStatus(w io.Writer, st *syncloop.SyncStatus) {
	fmt.Fprintf(w, "source:    %s (namespace %s, drift %s)\n", st.Source, st.Namespace, st.DriftMode)
	if st.Leader.Enabled {
		role := "standby"
		if st.Leader.IsLeader {
			role = "leader"
		}
		fmt.Fprintf(w, "replica:   %s (%s; lock held by %s)\n", st.Leader.Identity, role, dash(st.Leader.Holder))
	}
	if d := st.Deployed; d != nil {
		fmt.Fprintf(w, "deployed:  %s %s (%s)\n", shortSHA(d.SHA), d.Message, d.Author)
	} else {
		fmt.Fprintln(w, "deployed:  nothing yet")
	}
	if a := st.LastAttempt; a != nil {
		rev := ""
		if a.Revision != nil {
			rev = shortSHA(a.Revision.SHA) + " "
		}
		fmt.Fprintf(w, "last pass: %s%s (%s, %s)\n", rev, a.Result, a.Trigger, a.StartedAt.Local().Format(time.DateTime))
		if a.Error != "" {
			fmt.Fprintf(w, "  error: %s\n", a.Error)
		}
		for _, d := range a.Diagnostics {
			fmt.Fprintf(w, "  %s\n", d)
		}
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tSTATE\tREVISION\tREASON")
	for _, svc := range st.Services {
		state := string(svc.State)
		if svc.Drifted {
			state += " (drifted)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", svc.Service, state, dash(svc.TaskDefinition), svc.Reason)
	}
	_ = tw.Flush()
}

func shortSHA(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return dash(sha)
}
