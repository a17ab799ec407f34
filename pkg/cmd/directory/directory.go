// Package directory is the `handoff directory` command group.
package directory

import (
	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/cmd/directory/add"
	"github.com/handoff-dev/handoff/pkg/cmd/directory/list"
	"github.com/handoff-dev/handoff/pkg/cmd/directory/remove"
	dirsync "github.com/handoff-dev/handoff/pkg/cmd/directory/sync"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

// NewCmdDirectory returns the directory command group.
func NewCmdDirectory(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "directory <command>",
		Short:   "The teams, users and bots an account can hand conversations to",
		GroupID: "setup",
		Long: `The directory is what an account's conversations can be handed to. Wati lists
chatbots, but documents no list of teams or users, so:

  bots    come from Wati's chatbot list;
  teams   are found on contacts (their "teams") and declared in .directory.yaml;
  users   are declared in .directory.yaml (email and display name).

.directory.yaml lives in the actions folder so it can be committed with the
actions. What is read from Wati is cached per account, with its age.`,
		Example: `  handoff directory sync
  handoff directory list --type team
  handoff directory add user maria@acme.com --name "Maria Lopez"`,
	}
	cmd.AddCommand(
		list.NewCmdList(f, nil),
		dirsync.NewCmdSync(f, nil),
		add.NewCmdAdd(f, nil),
		remove.NewCmdRemove(f, nil),
	)
	return cmd
}
