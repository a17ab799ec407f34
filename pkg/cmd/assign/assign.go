// Package assign is `handoff assign`: run a handoff action on one
// conversation, or on a stream of them.
package assign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/directory"
	"github.com/handoff-dev/handoff/pkg/handoff"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// Options are everything `handoff assign` needs; tests fill them directly.
type Options struct {
	IO       *cmdutil.IOStreams
	Actions  func() (*action.Store, error)
	Client   func(account string, dryRun bool) (*wati.Client, error)
	StateDir func() string // audit log and journals (Settings.StateDir)
	// Directory is the account's directory, for the offline name check of
	// --dry-run (nil: none).
	Directory func() (*directory.Service, error)

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
	Resume   bool
	Fresh    bool

	// Repeats (non-idempotent actions: chatbot starts).
	Again        bool
	RepeatWindow time.Duration // 0: no check
}

// NewCmdAssign returns `handoff assign`.
func NewCmdAssign(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Actions: f.Actions, Client: f.Client, Directory: f.Directory,
		StateDir: func() string { return f.Settings.StateDir }}
	var repeatWindow time.Duration
	cmd := &cobra.Command{
		Use:   "assign ACTION (--conversation TARGET | --from FILE|-)",
		Short: "Hand a conversation (or many) to the action's team, user or bot",
		Long: `Run a handoff action: the conversation is assigned in Wati to the action's team,
user or bot, and the AI agent must stop replying to it.

What is sent depends on the action's assignee:
  user               assign operator (the user's email)
  bot with bot_id    start that chatbot (not idempotent: see Repeats below)
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
A file is checked before anything is sent (a line over 64 KiB, or a quoted field that
never closes, is an error at its line, exit 2); standard input is checked as it
streams, and the run stops at the first such line, sending nothing after it.

Journals: a run of one input keeps a journal (under $XDG_STATE_HOME/handoff/journals,
one per action, account, input and content; stdin is known by its first 64 KiB).
It records each target before it is sent and when it completes. If the run did not
end (crash, kill, Ctrl-C, a stop on a refused token), the same command resumes it:
handed-off targets are skipped, failed ones and PUTs in flight are sent again, and
chatbot starts in flight are reported unknown (--retry-unknown sends them again).
Once a run has ended, whatever its outcomes, the same command starts afresh and says
so; --resume skips what the ended run handed off, --fresh starts afresh anyway.
The summary names the journal, the first 10 failed targets with their reasons, and
the report (--report FILE: one JSON line per target). On a terminal a progress bar is
drawn on stderr; with --json the summary is one JSON object on stdout.

Repeats: before starting a chatbot, the audit log is read. If this action went to
the same conversation (same account) within the repeat window (default 10m,
--repeat-window or HANDOFF_REPEAT_WINDOW; 0 turns it off), with an outcome of
assigned or unknown, it is not sent: exit 1 (a batch counts it as a repeat) unless
--again. Guaranteed: a second run on this machine and state folder, begun after the
first one's record was written, does not start the chatbot again. Not guaranteed:
two runs sending at the same instant, starts made elsewhere (another machine or state
folder, Wati's own interface), or after the audit log was removed. Assigning a user,
a team or the bot operator is idempotent and not checked.

Every handoff, one or many, is appended to the audit log: see handoff log.

Outcomes (--json, report, audit log): assigned, dry-run, failed (nothing changed),
not-sent (never left: safe to send), unknown (may have happened), skipped (duplicate,
done-earlier, repeat); the reasons are listed in docs/assign.md.

Exit codes: 0 done; 1 Wati refused it, or a repeat was refused (batch: any target
failed or was a repeat); 2 bad flag, target or input line, nothing sent; 3 invalid action file or unknown account; 4 token refused;
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
  handoff assign returns-bot --from tickets.csv --retry-unknown   # resume, resending unknown starts
  handoff assign returns-bot --from tickets.csv --resume          # skip what the last run handed off
  handoff assign returns-bot --conversation 14155552671 --again   # start it again within the window`,
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
				opts.RepeatWindow = f.Settings.RepeatWindow
			}
			if cmd.Flags().Changed("repeat-window") {
				opts.RepeatWindow = repeatWindow
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
	fl.StringArrayVar(&opts.Vars, "var", nil, "a placeholder's value, KEY=VALUE (reason, summary, name); batch: columns of the same names")
	fl.IntVar(&opts.MaxCalls, "max-calls", 0, "refuse to start when the handoff(s) would make more Wati calls than this (0: no limit)")
	fl.BoolVar(&opts.RetryUnknown, "retry-unknown", false, "batch: resend chatbot starts whose outcome the resumed run left unknown")
	fl.BoolVar(&opts.Resume, "resume", false, "batch: resume the input's journal even if its run ended (skip what it handed off)")
	fl.BoolVar(&opts.Fresh, "fresh", false, "batch: start afresh, ignoring the input's journal")
	fl.BoolVar(&opts.Again, "again", false, "chatbot actions: send even if the audit log shows this action on the conversation within the repeat window")
	fl.DurationVar(&repeatWindow, "repeat-window", handoff.DefaultRepeatWindow, "chatbot actions: refuse a repeat on a conversation within this time (0: no check; env HANDOFF_REPEAT_WINDOW)")
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
		for _, name := range []string{"concurrency", "rate", "journal", "report", "retry-unknown", "resume", "fresh"} {
			if cmd.Flags().Changed(name) {
				return usage("--%s only applies with --from", name)
			}
		}
	}
	if o.Concurrency < 1 || o.Concurrency > 256 {
		return usage("--concurrency must be between 1 and 256, not %d", o.Concurrency)
	}
	if err := cmdutil.CheckRate(o.Rate, "no limit"); err != nil {
		return cmdutil.WithHint(err, hint)
	}
	if o.Resume && o.Fresh {
		return usage("--resume and --fresh cannot be used together")
	}
	if o.Again && cmd.Flags().Changed("repeat-window") {
		return usage("--again and --repeat-window cannot be used together (--again sends whatever the window)")
	}
	if o.RepeatWindow < 0 || o.RepeatWindow > 7*24*time.Hour {
		return usage("--repeat-window must be between 0 (no check) and 168h, not %s", o.RepeatWindow)
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
	if o.DryRun {
		// Names are checked offline against the cached directory: a
		// misspelt team is said before anything would be sent.
		for _, w := range nameWarnings(ctx, o, a) {
			fmt.Fprintf(o.IO.ErrOut, "warning: %s\n", w)
		}
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
		Again: o.Again, RepeatWindow: o.repeatWindow(),
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
		msg := "cancelled before anything was sent"
		if res.Outcome == handoff.OutcomeUnknown {
			msg = "cancelled while the request was on its way: outcome unknown, it may or may not have reached Wati; check the conversation before running it again"
		}
		return &cmdutil.Error{Code: cmdutil.ExitCancel, Err: errors.New(msg)}
	}
	err := res.Err
	if err == nil {
		err = errors.New(res.Error)
	}
	switch res.Reason {
	case handoff.ReasonInvalidTarget, handoff.ReasonConfiguration, handoff.ReasonRepeat:
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
	audit := auditLog(o)
	if audit != nil {
		defer audit.Close()
	}
	// Memory stays flat with the input; a tighter GC goal keeps the
	// garbage of the per-target results small too (unless GOGC is set).
	if o.IO.Getenv == nil || o.IO.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(50))
	}
	// The API budget: said before anything is sent, and enforced.
	if o.MaxCalls > 0 && o.From == "-" {
		return cmdutil.WithHint(cmdutil.UsageError("--max-calls needs the targets counted first, and stdin cannot be read twice"),
			"Give --from a file.")
	}
	var startErr error           // refused before anything was sent (budget, placeholders)
	vars, _ := parseVars(o.Vars) // checked in checkFlags
	req := handoff.BatchRequest{Vars: vars,
		Action: a, Account: o.Account, From: o.From, Stdin: o.IO.In, Stdout: o.IO.Out,
		DryRun: o.DryRun, KeepTeams: o.KeepTeams, Concurrency: o.Concurrency, Rate: o.Rate,
		Journal: o.Journal, JournalMode: o.journalMode(), Report: o.Report,
		RetryUnknown: o.RetryUnknown, Again: o.Again, RepeatWindow: o.repeatWindow(),
		Start: func(columns []string, total int, api string) error {
			if miss := missingColumns(a, vars, columns); len(miss) > 0 && !o.DryRun {
				startErr = cmdutil.WithHint(cmdutil.UsageError("action %s uses {{%s}}, and the input has no %s column: nothing was sent", a.Name, strings.Join(miss, "}} and {{"), strings.Join(miss, " or ")),
					"Add the column to the CSV (a header such as target,"+strings.Join(miss, ",")+"), or give one value for every row: --var "+miss[0]+"=\"...\"")
				return startErr
			}
			est := handoff.EstimateCalls(a, api, contains(columns, "name") || vars["name"] != "", total)
			if !o.JSON {
				fmt.Fprintf(summaryWriter(o), "%s: %s\n", a.Name, est.String())
			}
			startErr = checkBudget(est, o.MaxCalls)
			return startErr
		},
	}
	if o.StateDir != nil {
		req.StateDir = o.StateDir()
	}
	bar := newProgressBar(o.IO)
	if bar != nil {
		req.Progress = bar.draw
	}
	sum, err := handoff.RunFrom(ctx, handoff.Deps{Client: o.Client, Audit: audit}, req)
	if bar != nil {
		bar.clear()
	}
	if startErr != nil {
		return startErr
	}
	var be *handoff.BatchError
	if err != nil && !errors.As(err, &be) {
		// Nothing was read or sent: no summary.
		var inErr *handoff.InputError
		if errors.As(err, &inErr) {
			return cmdutil.WithHint(err, `Give one target per line, or a CSV with a "target" (or "conversation") column; a quoted field must close on its line or within 64 KiB.`)
		}
		return err
	}
	if be != nil && sum.Total == 0 && sum.Journal == "" {
		return batchErrHint(err)
	}
	if o.JSON {
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		_ = enc.Encode(sum)
	} else {
		printSummary(summaryWriter(o), sum)
	}
	if err != nil {
		return batchErrHint(err)
	}
	if code := sum.ExitCode(); code != cmdutil.ExitOK {
		return &cmdutil.SilentError{Code: code} // the summary said it all
	}
	return nil
}

