package prompt_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/directory"
	"github.com/handoff-dev/handoff/pkg/prompt"
	"github.com/handoff-dev/handoff/pkg/prompt/prompttest"
	"github.com/handoff-dev/handoff/pkg/wati"
)

const (
	returnsID  = "607f1f77bcf86cd799439011"
	ordersID   = "607f1f77bcf86cd799439012"
	goodIntent = "The customer disputes a charge or asks for a refund on an invoice."
)

// world is a fake set of sources: two accounts, a directory for acme-prod.
type world struct {
	accounts []account.Account
	added    []account.Account
	tokens   []string
	listing  map[string]*directory.Listing
	dirErr   error
	bots     []wati.Chatbot
	botCalls int
	existing map[string]bool
}

func newWorld() *world {
	return &world{
		accounts: []account.Account{
			{Name: "acme-prod", Endpoint: "https://live-mt-server.wati.io", API: "v3", Default: true},
			{Name: "sandbox", Endpoint: "http://127.0.0.1:8089", API: "v3"},
		},
		listing: map[string]*directory.Listing{
			"acme-prod": {Account: "acme-prod", SyncedAt: time.Now(), Entries: []directory.Entry{
				{Kind: directory.KindTeam, Name: "Billing", Source: "contacts"},
				{Kind: directory.KindTeam, Name: "Support", Source: "declared"},
				{Kind: directory.KindUser, Name: "Maria Lopez", Email: "maria@acme.com", Source: "declared"},
				{Kind: directory.KindBot, Name: "Returns flow", ID: returnsID, Source: "wati"},
			}},
			"sandbox": {Account: "sandbox"},
		},
		bots:     []wati.Chatbot{{ID: returnsID, Name: "Returns flow"}, {ID: ordersID, Name: "Orders"}},
		existing: map[string]bool{"escalate-billing": true},
	}
}

func (w *world) sources() prompt.Sources {
	return prompt.Sources{
		Accounts: func() ([]account.Account, error) { return w.accounts, nil },
		AddAccount: func(a account.Account, token string) error {
			w.added = append(w.added, a)
			w.tokens = append(w.tokens, token)
			w.accounts = append(w.accounts, a)
			return nil
		},
		CheckAccountName: func(s string) error {
			if s == "" || strings.ToLower(s) != s {
				return errors.New("bad account name")
			}
			return nil
		},
		Directory: func(ctx context.Context, acct string) (*directory.Listing, error) {
			if w.dirErr != nil {
				return nil, w.dirErr
			}
			return w.listing[acct], nil
		},
		Chatbots: func(ctx context.Context, acct string) ([]wati.Chatbot, error) {
			w.botCalls++
			return w.bots, nil
		},
		PrepareAccount: func(a account.Account) (account.Account, error) {
			if a.API == "v1" && a.TenantID == "" {
				return a, errors.New("a v1 account needs its tenant id")
			}
			return a, nil
		},
		Exists: func(name string) (bool, error) { return w.existing[name], nil },
		Path:   func(name string) string { return "actions/" + name + ".yaml" },
	}
}

type A = prompttest.Answer

func run(t *testing.T, w *world, req prompt.Request, answers ...A) (action.Action, *prompttest.Fake, error) {
	t.Helper()
	p := prompttest.New(t, answers...)
	wz := &prompt.Wizard{P: p, Src: w.sources()}
	a, err := wz.Run(context.Background(), req)
	p.Done()
	lastWizard = wz
	return a, p, err
}

// lastWizard is the wizard of the last run (its Warnings, Connected).
var lastWizard *prompt.Wizard

