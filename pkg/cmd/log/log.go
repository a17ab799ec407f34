// Package log is `handoff log`: read the audit log back.
package log

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/handoff"
	"github.com/handoff-dev/handoff/pkg/redact"
)

// Options are everything `handoff log` needs.
type Options struct {
	IO       *cmdutil.IOStreams
	StateDir func() string
	Now      func() time.Time

	Since  string
	Action string
	JSON   bool
	Limit  int
}

// NewCmdLog returns `handoff log`.
func NewCmdLog(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, StateDir: func() string { return f.Settings.StateDir }, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "log",
		Short: "Show the audit log of handoffs",
		Long: `Show the handoffs this machine ran, oldest first: from handoff assign (one
conversation or a batch) and from handoff mcp. Each record has the time, action,
account, target, assignee and outcome (assigned, failed, unknown), and the error
when there was one. Dry runs are not recorded.

The log is JSON lines in $XDG_STATE_HOME/handoff/audit.log (HANDOFF_STATE_DIR to
move it), rotated at 10 MiB with the 5 previous files kept as audit.log.1 to
audit.log.5; this command reads them all. Processes that run at the same time
append whole lines, never mixed.

--since takes a duration (90m, 24h, 7d) or a date (2024-06-01, or RFC 3339).
--limit keeps the most recent N records (default 100; 0 for all).`,
		Example: `  handoff log
  handoff log --since 24h --action escalate-billing
  handoff log --since 7d --limit 0 --json | jq -r 'select(.ok == false) | .target'`,
		Args:    cobra.NoArgs,
		GroupID: "core",
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Limit < 0 {
				return cmdutil.WithHint(cmdutil.UsageError("--limit must be 0 (all) or more, not %d", opts.Limit), "Run: handoff log --help")
			}
			if _, err := parseSince(opts.Since, time.Now()); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runLog(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Since, "since", "", "only records newer than this: a duration (24h, 7d) or a date (2024-06-01)")
	cmd.Flags().StringVar(&opts.Action, "action", "", "only records of this action")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the records as a JSON array")
	cmd.Flags().IntVar(&opts.Limit, "limit", 100, "show at most the N most recent records (0: all)")
	_ = cmd.RegisterFlagCompletionFunc("since", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"1h", "24h", "7d", "30d"}, cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("action", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return actionNames(f), cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func actionNames(f *cmdutil.Factory) []string {
	if f.Actions == nil {
		return nil
	}
	st, err := f.Actions()
	if err != nil || st == nil {
		return nil
	}
	return listActionNames(st)
}

// maxSinceDays bounds --since as a duration (a time.Duration holds ~292 years).
const maxSinceDays = 36500

// parseSince reads a duration (with a d suffix for days) or a date.
func parseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	tooFar := func() (time.Time, error) {
		return time.Time{}, cmdutil.WithHint(cmdutil.UsageError("--since %q is too far back (at most %dd, %d years)", s, maxSinceDays, maxSinceDays/365),
			"Leave --since out to see every record, or give a date such as 2024-06-01.")
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.ParseFloat(d, 64); err == nil && n >= 0 { // NaN is not >= 0
			if n > maxSinceDays { // +Inf too
				return tooFar()
			}
			return now.Add(-time.Duration(n * 24 * float64(time.Hour))), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		if d > maxSinceDays*24*time.Hour {
			return tooFar()
		}
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, cmdutil.WithHint(cmdutil.UsageError("--since %q is neither a duration nor a date", s),
		"Use a duration such as 90m, 24h or 7d, or a date such as 2024-06-01.")
}

func runLog(o *Options) error {
	since, err := parseSince(o.Since, o.Now())
	if err != nil {
		return err
	}
	l := handoff.NewAuditLog(o.StateDir())
	recs, skipped, err := l.Read(handoff.AuditFilter{Since: since, Action: o.Action, Limit: o.Limit})
	if err != nil {
		return cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitConfig, "reading the audit log: %v", err),
			"Check the permissions of "+l.Dir+".")
	}
	if skipped > 0 && o.IO.IsStderrTTY() {
		fmt.Fprintf(o.IO.ErrOut, "warning: %d unreadable line(s) in the audit log were skipped\n", skipped)
	}
	if o.JSON {
		if recs == nil {
			recs = []handoff.AuditRecord{}
		}
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(recs)
	}
	if len(recs) == 0 {
		if o.IO.IsStderrTTY() {
			fmt.Fprintf(o.IO.ErrOut, "No handoffs recorded%s (the log is %s).\n", filterText(o), l.Path())
		}
		return nil
	}
	return printTable(o.IO.Out, recs)
}

func filterText(o *Options) string {
	var parts []string
	if o.Action != "" {
		parts = append(parts, "for action "+o.Action)
	}
	if o.Since != "" {
		parts = append(parts, "since "+o.Since)
	}
	if len(parts) == 0 {
		return " yet"
	}
	return " " + strings.Join(parts, " ")
}

func printTable(w io.Writer, recs []handoff.AuditRecord) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tACTION\tACCOUNT\tTARGET\tASSIGNEE\tOUTCOME\tVIA")
	for _, r := range recs {
		outcome := r.Outcome
		if r.Error != "" {
			outcome += ": " + oneLine(r.Error, maxErrorText)
		} else if len(r.Replaced) > 0 {
			outcome += " (replaced " + oneLine(strings.Join(r.Replaced, ", "), 0) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Time.Local().Format("2006-01-02 15:04:05"),
			oneLine(r.Action, 0), oneLine(r.Account, 0), oneLine(r.Target, 0), oneLine(r.Assignee, 0), outcome, oneLine(r.Source, 0))
	}
	return tw.Flush()
}

// maxErrorText caps an error in the table (the file may hold anything:
// records written before errors were capped, or edited by hand).
const maxErrorText = 80

// oneLine shows text from the log on one line: control characters (escape
// sequences, CR, LF) escaped, then cut to max characters.
func oneLine(s string, max int) string {
	return redact.Line(strings.Join(strings.Fields(s), " "), max)
}
