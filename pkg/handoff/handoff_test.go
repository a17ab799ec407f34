package handoff

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/sandbox"
	"github.com/handoff-dev/handoff/pkg/wati"
)

func runWith(t *testing.T, c *wati.Client, a *action.Action, target string, dryRun, keep bool) Result {
	t.Helper()
	r := &Runner{Client: c, Action: a, Account: "acme", DryRun: dryRun, KeepTeams: keep}
	return r.Run(context.Background(), wati.MustParseTarget(target))
}

// Each assignee type on v3 and v1, against the sandbox over HTTP: the
// result, the request sent, and the sandbox's state afterwards.
func TestRunEachAssigneeV3AndV1(t *testing.T) {
	w := newWati(t, sandbox.Options{})
	cases := []struct {
		a    *action.Action
		kind string
		v3   string // method and path suffix
		v1   string
		msg  string
		// check the sandbox after a handoff of phone
		check func(phone string) bool
	}{
		{userAction, "operator", "PUT /api/ext/v3/conversations/%s/operator", "POST /100001/api/v1/assignOperator", "maria@acme.com owns the conversation now",
			func(p string) bool {
				a := w.assignee(p)
				return a != nil && a.Type == "operator" && a.Email == "maria@acme.com"
			}},
		{botOperator, "bot-operator", "PUT /api/ext/v3/conversations/%s/operator", "POST /100001/api/v1/assignOperator", "the bot operator owns",
			func(p string) bool { a := w.assignee(p); return a != nil && a.Type == "bot" }},
		{botAction, "chatbot", "POST /api/ext/v3/chatbots/start", "POST /100001/api/v1/chatbots/start", "Started chatbot Returns flow (607f1f77bcf86cd799439011) on %s; the chatbot owns",
			func(p string) bool { return w.ChatbotStarts(p) == 1 }},
		{teamAction, "teams", "PUT /api/ext/v3/contacts/teams", "POST /100001/api/v1/assignTeam", "the Billing team owns the conversation now",
			func(p string) bool { return fmt.Sprint(w.teams(p)) == "[Billing]" }},
	}
	phone := 15550000100
	for _, api := range []string{"v3", "v1"} {
		c := w.clientAPI(t, api, testToken, false)
		for _, tc := range cases {
			phone++
			p := fmt.Sprint(phone)
			res := runWith(t, c, tc.a, "+"+p, false, false)
			if !res.OK || res.Outcome != OutcomeAssigned || res.Err != nil || res.ExitCode() != 0 || res.API != api {
				t.Fatalf("%s %s: %+v", api, tc.a.Name, res)
			}
			want := tc.v3
			if api == "v1" {
				want = tc.v1
			}
			if strings.Contains(want, "%s") {
				want = fmt.Sprintf(want, p)
			}
			last := res.Requests[len(res.Requests)-1]
			if res.Kind != tc.kind || last.Method+" "+last.URL[len(w.URL()):] != want && !strings.HasPrefix(last.Method+" "+last.URL[len(w.URL()):], want+"?") || last.Status != 200 {
				t.Errorf("%s %s: kind %s, last request %s %s (%d), want %s", api, tc.a.Name, res.Kind, last.Method, last.URL, last.Status, want)
			}
			msg := res.Message()
			if !strings.Contains(msg, strings.ReplaceAll(tc.msg, "%s", p)) || !strings.Contains(msg, "AI agent must stop replying") {
				t.Errorf("%s %s: message %q", api, tc.a.Name, msg)
			}
			if !tc.check(p) {
				c, _ := w.Contact(p)
				t.Errorf("%s %s: sandbox state %+v", api, tc.a.Name, c)
			}
			js, _ := json.Marshal(res)
			if bytes.Contains(js, []byte(testToken)) {
				t.Fatalf("token in result: %s", js)
			}
			for _, k := range []string{`"action"`, `"account":"acme"`, `"target":"` + p + `"`, `"assignee"`, `"api":"` + api + `"`, `"requests"`, `"ok":true`, `"outcome":"assigned"`, `"duration_ms"`} {
				if !bytes.Contains(js, []byte(k)) {
					t.Errorf("%s %s: JSON lacks %s: %s", api, tc.a.Name, k, js)
				}
			}
		}
	}
}

