package handoff

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/exitcode"
	"github.com/handoff-dev/handoff/pkg/sandbox"
	"github.com/handoff-dev/handoff/pkg/wati"
)

func wholeAction(t *testing.T, src string) *action.Action {
	t.Helper()
	d, diags := action.Check("", []byte(src), action.Options{})
	if action.HasErrors(diags) {
		t.Fatal(diags)
	}
	return d.Action
}

const wholeSrc = `version: 1
name: whole
intent: The customer disputes a charge or asks for a refund
account: acme
assignee: {type: team, team: Legal}
fallback:
  - {type: team, team: Billing}
status: pending
context:
  handoff_reason: "{{reason}}"
  handoff_action: "{{action}}"
  handoff_at: "{{now}}"
message:
  text: "Hi {{name}}, {{assignee}} will reply here shortly."
  template:
    name: handoff_notice
    params: {name: "{{name}}", reason: "{{reason}}"}
`

func runWhole(t *testing.T, c *wati.Client, a *action.Action, target string, dry bool, g Guard) Result {
	t.Helper()
	now := time.Date(2026, 12, 2, 1, 30, 0, 0, time.UTC)
	r := &Runner{Client: c, Action: a, Account: "acme", DryRun: dry, Vars: Vars{"reason": "double charge"}, Guard: g,
		Now: func() time.Time { return now }}
	return r.Run(context.Background(), wati.MustParseTarget(target))
}

func TestWholeHandoff(t *testing.T) {
	w := newWati(t, sandbox.Options{})
	a := wholeAction(t, wholeSrc)
	res := runWhole(t, w.client(t, false), a, "14155552671", false, nil)
	if !res.OK || res.Outcome != OutcomeAssigned || res.Assignee != "the Billing team" || res.ExitCode() != 0 {
		t.Fatalf("%+v", res)
	}
	// Legal is unknown: Billing took it, and the result says why Legal did not.
	if len(res.Tried) != 2 || res.Tried[0].Outcome != StepCannot || !strings.Contains(res.Tried[0].Reason, "unknown team") || res.Tried[1].Outcome != StepTook {
		t.Errorf("tried %+v", res.Tried)
	}
	var steps []string
	for _, s := range res.Steps {
		steps = append(steps, s.Step+"="+s.Outcome)
	}
	if strings.Join(steps, " ") != "assign=done status=done context=done message=sent" {
		t.Errorf("steps %v", steps)
	}
	// One contact read serves both team attempts and {{name}}: 1 GET + 2 PUT teams + status + contacts + text.
	if res.Calls != 6 || len(res.Requests) != 6 {
		t.Errorf("calls %d, requests %d", res.Calls, len(res.Requests))
	}
	ct, _ := w.Contact("14155552671")
	params := map[string]string{}
	for _, p := range ct.CustomParams {
		params[p.Name] = p.Value
	}
	if params["handoff_reason"] != "double charge" || params["handoff_action"] != "whole" || params["handoff_at"] != "2026-12-02T01:30:00Z" || params["plan"] != "premium" {
		t.Errorf("params %v", params)
	}
	if v := ct.Conversations[0]; v.Status != "pending" || v.TextsSent != 1 || v.TemplatesSent != 0 {
		t.Errorf("conversation %+v", v)
	}
	last := res.Requests[len(res.Requests)-1]
	if last.Body != `{"target":"14155552671","text":"Hi Alex Rivera, the Billing team will reply here shortly."}` {
		t.Errorf("text %s", last.Body)
	}
	msg := res.Message()
	for _, want := range []string{"the Billing team owns", "Fallback: the Legal team could not take it", "Status set to pending.", "The customer was sent the text", "Wati calls: 6."} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q: %s", want, msg)
		}
	}
}

func TestWholeClosedWindow(t *testing.T) {
	w := newWati(t, sandbox.Options{})
	a := wholeAction(t, wholeSrc)
	res := runWhole(t, w.client(t, false), a, "33612345678", false, nil)
	m := res.Steps[len(res.Steps)-1]
	if !res.OK || m.Outcome != StepSent || !strings.Contains(m.Detail, "template handoff_notice (the 24-hour window is closed") {
		t.Fatalf("%+v", m)
	}
	if w.TemplateSends("33612345678") != 1 {
		t.Error("no template sent")
	}
	// Without a template: nothing is sent, and that is no failure.
	a2 := wholeAction(t, strings.Replace(wholeSrc, "  template:\n    name: handoff_notice\n    params: {name: \"{{name}}\", reason: \"{{reason}}\"}\n", "", 1))
	res = runWhole(t, w.client(t, false), a2, "33612345678", false, nil)
	m = res.Steps[len(res.Steps)-1]
	if !res.OK || m.Outcome != StepSkipped || !strings.Contains(m.Detail, "window is closed and the action has no template") {
		t.Fatalf("%+v", m)
	}
}

