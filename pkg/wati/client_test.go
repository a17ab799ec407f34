package wati_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/sandbox"
	"github.com/handoff-dev/handoff/pkg/wati"
)

const token = "sandbox-token"

func startSandbox(t testing.TB, opts sandbox.Options) *sandbox.Server {
	t.Helper()
	s, err := sandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// fast retries, so that error paths take milliseconds
func newClient(t testing.TB, cfg wati.Config) *wati.Client {
	t.Helper()
	if cfg.Token == "" {
		cfg.Token = token
	}
	if cfg.RetryBaseWait == 0 {
		cfg.RetryBaseWait = time.Millisecond
		cfg.RetryMaxWait = 4 * time.Millisecond
	}
	c, err := wati.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func v3(t testing.TB, s *sandbox.Server) *wati.Client {
	return newClient(t, wati.Config{BaseURL: s.URL()})
}

func v1(t testing.TB, s *sandbox.Server) *wati.Client {
	return newClient(t, wati.Config{BaseURL: s.URL(), API: "v1", TenantID: s.TenantID()})
}

func tg(s string) wati.Target { return wati.MustParseTarget(s) }

func ptr(s string) *string { return &s }

func conv(t *testing.T, s *sandbox.Server, phone string, i int) sandbox.ConversationState {
	t.Helper()
	c, ok := s.Contact(phone)
	if !ok || len(c.Conversations) <= i {
		t.Fatalf("no conversation %d for %s", i, phone)
	}
	return c.Conversations[i]
}

func teams(t *testing.T, s *sandbox.Server, phone string) string {
	t.Helper()
	c, _ := s.Contact(phone)
	return strings.Join(c.Teams, ",")
}

// ----- every operation, v3 -----

func TestV3Operations(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	c := v3(t, s)
	ctx := context.Background()

	if err := c.AssignOperator(ctx, tg("+1 (415) 555-2671"), ptr("maria@acme.com")); err != nil {
		t.Fatal(err)
	}
	if a := conv(t, s, "14155552671", 0).Assignee; a == nil || a.Email != "maria@acme.com" {
		t.Fatalf("assignee %+v", a)
	}
	if err := c.AssignOperator(ctx, tg("14155552671"), nil); err != nil {
		t.Fatal(err)
	}
	if a := conv(t, s, "14155552671", 0).Assignee; a == nil || a.Type != "bot" {
		t.Fatalf("assignee %+v, want the bot operator", a)
	}
	if err := c.StartChatbot(ctx, tg("14155552671"), "607f1f77bcf86cd799439011"); err != nil {
		t.Fatal(err)
	}
	if n := s.ChatbotStarts("14155552671"); n != 1 {
		t.Fatalf("chatbot starts %d", n)
	}
	if err := c.AssignTeams(ctx, tg("14155552671"), []string{"Billing", " Billing "}); err != nil {
		t.Fatal(err)
	}
	if got := teams(t, s, "14155552671"); got != "Billing" {
		t.Fatalf("teams %q, want Billing (replaced)", got)
	}
	// keeping teams: read, merge, write
	ct, err := c.GetContact(ctx, tg("447700900123"))
	if err != nil {
		t.Fatal(err)
	}
	if ct.WaID != "447700900123" || ct.Name != "Priya Shah" || strings.Join(ct.Teams, ",") != "Sales,Support" || len(ct.ID) != 24 {
		t.Fatalf("contact %+v", ct)
	}
	if err := c.AssignTeams(ctx, tg("447700900123"), wati.MergeTeams(ct.Teams, []string{"Billing", "Sales"})); err != nil {
		t.Fatal(err)
	}
	if got := teams(t, s, "447700900123"); got != "Sales,Support,Billing" {
		t.Fatalf("teams %q", got)
	}
	ct, err = c.GetContact(ctx, tg("14155552671"))
	if err != nil || len(ct.CustomParams) != 1 || ct.CustomParams[0].Value != "premium" {
		t.Fatalf("custom params %+v, %v", ct, err)
	}

	if err := c.UpdateStatus(ctx, tg("85291234567"), "Solved"); err != nil {
		t.Fatal(err)
	}
	if st := conv(t, s, "85291234567", 0).Status; st != "solved" {
		t.Fatalf("status %q", st)
	}

	bots, err := c.ListChatbots(ctx)
	if err != nil || len(bots) != 3 || bots[0].ID != "607f1f77bcf86cd799439011" || bots[0].Name != "Returns flow" {
		t.Fatalf("chatbots %+v, %v", bots, err)
	}
	chans, err := c.ListChannels(ctx)
	if err != nil || len(chans) != 2 || chans[0].Name != "Support" || chans[0].Channel != "Whatsapp" || chans[1].Name != "Sales" {
		t.Fatalf("channels %+v, %v", chans, err)
	}
	page, err := c.ListContacts(ctx, 1, 2)
	if err != nil || len(page.Contacts) != 2 || page.PageNumber != 1 || page.PageSize != 2 || page.Contacts[1].WaID != "447700900123" {
		t.Fatalf("contacts %+v, %v", page, err)
	}
	page, err = c.ListContacts(ctx, 4, 2) // 6 seeded contacts
	if err != nil || len(page.Contacts) != 0 {
		t.Fatalf("last page %+v, %v", page, err)
	}
	msgs, err := c.ListMessages(ctx, tg("685bd235e6119686e693a093"), 1, 100)
	if err != nil || len(msgs) < 4 || msgs[0].EventType != "chatbot" || msgs[len(msgs)-1].Text != "Hi, I was charged twice for order 1042." {
		t.Fatalf("messages %+v, %v", msgs, err)
	}

	// Channel:Phone and the account's default channel settle a two-channel contact
	if err := c.AssignOperator(ctx, tg("Sales:447700900123"), ptr("lee@acme.com")); err != nil {
		t.Fatal(err)
	}
	if a := conv(t, s, "447700900123", 1).Assignee; a == nil || a.Email != "lee@acme.com" {
		t.Fatalf("Sales conversation: %+v", a)
	}
	withChannel := newClient(t, wati.Config{BaseURL: s.URL(), Channel: "85200000000"})
	if err := withChannel.AssignOperator(ctx, tg("447700900123"), ptr("sam@acme.com")); err != nil {
		t.Fatal(err)
	}
	if a := conv(t, s, "447700900123", 0).Assignee; a == nil || a.Email != "sam@acme.com" {
		t.Fatalf("Support conversation (default channel): %+v", a)
	}
}

func TestListChatbotsReadsEveryPage(t *testing.T) {
	seed := sandbox.DefaultSeed()
	for i := 0; i < 205; i++ {
		seed.Chatbots = append(seed.Chatbots, sandbox.SeedChatbot{ID: fmt.Sprintf("aaaaaaaaaaaaaaaaaaaa%04x", i), Name: fmt.Sprint("Bot ", i)})
	}
	s := startSandbox(t, sandbox.Options{Seed: seed})
	bots, err := v3(t, s).ListChatbots(context.Background())
	if err != nil || len(bots) != 208 || bots[207].Name != "Bot 204" {
		t.Fatalf("%d chatbots, %v", len(bots), err)
	}
	if n := s.CountRequests("GET", "/api/ext/v3/chatbots"); n != 3 {
		t.Fatalf("%d page requests, want 3", n)
	}
}

func TestListChatbotsStopsWhenPagingIsIgnored(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		var b strings.Builder
		b.WriteString(`{"chatbot_list":[`)
		for i := 0; i < 100; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":"%024x","name":"b"}`, i)
		}
		b.WriteString(`]}`)
		w.Write([]byte(b.String()))
	}))
	defer srv.Close()
	bots, err := newClient(t, wati.Config{BaseURL: srv.URL}).ListChatbots(context.Background())
	if err != nil || len(bots) != 100 || n.Load() != 2 {
		t.Fatalf("%d chatbots after %d requests, %v", len(bots), n.Load(), err)
	}
}

