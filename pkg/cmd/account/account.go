// Package account is the `handoff account` command group.
package account

import (
	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/cmd/account/add"
	"github.com/handoff-dev/handoff/pkg/cmd/account/list"
	"github.com/handoff-dev/handoff/pkg/cmd/account/remove"
	"github.com/handoff-dev/handoff/pkg/cmd/account/set"
	"github.com/handoff-dev/handoff/pkg/cmd/account/show"
	testcmd "github.com/handoff-dev/handoff/pkg/cmd/account/test"
	"github.com/handoff-dev/handoff/pkg/cmd/account/use"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

// NewCmdAccount returns the account command group.
func NewCmdAccount(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "account <command>",
		Short:   "Connect Wati accounts and manage their tokens",
		GroupID: "setup",
		Long: `Connect Wati accounts (workspaces) under short names that action files use.

Settings live in config.yaml and tokens in credentials.yaml (mode 0600), both
in the configuration folder (--config-dir, env HANDOFF_CONFIG_DIR, default
$XDG_CONFIG_HOME/handoff). A token is looked up in HANDOFF_TOKEN_<ACCOUNT>
(the name upper-cased, other characters as _), then HANDOFF_TOKEN, then
credentials.yaml. No token is ever printed.`,
		Example: `  echo "$TOKEN" | handoff account add acme-prod --endpoint https://live-mt-server.wati.io --with-token
  handoff account test acme-prod
  handoff account set acme-prod --channel Support
  handoff account list`,
	}
	cmd.AddCommand(
		add.NewCmdAdd(f, nil),
		set.NewCmdSet(f, nil),
		list.NewCmdList(f, nil),
		show.NewCmdShow(f, nil),
		testcmd.NewCmdTest(f, nil),
		use.NewCmdUse(f, nil),
		remove.NewCmdRemove(f, nil),
	)
	return cmd
}
