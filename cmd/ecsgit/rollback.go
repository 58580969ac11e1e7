package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecsgit/ecsgit/reconcile"
)

func init() {
	registerCommand(func(s *streams) *cobra.Command {
		opts := &applyOptions{}
		var to int
		cmd := &cobra.Command{
			Use:   "rollback SERVICE [--to-revision N]",
			Short: "Redeploy an earlier revision of a service and pause sync for it",
			Long: `Rollback redeploys an earlier task-definition revision of SERVICE (default: the
newest earlier revision whose apply succeeded; see 'ecsgit history'). It registers the
Nomad job version that revision's apply produced (Nomad keeps a few versions) with
EnforceIndex, follows the rollout with the same rules as apply, and marks the service
paused: Git now differs from the cluster, and sync leaves the service alone until a
commit changes it.

Exit status: 0 rolled back and healthy; 1 otherwise.`,
			Example: `  ecsgit rollback web                  # the newest earlier revision that succeeded
  ecsgit rollback web --to-revision 3  # a given revision (see ecsgit history web)
  ecsgit resume web                    # later: let apply and sync deploy Git again`,
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return rollbackRun(cmd.Context(), s, opts, args[0], to)
			},
		}
		f := cmd.Flags()
		f.IntVar(&to, "to-revision", 0, "task-definition revision to roll back to")
		f.DurationVar(&opts.PlacementTimeout, "placement-timeout", 60*time.Second, "fail the rollout when tasks cannot be placed for this long")
		f.DurationVar(&opts.Timeout, "timeout", 15*time.Minute, "stop waiting for the rollout after this long")
		addRecordsFlags(f, &opts.planOptions)
		return cmd
	})
}

func rollbackRun(ctx context.Context, s *streams, opts *applyOptions, service string, to int) error {
	ctx, cancel := rolloutContext(ctx, opts.Timeout)
	defer cancel()
	b, ns, err := recordsClient(&opts.planOptions)
	if err != nil {
		return err
	}
	pr := newProgressPrinter(s)
	r, err := reconcile.Rollback(ctx, b, ns, service, reconcile.RollbackOptions{ToRevision: to,
		ApplyOptions: reconcile.ApplyOptions{PlacementTimeout: opts.PlacementTimeout, Events: pr.event}})
	if err != nil {
		return err
	}
	fmt.Fprintln(s.Out, r)
	if r.Status != reconcile.StatusApplied {
		return exitError{exitFailure}
	}
	return nil
}