// ----- every operation, v1 -----

func TestV1Operations(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	c := v1(t, s)
	ctx := context.Background()
	if c.API() != "v1" {
		t.Fatal(c.API())
	}
	if err := c.AssignOperator(ctx, tg("14155552671"), ptr("maria@acme.com")); err != nil {
		t.Fatal(err)
	}
	if a := conv(t, s, "14155552671", 0).Assignee; a == nil || a.Email != "maria@acme.com" {
		t.Fatalf("assignee %+v", a)
	}
	if err := c.AssignOperator(ctx, tg("14155552671"), nil); err != nil {
		t.Fatal(err)
	}
	if a := conv(t, s, "14155552671", 0).Assignee; a == nil || a.Type != "bot" {
		t.Fatalf("assignee %+v", a)
	}
	// channel by number → channelPhoneNumber; by name → target; conversation id → target
	if err := c.AssignOperator(ctx, tg("85200000001:447700900123"), ptr("lee@acme.com")); err != nil {
		t.Fatal(err)
	}
	if err := c.AssignOperator(ctx, tg("Support:447700900123"), ptr("sam@acme.com")); err != nil {
		t.Fatal(err)
	}
	if a, b := conv(t, s, "447700900123", 0).Assignee, conv(t, s, "447700900123", 1).Assignee; a.Email != "sam@acme.com" || b.Email != "lee@acme.com" {
		t.Fatalf("assignees %+v %+v", a, b)
	}
	if err := c.UpdateStatus(ctx, tg("685bd235e6119686e693a099"), "pending"); err != nil {
		t.Fatal(err)
	}
	if st := conv(t, s, "85291234567", 0).Status; st != "pending" {
		t.Fatal(st)
	}
	if err := c.StartChatbot(ctx, tg("4915112345678"), "607f1f77bcf86cd799439012"); err != nil {
		t.Fatal(err)
	}
	if s.ChatbotStarts("4915112345678") != 1 {
		t.Fatal("chatbot not started")
	}
	if err := c.AssignTeams(ctx, tg("85291234567"), []string{"Sales", "Returns"}); err != nil {
		t.Fatal(err)
	}
	if got := teams(t, s, "85291234567"); got != "Sales,Returns" {
		t.Fatalf("teams %q", got)
	}
	bots, err := c.ListChatbots(ctx)
	if err != nil || len(bots) != 3 || bots[0].Name != "Returns flow" {
		t.Fatalf("chatbots %+v %v", bots, err)
	}
	want := []string{
		"POST /100001/api/v1/assignOperator?email=maria%40acme.com&whatsappNumber=14155552671",
		"POST /100001/api/v1/assignOperator?whatsappNumber=14155552671",
		"POST /100001/api/v1/assignOperator?channelPhoneNumber=85200000001&email=lee%40acme.com&whatsappNumber=447700900123",
		"POST /100001/api/v1/assignOperator?email=sam%40acme.com&target=Support%3A447700900123",
		"POST /100001/api/v1/updateChatStatus?target=685bd235e6119686e693a099&ticketStatus=PENDING",
		"POST /100001/api/v1/chatbots/start?chatbotId=607f1f77bcf86cd799439012&whatsappNumber=4915112345678",
		"POST /100001/api/v1/assignTeam?teams=Sales&teams=Returns&whatsappNumber=85291234567",
		"GET /100001/api/v1/chatbots",
	}
	var got []string
	for _, r := range c.Requests() {
		got = append(got, r.Method+" "+strings.TrimPrefix(r.URL, s.URL()))
		if r.Body != "" || r.Status != 200 {
			t.Errorf("%s %s: body %q status %d", r.Method, r.URL, r.Body, r.Status)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// what v1 does not document is refused without a request
	for name, f := range map[string]func() error{
		"contact":  func() error { _, err := c.GetContact(ctx, tg("14155552671")); return err },
		"contacts": func() error { _, err := c.ListContacts(ctx, 1, 10); return err },
		"channels": func() error { _, err := c.ListChannels(ctx); return err },
		"messages": func() error { _, err := c.ListMessages(ctx, tg("14155552671"), 1, 10); return err },
	} {
		var we *wati.Error
		if err := f(); !errors.As(err, &we) || we.Kind != wati.KindUnsupported || we.Hint() == "" {
			t.Errorf("%s: %v, want KindUnsupported", name, err)
		}
	}
	if n := len(c.Requests()); n != len(want) {
		t.Fatalf("unsupported calls sent requests: %d", n)
	}
}

func TestV1PerTenantHost(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	c := newClient(t, wati.Config{BaseURL: s.URL(), API: "v1"}) // no tenant: the host implies it
	if err := c.AssignOperator(context.Background(), tg("14155552671"), nil); err != nil {
		t.Fatal(err)
	}
	if r := c.Requests(); !strings.HasPrefix(r[0].URL, s.URL()+"/api/v1/assignOperator?") {
		t.Fatal(r[0].URL)
	}
}

// ----- errors -----

func asError(t *testing.T, err error) *wati.Error {
	t.Helper()
	var we *wati.Error
	if !errors.As(err, &we) {
		t.Fatalf("error %v (%T), want *wati.Error", err, err)
	}
	return we
}

func TestErrorsFromTheSandbox(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	ctx := context.Background()
	readonly := newClient(t, wati.Config{BaseURL: s.URL(), Token: "sandbox-readonly-token", Account: "acme"})
	wrong := newClient(t, wati.Config{BaseURL: s.URL(), Token: "not-the-token", Account: "acme"})
	cases := []struct {
		name      string
		call      func() error
		kind      wati.Kind
		exit      int
		status    int
		msg, hint string
	}{
		{"401", func() error { return wrong.AssignOperator(ctx, tg("14155552671"), nil) }, wati.KindUnauthorized, 4, 401, "rejected the token", "handoff account add acme --with-token"},
		{"401 v1 wrong tenant", func() error {
			return newClient(t, wati.Config{BaseURL: s.URL(), API: "v1", TenantID: "999"}).AssignOperator(ctx, tg("14155552671"), nil)
		}, wati.KindUnauthorized, 4, 401, "does not belong to tenant 999", "account add"},
		{"403 names the scopes", func() error { return readonly.AssignOperator(ctx, tg("14155552671"), nil) }, wati.KindForbidden, 4, 403, "lacks the scope", "api, conversationsv3:write, wati_integration:write"},
		{"403 teams scopes", func() error { return readonly.AssignTeams(ctx, tg("14155552671"), []string{"Sales"}) }, wati.KindForbidden, 4, 403, "forbidden", "api, contactsv3:write"},
		{"403 v1 plain text", func() error {
			return newClient(t, wati.Config{BaseURL: s.URL(), Token: "sandbox-readonly-token", API: "v1", TenantID: s.TenantID()}).UpdateStatus(ctx, tg("14155552671"), "open")
		}, wati.KindForbidden, 4, 403, "Forbidden", "api, wati_integration:write, conversations:write"},
		{"404 contact", func() error { return v3(t, s).AssignOperator(ctx, tg("14155550000"), nil) }, wati.KindNotFound, 5, 404, "Contact not found", "Check the target"},
		{"404 chatbot", func() error { return v3(t, s).StartChatbot(ctx, tg("14155552671"), "607f1f77bcf86cd799439099") }, wati.KindNotFound, 5, 404, "Chatbot 607f1f77bcf86cd799439099 not found", ""},
		{"404 team", func() error { return v3(t, s).AssignTeams(ctx, tg("14155552671"), []string{"Legal"}) }, wati.KindNotFound, 5, 404, "Team Legal not found", ""},
		{"404 conversation", func() error { _, err := v3(t, s).ListMessages(ctx, tg("aaaaaaaaaaaaaaaaaaaaaaaa"), 1, 10); return err }, wati.KindNotFound, 5, 404, "Conversation not found", ""},
		{"409 ambiguous", func() error { return v3(t, s).AssignOperator(ctx, tg("447700900123"), ptr("sam@acme.com")) }, wati.KindConflict, 1, 409, "several channels", "--conversation Channel:Phone"},
		{"409 chatbot", func() error { return v3(t, s).StartChatbot(ctx, tg("447700900123"), "607f1f77bcf86cd799439011") }, wati.KindConflict, 1, 409, "several channels", "channel"},
		{"v1 result:false", func() error { return v1(t, s).AssignOperator(ctx, tg("14155550000"), nil) }, wati.KindRejected, 1, 200, "result:false (200): Contact 14155550000 not found", ""},
		{"v1 result:false ambiguous", func() error { return v1(t, s).AssignOperator(ctx, tg("447700900123"), nil) }, wati.KindRejected, 1, 200, "several channels", ""},
		{"v1 result:false chatbot", func() error { return v1(t, s).StartChatbot(ctx, tg("14155552671"), "607f1f77bcf86cd799439099") }, wati.KindRejected, 1, 200, "not found", ""},
		{"invalid email", func() error { return v3(t, s).AssignOperator(ctx, tg("14155552671"), ptr("maria")) }, wati.KindInvalid, 2, 0, `"maria" is not an email`, ""},
		{"no teams", func() error { return v3(t, s).AssignTeams(ctx, tg("14155552671"), nil) }, wati.KindInvalid, 2, 0, "no team", ""},
		{"blank team", func() error { return v3(t, s).AssignTeams(ctx, tg("14155552671"), []string{"A", " "}) }, wati.KindInvalid, 2, 0, "blank", ""},
		{"101 teams", func() error {
			var many []string
			for i := 0; i < 101; i++ {
				many = append(many, fmt.Sprint("T", i))
			}
			return v3(t, s).AssignTeams(ctx, tg("14155552671"), many)
		}, wati.KindInvalid, 2, 0, "at most 100", ""},
		{"bad status", func() error { return v3(t, s).UpdateStatus(ctx, tg("14155552671"), "closed") }, wati.KindInvalid, 2, 0, "open, pending, solved, block", ""},
		{"bad page size", func() error { _, err := v3(t, s).ListContacts(ctx, 1, 101); return err }, wati.KindInvalid, 2, 0, "1 to 100", ""},
		{"no chatbot id", func() error { return v3(t, s).StartChatbot(ctx, tg("14155552671"), " ") }, wati.KindInvalid, 2, 0, "no chatbot id", ""},
		{"zero target", func() error { return v3(t, s).AssignOperator(ctx, wati.Target{}, nil) }, wati.KindInvalid, 2, 0, "no target", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			we := asError(t, err)
			if we.Kind != tc.kind || we.ExitCode() != tc.exit || cmdutil.ExitCodeOf(err) != tc.exit || we.Status != tc.status {
				t.Fatalf("%v: kind %s exit %d status %d, want %s %d %d", err, we.Kind, we.ExitCode(), we.Status, tc.kind, tc.exit, tc.status)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("message %q lacks %q", err, tc.msg)
			}
			if !strings.Contains(cmdutil.HintOf(err), tc.hint) {
				t.Fatalf("hint %q lacks %q", cmdutil.HintOf(err), tc.hint)
			}
			if strings.Contains(err.Error()+cmdutil.HintOf(err), "sandbox-") {
				t.Fatalf("token in %q", err)
			}
		})
	}
}

// scripted is a test server answering each request with the next of answers
// (the last one repeats).
type scripted struct {
	*httptest.Server
	mu      sync.Mutex
	n       int
	answers []func(w http.ResponseWriter, r *http.Request)
	seen    []*http.Request
	bodies  []string
}

func newScripted(t *testing.T, answers ...func(w http.ResponseWriter, r *http.Request)) *scripted {
	sc := &scripted{answers: answers}
	sc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sc.mu.Lock()
		i := sc.n
		sc.n++
		sc.seen = append(sc.seen, r.Clone(context.Background()))
		var b bytes.Buffer
		b.ReadFrom(r.Body)
		sc.bodies = append(sc.bodies, b.String())
		sc.mu.Unlock()
		if i >= len(answers) {
			i = len(answers) - 1
		}
		answers[i](w, r)
	}))
	t.Cleanup(sc.Close)
	return sc
}

