package main

import (
	"github.com/spf13/pflag"

	"github.com/ecsgit/ecsgit/nomadbackend"
)

// addRecordsFlags adds the Nomad connection flags of the commands that work from ecsgit's
// records alone, without a repository (status, history, rollback, resume).
func addRecordsFlags(f *pflag.FlagSet, opts *planOptions) {
	f.StringVar(&opts.Address, "address", "", "Nomad HTTP address (default $NOMAD_ADDR)")
	f.StringVarP(&opts.Namespace, "namespace", "n", "", "Nomad namespace (default $NOMAD_NAMESPACE, else default)")
}

// recordsClient connects for those commands. With no repository there is no
// ecsgit.yaml to name the namespace, so it is the flag, $NOMAD_NAMESPACE, else "default".
func recordsClient(opts *planOptions) (*nomadbackend.Client, string, error) {
	b, ns, err := planClient(opts)
	if ns == "" {
		ns = "default"
	}
	return b, ns, err
}
