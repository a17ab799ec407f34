// Package remove is `handoff directory remove`.
package remove

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/cmd/account/shared"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/directory"
)

// Options are the parsed arguments of directory remove.
type Options struct {
	IO        *cmdutil.IOStreams
	Directory func() (*directory.Service, error)
	Kind      directory.Kind
	Key       string // team name or user email
}

// NewCmdRemove returns the directory remove command.
func NewCmdRemove(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Directory: f.Directory}
	cmd := &cobra.Command{
		Use:     "remove team NAME | user EMAIL",
		Aliases: []string{"rm"},
		Short:   "Remove a declared team or user",
		Long: `Remove a team or user from .directory.yaml. Only declared entries can be removed:
a team found on contacts comes back at the next sync for as long as a contact
is in it, and nothing here changes Wati.`,
		Example: `  handoff directory remove team Billing
  handoff directory remove user maria@acme.com`,
		Args: cobra.ExactArgs(2),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return []string{"team", "user"}, cobra.ShellCompDirectiveNoFileComp
			}
			if len(args) > 1 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			shared.EnsureSettings(f, cmd)
			dir, err := f.Directory()
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			es, _ := dir.Declared()
			var out []string
			for _, e := range es {
				if string(e.Kind) == args[0] {
					out = append(out, e.Key())
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := directory.ParseKind(args[0])
			if err != nil || k == directory.KindBot {
				return cmdutil.WithHint(cmdutil.UsageError("cannot remove %q: only declared teams and users", args[0]),
					"Run: handoff directory remove team NAME, or handoff directory remove user EMAIL.")
			}
			opts.Kind, opts.Key = k, args[1]
			if runF != nil {
				return runF(opts)
			}
			dir, err := opts.Directory()
			if err != nil {
				return err
			}
			if err := dir.Undeclare(opts.Kind, opts.Key); err != nil {
				return err
			}
			fmt.Fprintf(opts.IO.Out, "Removed %s %s from %s.\n", opts.Kind, opts.Key, dir.DeclaredPath())
			return nil
		},
	}
	return cmd
}
