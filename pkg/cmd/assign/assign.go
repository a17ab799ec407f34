// Package assign is `handoff assign`: run a handoff action on one
// conversation, or on a stream of them.
package assign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/handoff"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// Options are everything `handoff assign` needs; tests fill them directly.
type Options struct {
	IO       *cmdutil.IOStreams
	Actions  func() (*action.Store, error)
	Client   func(account string, dryRun bool) (*wati.Client, error)
	StateDir func() string // audit log and journals (Settings.StateDir)

	Name      string // action
	Target    string // --conversation
	Account   string // global --account
	DryRun    bool
	JSON      bool
	KeepTeams bool

	// Batch.
	From         string // --from FILE or -
	Concurrency  int
	Rate         float64
	Journal      string
	Report       string
	RetryUnknown bool

	// A whole handoff (action files with message, context, status, fallback).
	Vars     []string // --var KEY=VALUE: reason, summary, name
	MaxCalls int      // --max-calls: refuse to start above this many Wati calls (0: no limit)
}

// NewCmdAssign returns `handoff assign`.
func NewCmdAssign(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Actions: f.Actions, Client: f.Client,
		StateDir: func() string { return f.Settings.StateDir }}
	cmd := &cobra.Command{
		Use:   "assign ACTION (--conversation TARGET | --from FILE|-)",
		Short: "Hand a conversation (or many) to the action's team, user or bot",
		Long: `Run a handoff action: the conversation is assigned in Wati to the action's team,
user or bot, and the AI agent must stop replying to it.

What is sent depends on the action's assignee:
  user               assign operator (the user's email)
  bot with bot_id    start that chatbot (not idempotent: never sent twice)
  bot without bot_id assign operator with no email (the workspace's bot operator)
  team               assign the contact to teams; this REPLACES the contact's teams.
                     The contact is read first: with --keep-teams (or keep_teams: true
                     under assignee in the file) its teams are kept beside the new one;
                     without, the output names the teams that were replaced.

TARGET is a phone in international form (+1 415 555 2671 or 14155552671), a
24-character conversation id, or Channel:Phone (Support:14155552671). Wati's
team and chatbot routes name the contact, not a conversation: a team or
chatbot action given a conversation id exits 2 before sending anything (use
the phone or Channel:Phone); a chatbot action also takes Channel:ContactId.

One conversation (--conversation) prints one line saying what happened and who owns
the conversation now; --json prints one object with action, account, target,
assignee, api, requests, ok, outcome, error and duration_ms. --dry-run prints the exact
requests (token redacted) and sends no write.

Many conversations (--from FILE, or - for stdin): a CSV whose header names a "target"
or "conversation" column (other columns ignored), or one target per line. The input
is streamed; duplicates are handed off once; --concurrency workers share one request
rate (--rate, requests per second), and a 429 from Wati slows the whole run down.
A journal (default under $XDG_STATE_HOME/handoff/journals, keyed by action, account
and input) records each target before it is sent and when it completes: run the same
command again after a crash, kill or Ctrl-C and completed targets are skipped, PUTs
that were in flight are sent again, and chatbot starts that were in flight are reported
as outcome unknown instead (--retry-unknown sends them again). The default journal is
deleted once every target is done. --report FILE writes one JSON line per target.
On a terminal a progress bar is drawn on stderr; a summary follows (with --json, as one
JSON object on stdout).

Every handoff, one or many, is appended to the audit log: see handoff log.

Exit codes: 0 done; 1 Wati refused it (batch: any target failed); 2 bad flag or
target, nothing sent; 3 invalid action file or unknown account; 4 token refused;
5 action, conversation, contact or chatbot not found; 6 Wati unavailable or
rate-limited after retries; 7 outcome unknown (batch: some unknown, none failed);
130 cancelled.`,
		Example: `  # one conversation
  handoff assign escalate-billing --conversation +14155552671
  handoff assign escalate-billing --conversation Support:14155552671 --json
  handoff assign vip-account-manager --conversation 685bd235e6119686e693a093 --dry-run
  handoff assign escalate-billing --conversation 14155552671 --keep-teams
  handoff assign escalate-billing --conversation 14155552671 --account acme-staging

  # many: a CSV with a target column, or one target per line; - is stdin
  handoff assign escalate-billing --from tickets.csv --report report.jsonl
  cut -d, -f2 export.csv | handoff assign returns-bot --from - --rate 5 --concurrency 4
  handoff assign returns-bot --from tickets.csv --retry-unknown   # resume, resending unknown starts`,
		Args:    cobra.ExactArgs(1),
		GroupID: "core",
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return actionNames(f), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if f.Settings != nil {
				opts.Account = f.Settings.Account
			}
			if err := checkFlags(cmd, opts); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return runAssign(ctx, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Target, "conversation", "c", "", "the conversation: phone, Channel:Phone, or 24-hex conversation id (user and bot-operator actions)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the requests (token redacted) and send no write")
	fl.BoolVar(&opts.JSON, "json", false, "print the result (batch: the summary) as JSON on stdout")
	fl.BoolVar(&opts.KeepTeams, "keep-teams", false, "team actions: keep the contact's current teams beside the new one")
	fl.StringVar(&opts.From, "from", "", "hand off every target in FILE (CSV with a target column, or one per line); - for stdin")
	fl.IntVar(&opts.Concurrency, "concurrency", 8, "batch: handoffs in flight at once (1 to 256)")
	fl.Float64Var(&opts.Rate, "rate", 0, "batch: at most this many requests per second, all workers together (0: no limit)")
	fl.StringVar(&opts.Journal, "journal", "", "batch: journal file, for resuming (default: one per action, account and input under the state folder)")
	fl.StringVar(&opts.Report, "report", "", "batch: write one JSON line per target to FILE (- for stdout)")
	fl.BoolVar(&opts.RetryUnknown, "retry-unknown", false, "batch: resend chatbot starts whose outcome an earlier run left unknown")
	fl.StringArrayVar(&opts.Vars, "var", nil, "a placeholder's value, KEY=VALUE (reason, summary, name); batch: columns of the same names")
	fl.IntVar(&opts.MaxCalls, "max-calls", 0, "refuse to start when the handoff(s) would make more Wati calls than this (0: no limit)")
	_ = cmd.RegisterFlagCompletionFunc("conversation", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("concurrency", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("rate", cobra.NoFileCompletions)
	return cmd
}

func actionNames(f *cmdutil.Factory) []string {
	if f.Actions == nil {
		return nil
	}
	st, err := f.Actions()
	if err != nil {
		return nil
	}
	return listActionNames(st)
}

// checkFlags rejects flag combinations before anything is loaded (exit 2).
func checkFlags(cmd *cobra.Command, o *Options) error {
	hint := "Run: handoff assign --help"
	usage := func(format string, a ...any) error {
		return cmdutil.WithHint(cmdutil.UsageError(format, a...), hint)
	}
	switch {
	case o.Target == "" && o.From == "":
		return usage("give the conversation: --conversation TARGET, or --from FILE for many")
	case o.Target != "" && o.From != "":
		return usage("--conversation and --from cannot be used together")
	}
	if o.From == "" {
		for _, name := range []string{"concurrency", "rate", "journal", "report", "retry-unknown"} {
			if cmd.Flags().Changed(name) {
				return usage("--%s only applies with --from", name)
			}
		}
	}
	if o.Concurrency < 1 || o.Concurrency > 256 {
		return usage("--concurrency must be between 1 and 256, not %d", o.Concurrency)
	}
	if o.Rate < 0 {
		return usage("--rate must be 0 (no limit) or more, not %g", o.Rate)
	}
	if o.JSON && o.Report == "-" {
		return usage("--json and --report - would both write to stdout; send the report to a file")
	}
	if o.MaxCalls < 0 {
		return usage("--max-calls must be 0 (no limit) or more, not %d", o.MaxCalls)
	}
	if _, err := parseVars(o.Vars); err != nil {
		return err
	}
	return nil
}

func runAssign(ctx context.Context, o *Options) error {
	a, err := loadAction(o)
	if err != nil {
		return err
	}
	if o.From != "" {
		return runBatch(ctx, o, a)
	}
	return runOne(ctx, o, a)
}

func auditLog(o *Options) *handoff.AuditLog {
	if o.StateDir == nil || o.StateDir() == "" {
		return nil
	}
	return handoff.NewAuditLog(o.StateDir())
}

func runOne(ctx context.Context, o *Options, a *action.Action) error {
	audit := auditLog(o)
	if audit != nil {
		defer audit.Close()
	}
	vars, _ := parseVars(o.Vars) // checked in checkFlags
	if miss := missingVars(a, vars); len(miss) > 0 && !o.DryRun {
		return cmdutil.WithHint(cmdutil.UsageError("action %s uses {{%s}}: give its value", a.Name, strings.Join(miss, "}} and {{")),
			"Add --var "+miss[0]+"=\"...\" (it is written to Wati for the person taking over).")
	}
	if o.MaxCalls > 0 {
		if err := checkBudget(handoff.EstimateCalls(a, "", vars["name"] != "", 0), o.MaxCalls); err != nil {
			return err
		}
	}
	res := handoff.Execute(ctx, handoff.Deps{Client: o.Client, Audit: audit}, handoff.Request{
		Action: a, Account: o.Account, Target: o.Target,
		DryRun: o.DryRun, KeepTeams: o.KeepTeams, Source: "assign", Vars: vars,
	})
	for _, w := range res.Warnings {
		fmt.Fprintf(o.IO.ErrOut, "warning: %s\n", w)
	}
	if o.JSON {
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else if res.OK || res.Outcome == handoff.OutcomePartial {
		if o.DryRun {
			printSteps(o.IO.Out, res, a)
		}
		fmt.Fprintln(o.IO.Out, res.Message())
	}
	if res.OK {
		return nil
	}
	if res.Outcome == handoff.OutcomePartial {
		// The message said it all, on stdout: the conversation was handed off.
		return &cmdutil.SilentError{Code: res.ExitCode()}
	}
	if ctx.Err() != nil {
		msg := "cancelled"
		if len(res.Requests) > 0 {
			msg = "cancelled while the request was in flight: it may or may not have reached Wati; check the conversation before running it again"
		}
		return &cmdutil.Error{Code: cmdutil.ExitCancel, Err: errors.New(msg)}
	}
	err := res.Err
	if err == nil {
		err = errors.New(res.Error)
	}
	switch res.Reason {
	case "invalid-target", "configuration":
		return err // says it all, with its own hint
	}
	code := res.ExitCode()
	wrapped := fmt.Errorf("handing %s to %s: %w", res.Target, res.Assignee, err)
	if res.Outcome == handoff.OutcomeUnknown {
		wrapped = fmt.Errorf("handing %s to %s: outcome unknown: %w", res.Target, res.Assignee, err)
	}
	return &cmdutil.Error{Code: code, Err: wrapped, Tip: cmdutil.HintOf(err)}
}

// ----- batch -----

func runBatch(ctx context.Context, o *Options, a *action.Action) error {
	acct := handoff.AccountFor(a, o.Account)
	client, err := o.Client(acct, o.DryRun)
	if err != nil {
		return err
	}
	var in io.Reader
	total := 0
	if o.From == "-" {
		in = o.IO.In
	} else {
		f, err := os.Open(o.From)
		if err != nil {
			return cmdutil.WithHint(cmdutil.UsageError("reading the input: %v", err), "Give an existing file to --from, or - for stdin.")
		}
		defer f.Close()
		// A file is counted first (fast): for the progress bar, and to
		// size the deduplication table once.
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			if cf, err := os.Open(o.From); err == nil {
				total, _ = handoff.CountTargets(cf)
				cf.Close()
			}
		}
		in = f
	}

	// The API budget: said before anything is sent, and enforced.
	if o.MaxCalls > 0 && total == 0 && o.From == "-" {
		return cmdutil.WithHint(cmdutil.UsageError("--max-calls needs the targets counted first, and stdin cannot be read twice"),
			"Give --from a file.")
	}
	var startErr error // refused before anything was sent (budget)
	start := func(columns []string) error {
		est := handoff.EstimateCalls(a, client.API(), contains(columns, "name"), total)
		if !o.JSON {
			fmt.Fprintf(summaryWriter(o), "%s: %s\n", a.Name, est.String())
		}
		startErr = checkBudget(est, o.MaxCalls)
		return startErr
	}

	var report io.Writer
	var reportFile *os.File
	var reportOut *truncatingWriter
	reportExisted := false
	switch o.Report {
	case "":
	case "-":
		report = o.IO.Out
	default:
		// Opened now to fail early, but emptied only once the input
		// proved readable: a failed command leaves the old report alone.
		_, serr := os.Stat(o.Report)
		reportExisted = serr == nil
		reportFile, err = os.OpenFile(o.Report, os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			return cmdutil.WithHint(cmdutil.UsageError("opening the report: %v", err), "Give --report a path in a folder that exists and is writable.")
		}
		defer reportFile.Close()
		reportOut = &truncatingWriter{f: reportFile}
		report = reportOut
	}

	journal, removeJournal := o.Journal, false
	if journal == "" && !o.DryRun && o.StateDir != nil && o.StateDir() != "" {
		journal = handoff.DefaultJournalPath(o.StateDir(), a.Name, acct, o.From)
		removeJournal = true
	}
	audit := auditLog(o)
	if o.DryRun {
		audit = nil
	}
	if audit != nil {
		defer audit.Close()
	}
	r := &handoff.Runner{Client: client, Action: a, Account: acct, KeepTeams: o.KeepTeams,
		DryRun: o.DryRun, Audit: audit, Source: "batch"}

	// Memory stays flat with the input; a tighter GC goal keeps the
	// garbage of the per-target results small too (unless GOGC is set).
	if o.IO.Getenv == nil || o.IO.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(50))
	}

	bar := newProgressBar(o.IO)
	opts := handoff.BatchOptions{
		Concurrency: o.Concurrency, Rate: o.Rate, Journal: journal, RemoveJournal: removeJournal,
		RetryUnknown: o.RetryUnknown, Report: report, Total: total, Start: start,
	}
	if bar != nil {
		opts.Progress = bar.draw
	}
	sum, err := r.RunBatch(ctx, in, opts)
	if bar != nil {
		bar.clear()
	}
	var inErr *handoff.InputError
	if startErr != nil {
		if reportFile != nil {
			reportFile.Close()
			if !reportExisted {
				os.Remove(o.Report)
			}
		}
		return startErr
	}
	if errors.As(err, &inErr) && sum.Total == 0 {
		// Nothing was read or sent: no summary, and no report left behind.
		if reportFile != nil {
			reportFile.Close()
			if !reportExisted {
				os.Remove(o.Report)
			}
		}
		return cmdutil.WithHint(err, `Give one target per line, or a CSV with a "target" (or "conversation") column.`)
	}
	if reportFile != nil {
		cerr := reportOut.truncate()
		if closeErr := reportFile.Close(); cerr == nil {
			cerr = closeErr
		}
		if cerr != nil && err == nil {
			err = fmt.Errorf("writing the report: %w", cerr)
		}
	}
	if o.JSON {
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		_ = enc.Encode(sum)
	} else {
		printSummary(summaryWriter(o), sum, o)
	}
	if err != nil {
		var be *handoff.BatchError
		if errors.As(err, &be) && be.Code == cmdutil.ExitConfig && strings.Contains(err.Error(), "journal") {
			return cmdutil.WithHint(err, "Give another journal with --journal FILE.")
		}
		if errors.Is(err, handoff.ErrJournalBusy) {
			return cmdutil.WithHint(err, "Another run of this command is going on; wait for it, or give another --journal.")
		}
		return err
	}
	code := sum.ExitCode()
	if code == cmdutil.ExitOK {
		return nil
	}
	// The summary said it all.
	return &cmdutil.SilentError{Code: code}
}

