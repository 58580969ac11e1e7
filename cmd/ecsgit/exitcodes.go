package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ecsgit/ecsgit/internal/reconcile"
)

// Exit codes. They are a public interface (CI pipelines branch on them): exitCodes below
// is their only description, shown by `ecsgit help exit-codes` and copied in the README.
const (
	exitOK      = 0
	exitFailure = 1 // an error: invalid input, a failed or refused apply, an unclassified error
	// exitUsage is a bad flag or argument. It is 1, as in Terraform, so that it never
	// looks like plan --detailed-exitcode's "changes present".
	exitUsage = 1
	// exitChanges: plan --detailed-exitcode, planning succeeded and apply would change
	// something. No other command or case uses 2.
	exitChanges = 2
	// exitDegraded: apply finished without another failure, but a service runs its
	// previous revision because Git's spec failed (rolled back now, or remembered from
	// an earlier rollback and not retried): Git and the cluster differ.
	exitDegraded = 3
	// exitTransient: the command failed for a reason that passes (reconcile.ClassRetry):
	// Nomad or Git unreachable or answering with a server error, a timeout, a conflict
	// with a concurrent writer. Nothing in the repository is wrong; the same command,
	// run again later, may succeed. A pipeline may retry on 4 and only on 4.
	exitTransient = 4
)

// exitCode is one row of the table.
type exitCode struct {
	Code     int
	Commands string
	Meaning  string
}

var exitCodes = []exitCode{
	{exitOK, "all", "Success. plan --detailed-exitcode: no changes."},
	{exitFailure, "all", "Error: an invalid repository, a Nomad or Git error that is not transient (a 403, an unknown host), a failed, unplaceable, refused or cancelled apply or rollback, --strict findings, and usage errors (unknown flag or command, a bad --output value, wrong arguments). A usage error also prints \"Run 'ecsgit --help' for usage.\""},
	{exitChanges, "plan", "Only with --detailed-exitcode: planning succeeded and apply would create, update or delete a service."},
	{exitDegraded, "apply", "No service failed otherwise, but at least one is degraded: its rollout failed and was rolled back (now, or in an earlier apply whose failed spec is not retried until Git changes it). The cluster runs the previous revision; Git and the cluster differ."},
	{exitTransient, "all", "Transient: nothing is wrong with the repository, but Nomad or Git could not be reached or answered with a server error (5xx, 429), a rollout outlived --timeout (it goes on in Nomad), or a concurrent writer changed a job since the plan (nothing of that service was written). Running the same command again, after a pause, may succeed; a pipeline may retry on 4."},
	{exitTaskNotStarted, "run-task", "No task started, or one stopped without an exit code: it could not be placed (the placement reason is printed), its image could not be pulled or its container not started (stopCode TaskFailedToStart). 125 is docker run's code for the same case."},
}

// exitCodesNote is the one command whose code is not from the table.
const exitCodesNote = "run-task --wait exits with the exit code of the essential container (of the first task\nthat did not exit 0): any code 0-255, so a script sees what the task itself returned."

// exitCodesHelp renders the table for the help topic.
func exitCodesHelp() string {
	var b strings.Builder
	b.WriteString("ecsgit exits with one of these codes; scripts and CI pipelines may branch on them.\n\n")
	for _, c := range exitCodes {
		fmt.Fprintf(&b, "  %-3d  %-9s%s\n", c.Code, c.Commands, wrap(c.Meaning, 63, strings.Repeat(" ", 16)))
	}
	b.WriteString("\n" + exitCodesNote + "\n")
	b.WriteString("\nPrecedence when services end differently: a failure (1) over a transient failure (4)\nover a degraded service (3): an apply in which one service failed and another is\ndegraded exits 1.")
	return b.String()
}

// newHelpTopicExitCodes is `ecsgit help exit-codes`: a command without Run is a help
// topic for cobra, listed under "Additional help topics".
func newHelpTopicExitCodes() *cobra.Command {
	return &cobra.Command{
		Use:   "exit-codes",
		Short: "Exit codes of ecsgit's commands",
		Long:  exitCodesHelp(),
	}
}

// wrap breaks text into lines of at most width characters, indenting every line but
// the first.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	n := 0
	for i, w := range strings.Fields(text) {
		if i > 0 && n+1+len(w) > width {
			b.WriteString("\n" + indent)
			n = 0
		} else if i > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}

// errorExit is the exit code of a command's error that no command has mapped itself: it
// comes from the error's class (reconcile.Classify), the one the daemon's backoff uses.
// A transient error gives 4; anything else, unrecognised errors included, gives 1.
func errorExit(err error) int {
	if err != nil && reconcile.Classify(err) == reconcile.ClassRetry {
		return exitTransient
	}
	return exitFailure
}
