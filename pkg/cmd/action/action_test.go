package action

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	act "github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

const billing = `# Billing disputes.
version: 1
name: escalate-billing
intent: The customer disputes a charge or asks for a refund
account: sandbox
assignee:
  type: team
  team: Billing
`

const returns = `version: 1
name: start-return
intent: The customer wants to return an item they bought
account: sandbox
assignee: {type: bot, bot_id: 607f1f77bcf86cd799439011, bot_name: Returns flow}
`

type result struct {
	out, errOut string
	code        int
}

// run executes `handoff action ARGS` against a store in dir.
func run(t *testing.T, dir string, tty bool, stdin string, args ...string) result {
	t.Helper()
	ios, in, out, errOut := cmdutil.Test()
	in.WriteString(stdin)
	ios.SetTTY(tty, tty, tty)
	f := &cmdutil.Factory{IO: ios, Settings: &cmdutil.Settings{Dir: dir}}
	f.Actions = func() (*act.Store, error) { return act.NewStore(f.Settings.Dir), nil }
	cmd := NewCmdAction(f)
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	err := cmd.Execute()
	return result{out.String(), errOut.String(), cmdutil.ExitCodeOf(err)}
}

func store(t *testing.T, files map[string]string) string {
	dir := t.TempDir()
	for n, b := range files {
		os.WriteFile(filepath.Join(dir, n), []byte(b), 0o644)
	}
	return dir
}

func TestListPlain(t *testing.T) {
	dir := store(t, map[string]string{"escalate-billing.yaml": billing, "start-return.yaml": returns, "broken.yaml": "version: 1\nname: broken\n"})
	r := run(t, dir, false, "", "list")
	want := "broken\t\t\t\tinvalid\t\n" +
		"escalate-billing\tteam\tthe Billing team\tsandbox\tvalid\tThe customer disputes a charge or asks for a refund\n" +
		"start-return\tbot\tchatbot Returns flow (607f1f77bcf86cd799439011)\tsandbox\tvalid\tThe customer wants to return an item they bought\n"
	if r.code != 0 || r.out != want {
		t.Errorf("exit %d\n%q\nwant\n%q", r.code, r.out, want)
	}
	if !strings.Contains(r.errOut, "1 action file is invalid. Run: handoff validate "+dir) {
		t.Errorf("stderr %q", r.errOut)
	}
}

func TestListTable(t *testing.T) {
	dir := store(t, map[string]string{"escalate-billing.yaml": billing, "broken.yaml": "version: 1\nname: broken\n"})
	r := run(t, dir, true, "", "list")
	lines := strings.Split(r.out, "\n")
	if !strings.HasPrefix(lines[0], "NAME") || !strings.Contains(lines[0], "ASSIGNEE") || !strings.Contains(lines[1], "✗ invalid: line 1: missing required field") ||
		!strings.HasPrefix(lines[2], "escalate-billing  ") || !strings.Contains(lines[2], "the Billing team") {
		t.Errorf("%s", r.out)
	}
}

