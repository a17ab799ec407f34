package handoff

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/exitcode"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// Outcomes of one handoff.
const (
	OutcomeAssigned = "assigned" // Wati accepted the handoff
	OutcomeDryRun   = "dry-run"  // nothing was sent
	OutcomeFailed   = "failed"   // Wati refused it, or it could not be sent
	OutcomeUnknown  = "unknown"  // a write may or may not have happened
	OutcomeSkipped  = "skipped"  // not sent on purpose: a duplicate, done earlier (journal), a repeat
	OutcomeNotSent  = "not-sent" // never sent (cancelled, or the batch stopped first): safe to send
)

// Result is the outcome of one handoff; `assign --json`, the batch report
// and the MCP tool result all carry these fields.
type Result struct {
	Action     string         `json:"action"`
	Account    string         `json:"account"`
	Target     string         `json:"target"`
	Assignee   string         `json:"assignee"`
	API        string         `json:"api"`
	Requests   []wati.Request `json:"requests"`
	OK         bool           `json:"ok"`
	Outcome    string         `json:"outcome"` // assigned | dry-run | failed | unknown | not-sent | skipped
	Error      string         `json:"error,omitempty"`
	DurationMS int64          `json:"duration_ms"`
	Replaced   []string       `json:"replaced_teams,omitempty"`
	Err        error          `json:"-"`

	// Added fields (optional in every consumer).

	// Teams is the contact's team set after a team handoff (the new team,
	// plus the kept ones with keep-teams).
	Teams []string `json:"teams,omitempty"`
	// Kind names what was done: "operator", "bot-operator", "chatbot",
	// "teams".
	Kind string `json:"kind,omitempty"`
	// Line is the input line of a batch target (1-based); 0 outside batches.
	Line int `json:"line,omitempty"`
	// Reason says why it did not simply succeed, in one vocabulary
	// (reasons.go, docs/assign.md): "invalid-target", "not-found",
	// "cancelled", "repeat", ...
	Reason string `json:"reason,omitempty"`
	// Warnings are things the user should know that did not stop the handoff.
	Warnings []string `json:"warnings,omitempty"`

	// Steps are the steps of the action, in the order they ran: assign,
	// then status, context and message when the file has them.
	Steps []StepResult `json:"steps,omitempty"`
	// Tried lists the assignees tried when the action has fallbacks: which
	// one took the conversation, and why the ones before could not.
	Tried []AssigneeTry `json:"assignees_tried,omitempty"`
	// Calls is how many requests were sent to Wati (every attempt counts
	// against the monthly quota); in a dry run, the reads it sent.
	Calls int `json:"calls"`
	// PlannedCalls is, in a dry run, how many calls the handoff would make
	// (the reads sent plus the writes shown).
	PlannedCalls int `json:"planned_calls,omitempty"`
	// Estimate is, in a dry run, the calls of one such handoff, usual and
	// at most (every fallback tried, a closed window).
	Estimate *Budget `json:"estimate,omitempty"`

	// teamsUnknown: the contact's current teams could not be read, so
	// the message must not claim it has no other team.
	teamsUnknown bool
}

// ExitCode is the process exit code this result maps to (design.md):
// 0 when it succeeded or was a dry run, 8 when it was handed off but a
// later step failed, else the code of its error.
func (r Result) ExitCode() int {
	if r.OK {
		return 0
	}
	if r.Outcome == OutcomePartial {
		return exitcode.Partial
	}
	return exitCodeOf(r.Err)
}

// Message is the one line a person reads: what happened, who owns the
// conversation now, and that the AI agent must stop replying to it.
func (r Result) Message() string {
	who := r.Assignee
	replaced := ""
	if len(r.Replaced) > 0 {
		replaced = " (replacing its teams " + strings.Join(r.Replaced, ", ") + ")"
	}
	kept := ""
	if r.Kind == "teams" && len(r.Teams) > 1 {
		kept = " (teams now " + strings.Join(r.Teams, ", ") + ")"
	}
	msg := r.baseMessage(who, replaced, kept)
	if extra := r.StepsSummary(); extra != "" {
		msg += " " + extra
	}
	return msg
}

