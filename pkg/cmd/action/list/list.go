// Package list is `handoff action list`.
package list

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmd/action/shared"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

// Options of `handoff action list`.
type Options struct {
	IO       *cmdutil.IOStreams
	Actions  func() (*action.Store, error)
	Accounts func() (*account.Store, error) // to check accounts as validate does (nil: not checked)
	JSON     bool
}

// NewCmdList returns `handoff action list`.
func NewCmdList(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Actions: f.Actions, Accounts: f.Accounts}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the actions of the actions folder",
		Long: `List the actions of the actions folder (--dir): name, who takes the
conversation, the account, and the intent. Files that are not valid actions are
listed too, marked invalid; "handoff validate" says why, and gives the same
verdict (an account not configured here makes an action invalid in both).

On a terminal the list is a table; otherwise each action is one line of
tab-separated fields: name, assignee type, assignee, account, valid|invalid,
intent. --json prints an array with every field and the diagnostics.`,
		Example: `  handoff action list
  handoff --dir configs/actions action list --json
  handoff action list | cut -f1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runList(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func runList(opts *Options) error {
	st, err := opts.Actions()
	if err != nil {
		return err
	}
	// The same verdict as handoff validate: an account not configured
	// here makes the action invalid.
	if opts.Accounts != nil {
		if as, err := opts.Accounts(); err == nil && as != nil {
			if names, err := as.Names(); err == nil {
				cp := *st
				cp.KnownAccounts = append([]string{}, names...)
				st = &cp
			}
		}
	}
	entries, irregular, err := st.Scan()
	if err != nil {
		return err
	}
	ios := opts.IO
	for _, k := range irregular {
		fmt.Fprintf(ios.ErrOut, "warning: %s\n", k)
	}
	if opts.JSON {
		out := make([]shared.JSONAction, 0, len(entries))
		for _, e := range entries {
			out = append(out, shared.ToJSON(e.Name, e.Path, e.Action, e.Diagnostics))
		}
		enc := json.NewEncoder(ios.Out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(out)
	}
	if len(entries) == 0 {
		fmt.Fprintf(ios.ErrOut, "No actions in %s. Create one: handoff configure NAME\n", st.Dir)
		return nil
	}
	invalid := 0
	if ios.IsStdoutTTY() {
		tw := tabwriter.NewWriter(ios.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tASSIGNEE\tACCOUNT\tINTENT")
		for _, e := range entries {
			if !e.Valid() {
				invalid++
				fmt.Fprintf(tw, "%s\t%s\t\t\n", e.Name, "✗ invalid: "+firstError(e.Diagnostics))
				continue
			}
			a := e.Action
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Name, a.Assignee.Describe(), a.Account, truncate(a.Intent, 60))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	} else {
		for _, e := range entries {
			status, typ, who, acct, intent := "valid", "", "", "", ""
			if a := e.Action; a != nil {
				typ, acct, intent = string(a.Assignee.Type), a.Account, oneLine(a.Intent)
				if a.Assignee.Type != "" {
					who = a.Assignee.Describe()
				}
			}
			if !e.Valid() {
				status = "invalid"
				invalid++
			}
			fmt.Fprintf(ios.Out, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Name, typ, who, acct, status, intent)
		}
	}
	if invalid > 0 {
		noun := "file is"
		if invalid > 1 {
			noun = "files are"
		}
		fmt.Fprintf(ios.ErrOut, "%d action %s invalid. Run: handoff validate %s\n", invalid, noun, st.Dir)
	}
	return nil
}

func firstError(ds []action.Diagnostic) string {
	for _, d := range ds {
		if d.Severity == action.SeverityError {
			return fmt.Sprintf("line %d: %s", d.Line, truncate(d.Message, 70))
		}
	}
	return ""
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func truncate(s string, n int) string {
	s = oneLine(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
