package configure

import (
	"testing"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/prompt"
	"github.com/handoff-dev/handoff/pkg/prompt/prompttest"
)

// The extras form: one question per section, prefilled; Enter keeps.
func TestAskExtras(t *testing.T) {
	a := &action.Action{Version: 1, Name: "b", Assignee: action.Assignee{Type: action.Team, Team: "Billing"}}
	x := action.Extras{Status: "open"}
	p := prompttest.New(t,
		prompttest.Answer{Match: "Message to the customer", Value: "Hi {{name}}, a person will reply."},
		prompttest.Answer{Match: "Template when the window is closed", Value: "handoff_simple"},
		prompttest.Answer{Match: "Contact params", Value: "usual"},
		prompttest.Answer{Match: "Status after the handoff", Keep: true},
		prompttest.Answer{Match: "Fallback assignees", Value: "team:Support, user:maria@acme.com"},
	)
	if err := askExtras(p, a, &x); err != nil {
		t.Fatal(err)
	}
	p.Done()
	if x.Message == nil || x.Message.Text != "Hi {{name}}, a person will reply." || x.Message.Template.Name != "handoff_simple" ||
		len(x.Context) != 4 || x.Status != "open" || len(x.Fallback) != 2 || x.Fallback[1].Email != "maria@acme.com" {
		t.Fatalf("%+v", x)
	}
	if err := x.Check(a.Assignee); err != nil {
		t.Fatal(err)
	}
	// Ctrl-C ends the form with nothing decided.
	p2 := prompttest.New(t, prompttest.Answer{Match: "Message", Err: prompt.ErrAborted})
	if err := askExtras(p2, a, &x); err != prompt.ErrAborted {
		t.Fatalf("err %v", err)
	}
}
