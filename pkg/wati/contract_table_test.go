package wati_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/handoff-dev/handoff/pkg/sandbox"
	"github.com/handoff-dev/handoff/pkg/wati"
	"github.com/handoff-dev/handoff/pkg/wati/watitest"
)

// opsSeen records which spec operation each checked request was.
type opsSeen struct {
	t  *testing.T
	mu sync.Mutex
	op []string
}

func (o *opsSeen) Errorf(f string, a ...any) { o.t.Helper(); o.t.Errorf(f, a...) }

func (o *opsSeen) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	if c, err := watitest.CheckRequest(r, body); err == nil && c != nil {
		o.mu.Lock()
		o.op = append(o.op, c.Op)
		o.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(r)
}

// The spec operations a handoff uses, each driven through the client against
// the sandbox with both sides checked by the spec: the client's request
// (transport) and the sandbox's answer (handler), in this test's name. Then
// each operation's own example answer, from Wati's file, is decoded by the
// client: both sides agree with the spec, so with each other.
func TestContractTable(t *testing.T) {
	seen := &opsSeen{t: t}
	srv, err := sandbox.New(sandbox.Options{Wrap: func(h http.Handler) http.Handler { return watitest.Handler(t, h) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	hc := &http.Client{Transport: watitest.Transport(t, seen)}
	c := newClient(t, wati.Config{BaseURL: srv.URL(), HTTPClient: hc})
	ctx := context.Background()

	contactID := func() string {
		ct, err := c.GetContact(ctx, tg("85291234567"))
		if err != nil {
			t.Fatal(err)
		}
		return ct.ID
	}()
	rows := []struct {
		op   string
		call func(c *wati.Client) (any, error)
		ok   func(v any) bool
	}{
		{"PUT /api/ext/v3/conversations/{target}/operator", func(c *wati.Client) (any, error) {
			return nil, c.AssignOperator(ctx, tg("685bd235e6119686e693a093"), ptr("maria@acme.com"))
		}, nil},
		{"PUT /api/ext/v3/conversations/{target}/operator", func(c *wati.Client) (any, error) {
			return nil, c.AssignOperator(ctx, tg("Sales:447700900123"), nil)
		}, nil},
		{"PUT /api/ext/v3/contacts/teams", func(c *wati.Client) (any, error) {
			return nil, c.AssignTeams(ctx, tg("14155552671"), []string{"Billing", "Support"})
		}, nil},
		{"GET /api/ext/v3/chatbots", func(c *wati.Client) (any, error) { return c.ListChatbots(ctx) },
			func(v any) bool { b := v.([]wati.Chatbot); return len(b) == 3 && b[0].Name == "Returns flow" }},
		{"POST /api/ext/v3/chatbots/start", func(c *wati.Client) (any, error) {
			return nil, c.StartChatbot(ctx, tg("4915112345678"), "607f1f77bcf86cd799439012")
		}, nil},
		{"POST /api/ext/v3/chatbots/start", func(c *wati.Client) (any, error) {
			return nil, c.StartChatbot(ctx, tg("Support:"+contactID), "607f1f77bcf86cd799439012")
		}, nil},
		{"GET /api/ext/v3/contacts/{target}", func(c *wati.Client) (any, error) { return c.GetContact(ctx, tg("Sales:447700900123")) },
			func(v any) bool { return v.(*wati.Contact).Name == "Priya Shah" }},
		{"GET /api/ext/v3/contacts", func(c *wati.Client) (any, error) { return c.ListContacts(ctx, 2, 2) },
			func(v any) bool { return len(v.(*wati.ContactPage).Contacts) == 2 }},
		{"GET /api/ext/v3/channels", func(c *wati.Client) (any, error) { return c.ListChannels(ctx) },
			func(v any) bool {
				ch := v.([]wati.Channel)
				return len(ch) == 2 && ch[1].Name == "Sales" && ch[1].Channel == "Whatsapp"
			}},
		{"PUT /api/ext/v3/conversations/{target}/status", func(c *wati.Client) (any, error) {
			return nil, c.UpdateStatus(ctx, tg("85291234567"), "pending")
		}, nil},
		{"GET /api/ext/v3/conversations/{target}/messages", func(c *wati.Client) (any, error) {
			return c.ListMessages(ctx, tg("685bd235e6119686e693a093"), 1, 100)
		}, func(v any) bool { m := v.([]wati.Message); return len(m) >= 2 && m[len(m)-1].Text != "" }},
		// A whole handoff: the message, the template, the context params.
		{"POST /api/ext/v3/conversations/messages/text", func(c *wati.Client) (any, error) {
			return nil, c.SendText(ctx, tg("14155552671"), "A person from Billing will reply here shortly.")
		}, nil},
		{"POST /api/ext/v3/messageTemplates/send", func(c *wati.Client) (any, error) {
			return nil, c.SendTemplate(ctx, tg("Support:33612345678"), "handoff_notice",
				[]wati.TemplateParam{{Name: "name", Value: "Claire"}, {Name: "reason", Value: "refund"}}, "handoff escalate-billing", "handoff-escalate-billing-33612345678")
		}, nil},
		{"GET /api/ext/v3/messageTemplates", func(c *wati.Client) (any, error) { return c.ListTemplates(ctx) },
			func(v any) bool { l := v.([]wati.Template); return len(l) == 3 && l[0].Approved() }},
		{"PUT /api/ext/v3/contacts", func(c *wati.Client) (any, error) {
			return nil, c.UpdateContactParams(ctx, tg("14155552671"), []wati.CustomParam{{Name: "handoff_reason", Value: "refund"}})
		}, nil},
	}
	for _, row := range rows {
		seen.mu.Lock()
		seen.op = nil
		seen.mu.Unlock()
		v, err := row.call(c)
		if err != nil {
			t.Errorf("%s: %v", row.op, err)
			continue
		}
		if row.ok != nil && !row.ok(v) {
			t.Errorf("%s: unexpected result %+v", row.op, v)
		}
		seen.mu.Lock()
		got := strings.Join(seen.op, ", ")
		seen.mu.Unlock()
		if got != row.op {
			t.Errorf("the client sent %q, want %q", got, row.op)
		}
	}

	// every operation a handoff uses is in the table
	used := map[string]bool{}
	for _, r := range rows {
		used[r.op] = true
	}
	var list []string
	for op := range used {
		list = append(list, op)
	}
	sort.Strings(list)
	want := []string{
		"GET /api/ext/v3/channels", "GET /api/ext/v3/chatbots", "GET /api/ext/v3/contacts", "GET /api/ext/v3/contacts/{target}",
		"GET /api/ext/v3/conversations/{target}/messages",
		"GET /api/ext/v3/messageTemplates", "POST /api/ext/v3/chatbots/start", "POST /api/ext/v3/conversations/messages/text",
		"POST /api/ext/v3/messageTemplates/send", "PUT /api/ext/v3/contacts", "PUT /api/ext/v3/contacts/teams",
		"PUT /api/ext/v3/conversations/{target}/operator", "PUT /api/ext/v3/conversations/{target}/status",
	}
	if strings.Join(list, "\n") != strings.Join(want, "\n") {
		t.Errorf("operations in the table:\n%s\nwant:\n%s", strings.Join(list, "\n"), strings.Join(want, "\n"))
	}

	// each operation's example answer in Wati's file decodes
	for _, row := range rows {
		method, path, _ := strings.Cut(row.op, " ")
		ex := specExample(t, method, path)
		sc := newScripted(t, body(200, "application/json", ex))
		ec := newClient(t, wati.Config{BaseURL: sc.URL})
		_, err := row.call(ec)
		if row.op == "POST /api/ext/v3/messageTemplates/send" {
			// Wati's example answer reports a recipient error: the client
			// must take it as a refusal, with Wati's words.
			if err == nil || !strings.Contains(err.Error(), "Invalid phone number format.") {
				t.Errorf("%s: the spec's example answer (a recipient error) gave %v", row.op, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: the spec's example answer %s: %v", row.op, ex, err)
		}
	}
}

func specExample(t *testing.T, method, path string) string {
	t.Helper()
	op := watitest.Doc().Paths.Value(path).GetOperation(method)
	mt := op.Responses.Status(200).Value.Content.Get("application/json")
	b, err := json.Marshal(mt.Example)
	if err != nil || mt.Example == nil {
		t.Fatalf("%s %s: no example (%v)", method, path, err)
	}
	return string(b)
}

// The contact example of Wati's file has is_broadcast_limit_reached: false
// where its schema says string (deviation contact-example-broadcast-limit-bool):
// the client reads the contact all the same.
func TestContactExampleWithBoolBroadcastLimit(t *testing.T) {
	if !watitest.Tolerated("contact-example-broadcast-limit-bool") {
		t.Fatal("the deviation is no longer listed")
	}
	ex := specExample(t, "GET", "/api/ext/v3/contacts/{target}")
	if !strings.Contains(ex, `"is_broadcast_limit_reached":false`) {
		t.Fatalf("the example changed: %s", ex)
	}
	sc := newScripted(t, body(200, "application/json", ex))
	ct, err := newClient(t, wati.Config{BaseURL: sc.URL}).GetContact(context.Background(), tg("14155552671"))
	if err != nil || ct.ID != "507f1f77bcf86cd799439011" || strings.Join(ct.Teams, ",") != "Team A,Team B" || len(ct.CustomParams) != 2 {
		t.Fatalf("%+v %v", ct, err)
	}
}

// Null or absent list fields (the spec makes every list nullable) are empty
// lists, not "an unreadable answer".
func TestNullListsAreEmpty(t *testing.T) {
	ctx := context.Background()
	for _, answer := range []string{`{}`, `{"channels":null,"chatbot_list":null,"contact_list":null,"message_list":null}`} {
		sc := newScripted(t, body(200, "application/json", answer))
		c := newClient(t, wati.Config{BaseURL: sc.URL})
		if ch, err := c.ListChannels(ctx); err != nil || ch == nil || len(ch) != 0 {
			t.Errorf("%s: channels %v, %v", answer, ch, err)
		}
		if b, err := c.ListChatbots(ctx); err != nil || b == nil || len(b) != 0 {
			t.Errorf("%s: chatbots %v, %v", answer, b, err)
		}
		if p, err := c.ListContacts(ctx, 1, 10); err != nil || p.Contacts == nil || len(p.Contacts) != 0 {
			t.Errorf("%s: contacts %+v, %v", answer, p, err)
		}
		if m, err := c.ListMessages(ctx, tg("14155552671"), 1, 10); err != nil || m == nil || len(m) != 0 {
			t.Errorf("%s: messages %v, %v", answer, m, err)
		}
	}
	sc := newScripted(t, body(200, "application/json", `{"chatbot_list":null}`))
	if b, err := newClient(t, wati.Config{BaseURL: sc.URL, API: "v1"}).ListChatbots(ctx); err != nil || len(b) != 0 {
		t.Errorf("v1 chatbots %v, %v", b, err)
	}
	// still not JSON at all is unreadable
	sc = newScripted(t, body(200, "text/html", `<html>login</html>`))
	if _, err := newClient(t, wati.Config{BaseURL: sc.URL}).ListChannels(ctx); asError(t, err).Kind != wati.KindMalformed {
		t.Errorf("HTML answer: %v", err)
	}
}

// Channels are read page after page with page_number and page_size, as the
// spec requires.
func TestListChannelsReadsEveryPage(t *testing.T) {
	seed := sandbox.DefaultSeed()
	for i := 0; i < 150; i++ {
		seed.Channels = append(seed.Channels, sandbox.SeedChannel{Name: fmt.Sprint("Line ", i), Number: fmt.Sprint(85300000000 + i)})
	}
	s := startSandbox(t, sandbox.Options{Seed: seed})
	chans, err := v3(t, s).ListChannels(context.Background())
	if err != nil || len(chans) != 152 || chans[151].Name != "Line 149" {
		t.Fatalf("%d channels, %v", len(chans), err)
	}
	var queries []string
	for _, r := range s.Requests() {
		if r.Path == "/api/ext/v3/channels" {
			queries = append(queries, r.Query)
		}
	}
	if strings.Join(queries, " ") != "page_number=1&page_size=100 page_number=2&page_size=100" {
		t.Fatalf("channel requests %q", queries)
	}
}

// Contact routes, team assignment and chatbot starts never get a
// conversation id: refused before anything is sent (exit 2). Chatbot starts
// take Channel:ContactId; operator routes keep taking conversation ids.
func TestTargetFormsPerRoute(t *testing.T) {
	sc := newScripted(t, ok)
	c := newClient(t, wati.Config{BaseURL: sc.URL})
	ctx := context.Background()
	conv := tg("685bd235e6119686e693a093")
	for name, err := range map[string]error{
		"teams":                           c.AssignTeams(ctx, conv, []string{"Billing"}),
		"chatbot":                         c.StartChatbot(ctx, conv, "607f1f77bcf86cd799439011"),
		"contact":                         func() error { _, err := c.GetContact(ctx, conv); return err }(),
		"operator on a Channel:ContactId": c.AssignOperator(ctx, tg("Support:65b73810e2bd04aa867b5f7d"), nil),
		"teams on a Channel:ContactId":    c.AssignTeams(ctx, tg("Support:65b73810e2bd04aa867b5f7d"), []string{"Billing"}),
	} {
		we := asError(t, err)
		var te *wati.TargetError
		if we.Kind != wati.KindInvalid || we.ExitCode() != 2 || !errors.As(err, &te) || !strings.Contains(te.Hint(), "Channel:Phone") {
			t.Errorf("%s: %v (hint %q)", name, err, func() string {
				if te != nil {
					return te.Hint()
				}
				return ""
			}())
		}
	}
	if n := sc.count(); n != 0 {
		t.Fatalf("%d requests sent for refused targets", n)
	}
	if err := c.AssignOperator(ctx, conv, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.StartChatbot(ctx, tg("Support:65B73810E2BD04AA867B5F7D"), "607f1f77bcf86cd799439011"); err != nil {
		t.Fatal(err)
	}
	if got := sc.bodies[1]; got != `{"target":"Support:65b73810e2bd04aa867b5f7d","chatbot_id":"607f1f77bcf86cd799439011"}` {
		t.Fatalf("chatbot start body %s", got)
	}
}
