// Package show is `handoff action show`.
package show

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmd/action/shared"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

// Options of `handoff action show`.
type Options struct {
	IO      *cmdutil.IOStreams
	Actions func() (*action.Store, error)
	Name    string
	JSON    bool
}

// NewCmdShow returns `handoff action show`.
func NewCmdShow(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Actions: f.Actions}
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show one action",
		Long: `Show one action: its intent, account and assignee, and the file it lives in.
The action must be valid; "handoff validate" explains what is wrong otherwise
(exit 3). An unknown name exits 5.`,
		Example: `  handoff action show escalate-billing
  handoff action show escalate-billing --json | jq -r .intent`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: shared.CompleteActionNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runShow(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func runShow(opts *Options) error {
	st, err := opts.Actions()
	if err != nil {
		return err
	}
	a, err := st.Load(opts.Name)
	if err != nil {
		return err
	}
	path := st.Path(opts.Name)
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(shared.ToJSON(a.Name, path, a, nil))
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "name:\t%s\n", a.Name)
	fmt.Fprintf(tw, "file:\t%s\n", path)
	fmt.Fprintf(tw, "intent:\t%s\n", a.Intent)
	fmt.Fprintf(tw, "account:\t%s\n", a.Account)
	fmt.Fprintf(tw, "assignee:\t%s (%s)\n", a.Assignee.Describe(), a.Assignee.Type)
	if a.Assignee.Type == action.Team {
		if a.Assignee.KeepTeams {
			fmt.Fprintf(tw, "teams:\tadded to the contact's other teams (keep_teams)\n")
		} else {
			fmt.Fprintf(tw, "teams:\treplaces the contact's other teams (Wati's default)\n")
		}
	}
	return tw.Flush()
}
