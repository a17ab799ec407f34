package handoff

import (
	"fmt"
	"time"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/exitcode"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// DefaultRepeatWindow is how long after a non-idempotent send (a chatbot
// start) the same action on the same conversation is refused as a repeat.
const DefaultRepeatWindow = 10 * time.Minute

// Idempotent reports whether sending the action twice to one conversation
// leaves Wati as sending it once does. Assigning an operator or teams is a
// PUT: idempotent. Starting a chatbot is not: it runs twice. Steps added
// later (messages) must be declared here.
func Idempotent(a *action.Action) bool {
	return a.Assignee.Type != action.Bot || a.Assignee.BotID == ""
}

// Repeats answers, from the audit log, "did this action go to this
// conversation lately?" for one action and account. Only records whose
// outcome says the send may have happened count (assigned, unknown); a
// refusal, a dry run or a send that never left does not. (partial: handed
// off, a later step failed: counts.)
//
// What this guarantees: a second `handoff assign` (single, batch or MCP)
// on this machine and state folder, started after the first one's record
// was written, does not send within the window without --again. What it
// does not: two commands sending at the same instant, sends made from
// another machine, another state folder (HANDOFF_STATE_DIR) or Wati's own
// interface, and audit logs removed or rotated out (10 MiB × 5 files).
type Repeats struct {
	Window time.Duration
	last   map[string]AuditRecord // by target
}

// LoadRepeats reads the records of actionName on account from the last
// window of l. A nil log or a window <= 0 gives an empty set (no checks).
func LoadRepeats(l *AuditLog, actionName, account string, window time.Duration, now time.Time) (*Repeats, error) {
	r := &Repeats{Window: window, last: map[string]AuditRecord{}}
	if l == nil || window <= 0 {
		return r, nil
	}
	recs, _, err := l.Read(AuditFilter{Since: now.Add(-window), Action: actionName})
	if err != nil {
		return r, fmt.Errorf("reading the audit log for repeats: %w", err)
	}
	for _, rec := range recs {
		if rec.Account != account || (rec.Outcome != OutcomeAssigned && rec.Outcome != OutcomeUnknown && rec.Outcome != OutcomePartial) {
			continue
		}
		r.last[rec.Target] = rec // oldest first: the newest wins
	}
	return r, nil
}

// Check returns the latest record of the action on target within the
// window, if any.
func (r *Repeats) Check(target string) (AuditRecord, bool) {
	if r == nil {
		return AuditRecord{}, false
	}
	rec, ok := r.last[target]
	return rec, ok
}

// Len is the number of conversations in the window.
func (r *Repeats) Len() int {
	if r == nil {
		return 0
	}
	return len(r.last)
}

// RepeatError refuses a non-idempotent send that the audit log shows was
// made (or may have been) within the window: exit 1, reason "repeat".
type RepeatError struct {
	Action string
	Target string
	Last   AuditRecord
	Window time.Duration
	Now    time.Time
}

func (e *RepeatError) Error() string {
	what := "ran"
	if e.Last.Outcome == OutcomeUnknown {
		what = "may have run (outcome unknown)"
	}
	ago := e.Now.Sub(e.Last.Time).Round(time.Second)
	return fmt.Sprintf("%s %s on %s %s ago (%s, audit log); not sent again within %s",
		e.Action, what, e.Target, ago, e.Last.Time.UTC().Format("15:04:05 UTC"), e.Window)
}

func (e *RepeatError) ExitCode() int  { return exitcode.Failure }
func (e *RepeatError) Reason() string { return ReasonRepeat }
func (e *RepeatError) Hint() string {
	return fmt.Sprintf("A chatbot started twice runs twice. Check the conversation in Wati; to send it anyway add --again, or wait until %s.",
		e.Last.Time.Add(e.Window).UTC().Format("15:04:05 UTC"))
}

// repeatResult is the result of a refused repeat: skipped, nothing sent.
func (r *Runner) repeatResult(t string, rec AuditRecord, window time.Duration) Result {
	err := &RepeatError{Action: r.Action.Name, Target: t, Last: rec, Window: window, Now: time.Now()}
	return Result{
		Action: r.Action.Name, Account: r.Account, Target: t,
		Assignee: r.Action.Assignee.Describe(), API: r.Client.API(), Kind: kindOf(r.Action.Assignee),
		Requests: []wati.Request{}, Outcome: OutcomeSkipped, Reason: ReasonRepeat,
		Err: err, Error: err.Error(),
	}
}
