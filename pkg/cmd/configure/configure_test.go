package configure

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/directory"
	"github.com/handoff-dev/handoff/pkg/prompt"
	"github.com/handoff-dev/handoff/pkg/prompt/prompttest"
)

const intent = "The customer disputes a charge or asks for a refund on an invoice."

// commented is an action file written by a person, with comments.
const commented = `# Billing disputes go to the Billing team.
version: 1
name: escalate-billing          # equal to the file name
intent: >-
  The customer disputes a charge, asks for a refund, or asks for a person about an invoice.
account: acme   # by name
assignee:
  type: team                    # team | user | bot
  team: Billing
`

type env struct {
	f       *cmdutil.Factory
	dir     string
	out     *bytes.Buffer
	errOut  *bytes.Buffer
	fake    *prompttest.Fake
	prompts int
}

// newEnv: an actions folder, one connected account "acme" (loopback, never
// reached: no client), a directory with declared Billing and maria@acme.com.
func newEnv(t *testing.T, tty bool) *env {
	t.Helper()
	root := t.TempDir()
	ios, _, out, errOut := cmdutil.Test()
	ios.SetTTY(tty, tty, tty)
	s := &cmdutil.Settings{Dir: filepath.Join(root, "actions"), ConfigDir: filepath.Join(root, "config"),
		CacheDir: filepath.Join(root, "cache"), DirectoryTTL: time.Hour}
	f := &cmdutil.Factory{IO: ios, Settings: s}
	f.Actions = func() (*action.Store, error) { return action.NewStore(s.Dir), nil }
	f.Accounts = func() (*account.Store, error) { return account.NewStore(s.ConfigDir, ios.Getenv), nil }
	f.Directory = func() (*directory.Service, error) {
		return directory.NewService(s.CacheDir, s.Dir, s.DirectoryTTL), nil
	}
	accts, _ := f.Accounts()
	if err := accts.Add(account.Account{Name: "acme", Endpoint: "http://127.0.0.1:9"}, "tok-123", false); err != nil {
		t.Fatal(err)
	}
	svc, _ := f.Directory()
	for _, e := range []directory.Entry{{Kind: directory.KindTeam, Name: "Billing"}, {Kind: directory.KindUser, Name: "Maria", Email: "maria@acme.com"}} {
		if err := svc.Declare(e); err != nil {
			t.Fatal(err)
		}
	}
	return &env{f: f, dir: s.Dir, out: out, errOut: errOut}
}

// run runs the command line with the fake prompter answering.
func (e *env) run(t *testing.T, line string, answers ...prompttest.Answer) error {
	t.Helper()
	args := splitArgs(line)
	e.fake = prompttest.New(t, answers...)
	e.out.Reset()
	e.errOut.Reset()
	cmd := NewCmdConfigure(e.f, func(o *Options) error {
		o.Prompter = func(context.Context) prompt.Prompter { e.prompts++; return e.fake }
		return runConfigure(context.Background(), o)
	})
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetOut(e.out)
	cmd.SetErr(e.errOut)
	err := cmd.Execute()
	e.fake.Done()
	return err
}

