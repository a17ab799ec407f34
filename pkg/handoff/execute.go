package handoff

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/exitcode"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// Deps are what Execute needs from the outside world.
type Deps struct {
	// Client builds the Wati client of an account (cmdutil.Factory.Client).
	Client func(account string, dryRun bool) (*wati.Client, error)
	// Audit receives one record per attempted handoff; nil: none.
	Audit *AuditLog
}

// Request is one handoff as `assign ACTION --conversation TARGET` asks for it.
type Request struct {
	Action    *action.Action // loaded and valid
	Account   string         // overrides Action.Account when not empty (--account)
	Target    string         // as the user wrote it: phone, conversation id, Channel:Phone
	DryRun    bool
	KeepTeams bool
	Source    string // audit: "assign", "mcp", ...
	Note      string // audit: free text
	// Vars are placeholder values: reason, summary, name (MCP arguments, --var).
	Vars Vars
	// Guard keeps non-idempotent steps from being sent twice (nil: none).
	Guard Guard

	// Again sends a non-idempotent action (a chatbot start) even when the
	// audit log shows it went to this conversation within RepeatWindow
	// (0: DefaultRepeatWindow; negative: no check).
	Again        bool
	RepeatWindow time.Duration
}

// AccountFor is the account a request runs against: the override when
// given, else the action's own.
func AccountFor(a *action.Action, override string) string {
	if override != "" {
		return override
	}
	return a.Account
}

// Execute does exactly what `handoff assign ACTION --conversation TARGET`
// does, minus printing: parse the target (a bad one: Err with exit code 2,
// nothing sent, no audit record), build the account's client (unknown
// account or missing token: the client factory's error, exit 3 or 4), run
// the handoff and append the audit record. Result.ExitCode gives the exit
// code; Result.Message the sentence for people.
func Execute(ctx context.Context, d Deps, req Request) Result {
	start := time.Now()
	acct := AccountFor(req.Action, req.Account)
	res := Result{
		Action:   req.Action.Name,
		Account:  acct,
		Target:   req.Target,
		Assignee: req.Action.Assignee.Describe(),
		Kind:     kindOf(req.Action.Assignee),
		Requests: []wati.Request{},
	}
	fail := func(err error) Result {
		res.Err, res.Error, res.Outcome, res.Reason = err, err.Error(), OutcomeFailed, reasonOf(err)
		res.DurationMS = time.Since(start).Milliseconds()
		return res
	}
	t, note, err := wati.ParseTargetNote(req.Target)
	if err != nil {
		return fail(&usageError{err})
	}
	res.Target = t.String()
	if d.Client == nil {
		return fail(&configError{errors.New("no Wati client configured")})
	}
	c, err := d.Client(acct, req.DryRun)
	if err != nil {
		if exitCodeOf(err) == exitcode.Failure {
			err = &configError{err}
		}
		return fail(err)
	}
	guard := req.Guard
	if guard == nil && d.Audit != nil && req.Action.Ext().Message != nil {
		guard = &AuditGuard{Log: d.Audit, Action: req.Action.Name}
	}
	r := &Runner{
		Client:    c,
		Action:    req.Action,
		Account:   acct,
		KeepTeams: req.KeepTeams,
		DryRun:    req.DryRun,
		Audit:     d.Audit,
		Source:    req.Source,
		Note:      req.Note,
		Vars:      req.Vars,
		Guard:     guard,
		Again:     req.Again,
	}
	if !req.Again && !Idempotent(req.Action) {
		reps, err := LoadRepeats(d.Audit, req.Action.Name, acct, RepeatWindowOr(req.RepeatWindow), time.Now())
		if err != nil {
			// Sending without knowing could start a chatbot twice.
			return fail(&configError{fmt.Errorf("%w; give --again to send without the check", err)})
		}
		r.Repeats = reps
	}
	res = r.Run(ctx, t)
	if note != "" {
		res.Warnings = append([]string{note}, res.Warnings...)
	}
	return res
}

// RepeatWindowOr is w, or DefaultRepeatWindow when w is 0 (negative: off).
func RepeatWindowOr(w time.Duration) time.Duration {
	if w == 0 {
		return DefaultRepeatWindow
	}
	return w
}

// usageError marks a bad argument (exit 2) while keeping the cause's text.
type usageError struct{ error }

func (e *usageError) ExitCode() int  { return exitcode.Usage }
func (e *usageError) Unwrap() error  { return e.error }
func (e *usageError) Reason() string { return "invalid-target" }
