// Package conversation answers "who holds this conversation now?" and hands
// a conversation back to the bot. It reads what Wati documents (a
// conversation's messages, whose events carry owner, operator_name,
// assigned_id, event_type and created; a contact's teams) and handoff's own
// audit log; it never prints.
//
// Wati has no route that returns a conversation's assignee, so the answer is
// read from evidence, newest first:
//
//  1. the newest event of the conversation carries an assigned_id (or an
//     operator_name): that operator holds it, since the oldest event of the
//     newest run with that operator;
//  2. else the last handoff this machine recorded for the target: a team
//     (if the contact still has that team), a user (unless events after it
//     show no operator: someone handed it back in Wati) or a bot;
//  3. else the bot has it (a conversation nobody handed off).
package conversation

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/handoff-dev/handoff/pkg/handoff"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// Holder values.
const (
	HolderHuman = "human"
	HolderBot   = "bot"
)

// Assignee types in a Status.
const (
	TypeOperator = "operator" // a person, by Wati operator
	TypeTeam     = "team"     // a team's queue
	TypeBot      = "bot"      // the workspace's bot operator
	TypeChatbot  = "chatbot"  // a chatbot (flow) was started
)

// Verdicts, the sentence an agent acts on.
const (
	VerdictHuman = "a human has it, do not reply"
	VerdictBot   = "the bot has it"
)

// Holder is who holds the conversation.
type Holder struct {
	Type  string   `json:"type"`            // operator | team | bot | chatbot
	Name  string   `json:"name,omitempty"`  // operator display name, team or chatbot name
	Email string   `json:"email,omitempty"` // operator email, when known
	ID    string   `json:"id,omitempty"`    // Wati's assigned_id, or the chatbot id
	Teams []string `json:"teams,omitempty"` // team holder: the teams
}

// Status is the answer of Check; `status --json` and the MCP tool print it.
type Status struct {
	Account        string      `json:"account"`
	Target         string      `json:"target"`
	ConversationID string      `json:"conversation_id,omitempty"`
	Holder         string      `json:"holder"` // human | bot
	Human          bool        `json:"human"`
	Verdict        string      `json:"verdict"`
	Assignee       Holder      `json:"assignee"`
	Since          *time.Time  `json:"since,omitempty"`
	Teams          []string    `json:"teams"`        // the contact's teams now (empty when unknown)
	TeamsKnown     bool        `json:"teams_known"`  // false: the contact could not be read (v1, conversation id)
	LastHandoff    *LastRecord `json:"last_handoff"` // null: none recorded on this machine
	LastEvent      *Event      `json:"last_event"`   // the newest event Wati returned (null: none or v1)
	Evidence       string      `json:"evidence"`     // what the answer rests on, in words
	Requests       int         `json:"requests"`     // Wati calls made
	Warnings       []string    `json:"warnings,omitempty"`
	CheckedAt      time.Time   `json:"checked_at"`
}

// LastRecord is the last handoff or release of the audit log for the target.
type LastRecord struct {
	Time     time.Time `json:"time"`
	Action   string    `json:"action,omitempty"`
	Kind     string    `json:"kind"` // operator | teams | bot-operator | chatbot | release
	Assignee string    `json:"assignee"`
	Outcome  string    `json:"outcome"`
	Source   string    `json:"source,omitempty"`
}

// Event is one message or event of the conversation, as Wati gave it.
type Event struct {
	ID           string    `json:"id,omitempty"`
	Created      time.Time `json:"created"`
	EventType    string    `json:"event_type,omitempty"`
	Owner        bool      `json:"owner"`
	OperatorName string    `json:"operator_name,omitempty"`
	AssignedID   string    `json:"assigned_id,omitempty"`

	ConversationID string `json:"-"`
}

// Deps are what Check and Release need.
type Deps struct {
	Client func(account string, dryRun bool) (*wati.Client, error)
	Audit  *handoff.AuditLog // nil: no audit log
	Now    func() time.Time
}

