package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ecsgit/ecsgit/internal/iostreams"
	"github.com/ecsgit/ecsgit/internal/reconcile"
)

// exitError carries an exit code out of a command without printing anything more: the
// command has already reported the problem in its own output format.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// usageError marks a problem with flags or arguments (exit 1, usage hint printed).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// factory is what every command gets from outside (gh's cmdutil.Factory): the streams.
// A command copies what it needs into its options struct, so its run function depends
// on nothing else and a test can build the options directly.
type factory struct {
	IOStreams *iostreams.IOStreams
}

// newRootCommand wires every command. The list is explicit so that the command set and
// the order of construction are visible in one place.
func newRootCommand(f *factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "ecsgit",
		Short: "GitOps for ECS task and service definitions on HashiCorp Nomad",
		Long: `ecsgit validates Amazon ECS task definitions, service definitions and
docker-compose files held in a Git repository, shows a plan of what would change,
and reconciles the services onto a HashiCorp Nomad cluster with ECS rolling-update
semantics.

Exit codes are listed in 'ecsgit help exit-codes'.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	ios := f.IOStreams
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		newCmdValidate(f, nil),
		newCmdPlan(f, nil),
		newCmdApply(f, nil),
		newCmdSync(f, nil),
		newCmdStatus(f, nil),
		newCmdEvents(f, nil),
		newCmdHistory(f, nil),
		newCmdRollback(f, nil),
		newCmdResume(f, nil),
		newCmdRender(f, nil),
		newCmdSecrets(f),
		newCmdRunTask(f, nil),
		newCmdStopTask(f, nil),
		newCmdListTasks(f, nil),
		newCmdConvert(f),
		newCmdSchema(f),
		newCmdCompletion(f),
		newCmdVersion(f),
		newCmdConnectProxy(f),
		newHelpTopicExitCodes(),
	)
	return root
}

// run executes the CLI and maps errors to exit codes in one place (the table is in
// exitcodes.go).
func run(args []string, in io.Reader, out, errOut io.Writer) int {
	return runIO(args, iostreams.New(in, out, errOut))
}

func runIO(args []string, ios *iostreams.IOStreams) int {
	root := newRootCommand(&factory{IOStreams: ios})
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	var ee exitError
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ue) || isCobraUsageError(err) || reconcile.Classify(err) == reconcile.ClassUser:
		fmt.Fprintf(ios.ErrOut, "ecsgit: %v\nRun 'ecsgit --help' for usage.\n", err)
		return exitUsage
	default:
		fmt.Fprintf(ios.ErrOut, "ecsgit: %v\n", err)
		return errorExit(err)
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
