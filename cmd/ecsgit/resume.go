package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ecsgit/ecsgit/reconcile"
)

func init() {
	registerCommand(func(s *streams) *cobra.Command {
		opts := &planOptions{}
		cmd := &cobra.Command{
			Use:   "resume SERVICE",
			Short: "Let apply and sync deploy Git's state again after a manual rollback",
			Long: `Resume lifts the pause that 'ecsgit rollback' puts on a service. While paused, plan
and apply skip the service and sync leaves it alone until a commit changes it; after
resume the next apply (or sync pass) deploys what Git says again.

Example:
  ecsgit rollback web --to-revision 3   # web runs revision 3, sync paused for web
  ecsgit resume web                     # the next apply deploys Git's revision`,
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return resumeRun(cmd.Context(), s, opts, args[0])
			},
		}
		f := cmd.Flags()
		addRecordsFlags(f, opts)
		return cmd
	})
}

func resumeRun(ctx context.Context, s *streams, opts *planOptions, service string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	b, ns, err := recordsClient(opts)
	if err != nil {
		return err
	}
	msg, err := reconcile.Resume(ctx, b, ns, service)
	if err != nil {
		return err
	}
	fmt.Fprintln(s.Out, msg)
	return nil
}