func (e *env) file(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.dir, name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (e *env) write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(e.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.dir, name+".yaml"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFlagParsing(t *testing.T) {
	ios, _, _, _ := cmdutil.Test()
	f := &cmdutil.Factory{IO: ios, Settings: &cmdutil.Settings{}}
	var got *Options
	cmd := NewCmdConfigure(f, func(o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"billing", "--intent", intent, "--account", "acme", "--assignee-type", "team", "--assignee", "Billing", "--yes"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Name != "billing" || got.Intent != intent || got.Account != "acme" || got.AssigneeType != "team" ||
		got.Assignee != "Billing" || !got.Yes || got.Step != 0 || !got.Set.Intent || !got.Set.Assignee {
		t.Fatalf("options %+v", got)
	}

	cmd = NewCmdConfigure(f, func(o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"assignee", "billing", "--assignee", "@operator"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Step != prompt.StepAssignee || got.Name != "billing" || got.Set.AssigneeType || !got.Set.Assignee {
		t.Fatalf("options %+v", got)
	}

	// A step takes only its own flags; the root's persistent --account is
	// refused rather than ignored.
	cmd = NewCmdConfigure(f, func(o *Options) error { return nil })
	cmd.SetArgs([]string{"intent", "billing", "--assignee", "x"})
	cmd.SetErr(&bytes.Buffer{})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "unknown flag: --assignee") {
		t.Fatalf("err = %v", err)
	}
	root := &cobra.Command{Use: "handoff", SilenceErrors: true, SilenceUsage: true}
	root.PersistentFlags().String("account", "", "override")
	root.AddGroup(&cobra.Group{ID: "core", Title: "Actions:"})
	root.AddCommand(NewCmdConfigure(f, func(o *Options) error { return nil }))
	root.SetArgs([]string{"configure", "intent", "billing", "--account", "acme"})
	err := root.Execute()
	if cmdutil.ExitCodeOf(err) != 2 || !strings.Contains(cmdutil.HintOf(err), "handoff configure account billing --account acme") {
		t.Fatalf("err = %v (%s)", err, cmdutil.HintOf(err))
	}
	root.SetArgs([]string{"configure", "billing", "--account", "acme"}) // configure's own --account
	var gotAccount string
	root.RemoveCommand(root.Commands()...)
	root.AddCommand(NewCmdConfigure(f, func(o *Options) error { gotAccount = o.Account; return nil }))
	if err := root.Execute(); err != nil || gotAccount != "acme" {
		t.Fatalf("err = %v, account %q", err, gotAccount)
	}
}

func TestScriptedCreate(t *testing.T) {
	e := newEnv(t, false)
	err := e.run(t, `billing --intent "`+intent+`" --account acme --assignee-type team --assignee Billing`)
	if err != nil {
		t.Fatal(err)
	}
	a, err := action.NewStore(e.dir).Load("billing")
	if err != nil {
		t.Fatal(err)
	}
	want := action.Action{Version: 1, Name: "billing", Intent: intent, Account: "acme", Assignee: action.Assignee{Type: action.Team, Team: "Billing"}}
	if *a != want {
		t.Fatalf("saved %+v", *a)
	}
	if e.prompts != 0 || e.errOut.String() != "" && strings.Contains(e.errOut.String(), "warning") {
		t.Errorf("prompts %d, stderr %q", e.prompts, e.errOut)
	}
	if !strings.Contains(e.out.String(), "Saved "+filepath.Join(e.dir, "billing.yaml")) || !strings.Contains(e.out.String(), "the Billing team") {
		t.Errorf("stdout %q", e.out)
	}
	// Same name again, without a terminal: it exists, and the flags change it.
	if err := e.run(t, `billing --assignee-type user --assignee maria@acme.com --json`); err != nil {
		t.Fatal(err)
	}
	var res struct {
		Created bool
		Changed []string
		Action  action.Action
	}
	if err := json.Unmarshal(e.out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, e.out)
	}
	if res.Created || len(res.Changed) != 1 || res.Changed[0] != "assignee" || res.Action.Assignee.Email != "maria@acme.com" {
		t.Errorf("json %+v", res)
	}
}

func TestScriptedMissingFlags(t *testing.T) {
	e := newEnv(t, false)
	err := e.run(t, `billing --account acme`)
	if cmdutil.ExitCodeOf(err) != cmdutil.ExitUsage {
		t.Fatalf("exit %d: %v", cmdutil.ExitCodeOf(err), err)
	}
	for _, f := range []string{"--intent", "--assignee-type", "--assignee"} {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error does not name %s: %v", f, err)
		}
	}
	if strings.Contains(err.Error(), "--account") {
		t.Errorf("names a given flag: %v", err)
	}
	err = e.run(t, ``)
	if cmdutil.ExitCodeOf(err) != 2 || !strings.Contains(err.Error(), "NAME, --intent, --account, --assignee-type, --assignee are missing") {
		t.Fatalf("err = %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(e.dir, "[a-z]*.yaml")); len(m) != 0 { // .directory.yaml only
		t.Errorf("files written: %v", m)
	}
	// A step without its flag, without a terminal.
	e.write(t, "escalate-billing", commented)
	err = e.run(t, `assignee escalate-billing`)
	if cmdutil.ExitCodeOf(err) != 2 || !strings.Contains(err.Error(), "--assignee is missing") {
		t.Fatalf("err = %v", err)
	}
	err = e.run(t, `escalate-billing`)
	if cmdutil.ExitCodeOf(err) != 2 || !strings.Contains(err.Error(), "no flag says what to change") {
		t.Fatalf("err = %v", err)
	}
}

func TestScriptedInvalidLeavesFileUnchanged(t *testing.T) {
	e := newEnv(t, false)
	e.write(t, "escalate-billing", commented)
	cases := []struct {
		line string
		code int
		msg  string
	}{
		{`intent escalate-billing --intent "TODO"`, 2, "placeholder"},
		{`intent escalate-billing --intent "Hand over"`, 2, "too vague"},
		{`intent escalate-billing --intent "Hand over when <condition> applies here"`, 2, "placeholder"},
		{`account escalate-billing --account nope`, 3, `account "nope" is not connected`},
		{`assignee escalate-billing --assignee-type user --assignee "Maria Lopez"`, 2, "not an email"},
		{`assignee escalate-billing --assignee-type robot --assignee x`, 2, "not one of team, user, bot"},
		{`assignee escalate-billing --assignee-type bot --assignee 12345`, 2, ""}, // neither an id nor a name Wati can resolve here
		{`escalate-billing --intent "` + intent + `" --account nope`, 3, "not connected"},
		{`Bad_Name --intent x`, 2, `use "bad-name"`},
		{`intent missing-one --intent "` + intent + `"`, 5, "no action named missing-one"},
	}
	for _, c := range cases {
		err := e.run(t, c.line)
		if code := cmdutil.ExitCodeOf(err); code != c.code && !(c.msg == "" && code != 0) {
			t.Errorf("%s: exit %d (%v), want %d", c.line, code, err, c.code)
		}
		if c.msg != "" && (err == nil || !strings.Contains(err.Error(), c.msg)) {
			t.Errorf("%s: error %v, want %q", c.line, err, c.msg)
		}
		if got := e.file(t, "escalate-billing"); got != commented {
			t.Fatalf("%s changed the file:\n%s", c.line, got)
		}
	}
	if hint := cmdutil.HintOf(e.run(t, `account escalate-billing --account nope`)); !strings.Contains(hint, "Connected accounts: acme") {
		t.Errorf("hint %q", hint)
	}
}

func TestScriptedWarnsWhenNotInDirectory(t *testing.T) {
	e := newEnv(t, false)
	if err := e.run(t, `legal --intent "`+intent+`" --account acme --assignee-type team --assignee Legal`); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.errOut.String(), "warning: team Legal is not in the directory of acme") {
		t.Errorf("stderr %q", e.errOut)
	}
	if !strings.Contains(e.file(t, "legal"), "team: Legal") {
		t.Errorf("file:\n%s", e.file(t, "legal"))
	}
	// Bot operator and a bot id need no directory.
	if err := e.run(t, `bots --intent "`+intent+`" --account acme --assignee-type bot --assignee @operator`); err != nil {
		t.Fatal(err)
	}
	if f := e.file(t, "bots"); !strings.Contains(f, "type: bot") || strings.Contains(f, "bot_id") {
		t.Errorf("file:\n%s", f)
	}
}

func TestEditIntentKeepsComments(t *testing.T) {
	e := newEnv(t, false)
	e.write(t, "escalate-billing", commented)
	newIntent := "The customer asks for a person about a bill, a charge or a refund."
	if err := e.run(t, `intent escalate-billing --intent "`+newIntent+`"`); err != nil {
		t.Fatal(err)
	}
	got := e.file(t, "escalate-billing")
	want := strings.Replace(commented, "The customer disputes a charge, asks for a refund, or asks for a person about an invoice.", newIntent, 1)
	if got != want {
		t.Fatalf("file:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(e.out.String(), "changed intent") {
		t.Errorf("stdout %q", e.out)
	}
}

func TestInteractiveNewAction(t *testing.T) {
	e := newEnv(t, true)
	err := e.run(t, ``,
		prompttest.Answer{Match: "Action name", Value: "escalate-refunds"},
		prompttest.Answer{Match: "Intent", Value: intent},
		prompttest.Answer{Match: "Wati account", Value: "acme"},
		prompttest.Answer{Match: "Assignee type", Value: "user"},
		prompttest.Answer{Match: "User", Value: "maria@acme.com"},
		prompttest.Answer{Match: "Save", Value: "save"},
	)
	if err != nil {
		t.Fatal(err)
	}
	a, err := action.NewStore(e.dir).Load("escalate-refunds")
	if err != nil || a.Assignee.Email != "maria@acme.com" || a.Account != "acme" {
		t.Fatalf("%+v %v", a, err)
	}
}

func TestInteractiveCancelWritesNothing(t *testing.T) {
	e := newEnv(t, true)
	err := e.run(t, ``,
		prompttest.Answer{Match: "Action name", Value: "escalate-refunds"},
		prompttest.Answer{Match: "Intent", Value: intent},
		prompttest.Answer{Match: "Wati account", Err: prompt.ErrAborted},
	)
	if cmdutil.ExitCodeOf(err) != cmdutil.ExitCancel {
		t.Fatalf("exit %d: %v", cmdutil.ExitCodeOf(err), err)
	}
	if _, serr := os.Stat(filepath.Join(e.dir, "escalate-refunds.yaml")); !os.IsNotExist(serr) {
		t.Fatal("a file was written")
	}
	// Cancel from the summary of a one-step edit: the file stays as it was.
	e.write(t, "escalate-billing", commented)
	err = e.run(t, `account escalate-billing`,
		prompttest.Answer{Match: "Wati account", Keep: true},
		prompttest.Answer{Match: "Save", Value: "cancel"},
	)
	if cmdutil.ExitCodeOf(err) != cmdutil.ExitCancel || e.file(t, "escalate-billing") != commented {
		t.Fatalf("exit %d: %v", cmdutil.ExitCodeOf(err), err)
	}
}

func TestInteractiveAllFlagsOnlyConfirms(t *testing.T) {
	e := newEnv(t, true)
	line := `billing --intent "` + intent + `" --account acme --assignee-type team --assignee Billing`
	if err := e.run(t, line, prompttest.Answer{Match: "Save", Value: "save"}); err != nil {
		t.Fatal(err)
	}
	e.run(t, `intent billing --intent "`+intent+` Also invoices." --yes`) // --yes: no question at all
	if !strings.Contains(e.file(t, "billing"), "Also invoices.") {
		t.Fatalf("file:\n%s", e.file(t, "billing"))
	}
	// Some flags given on a terminal: only the rest is asked.
	if err := e.run(t, `other --account acme --assignee-type team`,
		prompttest.Answer{Match: "Intent", Value: intent},
		prompttest.Answer{Match: "Team", Value: "Billing"},
		prompttest.Answer{Match: "Save", Value: "save"},
	); err != nil {
		t.Fatal(err)
	}
}

func TestInteractiveEditAllStepsPrefilled(t *testing.T) {
	e := newEnv(t, true)
	e.write(t, "escalate-billing", commented)
	err := e.run(t, `escalate-billing`,
		prompttest.Answer{Match: "Intent", Keep: true},
		prompttest.Answer{Match: "Wati account", Keep: true},
		prompttest.Answer{Match: "Assignee type", Keep: true},
		prompttest.Answer{Match: "Team", Keep: true},
		prompttest.Answer{Match: "Save", Value: "save"},
	)
	if err != nil {
		t.Fatal(err)
	}
	if e.file(t, "escalate-billing") != commented || !strings.Contains(e.out.String(), "Nothing changed") {
		t.Fatalf("stdout %q, file:\n%s", e.out, e.file(t, "escalate-billing"))
	}
	if q := e.fake.Asked[0]; !strings.Contains(q.Default, "disputes a charge") {
		t.Errorf("intent not prefilled: %+v", q)
	}
}

// splitArgs splits a command line on spaces, keeping "double-quoted" words.
func splitArgs(line string) []string {
	var out []string
	var cur strings.Builder
	quoted, have := false, false
	for _, r := range line {
		switch {
		case r == '"':
			quoted, have = !quoted, true
		case r == ' ' && !quoted:
			if have {
				out = append(out, cur.String())
			}
			cur.Reset()
			have = false
		default:
			cur.WriteRune(r)
			have = true
		}
	}
	if have {
		out = append(out, cur.String())
	}
	return out
}

// accessible runs configure with the real huh prompter in accessible mode,
// its answers piped in at once.
func (e *env) accessible(t *testing.T, input, line string) error {
	t.Helper()
	ios := e.f.IO
	ios.In = strings.NewReader(input)
	ios.Getenv = func(k string) string {
		if k == "HANDOFF_ACCESSIBLE" {
			return "1"
		}
		return ""
	}
	e.out.Reset()
	e.errOut.Reset()
	cmd := NewCmdConfigure(e.f, nil)
	cmd.SetArgs(splitArgs(line))
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return cmd.ExecuteContext(context.Background())
}

func TestAccessiblePipedInput(t *testing.T) {
	e := newEnv(t, true)
	input := strings.Join([]string{
		"Bad Name",       // refused by the name check: asked again
		"escalate-legal", // name
		"TODO",           // refused: a placeholder
		intent,           // intent
		"",               // account: Enter keeps the default (acme)
		"1",              // assignee type: team
		"2",              // Type it yourself… (after Billing)
		"Legal",          // not in the directory: warned, kept
		"1",              // Save
	}, "\n") + "\n"
	if err := e.accessible(t, input, ""); err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, e.errOut)
	}
	a, err := action.NewStore(e.dir).Load("escalate-legal")
	if err != nil {
		t.Fatal(err)
	}
	if a.Intent != intent || a.Account != "acme" || a.Assignee != (action.Assignee{Type: action.Team, Team: "Legal"}) {
		t.Fatalf("saved %+v", a)
	}
	stderr := e.errOut.String()
	for _, s := range []string{"Action name", `use "bad-name"`, "placeholder", "Enter a number between 1 and 3",
		"1. Billing", "team Legal is not in the directory of acme", "Summary"} {
		if !strings.Contains(stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, stderr)
		}
	}
	if strings.Contains(stderr, "\x1b[") {
		t.Errorf("escape sequences in line mode:\n%q", stderr)
	}
}

func TestAccessibleEndOfInputWritesNothing(t *testing.T) {
	e := newEnv(t, true)
	// The input ends at the summary: nothing is assumed, nothing saved.
	input := "escalate-legal\n" + intent + "\n\n1\n1\n"
	err := e.accessible(t, input, "")
	if cmdutil.ExitCodeOf(err) != cmdutil.ExitCancel || !strings.Contains(err.Error(), "input ended") {
		t.Fatalf("exit %d: %v", cmdutil.ExitCodeOf(err), err)
	}
	// Wrong answers, then the end: huh falls back to a default; that is no answer.
	input = "escalate-legal\n" + intent + "\n\n1\n1\n9\n9"
	err = e.accessible(t, input, "")
	if cmdutil.ExitCodeOf(err) != cmdutil.ExitCancel || !strings.Contains(err.Error(), "input ended") {
		t.Fatalf("exit %d: %v", cmdutil.ExitCodeOf(err), err)
	}
	if _, serr := os.Stat(filepath.Join(e.dir, "escalate-legal.yaml")); !os.IsNotExist(serr) {
		t.Fatal("a file was written")
	}
	// Ending in the middle of a one-step edit leaves the file as it was.
	e.write(t, "escalate-billing", commented)
	err = e.accessible(t, "", "intent escalate-billing")
	if cmdutil.ExitCodeOf(err) != cmdutil.ExitCancel || e.file(t, "escalate-billing") != commented {
		t.Fatalf("exit %d: %v", cmdutil.ExitCodeOf(err), err)
	}
}

func TestAccountChangeWarnsAboutChatbotIDs(t *testing.T) {
	e := newEnv(t, false)
	accts, _ := e.f.Accounts()
	if err := accts.Add(account.Account{Name: "other", Endpoint: "http://127.0.0.1:9"}, "tok-456", false); err != nil {
		t.Fatal(err)
	}
	e.write(t, "returns", "version: 1\nname: returns\nintent: "+intent+"\naccount: acme\nassignee:\n  type: bot\n  bot_id: 607f1f77bcf86cd799439011\n")
	if err := e.run(t, `account returns --account other`); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.errOut.String(), "warning: chatbot 607f1f77bcf86cd799439011 was chosen on account acme; check that other has it too") {
		t.Errorf("stderr %q", e.errOut)
	}
	if !strings.Contains(e.file(t, "returns"), "account: other") {
		t.Errorf("file:\n%s", e.file(t, "returns"))
	}
}

