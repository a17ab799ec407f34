// Package add is `handoff directory add`.
package add

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/directory"
)

// Options are the parsed arguments of directory add.
type Options struct {
	IO        *cmdutil.IOStreams
	Directory func() (*directory.Service, error)
	Kind      directory.Kind
	Value     string // team name or user email
	Name      string // user display name
}

// NewCmdAdd returns the directory add command.
func NewCmdAdd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Directory: f.Directory}
	cmd := &cobra.Command{
		Use:   "add team NAME | user EMAIL [--name \"Display Name\"]",
		Short: "Declare a team or user that Wati cannot list",
		Long: `Declare a team or a user in .directory.yaml in the actions folder (--dir), so that
the configure wizard and validate know it. Wati's API lists neither teams nor
users: teams are otherwise only found on contacts, users not at all.

Commit .directory.yaml beside the actions so that a team's admins share one
list (it starts with a dot so that it is never read as an action). Comments
and order in the file are kept. Declaring what is there already changes
nothing (a user's display name is updated).`,
		Example: `  handoff directory add team Billing
  handoff directory add user maria@acme.com --name "Maria Lopez"`,
		Args:      cobra.ExactArgs(2),
		ValidArgs: []string{"team", "user"},
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := directory.ParseKind(args[0])
			if err != nil || k == directory.KindBot {
				return cmdutil.WithHint(cmdutil.UsageError("cannot declare %q: only team or user", args[0]),
					"Run: handoff directory add team NAME, or handoff directory add user EMAIL --name \"Name\". Bots come from Wati: handoff directory sync.")
			}
			if k == directory.KindTeam && cmd.Flags().Changed("name") {
				return cmdutil.UsageError("--name is for users; a team's name is the argument")
			}
			opts.Kind, opts.Value = k, args[1]
			if runF != nil {
				return runF(opts)
			}
			return runAdd(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Name, "name", "", "the user's display name")
	return cmd
}

func runAdd(opts *Options) error {
	dir, err := opts.Directory()
	if err != nil {
		return err
	}
	e := directory.Entry{Kind: opts.Kind}
	if opts.Kind == directory.KindUser {
		e.Email, e.Name = opts.Value, opts.Name
	} else {
		e.Name = opts.Value
	}
	if err := dir.Declare(e); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Out, "Declared %s %s in %s.\n", e.Kind, e.Label(), dir.DeclaredPath())
	return nil
}
