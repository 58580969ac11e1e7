package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecsgit/ecsgit/internal/iostreams"
	"github.com/ecsgit/ecsgit/internal/reconcile"
)

type rollbackOptions struct {
	IO *iostreams.IOStreams

	Cluster          clusterFlags
	Service          string
	ToRevision       int
	PlacementTimeout time.Duration
	Timeout          time.Duration
}

func newCmdRollback(f *factory, runF func(*rollbackOptions) error) *cobra.Command {
	opts := &rollbackOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "rollback SERVICE [--to-revision N]",
		Short: "Redeploy an earlier revision of a service and pause sync for it",
		Long: `Rollback redeploys an earlier task-definition revision of SERVICE (default: the
newest earlier revision whose apply succeeded; see 'ecsgit history'). It registers the
Nomad job version that revision's apply produced (Nomad keeps a few versions) with
EnforceIndex, follows the rollout with the same rules as apply (progress on stderr),
and marks the service paused: Git now differs from the cluster, and sync leaves the
service alone until a commit changes it.

Exit status: 0 rolled back and healthy; 4 transient (Nomad unreachable or erroring,
a concurrent writer, --timeout): roll back again; 1 otherwise. See 'ecsgit help exit-codes'.`,
		Example: `  ecsgit rollback web                  # the newest earlier revision that succeeded
  ecsgit rollback web --to-revision 3  # a given revision (see ecsgit history web)
  ecsgit resume web                    # later: let apply and sync deploy Git again`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Service = args[0]
			if runF != nil {
				return runF(opts)
			}
			return rollbackRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&opts.ToRevision, "to-revision", 0, "task-definition revision to roll back to")
	fl.DurationVar(&opts.PlacementTimeout, "placement-timeout", 60*time.Second, "fail the rollout when tasks cannot be placed for this long")
	fl.DurationVar(&opts.Timeout, "timeout", 15*time.Minute, "stop waiting for the rollout after this long")
	opts.Cluster.add(fl, "default")
	return cmd
}

func rollbackRun(ctx context.Context, opts *rollbackOptions) error {
	ctx, cancel := rolloutContext(ctx, opts.Timeout)
	defer cancel()
	b, ns, err := opts.Cluster.recordsClient()
	if err != nil {
		return err
	}
	pr := newProgressPrinter(opts.IO)
	r, err := reconcile.Rollback(ctx, b, ns, opts.Service, reconcile.RollbackOptions{ToRevision: opts.ToRevision,
		ApplyOptions: reconcile.ApplyOptions{PlacementTimeout: opts.PlacementTimeout, Events: pr.event}})
	if err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.Out, r)
	if r.Status != reconcile.StatusApplied {
		if err := r.Err(); err != nil && errorExit(err) == exitTransient {
			return exitError{exitTransient} // a concurrent writer, a timeout, Nomad erroring: roll back again
		}
		return exitError{exitFailure}
	}
	return nil
}