func (r Result) baseMessage(who, replaced, kept string) string {
	switch r.Outcome {
	case OutcomePartial:
		return fmt.Sprintf("Partly done: %s was assigned to %s, and %s owns the conversation now (the AI agent must stop replying to it), but %s.", r.Target, who, who, stepProblem(r.Steps))
	case OutcomeAssigned:
		switch r.Kind {
		case "chatbot":
			return fmt.Sprintf("Started %s on %s; the chatbot owns the conversation now, and the AI agent must stop replying to it.", who, r.Target)
		case "teams":
			return fmt.Sprintf("Assigned %s to %s%s%s; %s owns the conversation now, and the AI agent must stop replying to it.", r.Target, who, replaced, kept, who)
		default:
			return fmt.Sprintf("Assigned %s to %s; %s owns the conversation now, and the AI agent must stop replying to it.", r.Target, who, who)
		}
	case OutcomeDryRun:
		verb := "assign " + r.Target + " to " + who
		if r.Kind == "chatbot" {
			verb = "start " + who + " on " + r.Target
		}
		note := ""
		if r.Kind == "teams" {
			switch {
			case len(r.Replaced) > 0:
				note = " (it would replace the contact's teams " + strings.Join(r.Replaced, ", ") + ")"
			case len(r.Teams) > 1:
				note = " (keeping its teams: they would be " + strings.Join(r.Teams, ", ") + ")"
			case r.teamsUnknown:
				note = " (Wati replaces the contact's teams; its current teams could not be read)"
			default:
				note = " (Wati replaces the contact's teams; it has no other team now)"
			}
		}
		return fmt.Sprintf("Dry run: nothing was sent. This would %s%s; the AI agent would then stop replying to it.", verb, note)
	case OutcomeUnknown:
		return fmt.Sprintf("Outcome unknown for %s: the request to hand it to %s may or may not have reached Wati (%s). Check the conversation in Wati before retrying; the AI agent should stop replying until then.", r.Target, who, r.Error)
	case OutcomeSkipped:
		return fmt.Sprintf("Skipped %s: %s.", r.Target, r.Error)
	case OutcomeNotSent:
		return fmt.Sprintf("Not sent to %s: %s. Nothing changed in Wati; the AI agent still owns the conversation.", r.Target, r.Error)
	default:
		return fmt.Sprintf("Handoff of %s to %s failed: %s. The AI agent still owns the conversation.", r.Target, who, r.Error)
	}
}

// Runner runs one action with one client. A Runner is cheap: build one per
// call when Note or Source differ. It is safe for concurrent use by the
// batch workers as long as its fields are not changed.
type Runner struct {
	Client    *wati.Client
	Action    *action.Action
	Account   string
	KeepTeams bool // also implied by assignee.keep_teams in the action file
	DryRun    bool

	// Audit, when set, receives one record per handoff that was attempted
	// (not for dry runs).
	Audit *AuditLog
	// Source is recorded in the audit log: "assign", "batch", "mcp".
	Source string
	// Note is free text recorded in the audit log (for example the reason
	// an agent gave).
	Note string

	// Vars are placeholder values given by the caller (reason, summary, name).
	Vars Vars
	// Guard, when set, keeps non-idempotent steps from being sent twice.
	Guard Guard
	// Now is the clock ({{now}}); nil = time.Now.
	Now func() time.Time
	// Repeats, when set, refuses a non-idempotent send (see Idempotent)
	// to a conversation it holds: the result is skipped, reason "repeat",
	// nothing sent. Again turns the check off.
	Repeats *Repeats
	Again   bool
}

// Run hands one conversation off: it performs design.md's mapping (user →
// assign operator; bot with an id → start chatbot; bot without → assign
// operator with a null email; team → contacts/teams, reading the contact
// first to keep or name its other teams), times it, and appends the audit
// record. It never prints.
func (r *Runner) Run(ctx context.Context, t wati.Target) Result {
	start := time.Now()
	a := r.Action.Assignee
	res := Result{
		Action:   r.Action.Name,
		Account:  r.Account,
		Target:   t.String(),
		Assignee: a.Describe(),
		API:      r.Client.API(),
		Kind:     kindOf(a),
	}
	if !r.Again && !Idempotent(r.Action) {
		if rec, ok := r.Repeats.Check(res.Target); ok {
			if !r.DryRun {
				res = r.repeatResult(res.Target, rec, r.Repeats.Window)
				r.audit(&res)
				return res
			}
			res.Warnings = append(res.Warnings, "not a dry run, this would be refused: "+r.repeatResult(res.Target, rec, r.Repeats.Window).Error)
		}
	}
	rctx, recorded := wati.RecordRequests(ctx)
	err := r.runSteps(rctx, t, &res)
	res.DurationMS = time.Since(start).Milliseconds()
	res.Requests = recorded()
	if res.Requests == nil {
		res.Requests = []wati.Request{}
	}
	res.Calls = sentCalls(res.Requests)
	if r.DryRun {
		res.PlannedCalls = len(res.Requests)
		est := EstimateCalls(r.Action, r.Client.API(), r.Vars["name"] != "", 0)
		res.Estimate = &est
	}
	if !r.Action.HasExtras() {
		res.Steps = nil // a plain action's result stays as it was
	}
	r.finish(&res, err)
	r.audit(&res)
	return res
}

