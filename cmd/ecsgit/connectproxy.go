package main

import (
	"log"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/ecsgit/ecsgit/internal/connectproxy"
)

// newCmdConnectProxy is the Service Connect sidecar's entry point (the image
// ecsgit/connect-proxy, scripts/connect-proxy-image.sh): hidden, since a user never
// runs it by hand; ecsgit adds it to the tasks of Service Connect services.
func newCmdConnectProxy(f *factory) *cobra.Command {
	var config string
	cmd := &cobra.Command{
		Use:    "connect-proxy --config FILE",
		Short:  "Run the Service Connect sidecar proxy (used inside tasks)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			return connectproxy.Run(ctx, config, connectproxy.Options{Log: log.New(f.IOStreams.ErrOut, "connect-proxy: ", log.LstdFlags)})
		},
	}
	cmd.Flags().StringVar(&config, "config", "local/connect-proxy.json", "the proxy's config file (rendered by a Nomad template)")
	return cmd
}
