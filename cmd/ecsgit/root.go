package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes, documented in `ecsgit help exit-codes` and the README. They are a public
// interface: CI pipelines branch on them.
const (
	exitOK      = 0
	exitFailure = 1 // invalid input, failed apply, Nomad error
	exitUsage   = 2 // bad flags or arguments; with --detailed-exitcode on plan: changes present
)

// exitError carries an exit code out of a command without printing anything more: the
// command has already reported the problem in its own output format.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// usageError marks a problem with flags or arguments (exit 2, usage hint printed).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// streams are the process's standard streams, injected so that command tests can run
// in-process and capture output.
type streams struct {
	In       io.Reader
	Out, Err io.Writer
}

// commandFactories is filled by each command's file in init(): one file per command keeps
// commands independent of each other and of this file.
var commandFactories []func(*streams) *cobra.Command

func registerCommand(f func(*streams) *cobra.Command) { commandFactories = append(commandFactories, f) }

func newRootCommand(s *streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "ecsgit",
		Short: "GitOps for ECS task and service definitions on HashiCorp Nomad",
		Long: `ecsgit validates Amazon ECS task definitions, service definitions and
docker-compose files held in a Git repository, shows a plan of what would change,
and reconciles the services onto a HashiCorp Nomad cluster with ECS rolling-update
semantics.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	for _, f := range commandFactories {
		root.AddCommand(f(s))
	}
	return root
}

// run executes the CLI and maps errors to exit codes in one place.
func run(args []string, in io.Reader, out, errOut io.Writer) int {
	s := &streams{In: in, Out: out, Err: errOut}
	root := newRootCommand(s)
	root.SetArgs(args)
	err := root.Execute()
	var ee exitError
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ue) || isCobraUsageError(err):
		fmt.Fprintf(errOut, "ecsgit: %v\nRun 'ecsgit --help' for usage.\n", err)
		return exitUsage
	default:
		fmt.Fprintf(errOut, "ecsgit: %v\n", err)
		return exitFailure
	}
}

// isCobraUsageError recognises cobra's own argument errors, which are plain errors.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "requires at most", "invalid argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