// summaryWriter is where a batch's text goes: stderr on a terminal (beside
// the progress bar), else stdout, unless the report is on stdout.
func summaryWriter(o *Options) io.Writer {
	if !o.IO.IsStderrTTY() && o.Report != "-" {
		return o.IO.Out
	}
	return o.IO.ErrOut
}

// repeatWindow is the window as handoff.Request takes it (negative: no check).
func (o *Options) repeatWindow() time.Duration {
	if o.RepeatWindow <= 0 {
		return -1
	}
	return o.RepeatWindow
}

func (o *Options) journalMode() handoff.JournalMode {
	switch {
	case o.Resume:
		return handoff.JournalResume
	case o.Fresh:
		return handoff.JournalFresh
	}
	return handoff.JournalAuto
}

func batchErrHint(err error) error {
	var be *handoff.BatchError
	var inErr *handoff.InputError
	switch {
	case errors.Is(err, handoff.ErrNothingToResume):
		return cmdutil.WithHint(err, "Run it without --resume to start a run, or give the journal with --journal FILE.")
	case errors.Is(err, handoff.ErrJournalBusy):
		return cmdutil.WithHint(err, "Another run of this command is going on; wait for it, or give another --journal.")
	case errors.As(err, &inErr):
		return cmdutil.WithHint(err, "Fix that line; what came before it was handled (see the summary), what came after was not read. Run the command again to resume.")
	case errors.As(err, &be) && be.Code == cmdutil.ExitConfig && strings.Contains(err.Error(), "journal"):
		return cmdutil.WithHint(err, "Give another journal with --journal FILE.")
	}
	return err
}

