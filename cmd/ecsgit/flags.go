package main

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/hashicorp/nomad/api"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
)

// Flag groups shared by several commands, each written once so that a flag has the same
// name, meaning and help everywhere it appears.

// clusterFlags select the Nomad cluster and namespace.
type clusterFlags struct {
	Address, Namespace string
}

// add registers --address and --namespace/-n. nsFallback says where the namespace comes
// from without the flag and $NOMAD_NAMESPACE ("ecsgit.yaml's" with a repository,
// "default" for the commands that work from ecsgit's records alone).
func (c *clusterFlags) add(f *pflag.FlagSet, nsFallback string) {
	f.StringVar(&c.Address, "address", "", "Nomad HTTP address (default $NOMAD_ADDR)")
	f.StringVarP(&c.Namespace, "namespace", "n", "", "Nomad namespace (default $NOMAD_NAMESPACE, else "+nsFallback+")")
}

// client connects to Nomad. The namespace is resolved here because NewClient
// deliberately drops the client-wide one (it would override every per-job namespace);
// empty means the repository's ecsgit.yaml decides.
func (c *clusterFlags) client() (*nomadbackend.Client, string, error) {
	cfg := api.DefaultConfig()
	if c.Address != "" {
		cfg.Address = c.Address
	}
	ns := c.Namespace
	if ns == "" {
		ns = os.Getenv("NOMAD_NAMESPACE")
	}
	b, err := nomadbackend.NewClient(cfg)
	return b, ns, err
}

// recordsClient connects for the commands without a repository (status, history,
// rollback, resume): no ecsgit.yaml names the namespace, so it is the flag,
// $NOMAD_NAMESPACE, else "default".
func (c *clusterFlags) recordsClient() (*nomadbackend.Client, string, error) {
	b, ns, err := c.client()
	if ns == "" {
		ns = "default"
	}
	return b, ns, err
}

// pruneFlags: whether plan and apply include the deletion of owned jobs.
type pruneFlags struct {
	Prune, AllowEmptyPrune bool
}

func (p *pruneFlags) add(f *pflag.FlagSet) {
	f.BoolVar(&p.Prune, "prune", false, "delete owned jobs whose service left the repository (plan shows the deletions; also: prune: true in ecsgit.yaml)")
	f.BoolVar(&p.AllowEmptyPrune, "allow-empty-prune", false, "with prune, allow deleting every owned job when the repository has no services")
}

// The --output vocabulary of every command: human (the default, for people and CI logs),
// json (for programs), markdown (plan only, for pull-request comments).
const (
	outputHuman    = "human"
	outputJSON     = "json"
	outputMarkdown = "markdown"
)

// outputAliases are earlier spellings, still accepted so that no script breaks:
// validate, status and history called the human format "text".
var outputAliases = map[string]string{"text": outputHuman}

// outputValue is the --output flag: it accepts only formats (or their aliases) and
// stores the canonical name, so a bad value is a flag error like any other.
type outputValue struct {
	v       *string
	formats []string
}

func (o *outputValue) String() string { return *o.v }
func (o *outputValue) Type() string   { return "format" }

func (o *outputValue) Set(s string) error {
	if canon, ok := outputAliases[s]; ok && slices.Contains(o.formats, canon) {
		s = canon
	}
	if !slices.Contains(o.formats, s) {
		return fmt.Errorf("want %s", orList(o.formats))
	}
	*o.v = s
	return nil
}

// addOutputFlag registers --output/-o with the formats a command has (the first is the
// default): validation, help text and shell completion all come from this one list.
func addOutputFlag(cmd *cobra.Command, p *string, formats []string) {
	*p = formats[0]
	cmd.Flags().VarP(&outputValue{v: p, formats: formats}, "output", "o", "output format: "+orList(formats))
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(formats, cobra.ShellCompDirectiveNoFileComp))
}

// orList is "a", "a or b", "a, b or c".
func orList(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// strictHelp is --strict's one meaning, wherever it appears.
const strictHelp = "fail (exit 1) on anything reported as a warning: validation warnings, and fields not translated exactly (where the command translates)"