func TestTeamsReplacedOrKept(t *testing.T) {
	w := newWati(t, sandbox.Options{})
	c := w.client(t, false)
	w.setTeams(t, "15550000001", "Sales", "Support", "Billing")
	res := runWith(t, c, teamAction, "15550000001", false, false)
	if !res.OK || fmt.Sprint(res.Replaced) != "[Sales Support]" || fmt.Sprint(res.Teams) != "[Billing]" {
		t.Fatalf("replace: %+v", res)
	}
	if !strings.Contains(res.Message(), "replacing its teams Sales, Support") {
		t.Fatalf("message %q", res.Message())
	}
	w.setTeams(t, "15550000002", "Sales", "Support")
	res = runWith(t, c, teamAction, "15550000002", false, true)
	if !res.OK || res.Replaced != nil || fmt.Sprint(res.Teams) != "[Billing Sales Support]" {
		t.Fatalf("keep: %+v", res)
	}
	if got := w.teams("15550000002"); fmt.Sprint(got) != "[Billing Sales Support]" {
		t.Fatalf("sandbox teams %v", got)
	}
	if got := w.teams("15550000001"); fmt.Sprint(got) != "[Billing]" {
		t.Fatalf("sandbox teams %v", got)
	}
	// keep_teams in the file does the same as the flag.
	keepFile := *teamAction
	keepFile.Assignee.KeepTeams = true
	w.setTeams(t, "15550000003", "Returns")
	if res = runWith(t, c, &keepFile, "15550000003", false, false); fmt.Sprint(res.Teams) != "[Billing Returns]" {
		t.Fatalf("keep_teams in file: %+v", res)
	}
	// Seeded contact: Support is replaced, and the output says so.
	if res = runWith(t, c, teamAction, "+1 415 555 2671", false, false); fmt.Sprint(res.Replaced) != "[Support]" {
		t.Fatalf("seeded contact: %+v", res)
	}
	// v1 cannot read a contact: without keep-teams it goes ahead with a
	// warning; with keep-teams nothing is sent.
	v1 := w.clientAPI(t, "v1", testToken, false)
	res = runWith(t, v1, teamAction, "15550000004", false, false)
	if !res.OK || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "replaced are not known") {
		t.Fatalf("v1 without keep: %+v", res)
	}
	res = runWith(t, v1, teamAction, "15550000005", false, true)
	if res.OK || len(res.Requests) != 0 || res.ExitCode() != 1 {
		t.Fatalf("v1 keep-teams: %+v", res)
	}
}

func TestDryRunSendsNoWrite(t *testing.T) {
	w := newWati(t, sandbox.Options{})
	w.setTeams(t, "15550000001", "Sales")
	okBefore, anyBefore := w.writes()
	readsBefore := w.reads()
	for _, api := range []string{"v3", "v1"} {
		c := w.clientAPI(t, api, testToken, true)
		for _, a := range []*action.Action{userAction, botAction, botOperator, teamAction} {
			res := runWith(t, c, a, "15550000001", true, false)
			if !res.OK || res.Outcome != OutcomeDryRun || !strings.HasPrefix(res.Message(), "Dry run: nothing was sent.") {
				t.Fatalf("%s %s: %+v %q", api, a.Name, res, res.Message())
			}
			last := res.Requests[len(res.Requests)-1]
			if last.Status != 0 || (api == "v3" && last.Body == "") {
				t.Errorf("%s %s: dry-run request %+v", api, a.Name, last)
			}
			if strings.Contains(fmt.Sprint(res.Requests), testToken) {
				t.Fatal("token in a dry-run request")
			}
			if api == "v3" && a == teamAction && !strings.Contains(res.Message(), "it would replace the contact's teams Sales") {
				t.Errorf("team dry run does not say what it would replace: %q", res.Message())
			}
			// v1 cannot read the contact (it has Sales): the message must
			// not claim it has no other team.
			if api == "v1" && a == teamAction && (strings.Contains(res.Message(), "no other team") || !strings.Contains(res.Message(), "could not be read")) {
				t.Errorf("v1 team dry run claims to know the contact's teams: %q", res.Message())
			}
		}
	}
	okAfter, anyAfter := w.writes()
	if okAfter != okBefore || anyAfter != anyBefore {
		t.Fatalf("dry runs sent %d writes", anyAfter-anyBefore)
	}
	if r := w.reads() - readsBefore; r != 1 {
		t.Fatalf("dry runs made %d reads, want the one contact read (v3 team)", r)
	}
	if w.ChatbotStarts("15550000001") != 0 || fmt.Sprint(w.teams("15550000001")) != "[Sales]" {
		t.Fatal("a dry run changed the sandbox")
	}
}