func (sc *scripted) count() int { sc.mu.Lock(); defer sc.mu.Unlock(); return sc.n }

func status(code int, header ...string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
	}
}

func body(code int, ct, text string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		if ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		w.WriteHeader(code)
		w.Write([]byte(text))
	}
}

var ok = body(200, "application/json", `{"result":true}`)

func TestErrorBodies(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		answer func(w http.ResponseWriter, r *http.Request)
		read   bool
		kind   wati.Kind
		exit   int
		msg    string
	}{
		{"401 empty", status(401), false, wati.KindUnauthorized, 4, "rejected the token (401)"},
		{"401 plain text", body(401, "text/plain", "Unauthorized access"), false, wati.KindUnauthorized, 4, "Unauthorized access"},
		{"403 empty", status(403), false, wati.KindForbidden, 4, "(403)"},
		{"403 html", body(403, "text/html", "<html><body>Forbidden</body></html>"), false, wati.KindForbidden, 4, "(403)"},
		{"403 json null message", body(403, "application/json", `{"code":403,"message":null,"timestamp":"2024-01-01T00:00:00Z"}`), false, wati.KindForbidden, 4, "(403)"},
		{"400 v3 body", body(400, "application/json", `{"code":400,"message":"Invalid target","timestamp":"2024-01-01T00:00:00Z"}`), false, wati.KindBadRequest, 1, "refused the request (400): Invalid target"},
		{"405", body(405, "application/json", `{"code":405,"message":null}`), false, wati.KindBadRequest, 1, "(405): Method Not Allowed"},
		{"422 text", body(422, "text/plain", "bad\nthing"), false, wati.KindBadRequest, 1, "(422): bad thing"},
		{"200 html on a write", body(200, "text/html", "<html>login</html>"), false, wati.KindMalformed, 1, "not JSON: <html>login</html>"},
		{"200 result false v3", body(200, "application/json", `{"result":false,"message":"window closed"}`), false, wati.KindRejected, 1, "window closed"},
		{"200 result false info object", body(200, "application/json", `{"result":false,"info":{"reason":"x"}}`), false, wati.KindRejected, 1, `{"reason":"x"}`},
		{"200 html on a read", body(200, "text/html", "<html></html>"), true, wati.KindMalformed, 1, "cannot read the answer"},
		{"200 empty contact", body(200, "application/json", `{}`), true, wati.KindMalformed, 1, "no contact"},
		{"501", status(501), false, wati.KindUnavailable, 6, "(501)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sc := newScripted(t, tc.answer)
			c := newClient(t, wati.Config{BaseURL: sc.URL})
			var err error
			if tc.read {
				_, err = c.GetContact(ctx, tg("14155552671"))
			} else {
				err = c.AssignOperator(ctx, tg("14155552671"), nil)
			}
			we := asError(t, err)
			if we.Kind != tc.kind || we.ExitCode() != tc.exit || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("%v (kind %s, exit %d), want %s %d %q", err, we.Kind, we.ExitCode(), tc.kind, tc.exit, tc.msg)
			}
			if sc.count() != 1 {
				t.Fatalf("%d requests, want 1 (no retry)", sc.count())
			}
		})
	}
}

