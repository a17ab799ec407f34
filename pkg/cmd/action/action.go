// Package action is the `handoff action` command group.
package action

import (
	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/cmd/action/delete"
	"github.com/handoff-dev/handoff/pkg/cmd/action/list"
	"github.com/handoff-dev/handoff/pkg/cmd/action/show"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

// NewCmdAction returns `handoff action` with list, show and delete.
func NewCmdAction(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "action <command>",
		Short: "List, show and delete handoff actions",
		Long: `Work with the action files of the actions folder (--dir, env HANDOFF_DIR,
default ./actions). Create and edit actions with "handoff configure"; check them
with "handoff validate".`,
		Example: `  handoff action list
  handoff action show escalate-billing --json
  handoff action delete escalate-billing --yes`,
		GroupID: "core",
		// Runnable, so that an unknown subcommand is a usage error (exit 2)
		// rather than help with exit 0.
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(list.NewCmdList(f, nil), show.NewCmdShow(f, nil), delete.NewCmdDelete(f, nil))
	return cmd
}