// Ctrl-C after connecting an account inline: config.yaml and
// credentials.yaml are put back byte for byte, and the message says so.
func TestCancelAfterConnectingRestoresAccounts(t *testing.T) {
	e := newEnv(t, true)
	accts, _ := e.f.Accounts()
	before := map[string]string{}
	for _, p := range []string{accts.ConfigPath(), accts.CredentialsPath()} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		before[p] = string(b)
	}
	err := e.run(t, ``,
		prompttest.Answer{Match: "Action name", Value: "escalate-refunds"},
		prompttest.Answer{Match: "Intent", Value: intent},
		prompttest.Answer{Match: "Wati account", Value: "Connect a new account"},
		prompttest.Answer{Match: "Account name", Value: "acme-eu"},
		prompttest.Answer{Match: "API endpoint", Value: "http://127.0.0.1:9"},
		prompttest.Answer{Match: "API version", Value: "v3"},
		prompttest.Answer{Match: "API token", Value: "tok-eu-456"},
		prompttest.Answer{Match: "Assignee type", Err: prompt.ErrAborted},
	)
	if cmdutil.ExitCodeOf(err) != cmdutil.ExitCancel {
		t.Fatalf("exit %d: %v", cmdutil.ExitCodeOf(err), err)
	}
	if !strings.Contains(err.Error(), "account acme-eu, connected on the way, was removed again") {
		t.Errorf("message: %v", err)
	}
	for p, want := range before {
		if b, _ := os.ReadFile(p); string(b) != want {
			t.Errorf("%s not restored:\n%s\nwant:\n%s", p, b, want)
		}
	}
	if names, _ := accts.Names(); len(names) != 1 {
		t.Errorf("accounts: %v", names)
	}
}