func TestTolerantAnswers(t *testing.T) {
	ctx := context.Background()
	// v1 bodies are undocumented: an empty 200 or JSON without result is success
	for _, a := range []func(http.ResponseWriter, *http.Request){status(200), body(200, "application/json", `{"info":"done"}`), body(204, "", "")} {
		sc := newScripted(t, a)
		if err := newClient(t, wati.Config{BaseURL: sc.URL, API: "v1", TenantID: "1"}).AssignOperator(ctx, tg("14155552671"), nil); err != nil {
			t.Fatal(err)
		}
	}
	// {"contact": {...}} is unwrapped; custom params of other types kept as text
	sc := newScripted(t, body(200, "application/json", `{"contact":{"id":"x","wa_id":"14155552671","teams":null,"custom_params":[{"name":"n","value":42},{"name":"b","value":true},{"name":"z","value":null}]}}`))
	ct, err := newClient(t, wati.Config{BaseURL: sc.URL}).GetContact(ctx, tg("14155552671"))
	if err != nil || ct.WaID != "14155552671" || ct.Teams == nil || ct.CustomParams[0].Value != "42" || ct.CustomParams[1].Value != "true" || ct.CustomParams[2].Value != "" {
		t.Fatalf("%+v %v", ct, err)
	}
	// "contacts" instead of "contact_list"
	sc = newScripted(t, body(200, "application/json", `{"contacts":[{"wa_id":"1"}]}`))
	page, err := newClient(t, wati.Config{BaseURL: sc.URL}).ListContacts(ctx, 2, 5)
	if err != nil || len(page.Contacts) != 1 || page.PageNumber != 2 || page.PageSize != 5 {
		t.Fatalf("%+v %v", page, err)
	}
	// v1 chatbots wrapped in an object
	sc = newScripted(t, body(200, "application/json", `{"chatbot_list":[{"id":"a","name":"A"}]}`))
	bots, err := newClient(t, wati.Config{BaseURL: sc.URL, API: "v1"}).ListChatbots(ctx)
	if err != nil || len(bots) != 1 {
		t.Fatalf("%+v %v", bots, err)
	}
}