func TestNewTeamAction(t *testing.T) {
	w := newWorld()
	a, p, err := run(t, w, prompt.Request{New: true, Confirm: true},
		A{Match: "Action name", Value: "escalate-refunds"},
		A{Match: "Intent", Value: goodIntent},
		A{Match: "Wati account", Keep: true}, // the default account is preselected
		A{Match: "Assignee type", Value: "team"},
		A{Match: "Team", Value: "Billing"},
		A{Match: "Save", Value: "save"},
	)
	if err != nil {
		t.Fatal(err)
	}
	want := action.Action{Version: 1, Name: "escalate-refunds", Intent: goodIntent, Account: "acme-prod",
		Assignee: action.Assignee{Type: action.Team, Team: "Billing"}}
	if a != want {
		t.Fatalf("got %+v\nwant %+v", a, want)
	}
	// The account question shows endpoint and api, and offers a new account.
	q := p.Asked[2]
	if q.Default != "acme-prod" || !strings.Contains(q.Options[0].Label, "https://live-mt-server.wati.io  v3") ||
		!strings.Contains(q.Options[len(q.Options)-1].Label, "Connect a new account") {
		t.Errorf("account question: %+v", q)
	}
	// The summary names the three steps and the path.
	said := p.SaidText()
	for _, s := range []string{"escalate-refunds", "acme-prod (https://live-mt-server.wati.io, v3)", "the Billing team"} {
		if !strings.Contains(said, s) {
			t.Errorf("summary lacks %q:\n%s", s, said)
		}
	}
	if !strings.Contains(p.Asked[5].Options[0].Label, "actions/escalate-refunds.yaml") {
		t.Errorf("save option does not name the path: %v", p.Asked[5].Options)
	}
}

func TestNameAndIntentCheckedAgain(t *testing.T) {
	// Line mode may hand back values its validator never saw: the wizard
	// checks them again and asks again.
	w := newWorld()
	a, p, err := run(t, w, prompt.Request{New: true, Confirm: false},
		A{Match: "Action name", Value: "Escalate Billing"},
		A{Match: "Action name", Value: "escalate-billing"}, // exists already
		A{Match: "Action name", Value: "billing-two"},
		A{Match: "Intent", Value: "TODO"},
		A{Match: "Intent", Value: "Hand over"},
		A{Match: "Intent", Value: "The customer asks for <something> here"},
		A{Match: "Intent", Value: goodIntent},
		A{Match: "Wati account", Value: "sandbox"},
		A{Match: "Assignee type", Value: "user"},
		// sandbox knows no users: straight to typing
		A{Match: "Operator email", Value: "not an email"},
		A{Match: "Operator email", Value: "sam@acme.com"},
	)
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "billing-two" || a.Intent != goodIntent || a.Account != "sandbox" || a.Assignee.Email != "sam@acme.com" {
		t.Fatalf("got %+v", a)
	}
	said := p.SaidText()
	for _, s := range []string{`use "escalate-billing"`, "exists already", "too vague", "placeholder", "not an email address",
		"No users of account sandbox known"} {
		if !strings.Contains(said, s) {
			t.Errorf("missing %q in:\n%s", s, said)
		}
	}
	// "saved as given" is for after saving: the command prints it then.
	if strings.Contains(said, "saved as given") {
		t.Errorf("said before saving:\n%s", said)
	}
	if ws := strings.Join(lastWizard.Warnings, "\n"); !strings.Contains(ws, "not in the directory of sandbox") || !strings.Contains(ws, "saved as given") {
		t.Errorf("warnings for after saving: %q", ws)
	}
}

func TestGoBackToAStep(t *testing.T) {
	w := newWorld()
	a, _, err := run(t, w, prompt.Request{New: true, Confirm: true},
		A{Match: "Action name", Value: "returns"},
		A{Match: "Intent", Value: goodIntent},
		A{Match: "Wati account", Keep: true},
		A{Match: "Assignee type", Value: "bot"},
		A{Match: "Bot", Value: "Returns flow"},
		A{Match: "Save", Value: "step 1"},
		A{Match: "Action name", Keep: true}, // prefilled with what was typed
		A{Match: "Intent", Keep: true},
		A{Match: "Save", Value: "step 2"},
		A{Match: "Wati account", Value: "sandbox"},
		// a chatbot id belongs to one workspace: step 3 again
		A{Match: "Assignee type", Keep: true},
		A{Match: "Bot", Value: "bot operator"},
		A{Match: "Save", Value: "save"},
	)
	if err != nil {
		t.Fatal(err)
	}
	if a.Account != "sandbox" || a.Assignee != (action.Assignee{Type: action.Bot}) || a.Intent != goodIntent {
		t.Fatalf("got %+v", a)
	}
}

