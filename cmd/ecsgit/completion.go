package main

import (
	"github.com/spf13/cobra"
)

func newCmdCompletion(f *factory) *cobra.Command {
	s := f.IOStreams
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "Print a shell completion script",
		Long: `Completion prints a script that makes your shell complete ecsgit's commands,
flags and arguments.`,
		Example: `  # bash, for the current shell
  source <(ecsgit completion bash)

  # zsh, permanently
  ecsgit completion zsh > "${fpath[1]}/_ecsgit"

  # fish
  ecsgit completion fish > ~/.config/fish/completions/ecsgit.fish`,
		Args:      cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		ValidArgs: []string{"bash", "zsh", "fish"},
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(s.Out, true)
			case "zsh":
				return root.GenZshCompletion(s.Out)
			default:
				return root.GenFishCompletion(s.Out, true)
			}
		},
	}
}
