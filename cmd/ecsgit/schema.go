package main

import (
	"github.com/spf13/cobra"

	"github.com/ecsgit/ecsgit/internal/schemas"
)

func newCmdSchema(f *factory) *cobra.Command {
	s := f.IOStreams
	return &cobra.Command{
		Use:   "schema taskdef|service|config|schedule",
		Short: "Print the JSON Schema of a file ecsgit reads",
		Long: `Schema prints a JSON Schema (draft 2020-12) to stdout: "taskdef" for ECS task
definitions, "service" for ECS service definitions, "config" for ecsgit.yaml,
"schedule" for EventBridge Scheduler schedules and CloudWatch Events rules. Point
your editor at it for completion and inline errors; ecsgit validate checks more
(ranges, references between fields and files) than a schema can.`,
		Example:   `  ecsgit schema taskdef > .vscode/ecs-taskdef.schema.json`,
		Args:      cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		ValidArgs: schemas.Names,
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := schemas.Get(args[0])
			if err != nil {
				return usageError{err}
			}
			_, err = s.Out.Write(b)
			return err
		},
	}
}