func TestRequestShape(t *testing.T) {
	sc := newScripted(t, ok)
	c := newClient(t, wati.Config{BaseURL: sc.URL + "/", Token: "  Bearer s3cret-token ", UserAgent: "handoff/1.2.3"})
	ctx := context.Background()
	if err := c.AssignOperator(ctx, tg("Sales Team:14155552671"), nil); err != nil {
		t.Fatal(err)
	}
	if err := c.StartChatbot(ctx, tg("14155552671"), "607f1f77bcf86cd799439011"); err != nil {
		t.Fatal(err)
	}
	if err := c.AssignTeams(ctx, tg("14155552671"), []string{"R&D <core>"}); err != nil {
		t.Fatal(err)
	}
	if err := c.UpdateStatus(ctx, tg("14155552671"), "block"); err != nil {
		t.Fatal(err)
	}
	want := []struct{ method, path, body string }{
		{"PUT", "/api/ext/v3/conversations/Sales%20Team:14155552671/operator", `{"assignee_email":null}`},
		{"POST", "/api/ext/v3/chatbots/start", `{"target":"14155552671","chatbot_id":"607f1f77bcf86cd799439011"}`},
		{"PUT", "/api/ext/v3/contacts/teams", `{"target":"14155552671","teams":["R&D <core>"]}`},
		{"PUT", "/api/ext/v3/conversations/14155552671/status", `{"new_status":"block"}`},
	}
	for i, w := range want {
		r := sc.seen[i]
		if r.Method != w.method || r.URL.EscapedPath() != w.path || sc.bodies[i] != w.body {
			t.Errorf("request %d: %s %s %s, want %s %s %s", i, r.Method, r.URL.EscapedPath(), sc.bodies[i], w.method, w.path, w.body)
		}
		if got := r.Header.Get("Authorization"); got != "Bearer s3cret-token" {
			t.Errorf("Authorization %q, want one Bearer", got)
		}
		if r.Header.Get("User-Agent") != "handoff/1.2.3" || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Accept") != "application/json" {
			t.Errorf("headers %v", r.Header)
		}
	}
}