func TestCancel(t *testing.T) {
	w := newWorld()
	_, _, err := run(t, w, prompt.Request{New: true, Confirm: true},
		A{Match: "Action name", Value: "x-one"},
		A{Match: "Intent", Value: goodIntent},
		A{Match: "Wati account", Err: prompt.ErrAborted},
	)
	if !errors.Is(err, prompt.ErrAborted) {
		t.Fatalf("err = %v, want ErrAborted", err)
	}
	_, _, err = run(t, w, prompt.Request{New: true, Confirm: true},
		A{Match: "Action name", Value: "x-two"},
		A{Match: "Intent", Value: goodIntent},
		A{Match: "Wati account", Keep: true},
		A{Match: "Assignee type", Value: "team"},
		A{Match: "Team", Value: "Support"},
		A{Match: "Save", Value: "Cancel"},
	)
	if !errors.Is(err, prompt.ErrAborted) {
		t.Fatalf("cancel in summary: err = %v", err)
	}
}

func TestEditEachStepPrefilled(t *testing.T) {
	w := newWorld()
	cur := action.Action{Version: 1, Name: "escalate-billing", Intent: goodIntent, Account: "acme-prod",
		Assignee: action.Assignee{Type: action.Team, Team: "Billing", KeepTeams: true}}

	// intent only: the name is not asked, the intent is prefilled
	a, p, err := run(t, w, prompt.Request{Action: cur, Steps: []prompt.Step{prompt.StepIntent}, Confirm: true},
		A{Match: "Intent", Value: "The customer asks to speak to a person about billing."},
		A{Match: "Save", Value: "save"},
	)
	if err != nil {
		t.Fatal(err)
	}
	if p.Asked[0].Default != goodIntent {
		t.Errorf("intent not prefilled: %q", p.Asked[0].Default)
	}
	if a.Intent == goodIntent || a.Account != cur.Account || a.Assignee != cur.Assignee {
		t.Errorf("got %+v", a)
	}
	if opts := p.Asked[1].Options; len(opts) != 3 {
		t.Errorf("one-step summary offers %d choices, want save, redo, cancel: %v", len(opts), opts)
	}

	// account only: the current account preselected
	a, p, err = run(t, w, prompt.Request{Action: cur, Steps: []prompt.Step{prompt.StepAccount}},
		A{Match: "Wati account", Value: "sandbox"},
	)
	if err != nil || a.Account != "sandbox" || a.Intent != cur.Intent {
		t.Fatalf("got %+v, %v", a, err)
	}
	if p.Asked[0].Default != "acme-prod" {
		t.Errorf("account default %q", p.Asked[0].Default)
	}

	// assignee only: type and team preselected; keep_teams survives a team change
	a, p, err = run(t, w, prompt.Request{Action: cur, Steps: []prompt.Step{prompt.StepAssignee}},
		A{Match: "Assignee type", Keep: true},
		A{Match: "Team", Value: "Support"},
	)
	if err != nil || a.Assignee != (action.Assignee{Type: action.Team, Team: "Support", KeepTeams: true}) {
		t.Fatalf("got %+v, %v", a.Assignee, err)
	}
	if p.Asked[0].Default != "team" || p.Asked[1].Default != "Billing" {
		t.Errorf("defaults %q %q", p.Asked[0].Default, p.Asked[1].Default)
	}
}

func TestOfflineFallback(t *testing.T) {
	w := newWorld()
	w.dirErr = errors.New("dial tcp: connection refused")
	a, p, err := run(t, w, prompt.Request{New: true},
		A{Match: "Action name", Value: "to-maria"},
		A{Match: "Intent", Value: goodIntent},
		A{Match: "Wati account", Keep: true},
		A{Match: "Assignee type", Value: "team"},
		// no list: straight to typing
		A{Match: "Team name", Value: "Billing"},
	)
	if err != nil {
		t.Fatal(err)
	}
	if a.Assignee.Team != "Billing" {
		t.Fatalf("got %+v", a.Assignee)
	}
	said := p.SaidText()
	if !strings.Contains(said, "Could not load the directory of acme-prod") {
		t.Errorf("said:\n%s", said)
	}
	if strings.Contains(said, "saved as given") || len(lastWizard.Warnings) != 1 || !strings.Contains(lastWizard.Warnings[0], "could not be checked") {
		t.Errorf("said:\n%s\nwarnings: %q", said, lastWizard.Warnings)
	}

	// An offline listing from the cache: shown with its age, typing still offered.
	w = newWorld()
	l := w.listing["acme-prod"]
	l.Offline, l.SyncedAt = true, time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)
	_, p, err = run(t, w, prompt.Request{New: true},
		A{Match: "Action name", Value: "offline"},
		A{Match: "Intent", Value: goodIntent},
		A{Match: "Wati account", Keep: true},
		A{Match: "Assignee type", Value: "bot"},
		A{Match: "Bot", Value: "Type it yourself"},
		A{Match: "Chatbot id or name", Value: ordersID},
	)
	if err != nil {
		t.Fatal(err)
	}
	if q := p.Asked[4]; !strings.Contains(strings.Join(labels(q.Options), "|"), "Returns flow ("+returnsID+")") {
		t.Errorf("bot options: %v", q.Options)
	}
}

