package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ecsgit/ecsgit/internal/iostreams"
	"github.com/ecsgit/ecsgit/internal/reconcile"
)

type resumeOptions struct {
	IO *iostreams.IOStreams

	Cluster clusterFlags
	Service string
}

func newCmdResume(f *factory, runF func(*resumeOptions) error) *cobra.Command {
	opts := &resumeOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "resume SERVICE",
		Short: "Let apply and sync deploy Git's state again after a manual rollback",
		Long: `Resume lifts the pause that 'ecsgit rollback' puts on a service. While paused, plan
and apply skip the service and sync leaves it alone until a commit changes it; after
resume the next apply (or sync pass) deploys what Git says again.`,
		Example: `  ecsgit rollback web --to-revision 3   # web runs revision 3, sync paused for web
  ecsgit resume web                     # the next apply deploys Git's revision`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Service = args[0]
			if runF != nil {
				return runF(opts)
			}
			return resumeRun(cmd.Context(), opts)
		},
	}
	opts.Cluster.add(cmd.Flags(), "default")
	return cmd
}

func resumeRun(ctx context.Context, opts *resumeOptions) error {
	b, ns, err := opts.Cluster.recordsClient()
	if err != nil {
		return err
	}
	msg, err := reconcile.Resume(ctx, b, ns, opts.Service)
	if err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.Out, msg)
	return nil
}
