package wati_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/handoff-dev/handoff/pkg/sandbox"
	"github.com/handoff-dev/handoff/pkg/wati"
)

func TestSendTextOpenAndClosedWindow(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	c := v3(t, s)
	ctx := context.Background()
	if err := c.SendText(ctx, tg("14155552671"), "A person will reply shortly."); err != nil {
		t.Fatal(err)
	}
	if got := conv(t, s, "14155552671", 0).TextsSent; got != 1 {
		t.Errorf("texts sent %d", got)
	}
	// Claire's window is closed: refused, and recognised as such.
	err := c.SendText(ctx, tg("33612345678"), "A person will reply shortly.")
	if err == nil || !wati.IsWindowClosed(err) {
		t.Fatalf("closed window: %v", err)
	}
	if conv(t, s, "33612345678", 0).TextsSent != 0 {
		t.Error("a refused text was recorded as sent")
	}
	// Other refusals are not a closed window.
	err = c.SendText(ctx, tg("19995550000"), "hello")
	if err == nil || wati.IsWindowClosed(err) {
		t.Errorf("unknown contact: %v", err)
	}
	// The request has exactly the documented fields.
	reqs := s.Requests()
	last := reqs[0]
	if last.Path != "/api/ext/v3/conversations/messages/text" || last.Body != `{"target":"14155552671","text":"A person will reply shortly."}` {
		t.Errorf("request %+v", last)
	}
}

func TestSendTextNotResentAfter500(t *testing.T) {
	s := startSandbox(t, sandbox.Options{FailRate: 1, FailStatus: 500})
	err := v3(t, s).SendText(context.Background(), tg("14155552671"), "hello")
	var we *wati.Error
	if !errors.As(err, &we) || we.Kind != wati.KindOutcomeUnknown || !strings.Contains(we.Msg, "message may or may not have been sent") {
		t.Fatalf("err %v", err)
	}
	if n := s.CountRequests("POST", "/api/ext/v3/conversations/messages/text"); n != 1 {
		t.Errorf("sent %d times", n)
	}
}

