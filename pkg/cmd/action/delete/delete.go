// Package delete is `handoff action delete`.
package delete

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmd/action/shared"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

// Options of `handoff action delete`.
type Options struct {
	IO      *cmdutil.IOStreams
	Actions func() (*action.Store, error)
	Name    string
	Yes     bool
}

// NewCmdDelete returns `handoff action delete`.
func NewCmdDelete(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Actions: f.Actions}
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete an action file",
		Long: `Delete an action's file from the actions folder. On a terminal you are asked
to confirm; without one (scripts, CI), --yes is required. Answering no exits
130 and deletes nothing. An unknown name exits 5.`,
		Example: `  handoff action delete escalate-billing
  handoff action delete escalate-billing --yes`,
		Aliases:           []string{"rm"},
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: shared.CompleteActionNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if err := action.CheckName(opts.Name); err != nil {
				return cmdutil.WithHint(cmdutil.UsageError("%v", err), "Run: handoff action list")
			}
			if !opts.Yes && !opts.IO.CanPrompt() {
				return cmdutil.WithHint(cmdutil.UsageError("--yes is required to delete without a terminal"),
					"Run: handoff action delete "+opts.Name+" --yes")
			}
			if runF != nil {
				return runF(opts)
			}
			return runDelete(opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "delete without asking")
	return cmd
}

func runDelete(opts *Options) error {
	st, err := opts.Actions()
	if err != nil {
		return err
	}
	if !st.Exists(opts.Name) {
		// Let the store say "not found" with its code and hint.
		return st.Delete(opts.Name)
	}
	path := st.Path(opts.Name)
	if !opts.Yes {
		fmt.Fprintf(opts.IO.ErrOut, "Delete action %s (%s)? [y/N] ", opts.Name, path)
		line, err := bufio.NewReader(opts.IO.In).ReadString('\n')
		answer := strings.ToLower(strings.TrimSpace(line))
		if err != nil && answer == "" {
			fmt.Fprintln(opts.IO.ErrOut)
		}
		if answer != "y" && answer != "yes" {
			return cmdutil.ErrCancelled
		}
	}
	if err := st.Delete(opts.Name); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "✓ Deleted action %s (%s)\n", opts.Name, path)
	return nil
}
