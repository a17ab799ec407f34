package handoff

import (
	"fmt"
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
	recs, _, err := g.Log.Read(AuditFilter{Since: now.Add(-w), Action: g.Action})
	if err != nil {
		return "", false, nil // no log to read yet (or unreadable): nothing known, send
	}
	for i := len(recs) - 1; i >= 0; i-- {
		r := recs[i]
		if r.Target != target {
			continue
		}
		for _, s := range r.Steps {
			if s.Step != step {
				continue
			}
			switch s.Outcome {
			case StepSent:
				return fmt.Sprintf("sent by an earlier call at %s (%s; handoff's audit log): not sent again within %s", r.Time.UTC().Format(time.RFC3339), s.Detail, durText(w)), false, nil
			case StepUnknown:
				return fmt.Sprintf("an earlier call at %s may have sent it (outcome unknown): not sent again within %s; check the conversation in Wati", r.Time.UTC().Format(time.RFC3339), durText(w)), true, nil
			}
		}
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
