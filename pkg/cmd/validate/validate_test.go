package validate

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

const goodBilling = `version: 1
name: escalate-billing
intent: The customer disputes a charge or asks for a refund
account: sandbox
assignee:
  type: team
  team: Billing
`

const badVague = `version: 1
name: vague
intent: help me
account: sandbox
assignee: {type: user, email: nope}
`

// fixture writes files under a temp dir and returns it.
func fixture(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// accountsWith returns an account store that knows the given names.
func accountsWith(t *testing.T, names ...string) func() (*account.Store, error) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("accounts:\n")
	for _, n := range names {
		b.WriteString("  " + n + ":\n    endpoint: http://127.0.0.1:8089\n")
	}
	os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(b.String()), 0o644)
	return func() (*account.Store, error) { return account.NewStore(dir, func(string) string { return "" }), nil }
}

type run struct {
	out, errOut string
	code        int
	err         error
}

func doValidate(t *testing.T, opts *Options, env map[string]string, stdin string) run {
	t.Helper()
	ios, in, out, errOut := cmdutil.Test()
	in.WriteString(stdin)
	ios.Getenv = func(k string) string { return env[k] }
	opts.IO = ios
	err := runValidate(context.Background(), opts)
	return run{out.String(), errOut.String(), cmdutil.ExitCodeOf(err), err}
}

func TestValidateReportsEveryFileSorted(t *testing.T) {
	dir := fixture(t, map[string]string{
		"b/vague.yaml":            badVague,
		"a/escalate-billing.yaml": goodBilling,
		"a/notes.txt":             "not yaml, not looked at",
		"c/broken.yml":            "version: [1\n",
		".git/x.yaml":             "ignored: hidden folder",
	})
	opts := &Options{Paths: []string{dir}, Accounts: accountsWith(t, "sandbox")}
	r := doValidate(t, opts, nil, "")
	if r.code != 1 {
		t.Errorf("exit %d", r.code)
	}
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	want := []string{
		filepath.Join(dir, "b/vague.yaml") + ":3:9: error: intent \"help me\" is too vague",
		filepath.Join(dir, "b/vague.yaml") + ":5:31: error: \"nope\" is not an email address",
		filepath.Join(dir, "c/broken.yml") + ":1:1: error: not valid YAML",
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines:\n%s", len(lines), r.out)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: %s\nwant prefix %s", i, lines[i], w)
		}
	}
	if r.errOut != "✗ 3 files checked: 3 errors, 0 warnings\n" {
		t.Errorf("summary %q", r.errOut)
	}
}

// Output is the same whatever the number of workers.
func TestValidateOrderIndependentOfWorkers(t *testing.T) {
	files := map[string]string{}
	for i := 0; i < 60; i++ {
		name := string(rune('a'+i%26)) + strings.Repeat("x", i/26)
		files[name+".yaml"] = strings.Replace(badVague, "name: vague", "name: "+name, 1)
	}
	dir := fixture(t, files)
	var first string
	for _, w := range []int{1, 2, 7, 32} {
		r := doValidate(t, &Options{Paths: []string{dir}, Workers: w}, nil, "")
		if first == "" {
			first = r.out
		} else if r.out != first {
			t.Fatalf("workers=%d changed the output", w)
		}
	}
	if strings.Count(first, "\n") != 60*3 { // 2 errors + 1 account warning each
		t.Errorf("%d lines", strings.Count(first, "\n"))
	}
}

