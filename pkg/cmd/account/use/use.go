// Package use is `handoff account use`.
package use

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/cmd/account/shared"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

// Options are the parsed arguments of account use.
type Options struct {
	IO       *cmdutil.IOStreams
	Accounts func() (*account.Store, error)
	Name     string
}

// NewCmdUse returns the account use command.
func NewCmdUse(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Accounts: f.Accounts}
	cmd := &cobra.Command{
		Use:   "use NAME",
		Short: "Make an account the default",
		Long: `Make an account the default (default_account in config.yaml). The default is
used where no account is named: directory commands, account show/test without
NAME, and the configure wizard's first suggestion. An action file always names
its own account; --account (env HANDOFF_ACCOUNT) overrides both.`,
		Example:           `  handoff account use acme-prod`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: shared.CompleteAccountNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if runF != nil {
				return runF(opts)
			}
			store, err := opts.Accounts()
			if err != nil {
				return err
			}
			if err := store.Use(opts.Name); err != nil {
				return err
			}
			fmt.Fprintf(opts.IO.Out, "Default account: %s\n", opts.Name)
			return nil
		},
	}
	return cmd
}