// printSummary: the counts, the failed targets (up to 10) with their
// reasons, where the report and the journal are, and what to do next.
func printSummary(w io.Writer, s handoff.Summary) {
	verb := "handed off"
	if s.DryRun {
		verb = "dry run (nothing sent)"
	}
	fmt.Fprintf(w, "%s: %d %s, %d failed, %d unknown", s.Action, s.Done, verb, s.Failed, s.Unknown)
	for _, p := range []struct {
		n    int
		what string
	}{{s.Partial, "partly done"}, {s.NotSent, "not sent"}, {s.DoneEarlier, "done earlier (resumed)"}, {s.Repeats, "repeats (not sent again)"}, {s.Duplicates, "duplicates"}} {
		if p.n > 0 {
			fmt.Fprintf(w, ", %d %s", p.n, p.what)
		}
	}
	fmt.Fprintf(w, " — %d targets in %s (%.1f/s), %d Wati calls\n", s.Total, (time.Duration(s.ElapsedMS) * time.Millisecond).Round(10*time.Millisecond), s.Rate, s.Calls)
	listTargets(w, "failed", s.Failed, s.Failures)
	listTargets(w, "unknown", s.Unknown, s.Unknowns)
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
	if s.Repeats > 0 {
		fmt.Fprintln(w, "repeats: the audit log shows this action on those conversations within the repeat window; --again sends them anyway")
	}
	if s.Cancelled {
		fmt.Fprintln(w, "cancelled")
	}
	if s.Aborted != "" {
		fmt.Fprintf(w, "stopped early: %s\n", s.Aborted)
	}
	if s.Unknown > 0 {
		fmt.Fprintln(w, "unknown: those may or may not have happened; check them in Wati before sending again (--retry-unknown resends interrupted chatbot starts)")
	}
	switch {
	case s.Report != "" && s.Report != "-":
		fmt.Fprintf(w, "report: %s (every target's outcome and reason)\n", s.Report)
	case s.Report == "" && (s.Failed > 0 || s.Unknown > 0):
		fmt.Fprintln(w, "report: none kept; add --report FILE for every target's outcome and reason")
	}
	if s.Journal != "" {
		fmt.Fprintf(w, "journal: %s — %s\n", s.Journal, journalNote(s))
	}
}

