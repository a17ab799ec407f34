package handoff

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/sandbox"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// testWati is the project's sandbox, served over loopback HTTP, with the
// helpers these tests need. Faults come from the sandbox's own options.
type testWati struct {
	*sandbox.Server
}

const testToken = "sekret-token-123"

func newWati(t *testing.T, opts sandbox.Options) *testWati {
	t.Helper()
	opts.Token = testToken
	if opts.GenerateContacts == 0 {
		opts.GenerateContacts = 1000
	}
	if opts.RandSeed == 0 {
		opts.RandSeed = 42
	}
	s, err := sandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return &testWati{s}
}

// client is a client of the sandbox with short retry waits.
func (w *testWati) client(t *testing.T, dryRun bool) *wati.Client {
	return w.clientAPI(t, "v3", testToken, dryRun)
}

func (w *testWati) clientAPI(t *testing.T, api, token string, dryRun bool) *wati.Client {
	t.Helper()
	c, err := wati.New(wati.Config{BaseURL: w.URL(), API: api, TenantID: w.TenantID(), Token: token, DryRun: dryRun,
		RetryBaseWait: time.Millisecond, RetryMaxWait: 5 * time.Millisecond, RequestTimeout: 5 * time.Second, MaxRetryAfter: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// setTeams gives a contact its teams before a test.
func (w *testWati) setTeams(t *testing.T, phone string, teams ...string) {
	t.Helper()
	if err := w.client(t, false).AssignTeams(context.Background(), wati.MustParseTarget(phone), teams); err != nil {
		t.Fatal(err)
	}
}

// writes counts the write requests Wati answered 200 (whatever was asked
// before the test began included: call it before and after).
func (w *testWati) writes() (ok, any int) {
	for _, r := range w.Requests() {
		if r.Method == "PUT" || r.Method == "POST" {
			any++
			if r.Status == 200 {
				ok++
			}
		}
	}
	return ok, any
}

func (w *testWati) reads() int {
	n := 0
	for _, r := range w.Requests() {
		if r.Method == "GET" {
			n++
		}
	}
	return n
}

func (w *testWati) teams(phone string) []string {
	c, _ := w.Contact(phone)
	return c.Teams
}

func (w *testWati) assignee(phone string) *sandbox.Assignee {
	c, ok := w.Contact(phone)
	if !ok || len(c.Conversations) == 0 {
		return nil
	}
	return c.Conversations[0].Assignee
}

var (
	teamAction  = &action.Action{Version: 1, Name: "escalate-billing", Account: "acme", Assignee: action.Assignee{Type: action.Team, Team: "Billing"}}
	userAction  = &action.Action{Version: 1, Name: "to-maria", Account: "acme", Assignee: action.Assignee{Type: action.User, Email: "maria@acme.com"}}
	botAction   = &action.Action{Version: 1, Name: "returns-bot", Account: "acme", Assignee: action.Assignee{Type: action.Bot, BotID: "607f1f77bcf86cd799439011", BotName: "Returns flow"}}
	botOperator = &action.Action{Version: 1, Name: "back-to-bot", Account: "acme", Assignee: action.Assignee{Type: action.Bot}}
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

type watiClient = wati.Client

func newClient(url, token string) (*wati.Client, error) {
	return wati.New(wati.Config{BaseURL: url, Token: token})
}
