package conversation

import (
	"testing"
	"time"

	"github.com/handoff-dev/handoff/pkg/handoff"
	"github.com/handoff-dev/handoff/pkg/wati"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func ev(min int, assigned, name string) Event {
	return Event{Created: at(min), AssignedID: assigned, OperatorName: name, EventType: "message"}
}

func rec(min int, kind, assignee string, teams ...string) *handoff.AuditRecord {
	return &handoff.AuditRecord{Time: at(min), Kind: kind, Assignee: assignee, OK: true, Outcome: "assigned", Teams: teams}
}

func TestDecide(t *testing.T) {
	cases := []struct {
		name       string
		events     []Event
		last       *handoff.AuditRecord
		teams      []string
		teamsKnown bool
		human      bool
		typ, who   string
		email      string
		since      int // minutes; -1: no since
	}{
		{name: "nothing at all: the bot", human: false, typ: TypeBot, since: -1},
		{name: "customer and bot messages only", events: []Event{ev(1, "", ""), ev(2, "", "")}, typ: TypeBot, since: -1},
		{name: "newest event names an operator, since the first of the run",
			events: []Event{ev(1, "", ""), ev(2, "op1", "Maria"), ev(3, "op1", ""), ev(4, "op1", "Maria")},
			human:  true, typ: TypeOperator, who: "Maria", since: 2},
		{name: "another operator took over: since their first event",
			events: []Event{ev(2, "op1", "Maria"), ev(5, "op2", "Sam"), ev(6, "op2", "")},
			human:  true, typ: TypeOperator, who: "Sam", since: 5},
		{name: "email from our handoff when the run began with it",
			events: []Event{ev(2, "op1", "Maria"), ev(3, "op1", "")}, last: rec(2, "operator", "maria@acme.com"),
			human: true, typ: TypeOperator, who: "Maria", email: "maria@acme.com", since: 2},
		{name: "no email when another operator's run began long after our handoff",
			events: []Event{ev(2, "op1", "Maria"), ev(30, "op2", "Sam")}, last: rec(2, "operator", "maria@acme.com"),
			human: true, typ: TypeOperator, who: "Sam", since: 30},
		{name: "released in Wati: the newest event names nobody, then the bot since then",
			events: []Event{ev(2, "op1", "Maria"), ev(9, "", "")}, typ: TypeBot, since: 9},
		{name: "team handoff, contact still in the team",
			events: []Event{ev(1, "", "")}, last: rec(3, "teams", "the Billing team", "Billing"), teams: []string{"Billing"}, teamsKnown: true,
			human: true, typ: TypeTeam, who: "Billing", since: 3},
		{name: "team handoff, contact moved out of the team since",
			last: rec(3, "teams", "the Billing team", "Billing"), teams: []string{"Sales"}, teamsKnown: true, typ: TypeBot, since: -1},
		{name: "team handoff of an old record without kind or teams",
			last: &handoff.AuditRecord{Time: at(3), Assignee: "the Billing team", OK: true}, teams: []string{"Billing"}, teamsKnown: true,
			human: true, typ: TypeTeam, who: "Billing", since: 3},
		{name: "user handoff, Wati shows nothing after it (v1): the audit log decides",
			last: rec(3, "operator", "maria@acme.com"), human: true, typ: TypeOperator, email: "maria@acme.com", since: 3},
		{name: "user handoff, later events without operator: handed back in Wati",
			events: []Event{ev(4, "", "")}, last: rec(3, "operator", "maria@acme.com"), typ: TypeBot, since: -1},
		{name: "release", events: []Event{ev(2, "op1", "Maria"), ev(4, "", "")}, last: rec(4, "release", "the bot operator"), typ: TypeBot, since: 4},
		{name: "chatbot", last: rec(4, "chatbot", "chatbot Returns flow (607f)"), typ: TypeChatbot, who: "chatbot Returns flow (607f)", since: 4},
		{name: "a failed handoff is no evidence", last: &handoff.AuditRecord{Time: at(3), Kind: "operator", Assignee: "m@a.com", OK: false}, typ: TypeBot, since: -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := Status{Teams: c.teams, TeamsKnown: c.teamsKnown}
			decide(&st, c.events, c.last)
			if st.Human != c.human || st.Assignee.Type != c.typ {
				t.Fatalf("human %v type %q, want %v %q (%s)", st.Human, st.Assignee.Type, c.human, c.typ, st.Evidence)
			}
			if (st.Holder == HolderHuman) != c.human || (st.Verdict == VerdictHuman) != c.human {
				t.Errorf("holder %q verdict %q disagree with human %v", st.Holder, st.Verdict, c.human)
			}
			if c.who != "" && st.Assignee.Name != c.who {
				t.Errorf("name %q, want %q", st.Assignee.Name, c.who)
			}
			if st.Assignee.Email != c.email {
				t.Errorf("email %q, want %q", st.Assignee.Email, c.email)
			}
			switch {
			case c.since < 0 && st.Since != nil:
				t.Errorf("since %v, want none", st.Since)
			case c.since >= 0 && (st.Since == nil || !st.Since.Equal(at(c.since))):
				t.Errorf("since %v, want %v", st.Since, at(c.since))
			}
		})
	}
}

func TestEventsSortsAndSkipsUnreadableTimes(t *testing.T) {
	got := Events([]wati.Message{
		{ID: "b", Created: "2026-02-20T15:28:58.5Z"},
		{ID: "x", Created: "yesterday"},
		{ID: "a", Created: "2026-02-20T15:28:57.337229"}, // no zone: UTC
	})
	if len(got) != 2 || got[0].ID != "a" || got[1].ID != "b" {
		t.Fatalf("%+v", got)
	}
}

func TestSameTarget(t *testing.T) {
	tg := wati.MustParseTarget
	for _, c := range []struct {
		rec  string
		t    string
		want bool
	}{
		{"14155552671", "14155552671", true},
		{"Support:14155552671", "14155552671", true},
		{"14155552671", "Support:14155552671", true},
		{"Sales:14155552671", "Support:14155552671", false},
		{"685bd235e6119686e693a093", "685bd235e6119686e693a093", true},
		{"685bd235e6119686e693a093", "14155552671", false},
		{"14155552672", "14155552671", false},
		{"not a target", "14155552671", false},
	} {
		if got := SameTarget(c.rec, tg(c.t)); got != c.want {
			t.Errorf("SameTarget(%q, %q) = %v", c.rec, c.t, got)
		}
	}
}