func TestValidateExitCodes(t *testing.T) {
	good := fixture(t, map[string]string{"escalate-billing.yaml": goodBilling})
	cases := []struct {
		name  string
		opts  Options
		env   map[string]string
		stdin string
		code  int
		err   string
	}{
		{"valid", Options{Paths: []string{good}, Accounts: accountsWith(t, "sandbox")}, nil, "", 0, "✓ 1 file valid\n"},
		{"warning only", Options{Paths: []string{good}}, nil, "", 0, "✓ 1 file valid, 1 warning\n"},
		{"strict warning", Options{Paths: []string{good}, Strict: true}, nil, "", 1, "(--strict: warnings fail)"},
		{"unknown account", Options{Paths: []string{good}, Accounts: accountsWith(t, "prod")}, nil, "", 1, "1 error"},
		{"missing path", Options{Paths: []string{filepath.Join(good, "nope")}}, nil, "", 3, ""},
		{"stdin valid", Options{Paths: []string{"-"}, Accounts: accountsWith(t, "sandbox")}, nil, goodBilling, 0, "✓ 1 file valid"},
		{"stdin invalid", Options{Paths: []string{"-"}}, nil, badVague, 1, "2 errors, 1 warning"},
		{"empty folder", Options{Paths: []string{t.TempDir()}}, nil, "", 0, "No action files"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := doValidate(t, &c.opts, c.env, c.stdin)
			if r.code != c.code || !strings.Contains(r.errOut, c.err) {
				t.Errorf("exit %d, stderr %q; want %d, %q\nstdout: %s", r.code, r.errOut, c.code, c.err, r.out)
			}
		})
	}
}

func TestValidateStdinNamesAndSkipsFileName(t *testing.T) {
	src := strings.Replace(goodBilling, "name: escalate-billing", "name: whatever-name", 1)
	r := doValidate(t, &Options{Paths: []string{"-"}}, nil, src)
	if r.code != 0 || !strings.HasPrefix(r.out, "<stdin>:4:10: warning: account \"sandbox\" could not be checked") {
		t.Errorf("%d %q", r.code, r.out)
	}
}

func TestValidateDefaultsToActionsDir(t *testing.T) {
	dir := fixture(t, map[string]string{"vague.yaml": badVague})
	r := doValidate(t, &Options{Dir: dir}, nil, "")
	if r.code != 1 || !strings.Contains(r.out, filepath.Join(dir, "vague.yaml")+":3:9") {
		t.Errorf("%d %s", r.code, r.out)
	}
}

