package handoff

import (
	"fmt"
	"sync"
	"time"

	"github.com/handoff-dev/handoff/pkg/action"
)

// DefaultMessageWindow is how long a message sent to a conversation keeps a
// later call of the same action from sending it again: WhatsApp's customer
// service window.
const DefaultMessageWindow = 24 * time.Hour

// AuditGuard keeps one-off handoffs (assign --conversation, MCP calls) from
// sending an action's message twice to one conversation: before sending,
// it looks in the audit log for a handoff of the same action and target,
// within Window, whose message was sent (skipped now) or whose outcome is
// unknown (reported unknown, not resent). An agent retrying a call that
// succeeded, or a person running the command twice, sends it once.
//
// The audit log is written when a handoff ends: a process killed while
// sending leaves no record, so that one send is not covered (batches are:
// their journal records each step before it is sent).
type AuditGuard struct {
	Log    *AuditLog
	Action string
	Window time.Duration // 0: DefaultMessageWindow
	Now    func() time.Time

	once sync.Once
	last map[string]sentRecord // by target: the newest message step in the window
}

type sentRecord struct {
	at      time.Time
	outcome string
	detail  string
}

// load reads the audit log once (a batch asks for every target).
func (g *AuditGuard) load(now time.Time, w time.Duration) {
	g.once.Do(func() {
		g.last = map[string]sentRecord{}
		recs, _, err := g.Log.Read(AuditFilter{Since: now.Add(-w), Action: g.Action})
		if err != nil {
			return // no log to read yet (or unreadable): nothing known
		}
		for _, r := range recs { // oldest first: the newest wins
			for _, s := range r.Steps {
				if s.Step == action.StepMessage && (s.Outcome == StepSent || s.Outcome == StepUnknown) {
					g.last[r.Target] = sentRecord{at: r.Time, outcome: s.Outcome, detail: s.Detail}
				}
			}
		}
	})
}

// Before implements Guard.
func (g *AuditGuard) Before(target, step string) (string, bool, error) {
	if g == nil || g.Log == nil || step != action.StepMessage {
		return "", false, nil
	}
	now := time.Now()
	if g.Now != nil {
		now = g.Now()
	}
	w := g.Window
	if w <= 0 {
		w = DefaultMessageWindow
	}
	g.load(now, w)
	r, ok := g.last[target]
	switch {
	case !ok:
	case r.outcome == StepSent:
		return fmt.Sprintf("sent by an earlier call at %s (%s; handoff's audit log): not sent again within %s", r.at.UTC().Format(time.RFC3339), r.detail, durText(w)), false, nil
	default:
		return fmt.Sprintf("an earlier call at %s may have sent it (outcome unknown): not sent again within %s; check the conversation in Wati", r.at.UTC().Format(time.RFC3339), durText(w)), true, nil
	}
	return "", false, nil
}

// After implements Guard: the audit record written at the end of the
// handoff is the memory.
func (g *AuditGuard) After(target, step, outcome string) error { return nil }

// durText shows 24h as "24h", not "24h0m0s".
func durText(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return d.String()
}

// guards runs several guards: the first that says "do not send" wins.
type guards []Guard

func (gs guards) Before(target, step string) (string, bool, error) {
	for _, g := range gs {
		if note, unknown, err := g.Before(target, step); note != "" || err != nil {
			return note, unknown, err
		}
	}
	return "", false, nil
}

func (gs guards) After(target, step, outcome string) error {
	var first error
	for _, g := range gs {
		if err := g.After(target, step, outcome); err != nil && first == nil {
			first = err
		}
	}
	return first
}
