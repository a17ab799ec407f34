package validate

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmd/factory"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

const teamAction = `version: 1
name: escalate-billing
intent: >-
  The customer disputes a charge or asks for a refund on an invoice.
account: %s
assignee:
  type: team
  team: Billing
`

// An account that cannot be reached: a warning (nothing could be checked),
// not an error; an account not configured is left to the offline rules; an
// account without a token is an error on the account field.
func TestOnlineAccountProblems(t *testing.T) {
	ios, _, _, _ := cmdutil.Test()
	f := factory.New("test", "none", "unknown", ios)
	dir := t.TempDir()
	f.Settings.ConfigDir = filepath.Join(dir, "config")
	f.Settings.CacheDir = filepath.Join(dir, "cache")
	f.Settings.Dir = filepath.Join(dir, "actions")
	f.Settings.DirectoryTTL = time.Hour
	st, _ := f.Accounts()
	if err := st.Add(account.Account{Name: "down", Endpoint: "http://127.0.0.1:1"}, "tok", false); err != nil {
		t.Fatal(err)
	}
	if err := st.Add(account.Account{Name: "bare", Endpoint: "http://127.0.0.1:1"}, "", false); err != nil {
		t.Fatal(err)
	}
	opts := &Options{IO: ios, Accounts: f.Accounts, Client: f.Client, Directory: f.Directory}
	o := &onlineChecker{opts: opts, accounts: map[string]*accountFacts{}}
	check := func(acct string) []action.Diagnostic {
		doc, _ := action.Parse("a.yaml", []byte(fmt.Sprintf(teamAction, acct)))
		return o.check(context.Background(), doc)
	}
	if ds := check("down"); len(ds) != 1 || ds[0].Severity != action.SeverityWarning || ds[0].Rule != RuleAccountOnline || ds[0].Line != 5 || ds[0].Column != 10 {
		t.Errorf("unreachable account: %v", ds)
	}
	if ds := check("nowhere"); len(ds) != 0 {
		t.Errorf("unknown account: %v", ds)
	}
	if ds := check("bare"); len(ds) != 1 || ds[0].Severity != action.SeverityError || ds[0].Rule != RuleAccountOnline {
		t.Errorf("account without token: %v", ds)
	}
	// The account's facts are learnt once.
	if len(o.accounts) != 2 {
		t.Errorf("accounts asked: %d", len(o.accounts))
	}
}