func labels(o []prompt.Option) []string {
	out := make([]string, len(o))
	for i, x := range o {
		out[i] = x.Label
	}
	return out
}

func TestNoAccountsConnectsFirst(t *testing.T) {
	w := newWorld()
	w.accounts = nil
	a, _, err := run(t, w, prompt.Request{New: true},
		A{Match: "Action name", Value: "first"},
		A{Match: "Intent", Value: goodIntent},
		A{Match: "Account name", Value: "Acme"}, // rejected by the account rules
		A{Match: "Account name", Value: "acme"},
		A{Match: "API endpoint", Value: "https://live-mt-server.wati.io/"},
		A{Match: "API version", Value: "v3"},
		A{Match: "API token", Value: "Bearer abc.def"},
		A{Match: "Assignee type", Value: "user"},
		A{Match: "Operator email", Value: "sam@acme.com"},
	)
	if err != nil {
		t.Fatal(err)
	}
	if a.Account != "acme" || len(w.added) != 1 || w.added[0].Name != "acme" || w.tokens[0] != "Bearer abc.def" {
		t.Fatalf("got %+v, added %+v", a, w.added)
	}
}

func TestConnectNewAccountFromTheList(t *testing.T) {
	w := newWorld()
	a, _, err := run(t, w, prompt.Request{New: true},
		A{Match: "Action name", Value: "eu"},
		A{Match: "Intent", Value: goodIntent},
		A{Match: "Wati account", Value: "Connect a new account"},
		A{Match: "Account name", Value: "acme-prod"}, // taken
		A{Match: "Account name", Value: "acme-eu"},
		A{Match: "API endpoint", Value: "https://eu.example.wati.io"},
		A{Match: "API version", Value: "v1"},
		A{Match: "Tenant id", Value: ""}, // refused as a whole: asked again from the endpoint
		A{Match: "API endpoint", Keep: true},
		A{Match: "API version", Value: "v1"},
		A{Match: "Tenant id", Value: "12345"},
		A{Match: "API token", Value: "tok"},
		A{Match: "Assignee type", Value: "bot"},
		A{Match: "Bot", Value: "bot operator"},
	)
	if err != nil {
		t.Fatal(err)
	}
	if a.Account != "acme-eu" || w.added[0].API != "v1" || w.added[0].TenantID != "12345" {
		t.Fatalf("got %+v, added %+v", a, w.added)
	}
}

func TestBotNameResolvedToID(t *testing.T) {
	w := newWorld()
	// In the directory: no call to Wati.
	a, _, err := run(t, w, prompt.Request{New: true},
		A{Match: "Action name", Value: "returns"},
		A{Match: "Intent", Value: goodIntent},
		A{Match: "Wati account", Keep: true},
		A{Match: "Assignee type", Value: "bot"},
		A{Match: "Bot", Value: "Type it yourself"},
		A{Match: "Chatbot id or name", Value: "returns FLOW"},
	)
	if err != nil || a.Assignee != (action.Assignee{Type: action.Bot, BotID: returnsID, BotName: "Returns flow"}) || w.botCalls != 0 {
		t.Fatalf("got %+v, %v, calls %d", a.Assignee, err, w.botCalls)
	}
	// Not in the directory: Wati's live list resolves it; an unknown name asks again.
	a, p, err := run(t, w, prompt.Request{New: true},
		A{Match: "Action name", Value: "orders"},
		A{Match: "Intent", Value: goodIntent},
		A{Match: "Wati account", Keep: true},
		A{Match: "Assignee type", Value: "bot"},
		A{Match: "Bot", Value: "Type it yourself"},
		A{Match: "Chatbot id or name", Value: "Nope"},
		A{Match: "Bot", Value: "Type it yourself"},
		A{Match: "Chatbot id or name", Value: "Orders"},
	)
	if err != nil || a.Assignee.BotID != ordersID || a.Assignee.BotName != "Orders" {
		t.Fatalf("got %+v, %v", a.Assignee, err)
	}
	if !strings.Contains(p.SaidText(), `no chatbot named "Nope"`) {
		t.Errorf("said: %s", p.SaidText())
	}
}

