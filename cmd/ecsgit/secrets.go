package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecsgit/ecsgit/internal/iostreams"
	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// maxSecretBytes bounds a value read from stdin (Nomad's own limit on a variable is
// 64 KiB for all its keys).
const maxSecretBytes = 64 << 10

func newCmdSecrets(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secrets",
		Short: "Manage the secrets of task definitions in Nomad Variables (values never in Git or output)",
		Long: `The secrets of task definitions (secrets[].valueFrom, logConfiguration.secretOptions,
repositoryCredentials) live in Nomad Variables; ecsgit.yaml 'secrets' maps each
reference to a variable path and key (docs/secrets.md). These commands set them, list
them (paths and keys, never values) and write the ACL policy each job needs to read
them on a cluster with ACLs.`,
	}
	cmd.AddCommand(newCmdSecretsPut(f, nil), newCmdSecretsList(f, nil), newCmdSecretsPolicy(f, nil))
	return cmd
}

type secretsPutOptions struct {
	IO        *iostreams.IOStreams
	Cluster   clusterFlags
	Path, Key string
}

func newCmdSecretsPut(f *factory, runF func(*secretsPutOptions) error) *cobra.Command {
	opts := &secretsPutOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "put PATH KEY",
		Short: "Set one key of a Nomad variable from standard input",
		Long: `Put reads the value from standard input (one trailing newline is removed, so
'echo' and files work), sets KEY of the variable at PATH in the namespace (creating
the variable, keeping its other keys, with check-and-set) and prints neither the value
nor its length. Running tasks keep the value they started with; see docs/secrets.md,
"Rotation".`,
		Example: `  ecsgit secrets put secrets/prod/db/password value < password.txt
  printf '%s' "$TOKEN" | ecsgit secrets put secrets/prod/api key -n prod`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path, opts.Key = args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			return secretsPutRun(cmd.Context(), opts)
		},
	}
	opts.Cluster.add(cmd.Flags(), "default")
	return cmd
}

func secretsPutRun(ctx context.Context, opts *secretsPutOptions) error {
	b, err := io.ReadAll(io.LimitReader(opts.IO.In, maxSecretBytes+1))
	if err != nil {
		return fmt.Errorf("read the value from standard input: %w", err)
	}
	if len(b) > maxSecretBytes {
		return usageError{fmt.Errorf("the value on standard input is larger than %d KiB (Nomad's limit for a variable)", maxSecretBytes>>10)}
	}
	value := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if value == "" {
		return usageError{errors.New("no value on standard input (pipe or redirect it: ecsgit secrets put PATH KEY < file)")}
	}
	if _, err := (spec.Config{Secrets: &spec.SecretsSettings{Map: map[string]spec.SecretRef{"x": {Path: opts.Path}}}}).ResolveSecret("x"); err != nil {
		return usageError{fmt.Errorf("PATH %q: Nomad does not allow this variable path (letters, digits, - _ ~ /, at most 128 characters)", opts.Path)}
	}
	c, ns, err := opts.Cluster.recordsClient()
	if err != nil {
		return err
	}
	if err := c.PutSecret(ctx, ns, opts.Path, opts.Key, value); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Set key %s of %s (namespace %s).\n", opts.Key, opts.Path, ns)
	return nil
}

type secretsListOptions struct {
	IO      *iostreams.IOStreams
	Cluster clusterFlags
	Prefix  string
	Output  string
}

