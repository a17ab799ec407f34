// Package stats is `handoff stats`: time to a human's first reply.
package stats

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	logCmd "github.com/handoff-dev/handoff/pkg/cmd/log"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/fsutil"
	"github.com/handoff-dev/handoff/pkg/handoff"
	"github.com/handoff-dev/handoff/pkg/stats"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// Options are everything `handoff stats` needs.
type Options struct {
	IO       *cmdutil.IOStreams
	Client   func(account string, dryRun bool) (*wati.Client, error)
	StateDir func() string
	CacheDir func() string
	Now      func() time.Time

	Since  string
	Action string
	JSON   bool
	HTML   string
	Rate   float64
}

// NewCmdStats returns `handoff stats`.
func NewCmdStats(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Client: f.Client, Now: time.Now,
		StateDir: func() string { return f.Settings.StateDir },
		CacheDir: func() string { return f.Settings.CacheDir }}
	cmd := &cobra.Command{
		Use:   "stats [--since DUR|DATE] [--action NAME] [--json] [--html FILE]",
		Short: "Time to a human: did handoffs reach a person, and how fast",
		Long: `For each handoff to a person (an operator or a team) in the audit log, read the
conversation's messages after it and find the first reply by a person: a message
sent by the business (owner) with an operator_name. Then, per action and assignee:
how many handoffs, how many were answered, how many not (yet), and the median and
90th percentile (nearest rank) of the time to the first reply.

A reply counts until the conversation's next handoff or release. Handoffs to a bot
or chatbot are left out (no person answers those) and counted on stderr.

Wati is asked with GET conversations/{target}/messages (100 a page, newest first,
back to the handoff), one conversation at a time and at most --rate reads a second
(default 1 a second with bursts of 10: Wati's published limit for messages is 10
requests per 10 seconds). Answers that cannot change any more (a reply was found,
or the conversation was handed on) are kept in a cache
($XDG_CACHE_HOME/handoff/stats-cache.json), so a re-run reads only the handoffs
still waiting. v1 accounts have no message route: their handoffs are "unknown".

Output: a table on stdout; --json one object (groups with waits_ms, and every
handoff with state answered, waiting or unknown); --html FILE a self-contained page
(no script, nothing fetched) with a chart per action of the time to the first reply.

--since takes a duration (90m, 24h, 7d) or a date (2024-06-01, or RFC 3339).`,
		Example: `  handoff stats
  handoff stats --since 7d --action escalate-billing
  handoff stats --since 2024-06-01 --html report.html
  handoff stats --json | jq '.groups[] | {action, median_ms, p90_ms}'`,
		Args:    cobra.NoArgs,
		GroupID: "core",
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := logCmd.ParseSince(opts.Since, time.Now()); err != nil {
				return err
			}
			if err := cmdutil.CheckRate(opts.Rate, "the default"); err != nil {
				return cmdutil.WithHint(err, "Run: handoff stats --help")
			}
			if runF != nil {
				return runF(opts)
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return runStats(ctx, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Since, "since", "", "only handoffs newer than this: a duration (24h, 7d) or a date (2024-06-01)")
	fl.StringVar(&opts.Action, "action", "", "only handoffs of this action")
	fl.BoolVar(&opts.JSON, "json", false, "print the report as one JSON object")
	fl.StringVar(&opts.HTML, "html", "", "also write a self-contained HTML report with a chart per action to FILE")
	fl.Float64Var(&opts.Rate, "rate", stats.DefaultRate, "at most this many message reads a second (bursts of 10)")
	_ = cmd.RegisterFlagCompletionFunc("since", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"1h", "24h", "7d", "30d"}, cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("html", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"html"}, cobra.ShellCompDirectiveFilterFileExt
	})
	return cmd
}

func runStats(ctx context.Context, o *Options) error {
	since, err := logCmd.ParseSince(o.Since, o.Now())
	if err != nil {
		return err
	}
	so := stats.Options{Since: since, Action: o.Action, Client: o.Client, Rate: o.Rate, Now: o.Now}
	if o.StateDir != nil && o.StateDir() != "" {
		so.Audit = handoff.NewAuditLog(o.StateDir())
	}
	if o.CacheDir != nil && o.CacheDir() != "" {
		so.CachePath = filepath.Join(o.CacheDir(), stats.CacheFile)
	}
	if o.IO.IsStderrTTY() {
		so.Progress = func(done, total int) {
			fmt.Fprintf(o.IO.ErrOut, "\rreading conversations: %d/%d", done, total)
			if done == total {
				fmt.Fprint(o.IO.ErrOut, "\r\033[K")
			}
		}
	}
	rep, err := stats.Compute(ctx, so)
	if err != nil {
		if ctx.Err() != nil {
			return cmdutil.ErrCancelled
		}
		dir := ""
		if so.Audit != nil {
			dir = so.Audit.Dir
		}
		return cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitConfig, "reading the audit log: %v", err), "Check the permissions of "+dir+".")
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(o.IO.ErrOut, "warning: %s\n", n)
	}
	if o.HTML != "" {
		var buf bytes.Buffer
		if err := stats.WriteHTML(&buf, rep); err != nil {
			return err
		}
		if err := fsutil.WriteFile(o.HTML, buf.Bytes(), 0o644, fsutil.Options{}); err != nil {
			return cmdutil.WithHint(cmdutil.UsageError("writing the HTML report: %v", err), "Give --html a path in a folder that exists and is writable.")
		}
	}
	if o.JSON {
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if len(rep.Groups) == 0 {
		fmt.Fprintf(o.IO.Out, "No handoff to a person recorded%s.\n", filterText(o))
	} else {
		if err := PrintTable(o.IO.Out, rep); err != nil {
			return err
		}
	}
	unknown := 0
	for _, h := range rep.Handoffs {
		if h.State == stats.StateUnknown {
			unknown++
		}
	}
	fmt.Fprintf(o.IO.ErrOut, "%d handoffs to a person; %d message reads, %d handoffs settled earlier (cache)", len(rep.Handoffs), rep.Calls, rep.Cached)
	if rep.Skipped > 0 {
		fmt.Fprintf(o.IO.ErrOut, "; %d handoffs to a bot not counted", rep.Skipped)
	}
	fmt.Fprintln(o.IO.ErrOut)
	if unknown > 0 {
		fmt.Fprintf(o.IO.ErrOut, "warning: %d handoffs unknown: their messages could not be read (see --json: handoffs[].error)\n", unknown)
	}
	if o.HTML != "" {
		fmt.Fprintf(o.IO.ErrOut, "HTML report: %s\n", o.HTML)
	}
	return nil
}

func filterText(o *Options) string {
	s := ""
	if o.Action != "" {
		s += " for action " + o.Action
	}
	if o.Since != "" {
		s += " since " + o.Since
	}
	return s
}

// PrintTable writes the groups as a table.
func PrintTable(w io.Writer, rep stats.Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTION\tASSIGNEE\tHANDOFFS\tANSWERED\tNOT ANSWERED\tUNKNOWN\tMEDIAN\tP90")
	for _, g := range rep.Groups {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\n", g.Action, g.Assignee, g.Count, g.Answered, g.NotAnswered, g.Unknown, ms(g.MedianMS), ms(g.P90MS))
	}
	return tw.Flush()
}

func ms(p *int64) string {
	if p == nil {
		return "-"
	}
	return stats.FormatMS(*p)
}