func TestNewChecksTheEndpoint(t *testing.T) {
	for _, u := range []string{"", "live-mt-server.wati.io", "ftp://x", "http://example.com", "http://10.0.0.1:8089", "https://user:pw@x.io", "https://x.io?a=1", "https://"} {
		if _, err := wati.New(wati.Config{BaseURL: u}); err == nil {
			t.Errorf("New(%q) accepted", u)
		} else if we := asError(t, err); we.Kind != wati.KindInvalid {
			t.Errorf("New(%q): %v", u, err)
		}
	}
	for _, u := range []string{"https://live-mt-server.wati.io", "https://live-mt-server.wati.io/", "http://127.0.0.1:8089", "http://localhost:1", "http://[::1]:8089", "https://live-mt-server.wati.io/301234"} {
		if _, err := wati.New(wati.Config{BaseURL: u}); err != nil {
			t.Errorf("New(%q): %v", u, err)
		}
	}
	if _, err := wati.New(wati.Config{BaseURL: "https://x.io", API: "v2"}); err == nil {
		t.Error("api v2 accepted")
	}
}

func TestBasePathPrefix(t *testing.T) {
	sc := newScripted(t, ok)
	c := newClient(t, wati.Config{BaseURL: sc.URL + "/301234/", API: "v1"})
	if err := c.AssignOperator(context.Background(), tg("14155552671"), nil); err != nil {
		t.Fatal(err)
	}
	if p := sc.seen[0].URL.Path; p != "/301234/api/v1/assignOperator" {
		t.Fatal(p)
	}
}