func TestValidateJSON(t *testing.T) {
	dir := fixture(t, map[string]string{"vague.yaml": badVague, "escalate-billing.yaml": goodBilling})
	r := doValidate(t, &Options{Paths: []string{dir}, Format: "json", Accounts: accountsWith(t, "sandbox")}, nil, "")
	var env struct {
		Valid        bool `json:"valid"`
		FileCount    int  `json:"file_count"`
		ErrorCount   int  `json:"error_count"`
		WarningCount int  `json:"warning_count"`
		Diagnostics  []struct {
			File  string `json:"file"`
			Range struct {
				Start struct{ Line, Column int }
				End   struct{ Line, Column int }
			} `json:"range"`
			Severity, Rule, Message string
		} `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(r.out), &env); err != nil {
		t.Fatalf("%v\n%s", err, r.out)
	}
	if env.Valid || env.FileCount != 2 || env.ErrorCount != 2 || env.WarningCount != 0 || len(env.Diagnostics) != 2 {
		t.Fatalf("%+v", env)
	}
	d := env.Diagnostics[0]
	if d.File != filepath.Join(dir, "vague.yaml") || d.Range.Start.Line != 3 || d.Range.Start.Column != 9 || d.Range.End.Column != 16 ||
		d.Severity != "error" || d.Rule != "intent-specific" {
		t.Errorf("%+v", d)
	}
	// A valid run still has an (empty) diagnostics array.
	good := fixture(t, map[string]string{"escalate-billing.yaml": goodBilling})
	r = doValidate(t, &Options{Paths: []string{good}, Format: "json", Accounts: accountsWith(t, "sandbox")}, nil, "")
	if !strings.Contains(r.out, `"valid": true`) || !strings.Contains(r.out, `"diagnostics": []`) {
		t.Errorf("%s", r.out)
	}
}

func TestValidateGitHub(t *testing.T) {
	src := strings.Replace(badVague, "intent: help me", "intent: \"help, me: 100%\"", 1)
	dir := fixture(t, map[string]string{"vague.yaml": src})
	// Chosen automatically under GitHub Actions.
	r := doValidate(t, &Options{Paths: []string{dir}}, map[string]string{"GITHUB_ACTIONS": "true"}, "")
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	if len(lines) != 3 {
		t.Fatalf("%s", r.out)
	}
	file := filepath.ToSlash(filepath.Join(dir, "vague.yaml"))
	want := "::error file=" + file + ",line=3,col=9,endLine=3,endColumn=25,title=handoff intent-specific::intent \"help, me: 100%25\" is too vague"
	if !strings.HasPrefix(lines[0], want) {
		t.Errorf("got  %s\nwant %s", lines[0], want)
	}
	if !strings.HasPrefix(lines[1], "::warning file=") {
		t.Errorf("warning line %s", lines[1])
	}
	// --format wins over the environment.
	r = doValidate(t, &Options{Paths: []string{dir}, Format: "text"}, map[string]string{"GITHUB_ACTIONS": "true"}, "")
	if strings.HasPrefix(r.out, "::") {
		t.Errorf("text expected: %s", r.out)
	}
	if ghProp("a,b:c%\n") != "a%2Cb%3Ac%25%0A" || ghData("a,b:c%\r\n") != "a,b:c%25%0D%0A" {
		t.Error("escaping")
	}
}

func TestValidateSARIF(t *testing.T) {
	dir := fixture(t, map[string]string{"vague.yaml": badVague})
	r := doValidate(t, &Options{Paths: []string{dir}, Format: "sarif", Version: "1.2.3", Base: dir}, nil, "")
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name, Version string
					Rules         []struct{ ID string }
				}
			}
			ColumnKind string `json:"columnKind"`
			Results    []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn, EndLine, EndColumn int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(r.out), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "handoff" || log.Runs[0].Tool.Driver.Version != "1.2.3" {
		t.Fatalf("%+v", log)
	}
	run := log.Runs[0]
	if len(run.Results) != 3 || run.ColumnKind != "unicodeCodePoints" {
		t.Fatalf("%+v", run.Results)
	}
	for _, res := range run.Results {
		if run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("ruleIndex %d points at %s, not %s", res.RuleIndex, run.Tool.Driver.Rules[res.RuleIndex].ID, res.RuleID)
		}
	}
	res := run.Results[0]
	reg := res.Locations[0].PhysicalLocation.Region
	if res.RuleID != "intent-specific" || res.Level != "error" || reg.StartLine != 3 || reg.StartColumn != 9 || reg.EndColumn != 16 ||
		res.Locations[0].PhysicalLocation.ArtifactLocation.URI != "vague.yaml" {
		t.Errorf("%+v", res)
	}
	if run.Results[1].Level != "warning" || run.Results[1].RuleID != "account-known" {
		t.Errorf("warning: %+v", run.Results[1])
	}
}

// On a terminal the text format shows the line and a caret under the range.
func TestValidateSnippetOnTerminal(t *testing.T) {
	dir := fixture(t, map[string]string{"vague.yaml": badVague})
	ios, _, out, _ := cmdutil.Test()
	ios.SetTTY(false, true, false)
	ios.Getenv = func(k string) string { return map[string]string{"NO_COLOR": "1"}[k] }
	err := runValidate(context.Background(), &Options{IO: ios, Paths: []string{filepath.Join(dir, "vague.yaml")}, Accounts: accountsWith(t, "sandbox")})
	if cmdutil.ExitCodeOf(err) != 1 {
		t.Fatal(err)
	}
	want := " 3 | intent: help me\n   |         ^^^^^^^\n"
	if !strings.Contains(out.String(), want) {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
	if strings.Contains(out.String(), "\x1b[") {
		t.Error("colour despite NO_COLOR")
	}
}

func TestValidateColourHonoursNoColor(t *testing.T) {
	dir := fixture(t, map[string]string{"vague.yaml": badVague})
	for _, noColor := range []string{"", "1"} {
		ios, _, out, _ := cmdutil.Test()
		ios.SetTTY(false, true, true)
		ios.Getenv = func(k string) string {
			if k == "NO_COLOR" {
				return noColor
			}
			return ""
		}
		runValidate(context.Background(), &Options{IO: ios, Paths: []string{dir}})
		if has := strings.Contains(out.String(), "\x1b["); has != (noColor == "") {
			t.Errorf("NO_COLOR=%q: colour=%v", noColor, has)
		}
	}
}

// Extension checks run on every readable document and their diagnostics
// are merged in order.
func TestValidateExtensionChecks(t *testing.T) {
	dir := fixture(t, map[string]string{"escalate-billing.yaml": goodBilling, "broken.yaml": "a: [\n"})
	var seen []string
	opts := &Options{Paths: []string{dir}, Accounts: accountsWith(t, "sandbox")}
	opts.Checks = append(opts.Checks, func(_ context.Context, d *actionDocument) []actionDiagnostic {
		seen = append(seen, d.File)
		l, c := d.Position("assignee.team")
		return []actionDiagnostic{{File: d.File, Line: l, Column: c, EndLine: l, EndColumn: c + 7, Severity: "warning", Rule: "team-known", Message: "not in the directory"}}
	})
	r := doValidate(t, opts, nil, "")
	if len(seen) != 1 || !strings.Contains(r.out, "escalate-billing.yaml:7:9: warning: not in the directory [team-known]") {
		t.Errorf("seen %v\n%s", seen, r.out)
	}
}

func TestNewCmdValidateFlags(t *testing.T) {
	cases := []struct {
		args string
		env  map[string]string
		code int
		want Options
	}{
		{"", nil, 0, Options{}},
		{"a b --strict", nil, 0, Options{Paths: []string{"a", "b"}, Strict: true}},
		{"- --format sarif", nil, 0, Options{Paths: []string{"-"}, Format: "sarif"}},
		{"--format xml", nil, 2, Options{}},
		{"- -", nil, 2, Options{}},
	}
	for _, c := range cases {
		f := newTestFactory(t)
		var got *Options
		cmd := NewCmdValidate(f, func(o *Options) error { got = o; return nil })
		cmd.SetArgs(strings.Fields(c.args))
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		err := cmd.Execute()
		if code := cmdutil.ExitCodeOf(err); code != c.code {
			t.Errorf("%q: exit %d (%v), want %d", c.args, code, err, c.code)
			continue
		}
		if c.code != 0 {
			continue
		}
		if strings.Join(got.Paths, ",") != strings.Join(c.want.Paths, ",") || got.Strict != c.want.Strict || got.Format != c.want.Format || got.Dir != "actions-dir" {
			t.Errorf("%q: %+v", c.args, got)
		}
	}
}

// A path that cannot be read is a read-error diagnostic in every format,
// never an empty document, and the exit code stays 3.
func TestUnreadablePathIsADiagnosticAndExit3(t *testing.T) {
	dir := fixture(t, map[string]string{"escalate-billing.yaml": goodBilling})
	nope := filepath.Join(dir, "nope")
	for _, format := range Formats {
		r := doValidate(t, &Options{Paths: []string{dir, nope}, Format: format, Accounts: accountsWith(t, "sandbox")}, nil, "")
		if r.code != 3 || r.err == nil || r.err.Error() != "cannot read "+nope+": no such file or directory" || cmdutil.HintOf(r.err) == "" {
			t.Errorf("%s: exit %d, error %v", format, r.code, r.err)
		}
		if !strings.Contains(r.out, "read-error") || !strings.Contains(r.out, "nope") {
			t.Errorf("%s: the unreadable path is not in the output:\n%s", format, r.out)
		}
		if format == "json" {
			var env struct {
				FormatVersion int  `json:"format_version"`
				Valid         bool `json:"valid"`
				ErrorCount    int  `json:"error_count"`
				Diagnostics   []struct{ File, Rule string }
			}
			if err := json.Unmarshal([]byte(r.out), &env); err != nil || env.FormatVersion != 1 || env.Valid || env.ErrorCount != 1 ||
				len(env.Diagnostics) != 1 || env.Diagnostics[0].Rule != "read-error" || env.Diagnostics[0].File != nope {
				t.Errorf("json %+v (%v)", env, err)
			}
		}
	}
	// A file that exists but cannot be read: the same.
	locked := filepath.Join(dir, "locked.yaml")
	_ = os.WriteFile(locked, []byte(goodBilling), 0o000)
	if f, err := os.Open(locked); err == nil {
		f.Close()
		t.Log("running as root: an unreadable file cannot be made")
		return
	}
	r := doValidate(t, &Options{Paths: []string{locked}, Format: "json"}, nil, "")
	if r.code != 3 || !strings.Contains(r.out, `"rule": "read-error"`) {
		t.Errorf("unreadable file: exit %d, %s", r.code, r.out)
	}
}