// A file invalid in the part being redone is repaired by that step, its
// comments kept; a file broken elsewhere is refused with a pointer at
// handoff validate, byte for byte as it was.
func TestRedoingTheBrokenPartRepairsTheFile(t *testing.T) {
	bad := strings.Replace(commented, "type: team ", "type: teem ", 1)
	e := newEnv(t, false)
	e.write(t, "escalate-billing", bad)
	if err := e.run(t, `assignee escalate-billing --assignee-type team --assignee Billing`); err != nil {
		t.Fatal(err)
	}
	if got := e.file(t, "escalate-billing"); got != commented {
		t.Fatalf("file:\n%s\nwant:\n%s", got, commented)
	}
	if !strings.Contains(e.errOut.String(), `escalate-billing.yaml:8: the assignee is not valid (assignee type "teem" is not one of team, user, bot)`) {
		t.Errorf("stderr: %s", e.errOut)
	}
	// Without a terminal, the broken assignee's type must be given.
	e.write(t, "escalate-billing", bad)
	err := e.run(t, `assignee escalate-billing --assignee Billing`)
	if cmdutil.ExitCodeOf(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "--assignee-type") {
		t.Fatalf("exit %d: %v", cmdutil.ExitCodeOf(err), err)
	}

	// On a terminal: asked again, not prefilled with the broken value.
	e = newEnv(t, true)
	e.write(t, "escalate-billing", bad)
	err = e.run(t, `assignee escalate-billing`,
		prompttest.Answer{Match: "Assignee type", Keep: true},
		prompttest.Answer{Match: "Team", Value: "Billing"},
		prompttest.Answer{Match: "Save", Value: "save"},
	)
	if err != nil {
		t.Fatal(err)
	}
	if e.fake.Asked[0].Default != "team" {
		t.Errorf("type default %q", e.fake.Asked[0].Default)
	}
	if got := e.file(t, "escalate-billing"); got != commented {
		t.Fatalf("file:\n%s\nwant:\n%s", got, commented)
	}

	// Broken elsewhere: refused, exit 3, pointing at handoff validate.
	other := strings.Replace(commented, "name: escalate-billing ", "name: escalate-bills ", 1)
	e.write(t, "escalate-billing", other)
	err = e.run(t, `assignee escalate-billing --assignee-type team --assignee Billing`)
	if cmdutil.ExitCodeOf(err) != cmdutil.ExitConfig || !strings.Contains(err.Error(), "rewrites only assignee") ||
		!strings.Contains(cmdutil.HintOf(err), "handoff validate") {
		t.Fatalf("exit %d: %v (hint %q)", cmdutil.ExitCodeOf(err), err, cmdutil.HintOf(err))
	}
	if got := e.file(t, "escalate-billing"); got != other {
		t.Fatalf("refused edit changed the file:\n%s", got)
	}
}

// A flag's assignee missing from the directory: a note in the summary,
// "saved as given" only once saved.
func TestFlagAssigneeWarningAfterSaving(t *testing.T) {
	e := newEnv(t, true)
	line := `billing --intent "` + intent + `" --account acme --assignee-type team --assignee Nowhere`
	if err := e.run(t, line, prompttest.Answer{Match: "Save", Value: "save"}); err != nil {
		t.Fatal(err)
	}
	said := e.fake.SaidText()
	if !strings.Contains(said, "note      team Nowhere is not in the directory of acme") || strings.Contains(said, "saved as given") {
		t.Errorf("summary:\n%s", said)
	}
	if !strings.Contains(e.errOut.String(), "warning: team Nowhere is not in the directory of acme (directories are never complete); saved as given") {
		t.Errorf("stderr: %s", e.errOut)
	}
}