func listTargets(w io.Writer, what string, n int, list []handoff.Listed) {
	if len(list) == 0 {
		return
	}
	more := ""
	if n > len(list) {
		more = fmt.Sprintf(" (first %d of %d)", len(list), n)
	}
	fmt.Fprintf(w, "%s%s:\n", what, more)
	for _, l := range list {
		line := ""
		if l.Line > 0 {
			line = fmt.Sprintf("line %d: ", l.Line)
		}
		fmt.Fprintf(w, "  %s%s [%s] %s\n", line, l.Target, l.Reason, l.Error)
	}
}

// journalNote says what the journal did this time and what it will do.
func journalNote(s handoff.Summary) string {
	var b strings.Builder
	switch s.JournalState {
	case handoff.JournalResumed:
		b.WriteString("resumed the run")
		if s.ResumedFrom != nil {
			b.WriteString(" begun " + s.ResumedFrom.Local().Format("2006-01-02 15:04"))
		}
		b.WriteString("; ")
	case handoff.JournalStarted:
		if s.EarlierEnded != nil {
			b.WriteString("the earlier run of this input had ended (" + s.EarlierEnded.Local().Format("2006-01-02 15:04") + "), so every target was sent afresh; ")
		} else {
			b.WriteString("started afresh (--fresh); ")
		}
	}
	if s.Finished {
		b.WriteString("this run ended: the same command starts afresh (--resume skips what it handed off)")
	} else {
		b.WriteString("this run did not end: run the same command again to resume (handed-off targets are skipped)")
	}
	return b.String()
}

// nameWarnings are the cached directory's verdict on the action's names
// (the warnings `handoff validate` gives, rule directory-known).
func nameWarnings(ctx context.Context, o *Options, a *action.Action) []string {
	if o.Directory == nil {
		return nil
	}
	svc, err := o.Directory()
	if err != nil || svc == nil {
		return nil
	}
	l, err := svc.List(ctx, handoff.AccountFor(a, o.Account), nil) // the cache as it is: no refresh
	if err != nil {
		return nil
	}
	var out []string
	for _, p := range l.CheckNames(a, time.Now()) {
		out = append(out, p.Message)
	}
	return out
}