func TestGivenValuesAreNotAsked(t *testing.T) {
	w := newWorld()
	cur := action.Action{Name: "given", Intent: goodIntent, Account: "acme-prod",
		Assignee: action.Assignee{Type: action.User}}
	a, _, err := run(t, w, prompt.Request{Action: cur, New: true,
		Given: prompt.Given{Name: true, Intent: true, Account: true, AssigneeType: true}},
		A{Match: "User", Value: "maria@acme.com"},
	)
	if err != nil || a.Assignee.Email != "maria@acme.com" || a.Version != 1 {
		t.Fatalf("got %+v, %v", a, err)
	}
}

func TestResolve(t *testing.T) {
	w := newWorld()
	l := w.listing["acme-prod"]
	bots := func(ctx context.Context, acct string) ([]wati.Chatbot, error) {
		return []wati.Chatbot{{ID: ordersID, Name: "Twin"}, {ID: returnsID, Name: "Twin"}}, nil
	}
	ctx := context.Background()
	cases := []struct {
		typ      action.AssigneeType
		value    string
		want     action.Assignee
		warn     string
		exitCode int
	}{
		{action.Team, "billing", action.Assignee{Type: action.Team, Team: "Billing"}, "", 0},
		{action.Team, "Legal", action.Assignee{Type: action.Team, Team: "Legal"}, "not in the directory", 0},
		{action.Team, "  ", action.Assignee{}, "", cmdutil.ExitUsage},
		{action.User, "maria@acme.com", action.Assignee{Type: action.User, Email: "maria@acme.com"}, "", 0},
		{action.User, "maria", action.Assignee{}, "", cmdutil.ExitUsage},
		{action.Bot, returnsID, action.Assignee{Type: action.Bot, BotID: returnsID, BotName: "Returns flow"}, "", 0},
		{action.Bot, strings.ToUpper(ordersID), action.Assignee{Type: action.Bot, BotID: ordersID}, "not in the chatbot list", 0},
		{action.Bot, "@operator", action.Assignee{Type: action.Bot}, "", 0},
		{action.Bot, "Twin", action.Assignee{}, "", cmdutil.ExitUsage},
		{action.Bot, "Ghost", action.Assignee{}, "", cmdutil.ExitNotFound},
		{"robot", "x", action.Assignee{}, "", cmdutil.ExitUsage},
	}
	for _, c := range cases {
		got, warn, err := prompt.Resolve(ctx, c.typ, c.value, "acme-prod", l, bots)
		if code := cmdutil.ExitCodeOf(err); code != c.exitCode {
			t.Errorf("%s %q: exit %d (%v), want %d", c.typ, c.value, code, err, c.exitCode)
			continue
		}
		if got != c.want || (c.warn == "") != (warn == "") || !strings.Contains(warn, c.warn) {
			t.Errorf("%s %q: got %+v warn %q, want %+v warn %q", c.typ, c.value, got, warn, c.want, c.warn)
		}
	}
	// Offline: the warning says the list could not be checked.
	_, warn, err := prompt.Resolve(ctx, action.Team, "Legal", "acme-prod", &directory.Listing{Offline: true}, bots)
	if err != nil || !strings.Contains(warn, "could not be reached and nothing is cached") {
		t.Errorf("offline warning %q, %v", warn, err)
	}
	// Ambiguous names list the ids to choose from.
	_, _, err = prompt.Resolve(ctx, action.Bot, "Twin", "acme-prod", l, bots)
	if h := cmdutil.HintOf(err); !strings.Contains(h, ordersID) || !strings.Contains(h, returnsID) {
		t.Errorf("hint %q", h)
	}
}