// summaryWriter is where a batch's text goes: stderr on a terminal (beside
// the progress bar), else stdout, unless the report is on stdout.
func summaryWriter(o *Options) io.Writer {
	if !o.IO.IsStderrTTY() && o.Report != "-" {
		return o.IO.Out
	}
	return o.IO.ErrOut
}

func printSummary(w io.Writer, s handoff.Summary, o *Options) {
	verb := "handed off"
	if s.DryRun {
		verb = "dry run (nothing sent)"
	}
	fmt.Fprintf(w, "%s: %d %s, %d failed, %d unknown, %d skipped (done earlier), %d duplicates",
		s.Action, s.Done, verb, s.Failed, s.Unknown, s.Skipped, s.Duplicates)
	if s.NotRun > 0 {
		fmt.Fprintf(w, ", %d not run", s.NotRun)
	}
	fmt.Fprintf(w, " — %d targets in %s (%.1f/s)\n", s.Total, (time.Duration(s.ElapsedMS) * time.Millisecond).Round(10*time.Millisecond), s.Rate)
	if s.Failed > 0 {
		parts := make([]string, 0, len(s.FailedBy))
		for _, k := range s.FailedReasons() {
			parts = append(parts, fmt.Sprintf("%s %d", k, s.FailedBy[k]))
		}
		fmt.Fprintf(w, "failed by reason: %s\n", strings.Join(parts, ", "))
	}
	if s.SlowDowns > 0 {
		fmt.Fprintf(w, "Wati answered 429: the run slowed down %d time(s)\n", s.SlowDowns)
	}
	if s.Cancelled {
		fmt.Fprintln(w, "cancelled")
	}
	if s.Aborted != "" {
		fmt.Fprintf(w, "stopped early: %s\n", s.Aborted)
	}
	if s.Journal != "" && (s.Failed > 0 || s.Unknown > 0 || s.NotRun > 0 || s.Cancelled || s.Aborted != "") {
		fmt.Fprintf(w, "journal: %s — run the same command again to resume (done targets are skipped)\n", s.Journal)
	}
	if s.Unknown > 0 {
		fmt.Fprintln(w, "unknown: check those conversations in Wati (see --report); --retry-unknown sends their chatbot start again")
	}
	if o.Report != "" && o.Report != "-" {
		fmt.Fprintf(w, "report: %s\n", o.Report)
	}
}

// truncatingWriter empties its file before the first write (or on
// truncate), so that an existing report is replaced only by a run that
// got going.
type truncatingWriter struct {
	f    *os.File
	done bool
}

func (w *truncatingWriter) truncate() error {
	if w.done {
		return nil
	}
	w.done = true
	return w.f.Truncate(0)
}

func (w *truncatingWriter) Write(p []byte) (int, error) {
	if err := w.truncate(); err != nil {
		return 0, err
	}
	return w.f.Write(p)
}
