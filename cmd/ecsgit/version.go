package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func newCmdVersion(f *factory) *cobra.Command {
	s := f.IOStreams
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the ecsgit version",
		Example: "  ecsgit version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			commit := "unknown"
			if bi, ok := debug.ReadBuildInfo(); ok {
				for _, kv := range bi.Settings {
					if kv.Key == "vcs.revision" {
						commit = kv.Value
					}
				}
			}
			fmt.Fprintf(s.Out, "ecsgit %s (commit %s)\n", version, commit)
			return nil
		},
	}
}