func TestListJSONAndEmpty(t *testing.T) {
	dir := store(t, map[string]string{"escalate-billing.yaml": billing, "broken.yaml": "version: 1\nname: broken\n"})
	r := run(t, dir, false, "", "list", "--json")
	var got []struct {
		Name        string
		Valid       bool
		Intent      string
		Assignee    *act.Assignee
		Description string `json:"assignee_description"`
		Diagnostics []act.Diagnostic
	}
	if err := json.Unmarshal([]byte(r.out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Valid || len(got[0].Diagnostics) != 3 || !got[1].Valid || got[1].Assignee.Team != "Billing" || got[1].Description != "the Billing team" {
		t.Errorf("%+v", got)
	}
	empty := filepath.Join(t.TempDir(), "none")
	r = run(t, empty, false, "", "list")
	if r.code != 0 || r.out != "" || !strings.Contains(r.errOut, "No actions in "+empty) {
		t.Errorf("%+v", r)
	}
	r = run(t, empty, false, "", "list", "--json")
	if r.code != 0 || strings.TrimSpace(r.out) != "[]" {
		t.Errorf("%+v", r)
	}
}

func TestShow(t *testing.T) {
	dir := store(t, map[string]string{"escalate-billing.yaml": billing, "broken.yaml": "version: 1\nname: broken\n"})
	r := run(t, dir, false, "", "show", "escalate-billing")
	for _, want := range []string{"name:      escalate-billing\n", "intent:    The customer disputes a charge or asks for a refund\n",
		"assignee:  the Billing team (team)\n", "teams:     replaces the contact's other teams", filepath.Join(dir, "escalate-billing.yaml")} {
		if !strings.Contains(r.out, want) {
			t.Errorf("missing %q in\n%s", want, r.out)
		}
	}
	r = run(t, dir, false, "", "show", "escalate-billing", "--json")
	var j map[string]any
	if err := json.Unmarshal([]byte(r.out), &j); err != nil || j["account"] != "sandbox" || j["valid"] != true {
		t.Errorf("%v %s", err, r.out)
	}
	if r := run(t, dir, false, "", "show", "nope"); r.code != 5 {
		t.Errorf("unknown: %+v", r)
	}
	if r := run(t, dir, false, "", "show", "broken"); r.code != 3 {
		t.Errorf("invalid: %+v", r)
	}
	if r := run(t, dir, false, "", "show"); r.code != 1 && r.code != 2 {
		t.Errorf("no arg: %+v", r)
	}
}

func TestDelete(t *testing.T) {
	dir := store(t, map[string]string{"escalate-billing.yaml": billing, "start-return.yaml": returns})
	path := filepath.Join(dir, "escalate-billing.yaml")
	// No terminal and no --yes: usage error, nothing deleted.
	if r := run(t, dir, false, "", "delete", "escalate-billing"); r.code != 2 {
		t.Errorf("%+v", r)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal("deleted without --yes")
	}
	// On a terminal, "n" cancels (130) and keeps the file.
	r := run(t, dir, true, "n\n", "delete", "escalate-billing")
	if r.code != 130 || !strings.Contains(r.errOut, "Delete action escalate-billing") {
		t.Errorf("%+v", r)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal("deleted after no")
	}
	// End of input is no, too.
	if r := run(t, dir, true, "", "delete", "escalate-billing"); r.code != 130 {
		t.Errorf("EOF: %+v", r)
	}
	// "y" deletes.
	r = run(t, dir, true, "y\n", "delete", "escalate-billing")
	if r.code != 0 || !strings.Contains(r.errOut, "✓ Deleted action escalate-billing") {
		t.Errorf("%+v", r)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("still there")
	}
	// --yes without a terminal.
	if r := run(t, dir, false, "", "delete", "start-return", "--yes"); r.code != 0 {
		t.Errorf("%+v", r)
	}
	if r := run(t, dir, false, "", "delete", "start-return", "--yes"); r.code != 5 {
		t.Errorf("again: %+v", r)
	}
	if r := run(t, dir, false, "", "delete", "../etc", "--yes"); r.code != 2 {
		t.Errorf("path: %+v", r)
	}
}

func TestCompletion(t *testing.T) {
	dir := store(t, map[string]string{"escalate-billing.yaml": billing, "start-return.yaml": returns})
	ios, _, _, _ := cmdutil.Test()
	f := &cmdutil.Factory{IO: ios, Settings: &cmdutil.Settings{Dir: dir}}
	f.Actions = func() (*act.Store, error) { return act.NewStore(dir), nil }
	cmd := NewCmdAction(f)
	show, _, _ := cmd.Find([]string{"show"})
	names, _ := show.ValidArgsFunction(show, nil, "st")
	if len(names) != 1 || names[0] != "start-return\t→ chatbot Returns flow (607f1f77bcf86cd799439011)" {
		t.Errorf("%q", names)
	}
}
