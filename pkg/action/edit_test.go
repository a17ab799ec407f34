package action

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// newStoreWith copies testdata/edit/<name>.yaml into a fresh store.
func newStoreWith(t *testing.T, names ...string) (*Store, map[string]string) {
	t.Helper()
	st := NewStore(t.TempDir())
	orig := map[string]string{}
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join("testdata", "edit", n+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(st.Dir, n+".yaml"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		orig[n] = string(data)
	}
	return st, orig
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// replaceOnce replaces exactly one occurrence, failing the test otherwise.
func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if strings.Count(s, old) != 1 {
		t.Fatalf("%q occurs %d times", old, strings.Count(s, old))
	}
	return strings.Replace(s, old, new, 1)
}

func TestUpdateIntentKeepsEverythingElse(t *testing.T) {
	st, orig := newStoreWith(t, "escalate-billing")
	intent := "The customer disputes a charge or a refund, reports a double payment, or asks who can explain an invoice line"
	err := st.Update("escalate-billing", func(e *Editor) error { return e.SetIntent(intent) })
	if err != nil {
		t.Fatal(err)
	}
	got := readFile(t, st.Path("escalate-billing"))
	want := replaceOnce(t, orig["escalate-billing"],
		"intent: >-\n  The customer disputes a charge, asks for a refund,\n  or asks for a person about an invoice.\n",
		"intent: >-\n  The customer disputes a charge or a refund, reports a double payment, or asks who can\n  explain an invoice line\n")
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	a, err := st.Load("escalate-billing")
	if err != nil || a.Intent != intent {
		t.Errorf("reload: %v %q", err, a.Intent)
	}
}

func TestUpdateAccountKeepsQuoting(t *testing.T) {
	st, orig := newStoreWith(t, "escalate-billing")
	if err := st.Update("escalate-billing", func(e *Editor) error { return e.SetAccount("acme-staging") }); err != nil {
		t.Fatal(err)
	}
	want := replaceOnce(t, orig["escalate-billing"], "account: 'acme-prod'  ", "account: 'acme-staging'  ")
	if got := readFile(t, st.Path("escalate-billing")); got != want {
		t.Errorf("got:\n%s", got)
	}
}

func TestUpdateAssigneeChangesType(t *testing.T) {
	st, orig := newStoreWith(t, "escalate-billing")
	path := st.Path("escalate-billing")

	// team → user: team and keep_teams go, email comes, the rest stays.
	if err := st.Update("escalate-billing", func(e *Editor) error {
		return e.SetAssignee(Assignee{Type: User, Email: "maria@acme.com"})
	}); err != nil {
		t.Fatal(err)
	}
	want := replaceOnce(t, orig["escalate-billing"],
		"  type: team                    # team | user | bot\n  team: \"Billing\"               # the Wati team name\n  keep_teams: true\n",
		"  type: user                    # team | user | bot\n  email: maria@acme.com\n")
	if got := readFile(t, path); got != want {
		t.Fatalf("team→user got:\n%s\nwant:\n%s", got, want)
	}

	// user → bot with id and name.
	if err := st.Update("escalate-billing", func(e *Editor) error {
		return e.SetAssignee(Assignee{Type: Bot, BotID: "607f1f77bcf86cd799439011", BotName: "Returns flow"})
	}); err != nil {
		t.Fatal(err)
	}
	want = replaceOnce(t, want, "  type: user                    # team | user | bot\n  email: maria@acme.com\n",
		"  type: bot                    # team | user | bot\n  bot_id: 607f1f77bcf86cd799439011\n  bot_name: Returns flow\n")
	if got := readFile(t, path); got != want {
		t.Fatalf("user→bot got:\n%s\nwant:\n%s", got, want)
	}

	// bot → bot operator: the id and name go.
	if err := st.Update("escalate-billing", func(e *Editor) error { return e.SetAssignee(Assignee{Type: Bot}) }); err != nil {
		t.Fatal(err)
	}
	want = replaceOnce(t, want, "  bot_id: 607f1f77bcf86cd799439011\n  bot_name: Returns flow\n", "")
	if got := readFile(t, path); got != want {
		t.Fatalf("bot→operator got:\n%s\nwant:\n%s", got, want)
	}

	// back to the team it was, with a name that needs quotes.
	if err := st.Update("escalate-billing", func(e *Editor) error {
		return e.SetAssignee(Assignee{Type: Team, Team: "Billing: EU"})
	}); err != nil {
		t.Fatal(err)
	}
	a, err := st.Load("escalate-billing")
	if err != nil || a.Assignee != (Assignee{Type: Team, Team: "Billing: EU"}) {
		t.Fatalf("reload: %v %+v", err, a)
	}
	got := readFile(t, path)
	for _, keep := range []string{"# When should the agent hand over?\n", "# bot:  {type: bot, bot_id: 607f1f77bcf86cd799439011, bot_name: Returns flow}\n",
		"name: escalate-billing          # lower-case slug, equal to the file name\n", "\n\nversion: 1\n"} {
		if !strings.Contains(got, keep) {
			t.Errorf("lost %q:\n%s", keep, got)
		}
	}
}

// A flow-style assignee cannot be spliced: the file is re-encoded from its
// node tree, which still keeps the comments and the key order.
func TestUpdateFlowAssigneeFallsBack(t *testing.T) {
	st, _ := newStoreWith(t, "flow-assignee")
	if err := st.Update("flow-assignee", func(e *Editor) error {
		return e.SetAssignee(Assignee{Type: User, Email: "maria@acme.com"})
	}); err != nil {
		t.Fatal(err)
	}
	got := readFile(t, st.Path("flow-assignee"))
	a, err := st.Load("flow-assignee")
	if err != nil || a.Assignee != (Assignee{Type: User, Email: "maria@acme.com"}) || a.Intent != "The customer asks to speak to a human being" {
		t.Fatalf("reload: %v %+v\n%s", err, a, got)
	}
	if !strings.HasPrefix(got, "# A one-line assignee in flow style.\n") || strings.Index(got, "name:") > strings.Index(got, "intent:") {
		t.Errorf("comments or order lost:\n%s", got)
	}
	// The same value set again changes nothing.
	if err := st.Update("flow-assignee", func(e *Editor) error {
		return e.SetAssignee(Assignee{Type: User, Email: "maria@acme.com"})
	}); err != nil {
		t.Fatal(err)
	}
	if again := readFile(t, st.Path("flow-assignee")); again != got {
		t.Errorf("no-op edit changed the file:\n%s", again)
	}
}

func TestUpdateCRLF(t *testing.T) {
	st, orig := newStoreWith(t, "escalate-billing")
	path := st.Path("escalate-billing")
	crlf := strings.ReplaceAll(orig["escalate-billing"], "\n", "\r\n")
	os.WriteFile(path, []byte(crlf), 0o644)
	if err := st.Update("escalate-billing", func(e *Editor) error {
		if err := e.SetIntent("The customer asks for a refund of a double charge"); err != nil {
			return err
		}
		return e.SetAssignee(Assignee{Type: User, Email: "maria@acme.com"})
	}); err != nil {
		t.Fatal(err)
	}
	got := readFile(t, path)
	if strings.Count(got, "\n") != strings.Count(got, "\r\n") {
		t.Errorf("mixed line endings:\n%q", got)
	}
	if a, err := st.Load("escalate-billing"); err != nil || a.Assignee.Email != "maria@acme.com" {
		t.Errorf("reload: %v", err)
	}
}

func TestUpdateAliasedValue(t *testing.T) {
	st := NewStore(t.TempDir())
	src := "version: 1\nname: aliased\nintent: The customer asks for a person now\naccount: &acct sandbox\nassignee:\n  type: team\n  team: *acct\n"
	os.WriteFile(filepath.Join(st.Dir, "aliased.yaml"), []byte(src), 0o644)
	if err := st.Update("aliased", func(e *Editor) error { return e.SetAccount("prod") }); err != nil {
		t.Fatal(err)
	}
	a, err := st.Load("aliased")
	if err != nil || a.Account != "prod" || a.Assignee.Team != "sandbox" {
		t.Errorf("reload: %v %+v\n%s", err, a, readFile(t, st.Path("aliased")))
	}
}

func TestUpdateMissingFieldIsAdded(t *testing.T) {
	st := NewStore(t.TempDir())
	src := "version: 1\nname: partial\n# no intent yet\naccount: sandbox\nassignee:\n  type: bot\n"
	os.WriteFile(filepath.Join(st.Dir, "partial.yaml"), []byte(src), 0o644)
	if err := st.Update("partial", func(e *Editor) error {
		return e.SetIntent("The customer asks for a person in the shop")
	}); err != nil {
		t.Fatal(err)
	}
	got := readFile(t, st.Path("partial"))
	if !strings.HasPrefix(got, src) {
		t.Errorf("existing lines changed:\n%s", got)
	}
	if a, err := st.Load("partial"); err != nil || a.Intent != "The customer asks for a person in the shop" {
		t.Errorf("reload: %v\n%s", err, got)
	}
}

func TestUpdateRefusesBadValues(t *testing.T) {
	st, orig := newStoreWith(t, "escalate-billing")
	path := st.Path("escalate-billing")
	for name, fn := range map[string]func(*Editor) error{
		"vague intent": func(e *Editor) error { return e.SetIntent("help") },
		"bad email":    func(e *Editor) error { return e.SetAssignee(Assignee{Type: User, Email: "maria"}) },
		"token":        func(e *Editor) error { return e.SetAccount("Bearer abcdefghijklmnopqrstuvwxyz") },
		"foreign":      func(e *Editor) error { return e.SetAssignee(Assignee{Type: Bot, Team: "x"}) },
	} {
		err := st.Update("escalate-billing", fn)
		var fe *FieldError
		if !errors.As(err, &fe) {
			t.Errorf("%s: %v, want a FieldError", name, err)
		}
		if got := readFile(t, path); got != orig["escalate-billing"] {
			t.Errorf("%s: file changed", name)
		}
	}
}

// An edit whose result would be invalid (here: the name does not match
// the file) is refused and nothing is written.
func TestUpdateRefusesInvalidResult(t *testing.T) {
	st := NewStore(t.TempDir())
	src := "version: 1\nname: other\nintent: The customer asks for a person now\naccount: sandbox\nassignee: {type: bot}\n"
	path := filepath.Join(st.Dir, "mismatch.yaml")
	os.WriteFile(path, []byte(src), 0o644)
	err := st.Update("mismatch", func(e *Editor) error { return e.SetAccount("prod") })
	var ae *Error
	if !errors.As(err, &ae) || ae.ExitCode() != 3 || len(ae.Diagnostics) == 0 {
		t.Fatalf("got %v", err)
	}
	if readFile(t, path) != src {
		t.Error("file changed")
	}
}

// Someone else's change between read and write is never overwritten.
func TestUpdateDetectsConcurrentChange(t *testing.T) {
	st, _ := newStoreWith(t, "escalate-billing")
	path := st.Path("escalate-billing")
	theirs := strings.Replace(readFile(t, path), "acme-prod", "theirs", 1)
	err := st.Update("escalate-billing", func(e *Editor) error {
		os.WriteFile(path, []byte(theirs), 0o644)
		return e.SetAccount("mine")
	})
	if err == nil || !strings.Contains(err.Error(), "changed while it was being edited") {
		t.Fatalf("got %v", err)
	}
	if readFile(t, path) != theirs {
		t.Error("their change was overwritten")
	}
}

// A crash between writing the temporary file and the rename leaves the old
// file whole; leftovers of a save are not taken for actions.
func TestUpdateCrashBeforeRename(t *testing.T) {
	st, orig := newStoreWith(t, "escalate-billing")
	path := st.Path("escalate-billing")
	crash := errors.New("power cut")
	var tmpSeen string
	testHookBeforeRename = func(tmp string) error {
		tmpSeen = tmp
		if got := readFile(t, tmp); !strings.Contains(got, "acme-new") {
			t.Errorf("temporary file does not hold the new content")
		}
		// Simulate the process dying here: keep a copy of the temp file as a crash would.
		os.WriteFile(filepath.Join(st.Dir, "."+filepath.Base(path)+".tmp-crash"), []byte("partial"), 0o644)
		return crash
	}
	defer func() { testHookBeforeRename = nil }()
	err := st.Update("escalate-billing", func(e *Editor) error { return e.SetAccount("acme-new") })
	if !errors.Is(err, crash) {
		t.Fatalf("got %v", err)
	}
	if readFile(t, path) != orig["escalate-billing"] {
		t.Error("old file damaged")
	}
	if _, err := os.Stat(tmpSeen); !os.IsNotExist(err) {
		t.Error("temporary file left behind after a failed save")
	}
	entries, err := st.List()
	if err != nil || len(entries) != 1 || !entries[0].Valid() {
		t.Errorf("List after crash: %v %+v", err, entries)
	}
}

func TestRenderRoundTrip(t *testing.T) {
	for _, a := range []Action{
		{Version: 1, Name: "a", Intent: "The customer asks for a person", Account: "acme", Assignee: Assignee{Type: Team, Team: "Billing", KeepTeams: true}},
		{Version: 1, Name: "b", Intent: strings.Repeat("The customer asks about a refund again ", 8) + "today", Account: "yes", Assignee: Assignee{Type: User, Email: "a@b.co"}},
		{Version: 1, Name: "c", Intent: "Line one of the intent\nline two: with a colon", Account: "123", Assignee: Assignee{Type: Bot, BotID: "607f1f77bcf86cd799439011", BotName: "# not a comment"}},
		{Version: 1, Name: "d", Intent: "  leading and  double spaces here ", Account: "null", Assignee: Assignee{Type: Bot}},
	} {
		data, err := Render(&a)
		if err != nil {
			t.Fatalf("%s: %v", a.Name, err)
		}
		d, diags := Parse(a.Name+".yaml", data)
		if len(diags) != 0 || *d.Action != a {
			t.Errorf("%s: %v %+v\n%s", a.Name, diags, d.Action, data)
		}
		if !strings.HasPrefix(string(data), "# yaml-language-server: $schema=") {
			t.Errorf("%s: no schema line", a.Name)
		}
		for _, l := range strings.Split(string(data), "\n") {
			if len([]rune(l)) > 100 && !strings.HasPrefix(l, "#") {
				t.Errorf("%s: long line %q", a.Name, l)
			}
		}
	}
}