// audit appends the result's record to the audit log (not for dry runs).
// The audit log is best effort: a full disk must not turn a handoff that
// happened into one reported as failed.
func (r *Runner) audit(res *Result) {
	if r.Audit == nil || r.DryRun {
		return
	}
	rec := recordOf(*res, r.Source, r.Note)
	if len(r.Vars) > 0 {
		rec.Vars = r.Vars
	}
	if aerr := r.Audit.Append(rec); aerr != nil {
		res.Warnings = append(res.Warnings, "audit log: "+aerr.Error())
	}
}

func (r *Runner) finish(res *Result, err error) {
	switch {
	case err == nil && r.DryRun:
		res.OK, res.Outcome = true, OutcomeDryRun
	case err == nil && partial(res.Steps):
		res.Outcome, res.Reason = OutcomePartial, ReasonPartial
		res.Error = stepProblem(res.Steps)
	case err == nil:
		res.OK, res.Outcome = true, OutcomeAssigned
	default:
		res.Err = err
		res.Error = err.Error()
		res.Reason = reasonOf(err)
		switch {
		case errors.Is(err, context.Canceled) && wati.MayHaveBeenSent(err):
			res.Outcome = OutcomeUnknown // Ctrl-C came while the write was on its way
		case errors.Is(err, context.Canceled):
			res.Outcome = OutcomeNotSent
		case exitCodeOf(err) == exitcode.Unknown:
			res.Outcome = OutcomeUnknown
		default:
			res.Outcome = OutcomeFailed
		}
	}
}

func kindOf(a action.Assignee) string {
	switch a.Type {
	case action.User:
		return "operator"
	case action.Team:
		return "teams"
	case action.Bot:
		if a.BotID != "" {
			return "chatbot"
		}
		return "bot-operator"
	}
	return ""
}

// targetUse is what the assignee's route takes as its target.
func targetUse(a action.Assignee) wati.Use {
	switch {
	case a.Type == action.Team:
		return wati.UseContact
	case a.Type == action.Bot && a.BotID != "":
		return wati.UseChatbot
	}
	return wati.UseConversation
}

// assignTeamAs reads the contact's teams first: with keep-teams they are
// sent along with the new one; without, the result names the ones replaced.
// got receives the contact read (nil when it could not be read).
func (r *Runner) assignTeamAs(ctx context.Context, t wati.Target, a action.Assignee, res *Result, got func(*wati.Contact)) error {
	contact, err := r.Client.GetContact(ctx, t)
	switch {
	case err == nil && contact != nil:
	case ctx.Err() != nil:
		return ctx.Err()
	case r.KeepTeams || a.KeepTeams:
		return fmt.Errorf("reading the contact's teams to keep them: %w", err)
	case exitCodeOf(err) == exitcode.NotFound, exitCodeOf(err) == exitcode.Auth:
		// A refused token stops the handoff at once: the PUT would be
		// refused too (one request sent, not two).
		return err
	default:
		contact = nil
		res.Warnings = append(res.Warnings, "could not read the contact's current teams, so the ones replaced are not known: "+err.Error())
		res.teamsUnknown = true
	}
	if got != nil {
		got(contact)
	}
	return r.assignTeamWith(ctx, t, a, res, contact)
}

// assignTeamWith sends the team set, given the contact as read (nil: unknown).
func (r *Runner) assignTeamWith(ctx context.Context, t wati.Target, a action.Assignee, res *Result, contact *wati.Contact) error {
	team := a.Team
	keep := r.KeepTeams || a.KeepTeams
	var current []string
	if contact != nil {
		current = contact.Teams
	} else if keep {
		return errors.New("reading the contact's teams to keep them: the contact could not be read")
	}
	teams := []string{team}
	for _, old := range current {
		if strings.EqualFold(strings.TrimSpace(old), strings.TrimSpace(team)) || strings.TrimSpace(old) == "" {
			continue
		}
		if keep {
			if !containsFold(teams, old) {
				teams = append(teams, old)
			}
		} else if !containsFold(res.Replaced, old) {
			res.Replaced = append(res.Replaced, old)
		}
	}
	if len(teams) > 100 {
		return &refusedError{fmt.Errorf("the contact would have %d teams; Wati accepts at most 100", len(teams))}
	}
	res.Teams = teams
	return r.Client.AssignTeams(ctx, t, teams)
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func exitCodeOf(err error) int {
	if err == nil {
		return exitcode.OK
	}
	var c interface{ ExitCode() int }
	if errors.As(err, &c) {
		return c.ExitCode()
	}
	if errors.Is(err, context.Canceled) {
		return exitcode.Cancel
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return exitcode.Unknown
	}
	return exitcode.Failure
}

type configError struct{ error }

func (e *configError) ExitCode() int  { return exitcode.Config }
func (e *configError) Unwrap() error  { return e.error }
func (e *configError) Reason() string { return "configuration" }

type refusedError struct{ error }

func (e *refusedError) ExitCode() int { return exitcode.Failure }
func (e *refusedError) Unwrap() error { return e.error }