func newCmdSecretsList(f *factory, runF func(*secretsListOptions) error) *cobra.Command {
	opts := &secretsListOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "list [PREFIX]",
		Short: "List the secret variables: paths and keys, never values",
		Long: `List prints every Nomad variable under PREFIX (default "` + spec.DefaultSecretsPathPrefix + `") in the namespace,
with its keys and when it last changed. Values are never printed.

--output json prints an array of {path, keys, modifyTime}.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Prefix = spec.DefaultSecretsPathPrefix
			if len(args) == 1 {
				opts.Prefix = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return secretsListRun(cmd.Context(), opts)
		},
	}
	addOutputFlag(cmd, &opts.Output, []string{outputHuman, outputJSON})
	opts.Cluster.add(cmd.Flags(), "default")
	return cmd
}

func secretsListRun(ctx context.Context, opts *secretsListOptions) error {
	c, ns, err := opts.Cluster.recordsClient()
	if err != nil {
		return err
	}
	list, err := c.ListSecrets(ctx, ns, opts.Prefix)
	if err != nil {
		return err
	}
	if opts.Output == outputJSON {
		return writeJSON(opts.IO.Out, list)
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PATH\tKEYS\tMODIFIED")
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Path, strings.Join(s.Keys, ","), s.ModifyTime.Format(time.RFC3339))
	}
	return tw.Flush()
}

type secretsPolicyOptions struct {
	IO      *iostreams.IOStreams
	Cluster clusterFlags
	Dir     string
	Source  string
	Apply   bool
}

func newCmdSecretsPolicy(f *factory, runF func(*secretsPolicyOptions) error) *cobra.Command {
	opts := &secretsPolicyOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "policy [DIR]",
		Short: "Print (or --apply) the ACL policy each job needs to read its secrets",
		Long: `Policy loads the repository in DIR (default: the current directory) and prints, for
every service whose task definition references secrets, the Nomad ACL policy its tasks
need: read on exactly the variable paths it references, in its namespace, attached to
the job's workload identity (what an ECS execution role grants). On a cluster without
ACLs no policy is needed.

--apply creates or updates the policies (a management token: acl:write). Run it after
adding a reference; a task started without its policy fails to render its template
(Permission denied) and the deployment fails.`,
		Example: `  ecsgit secrets policy
  NOMAD_TOKEN=$MGMT ecsgit secrets policy --apply ./deploy`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = "."
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return secretsPolicyRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Apply, "apply", false, "create or update the policies on the cluster (needs acl:write)")
	cmd.Flags().StringVar(&opts.Source, "source", "", "stable repository identity (default: ecsgit.yaml's source)")
	opts.Cluster.add(cmd.Flags(), "ecsgit.yaml's")
	return cmd
}

// jobPolicy is the secrets policy of one job.
type jobPolicy struct {
	JobID, Namespace string
	Paths            []string
}

// secretsPolicies translates every service of d and collects the paths its tasks read.
func secretsPolicies(d *spec.Desired, source string) ([]jobPolicy, error) {
	var out []jobPolicy
	for _, svc := range d.Services {
		tr, err := nomadjob.Translate(d, svc, nomadjob.TranslateOptions{Source: source})
		if err != nil {
			return nil, err
		}
		if len(tr.Secrets) == 0 {
			continue
		}
		out = append(out, jobPolicy{JobID: *tr.Job.ID, Namespace: *tr.Job.Namespace, Paths: nomadjob.SecretPaths(tr.Secrets)})
	}
	return out, nil
}

func secretsPolicyRun(ctx context.Context, opts *secretsPolicyOptions) error {
	s := opts.IO
	d, err := spec.Load(opts.Dir, loadOptions())
	if err != nil {
		return usageError{err}
	}
	if d.Diagnostics.HasErrors(false) {
		printProblems(s, d.Diagnostics)
		return exitError{exitFailure}
	}
	if opts.Cluster.Namespace != "" {
		d.Config.Namespace = opts.Cluster.Namespace
	}
	src, _ := spec.ResolveSource(opts.Source, d.Config)
	policies, err := secretsPolicies(d, src)
	if err != nil {
		return err
	}
	if len(policies) == 0 {
		fmt.Fprintln(s.ErrOut, "No service references a secret: no policy is needed.")
		return nil
	}
	if !opts.Apply {
		for _, p := range policies {
			fmt.Fprintf(s.Out, "# policy %s: job %s, namespace %s\n%s\n", nomadbackend.SecretsPolicyName(p.Namespace, p.JobID), p.JobID, p.Namespace, nomadbackend.SecretsPolicyRules(p.Namespace, p.Paths))
		}
		return nil
	}
	c, _, err := opts.Cluster.client()
	if err != nil {
		return err
	}
	for _, p := range policies {
		name, err := c.ApplySecretsPolicy(ctx, p.Namespace, p.JobID, p.Paths)
		if err != nil {
			return err
		}
		fmt.Fprintf(s.ErrOut, "Policy %s: job %s reads %s.\n", name, p.JobID, strings.Join(p.Paths, ", "))
	}
	return nil
}