func TestRunErrors(t *testing.T) {
	w := newWati(t, sandbox.Options{})
	c := w.client(t, false)
	res := runWith(t, c, userAction, "19175550000", false, false) // no such contact
	if res.OK || res.Outcome != OutcomeFailed || res.ExitCode() != 5 || res.Reason != "not-found" || !strings.Contains(res.Message(), "failed") {
		t.Fatalf("not found: %+v", res)
	}
	bad := w.clientAPI(t, "v3", "wrong-token", false)
	if res = runWith(t, bad, userAction, "15550000001", false, false); res.ExitCode() != 4 || res.Outcome != OutcomeFailed {
		t.Fatalf("401: %+v", res)
	}
	ro := w.clientAPI(t, "v3", "sandbox-readonly-token", false)
	if res = runWith(t, ro, userAction, "15550000001", false, false); res.ExitCode() != 4 || !strings.Contains(res.Error, "forbidden") {
		t.Fatalf("403: %+v", res)
	}
	if res = runWith(t, c, &action.Action{Name: "x", Assignee: action.Assignee{Type: action.Bot, BotID: "607f1f77bcf86cd7994390ff"}}, "15550000001", false, false); res.ExitCode() != 5 {
		t.Fatalf("unknown chatbot: %+v", res)
	}
	if res = runWith(t, c, userAction, "447700900123", false, false); res.ExitCode() != 1 || res.Reason != "conflict" {
		t.Fatalf("open on two channels: %+v", res)
	}

	// A chatbot start answered 500: it may have happened (the sandbox
	// applies it), so the outcome is unknown and it is not sent again.
	w5 := newWati(t, sandbox.Options{FailRate: 1, FailStatus: 500})
	res = runWith(t, w5.client(t, false), botAction, "15550000001", false, false)
	if res.Outcome != OutcomeUnknown || res.ExitCode() != 7 || !strings.Contains(res.Message(), "Outcome unknown") {
		t.Fatalf("chatbot 500: %+v", res)
	}
	if n := w5.ChatbotStarts("15550000001"); n != 1 {
		t.Fatalf("chatbot started %d times", n)
	}
	w503 := newWati(t, sandbox.Options{FailRate: 1, FailStatus: 503})
	if res = runWith(t, w503.client(t, false), userAction, "15550000001", false, false); res.ExitCode() != 6 || res.Reason != "unavailable" {
		t.Fatalf("503: %+v", res)
	}
}

func TestExecute(t *testing.T) {
	w := newWati(t, sandbox.Options{})
	dir := t.TempDir()
	audit := NewAuditLog(dir)
	var gotAccount string
	deps := Deps{Audit: audit, Client: func(acct string, dry bool) (*wati.Client, error) {
		gotAccount = acct
		return w.client(t, dry), nil
	}}
	res := Execute(context.Background(), deps, Request{Action: userAction, Target: "not a phone", Source: "assign"})
	if res.ExitCode() != 2 || res.OK || gotAccount != "" {
		t.Fatalf("bad target: %+v (client built for %q)", res, gotAccount)
	}
	res = Execute(context.Background(), deps, Request{Action: userAction, Account: "other", Target: "+1 555 000 0001", Source: "mcp", Note: "asked for a human"})
	if !res.OK || gotAccount != "other" || res.Account != "other" || res.Target != "15550000001" {
		t.Fatalf("override: %+v, client for %q", res, gotAccount)
	}
	res = Execute(context.Background(), deps, Request{Action: userAction, Target: "15550000002", DryRun: true})
	if !res.OK || gotAccount != "acme" {
		t.Fatalf("dry run: %+v", res)
	}
	missing := Deps{Client: func(string, bool) (*wati.Client, error) {
		return nil, &wati.Error{Kind: wati.KindUnauthorized, Op: "token"}
	}}
	if res = Execute(context.Background(), missing, Request{Action: userAction, Target: "15550000001"}); res.ExitCode() != 4 {
		t.Fatalf("client error: %+v", res)
	}
	if res = Execute(context.Background(), Deps{Client: func(string, bool) (*wati.Client, error) { return nil, errors.New("no such account") }},
		Request{Action: userAction, Target: "15550000001"}); res.ExitCode() != 3 {
		t.Fatalf("plain client error: exit %d", res.ExitCode())
	}
	recs, _, err := audit.Read(AuditFilter{})
	if err != nil || len(recs) != 1 {
		t.Fatalf("audit: %d records (want only the real handoff), %v", len(recs), err)
	}
	if r := recs[0]; r.Action != "to-maria" || r.Account != "other" || r.Target != "15550000001" || r.Assignee != "maria@acme.com" || r.Outcome != "assigned" || r.Source != "mcp" || r.Note != "asked for a human" {
		t.Fatalf("audit record %+v", r)
	}
	data, _ := os.ReadFile(filepath.Join(dir, AuditFile))
	if bytes.Contains(data, []byte(testToken)) {
		t.Fatal("token in the audit log")
	}
}

func TestCancelledRun(t *testing.T) {
	w := newWati(t, sandbox.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := (&Runner{Client: w.client(t, false), Action: userAction}).Run(ctx, wati.MustParseTarget("15550000001"))
	if res.OK || res.ExitCode() != 130 {
		t.Fatalf("%+v", res)
	}
}