func TestSendTemplate(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	c := v3(t, s)
	ctx := context.Background()
	params := []wati.TemplateParam{{Name: "name", Value: "Claire"}, {Name: "reason", Value: "refund"}}
	if err := c.SendTemplate(ctx, tg("33612345678"), "handoff_notice", params, "handoff escalate-billing", "h-1"); err != nil {
		t.Fatal(err)
	}
	if n := s.TemplateSends("33612345678"); n != 1 {
		t.Errorf("templates %d", n)
	}
	body := s.Requests()[0].Body
	if body != `{"template_name":"handoff_notice","broadcast_name":"handoff escalate-billing","recipients":[{"phone_number":"33612345678","local_message_id":"h-1","custom_params":[{"name":"name","value":"Claire"},{"name":"reason","value":"refund"}]}]}` {
		t.Errorf("body %s", body)
	}
	// Channel:Phone sends from that channel.
	if err := c.SendTemplate(ctx, tg("Support:33612345678"), "handoff_simple", nil, "", ""); err != nil {
		t.Fatal(err)
	}
	if b := s.Requests()[1].Body; !strings.HasPrefix(b, `{"channel":"Support","template_name":"handoff_simple","broadcast_name":"handoff_simple"`) {
		t.Errorf("body %s", b)
	}
	// A missing parameter is a recipient error: rejected.
	err := c.SendTemplate(ctx, tg("33612345678"), "handoff_notice", params[:1], "b", "")
	var we *wati.Error
	if !errors.As(err, &we) || we.Kind != wati.KindRejected || !strings.Contains(we.Msg, "reason") {
		t.Errorf("missing param: %v", err)
	}
	// Not approved, unknown: Wati refuses.
	for _, name := range []string{"handoff_draft", "no_such_template"} {
		if err := c.SendTemplate(ctx, tg("33612345678"), name, nil, "b", ""); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	// A conversation id cannot receive a template: refused before sending.
	n := len(s.Requests())
	err = c.SendTemplate(ctx, tg("685bd235e6119686e693a09a"), "handoff_simple", nil, "b", "")
	if !errors.As(err, &we) || we.Kind != wati.KindInvalid || len(s.Requests()) != n {
		t.Errorf("conversation id: %v", err)
	}
}

func TestListTemplates(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	list, err := v3(t, s).ListTemplates(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, tp := range list {
		got[tp.Name] = tp.Approved()
	}
	if len(list) != 3 || !got["handoff_notice"] || got["handoff_draft"] {
		t.Errorf("templates %+v", list)
	}
	if q := s.Requests()[0].Query; q != "page_number=1&page_size=100" {
		t.Errorf("query %s", q)
	}
}

func TestUpdateContactParams(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	c := v3(t, s)
	ps := []wati.CustomParam{{Name: "handoff_reason", Value: "refund"}, {Name: "plan", Value: "gold"}}
	if err := c.UpdateContactParams(context.Background(), tg("14155552671"), ps); err != nil {
		t.Fatal(err)
	}
	ct, _ := s.Contact("14155552671")
	if len(ct.CustomParams) != 2 || ct.CustomParams[0] != (sandbox.SeedParam{Name: "plan", Value: "gold"}) || ct.CustomParams[1].Value != "refund" {
		t.Errorf("params %+v", ct.CustomParams)
	}
	if b := s.Requests()[0].Body; b != `{"contacts":[{"target":"14155552671","customParams":[{"name":"handoff_reason","value":"refund"},{"name":"plan","value":"gold"}]}]}` {
		t.Errorf("body %s", b)
	}
	// The seed a sandbox started from is not changed by it.
	if p := sandbox.DefaultSeed().Contacts[0].CustomParams[0]; p.Value != "premium" {
		t.Errorf("seed changed: %+v", p)
	}
	err := c.UpdateContactParams(context.Background(), tg("19995550000"), ps)
	var we *wati.Error
	if !errors.As(err, &we) || we.Kind != wati.KindNotFound {
		t.Errorf("unknown contact: %v", err)
	}
}

func TestPlanRefusedChatbot(t *testing.T) {
	seed := sandbox.DefaultSeed()
	seed.Chatbots = append(seed.Chatbots, sandbox.SeedChatbot{ID: "607f1f77bcf86cd799439014", Name: "VIP concierge", RequiresPlan: "Pro"})
	s := startSandbox(t, sandbox.Options{Seed: seed})
	err := v3(t, s).StartChatbot(context.Background(), tg("14155552671"), "607f1f77bcf86cd799439014")
	if !wati.PlanRefused(err) {
		t.Fatalf("plan-gated chatbot: %v", err)
	}
	var we *wati.Error
	if !errors.As(err, &we) || we.Status != http.StatusForbidden {
		t.Errorf("status %+v", we)
	}
	// A scope 403 is not a plan refusal.
	c := newClient(t, wati.Config{BaseURL: s.URL(), Token: "sandbox-readonly-token"})
	if err := c.StartChatbot(context.Background(), tg("14155552671"), "607f1f77bcf86cd799439011"); err == nil || wati.PlanRefused(err) {
		t.Errorf("scope 403: %v", err)
	}
}

func TestMessagesDryRunSendsNothing(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	c := newClient(t, wati.Config{BaseURL: s.URL(), DryRun: true})
	ctx, reqs := wati.RecordRequests(context.Background())
	if err := c.SendText(ctx, tg("14155552671"), "hi"); err != nil {
		t.Fatal(err)
	}
	if err := c.SendTemplate(ctx, tg("14155552671"), "handoff_simple", nil, "b", ""); err != nil {
		t.Fatal(err)
	}
	if err := c.UpdateContactParams(ctx, tg("14155552671"), []wati.CustomParam{{Name: "a", Value: "b"}}); err != nil {
		t.Fatal(err)
	}
	if len(reqs()) != 3 || len(s.Requests()) != 0 {
		t.Errorf("recorded %d, sent %d", len(reqs()), len(s.Requests()))
	}
}