// ----- redirects: never followed, the token stays home -----

func TestRedirectIsNotFollowed(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	for _, code := range []int{301, 302, 307, 308} {
		sc := newScripted(t, status(code, "Location", other.URL+"/api/ext/v3/x"))
		c := newClient(t, wati.Config{BaseURL: sc.URL, Account: "acme"})
		err := c.AssignOperator(context.Background(), tg("14155552671"), nil)
		we := asError(t, err)
		host := strings.TrimPrefix(other.URL, "http://")
		if we.Kind != wati.KindRedirect || we.ExitCode() != 3 || !strings.Contains(err.Error(), "redirect to "+host) || !strings.Contains(err.Error(), "not followed") {
			t.Fatalf("%d: %v", code, err)
		}
		if !strings.Contains(we.Hint(), "handoff account show acme") {
			t.Fatal(we.Hint())
		}
	}
	if elsewhere.Load() != 0 {
		t.Fatalf("the redirect target got %d requests", elsewhere.Load())
	}
}

// ----- dry-run and recording -----

func TestDryRun(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	var dbg bytes.Buffer
	c := newClient(t, wati.Config{BaseURL: s.URL(), DryRun: true, UserAgent: "handoff/test", Debug: &dbg})
	ctx := context.Background()
	// reads are sent (to learn current teams), writes are not
	ct, err := c.GetContact(ctx, tg("14155552671"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AssignTeams(ctx, tg("14155552671"), wati.MergeTeams(ct.Teams, []string{"Billing"})); err != nil {
		t.Fatal(err)
	}
	if err := c.StartChatbot(ctx, tg("14155552671"), "607f1f77bcf86cd799439011"); err != nil {
		t.Fatal(err)
	}
	if got := teams(t, s, "14155552671"); got != "Support" {
		t.Fatalf("dry-run changed teams: %q", got)
	}
	if s.ChatbotStarts("14155552671") != 0 {
		t.Fatal("dry-run started a chatbot")
	}
	for _, r := range s.Requests() {
		if r.Method != "GET" {
			t.Fatalf("dry-run sent %s %s", r.Method, r.Path)
		}
	}
	reqs := c.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests recorded", len(reqs))
	}
	get, put, post := reqs[0], reqs[1], reqs[2]
	if get.Status != 200 || get.Method != "GET" {
		t.Fatalf("the read: %+v", get)
	}
	if put.Status != 0 || put.Method != "PUT" || put.URL != s.URL()+"/api/ext/v3/contacts/teams" || put.Body != `{"target":"14155552671","teams":["Support","Billing"]}` {
		t.Fatalf("the write: %+v", put)
	}
	wantHeader := map[string]string{"Authorization": "Bearer ***REDACTED***", "Content-Type": "application/json", "Accept": "application/json", "User-Agent": "handoff/test"}
	if fmt.Sprint(put.Header) != fmt.Sprint(wantHeader) {
		t.Fatalf("header %v, want %v", put.Header, wantHeader)
	}
	if post.URL != s.URL()+"/api/ext/v3/chatbots/start" || post.Status != 0 {
		t.Fatalf("%+v", post)
	}
	if !strings.Contains(dbg.String(), "> PUT "+s.URL()+"/api/ext/v3/contacts/teams (dry-run: not sent)") {
		t.Fatalf("debug:\n%s", dbg.String())
	}

	// v1 dry-run: the query string is the request
	c1 := newClient(t, wati.Config{BaseURL: s.URL(), API: "v1", TenantID: "100001", DryRun: true})
	if err := c1.AssignOperator(ctx, tg("14155552671"), ptr("maria@acme.com")); err != nil {
		t.Fatal(err)
	}
	if r := c1.Requests()[0]; r.URL != s.URL()+"/100001/api/v1/assignOperator?email=maria%40acme.com&whatsappNumber=14155552671" || r.Body != "" || r.Method != "POST" {
		t.Fatalf("%+v", r)
	}
}

func TestRecordRequestsPerCall(t *testing.T) {
	s := startSandbox(t, sandbox.Options{GenerateContacts: 20})
	c := v3(t, s)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			phone := fmt.Sprint(15550000000 + i)
			ctx, reqs := wati.RecordRequests(context.Background())
			if err := c.AssignOperator(ctx, tg(phone), nil); err != nil {
				errs <- err
				return
			}
			r := reqs()
			if len(r) != 1 || !strings.Contains(r[0].URL, phone) || r[0].Status != 200 {
				errs <- fmt.Errorf("%s: %+v", phone, r)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(c.Requests()); n != 20 {
		t.Fatalf("client kept %d", n)
	}
}

// ----- the token appears nowhere -----

func TestTokenNeverShown(t *testing.T) {
	const secret = "tok-9f8e7d6c5b4a"
	var dbg bytes.Buffer
	var logMu sync.Mutex
	var sbLog bytes.Buffer
	s := startSandbox(t, sandbox.Options{Token: secret, Log: writerFunc(func(b []byte) (int, error) {
		logMu.Lock()
		defer logMu.Unlock()
		return sbLog.Write(b)
	})})
	// a server that echoes the token back in every kind of answer
	echo := newScripted(t,
		func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"code":400,"message":"bad token %s"}`, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		},
		func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "https://evil.example/?t="+secret)
			w.WriteHeader(302)
		},
		func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200)
			fmt.Fprintf(w, `{"result":false,"info":"%s"}`, secret)
		},
		func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200)
			fmt.Fprintf(w, `<html>%s</html>`, secret)
		},
		func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Set-Cookie", "s="+secret)
			w.WriteHeader(401)
			fmt.Fprint(w, secret)
		},
	)
	var shown []string
	ctx := context.Background()
	for _, base := range []string{s.URL(), echo.URL} {
		for _, dry := range []bool{false, true} {
			c := newClient(t, wati.Config{BaseURL: base, Token: "Bearer " + secret, Debug: &dbg, DryRun: dry, MaxAttempts: 1})
			calls := []error{
				c.AssignOperator(ctx, tg("14155552671"), ptr("maria@acme.com")),
				c.AssignOperator(ctx, tg("447700900123"), nil),
				c.StartChatbot(ctx, tg("14155552671"), "607f1f77bcf86cd799439011"),
				c.AssignTeams(ctx, tg("14155552671"), []string{"Nope"}),
				c.UpdateStatus(ctx, tg("14155552671"), "open"),
			}
			_, err := c.GetContact(ctx, tg("14155550000"))
			calls = append(calls, err)
			for _, err := range calls {
				if err != nil {
					shown = append(shown, err.Error(), cmdutil.HintOf(err), fmt.Sprintf("%+v", err))
				}
			}
			for _, r := range c.Requests() {
				shown = append(shown, fmt.Sprintf("%+v", r))
			}
		}
	}
	resp, err := http.Get(s.URL() + "/_sandbox/requests")
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	log.ReadFrom(resp.Body)
	resp.Body.Close()
	logMu.Lock()
	shown = append(shown, dbg.String(), log.String(), sbLog.String())
	logMu.Unlock()
	all := strings.Join(shown, "\n")
	if strings.Contains(all, secret) {
		i := strings.Index(all, secret)
		t.Fatalf("the token appears: …%s…", all[max(0, i-200):min(len(all), i+50)])
	}
	// and the output is not empty: the checks looked at something
	for _, want := range []string{"Authorization: Bearer ***REDACTED***", "bad token ***REDACTED***", "info", "(dry-run: not sent)", "< HTTP/1.1 200 OK"} {
		if !strings.Contains(all, want) {
			t.Errorf("expected %q in what was shown", want)
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// BenchmarkAssignOperator measures handoffs per second through the client
// and the sandbox over loopback HTTP (make bench).
func BenchmarkAssignOperator(b *testing.B) {
	s := startSandbox(b, sandbox.Options{GenerateContacts: 1000, LogLimit: -1})
	c := v3(b, s)
	ctx := context.Background()
	var i atomic.Int64
	b.ResetTimer()
	t0 := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := i.Add(1)
			if err := c.AssignOperator(ctx, wati.Target{Phone: fmt.Sprint(15550000000 + n%1000)}, nil); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(i.Load())/time.Since(t0).Seconds(), "handoffs/s")
}