func TestWholePartial(t *testing.T) {
	w := newWati(t, sandbox.Options{})
	// A pending template is refused: assigned, but the message failed.
	src := strings.Replace(wholeSrc, "  text: \"Hi {{name}}, {{assignee}} will reply here shortly.\"\n", "", 1)
	src = strings.Replace(src, "handoff_notice", "handoff_draft", 1)
	a := wholeAction(t, src)
	res := runWhole(t, w.client(t, false), a, "14155552671", false, nil)
	if res.OK || res.Outcome != OutcomePartial || res.ExitCode() != exitcode.Partial {
		t.Fatalf("%+v", res)
	}
	if !strings.Contains(res.Message(), "Partly done") || !strings.Contains(res.Error, "message failed") {
		t.Errorf("message %q, error %q", res.Message(), res.Error)
	}
	if w.assignee("14155552671") == nil && len(w.teams("14155552671")) == 0 {
		t.Error("not assigned")
	}
}

func TestWholeNoFallbackOnAuthOrUnknown(t *testing.T) {
	w := newWati(t, sandbox.Options{})
	a := wholeAction(t, wholeSrc)
	// A token without the teams scope: 403 is not "cannot take it".
	res := runWhole(t, w.clientAPI(t, "v3", "sandbox-readonly-token", false), a, "14155552671", false, nil)
	if res.OK || res.ExitCode() != exitcode.Auth || len(res.Tried) != 1 || res.Tried[0].Outcome != StepGaveUp {
		t.Fatalf("%+v", res)
	}
	for _, s := range res.Steps[1:] {
		if s.Outcome != StepNotRun {
			t.Errorf("step %s ran after a failed assignment", s.Step)
		}
	}
	// An unknown contact: no assignee would help.
	res = runWhole(t, w.client(t, false), a, "19995550000", false, nil)
	if len(res.Tried) != 1 {
		t.Errorf("tried %+v", res.Tried)
	}
}

func TestWholeDryRun(t *testing.T) {
	w := newWati(t, sandbox.Options{})
	a := wholeAction(t, wholeSrc)
	res := runWhole(t, w.client(t, true), a, "14155552671", true, nil)
	if !res.OK || res.Outcome != OutcomeDryRun {
		t.Fatalf("%+v", res)
	}
	ok, _ := w.writes()
	if ok != 0 {
		t.Errorf("%d writes sent", ok)
	}
	// The first assignee only (a dry run cannot know it would fail), then
	// status, context, the text and the template it would fall back on.
	var lines []string
	for _, q := range res.Requests {
		lines = append(lines, q.Method+" "+q.URL[len(w.URL()):])
	}
	want := "GET /api/ext/v3/contacts/14155552671 PUT /api/ext/v3/contacts/teams PUT /api/ext/v3/conversations/14155552671/status PUT /api/ext/v3/contacts POST /api/ext/v3/conversations/messages/text POST /api/ext/v3/messageTemplates/send"
	if strings.Join(lines, " ") != want {
		t.Errorf("requests\n%s\nwant\n%s", strings.Join(lines, "\n"), want)
	}
	if res.PlannedCalls != 6 || res.Calls != 1 {
		t.Errorf("planned %d, calls %d", res.PlannedCalls, res.Calls)
	}
}

type memGuard map[string]string

func (g memGuard) Before(target, step string) (string, bool, error) {
	switch g[target+" "+step] {
	case StepSent:
		return "sent by an earlier run: not sent again", false, nil
	case "started":
		return "an earlier run was sending it and stopped before knowing", true, nil
	}
	g[target+" "+step] = "started"
	return "", false, nil
}

func (g memGuard) After(target, step, outcome string) error {
	g[target+" "+step] = outcome
	return nil
}

func TestWholeGuardNeverSendsTwice(t *testing.T) {
	w := newWati(t, sandbox.Options{})
	a := wholeAction(t, wholeSrc)
	g := memGuard{}
	for i := 0; i < 3; i++ {
		res := runWhole(t, w.client(t, false), a, "14155552671", false, g)
		if !res.OK {
			t.Fatalf("run %d: %+v", i, res)
		}
	}
	ct, _ := w.Contact("14155552671")
	if n := ct.Conversations[0].TextsSent; n != 1 {
		t.Fatalf("text sent %d times", n)
	}
	// A send that may have happened is reported unknown, not resent.
	g["15550000001 message"] = "started"
	res := runWhole(t, w.client(t, false), a, "15550000001", false, g)
	if res.Outcome != OutcomePartial || res.Steps[len(res.Steps)-1].Outcome != StepUnknown {
		t.Fatalf("%+v", res.Steps)
	}
}