func (d Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// statusPage is how many of the newest events Check reads (one call).
const statusPage = 50

// Check answers who holds target on account ("" = the default account).
// Errors: a bad target (exit 2), the client's (unknown account, token), and
// Wati's (404 conversation not found, 401/403, unavailable).
func Check(ctx context.Context, d Deps, accountName, target string) (Status, error) {
	t, err := wati.ParseTarget(target)
	if err != nil {
		return Status{}, err
	}
	c, err := d.Client(accountName, false)
	if err != nil {
		return Status{}, err
	}
	acct := accountName
	if acct == "" {
		acct = c.Account()
	}
	st := Status{Account: acct, Target: t.String(), Teams: []string{}, CheckedAt: d.now().UTC()}

	last, err := lastRecord(d.Audit, acct, t)
	if err != nil {
		st.Warnings = append(st.Warnings, "audit log: "+err.Error())
	}
	if last != nil {
		st.LastHandoff = &LastRecord{Time: last.Time, Action: last.Action, Kind: KindOf(*last), Assignee: last.Assignee, Outcome: last.Outcome, Source: last.Source}
	}

	var events []Event
	if c.API() == "v3" {
		msgs, err := c.ListMessages(ctx, t, 1, statusPage)
		st.Requests++
		if err != nil {
			return st, err
		}
		events = Events(msgs)
		if t.Phone != "" {
			ct, err := c.GetContact(ctx, t)
			st.Requests++
			switch {
			case err == nil:
				st.Teams, st.TeamsKnown = ct.Teams, true
			case isAuthOrUnavailable(err):
				return st, err
			default:
				st.Warnings = append(st.Warnings, "contact teams unknown: "+err.Error())
			}
		}
	} else {
		st.Warnings = append(st.Warnings, "the account uses Wati's v1 API, which documents no route to read messages: the answer rests on the audit log only")
	}
	decide(&st, events, last)
	return st, nil
}

func isAuthOrUnavailable(err error) bool {
	var we *wati.Error
	if !errors.As(err, &we) {
		return errors.Is(err, context.Canceled)
	}
	switch we.Kind {
	case wati.KindUnauthorized, wati.KindRateLimited, wati.KindUnavailable:
		return true
	}
	return false
}

// Events turns Wati's messages into events, oldest first; messages
// without a readable created time are left out.
func Events(msgs []wati.Message) []Event {
	out := make([]Event, 0, len(msgs))
	for _, m := range msgs {
		ts, ok := ParseCreated(m.Created)
		if !ok {
			continue
		}
		out = append(out, Event{ID: m.ID, Created: ts, EventType: m.EventType, Owner: m.Owner,
			OperatorName: strings.TrimSpace(m.OperatorName), AssignedID: strings.TrimSpace(m.AssignedID), ConversationID: m.ConversationID})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out
}

// ParseCreated reads Wati's created (date-time; with or without a zone).
func ParseCreated(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func hasOperator(e Event) bool { return e.AssignedID != "" || e.OperatorName != "" }

func sameOperator(a, b Event) bool {
	if a.AssignedID != "" || b.AssignedID != "" {
		return a.AssignedID == b.AssignedID
	}
	return a.OperatorName == b.OperatorName
}

// decide fills Holder, Assignee, Since, Verdict and Evidence.
func decide(st *Status, events []Event, last *handoff.AuditRecord) {
	if n := len(events); n > 0 {
		e := events[n-1]
		st.LastEvent = &e
		if st.ConversationID == "" {
			st.ConversationID = conversationIDOf(events)
		}
		if hasOperator(e) {
			since := e.Created
			name := e.OperatorName
			for i := n - 1; i >= 0 && hasOperator(events[i]) && sameOperator(events[i], e); i-- {
				since = events[i].Created
				if name == "" {
					name = events[i].OperatorName
				}
			}
			h := Holder{Type: TypeOperator, Name: name, ID: e.AssignedID}
			// The email comes from our own handoff when the operator's run
			// of events began with it (Wati's events name no email).
			if last != nil && KindOf(*last) == "operator" && last.OK && absDuration(since.Sub(last.Time)) <= emailSlack {
				h.Email = last.Assignee
			}
			st.setHuman(h, since, "the newest event of the conversation in Wati names its operator")
			return
		}
	}
	if last != nil && last.OK {
		after := eventsAfter(events, last.Time)
		switch KindOf(*last) {
		case "teams":
			teams := last.Teams
			if len(teams) == 0 {
				teams = teamsIn(last.Assignee)
			}
			if st.TeamsKnown && !anyIn(teams, st.Teams) {
				break // the contact left the team since: fall through to the bot
			}
			t := last.Time
			st.setHuman(Holder{Type: TypeTeam, Name: strings.Join(teams, ", "), Teams: teams}, t,
				"the last handoff recorded on this machine went to the team, and the contact is still in it")
			return
		case "operator":
			if after > 0 {
				break // Wati's events since show no operator: handed back in Wati
			}
			t := last.Time
			st.setHuman(Holder{Type: TypeOperator, Email: last.Assignee}, t,
				"the last handoff recorded on this machine went to this operator (Wati shows no later event)")
			return
		case "chatbot":
			t := last.Time
			st.setBot(Holder{Type: TypeChatbot, Name: last.Assignee}, &t, "the last handoff recorded on this machine started this chatbot")
			return
		case "bot-operator", "release":
			t := last.Time
			st.setBot(Holder{Type: TypeBot, Name: "the bot operator"}, &t, "the last handoff recorded on this machine gave it to the bot")
			return
		}
	}
	var since *time.Time
	if n := len(events); n > 0 {
		// The bot has held it since the newest event that named an operator.
		for i := n - 1; i >= 0; i-- {
			if hasOperator(events[i]) {
				if i+1 < n {
					t := events[i+1].Created
					since = &t
				}
				break
			}
		}
	}
	st.setBot(Holder{Type: TypeBot, Name: "the bot operator"}, since, "no event names an operator and no handoff to a person is recorded")
}

// emailSlack is how far apart our handoff and the first event of the
// operator's run may be (clocks of this machine and Wati differ).
const emailSlack = 2 * time.Minute

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func (st *Status) setHuman(h Holder, since time.Time, why string) {
	st.Holder, st.Human, st.Verdict, st.Assignee, st.Evidence = HolderHuman, true, VerdictHuman, h, why
	s := since.UTC()
	st.Since = &s
}

func (st *Status) setBot(h Holder, since *time.Time, why string) {
	st.Holder, st.Human, st.Verdict, st.Assignee, st.Evidence = HolderBot, false, VerdictBot, h, why
	if since != nil {
		s := since.UTC()
		st.Since = &s
	}
}

func conversationIDOf(events []Event) string {
	for i := len(events) - 1; i >= 0; i-- {
		if id := events[i].ConversationID; id != "" {
			return id
		}
	}
	return ""
}

func eventsAfter(events []Event, t time.Time) int {
	n := 0
	for _, e := range events {
		if e.Created.After(t) {
			n++
		}
	}
	return n
}

func anyIn(want, have []string) bool {
	for _, w := range want {
		for _, h := range have {
			if strings.EqualFold(w, h) {
				return true
			}
		}
	}
	return false
}

// teamsIn reads the team of an Assignee text "the Billing team".
func teamsIn(assignee string) []string {
	s := strings.TrimSuffix(strings.TrimPrefix(assignee, "the "), " team")
	if s == "" {
		return nil
	}
	return []string{s}
}

// KindOf is what a record did: operator, teams, chatbot, bot-operator or
// release. Records written before the kind was recorded are read from
// their assignee text.
func KindOf(r handoff.AuditRecord) string {
	if r.Kind != "" {
		return r.Kind
	}
	a := r.Assignee
	switch {
	case strings.HasPrefix(a, "the ") && strings.HasSuffix(a, " team"):
		return "teams"
	case a == "the bot operator":
		return "bot-operator"
	case strings.HasPrefix(a, "chatbot "):
		return "chatbot"
	case strings.Contains(a, "@"):
		return "operator"
	}
	return ""
}

// SameTarget reports whether an audit record's target is t: the same
// conversation id, or the same phone (a channel on one side only matches
// any channel).
func SameTarget(recTarget string, t wati.Target) bool {
	rt, err := wati.ParseTarget(recTarget)
	if err != nil {
		return false
	}
	if rt.ConversationID != "" || t.ConversationID != "" {
		return rt.ConversationID == t.ConversationID
	}
	if rt.Phone != t.Phone {
		return false
	}
	return rt.Channel == "" || t.Channel == "" || strings.EqualFold(rt.Channel, t.Channel)
}

// lastRecord is the newest successful handoff or release of t on acct.
func lastRecord(l *handoff.AuditLog, acct string, t wati.Target) (*handoff.AuditRecord, error) {
	if l == nil {
		return nil, nil
	}
	recs, _, err := l.Read(handoff.AuditFilter{})
	if err != nil {
		return nil, err
	}
	for i := len(recs) - 1; i >= 0; i-- {
		r := recs[i]
		if !r.OK || (acct != "" && r.Account != acct) || !SameTarget(r.Target, t) {
			continue
		}
		return &r, nil
	}
	return nil, nil
}
