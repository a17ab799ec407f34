// Package remove is `handoff account remove`.
package remove

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/cmd/account/shared"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/directory"
)

// Options are the parsed flags of account remove.
type Options struct {
	IO        *cmdutil.IOStreams
	Accounts  func() (*account.Store, error)
	Directory func() (*directory.Service, error)
	Name      string
	Yes       bool
	Confirm   func(question string) (bool, error)
}

// NewCmdRemove returns the account remove command.
func NewCmdRemove(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Accounts: f.Accounts, Directory: f.Directory}
	opts.Confirm = func(q string) (bool, error) { return shared.Confirm(f.IO, q) }
	cmd := &cobra.Command{
		Use:     "remove NAME [--yes]",
		Aliases: []string{"rm"},
		Short:   "Disconnect an account and delete its stored token",
		Long: `Remove an account from config.yaml, its token from credentials.yaml and its
directory cache. Action files that name the account are left alone (validate
will then report them). On a terminal it asks first; elsewhere --yes is
required. A token in the environment (HANDOFF_TOKEN_<ACCOUNT>) is not touched.`,
		Example: `  handoff account remove old-workspace
  handoff account remove old-workspace --yes`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: shared.CompleteAccountNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runRemove(opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "remove without asking")
	return cmd
}

func runRemove(opts *Options) error {
	store, err := opts.Accounts()
	if err != nil {
		return err
	}
	names, err := store.Names()
	if err != nil {
		return err
	}
	found := false
	for _, n := range names {
		found = found || n == opts.Name
	}
	if !found {
		_, err := store.Get(opts.Name) // the unknown-account error, with its hint
		return err
	}
	if !opts.Yes {
		if !opts.IO.CanPrompt() {
			return cmdutil.WithHint(cmdutil.UsageError("removing account %q needs confirmation", opts.Name),
				"Run again with --yes to remove it without a terminal.")
		}
		ok, err := opts.Confirm(fmt.Sprintf("Remove account %q and its stored token?", opts.Name))
		if err != nil {
			return err
		}
		if !ok {
			return cmdutil.ErrCancelled
		}
	}
	def, _ := store.Default()
	if err := store.Remove(opts.Name); err != nil {
		return err
	}
	if opts.Directory != nil {
		if dir, err := opts.Directory(); err == nil {
			_ = dir.Forget(opts.Name)
		}
	}
	fmt.Fprintf(opts.IO.Out, "Removed account %s and its stored token.\n", opts.Name)
	if def == opts.Name {
		fmt.Fprintln(opts.IO.Out, "There is no default account now: choose one with handoff account use NAME.")
	}
	if v := account.TokenEnvVar(opts.Name); strings.TrimSpace(opts.IO.Getenv(v)) != "" {
		fmt.Fprintf(opts.IO.ErrOut, "Note: %s is still set in the environment.\n", v)
	}
	return nil
}
