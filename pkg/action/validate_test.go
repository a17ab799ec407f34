package action

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var testAccounts = []string{"sandbox", "acme-prod"}

// caseWant reads the "# want: rule@line:col ..." (or "# want: valid") line
// that starts every file of testdata/cases.
func caseWant(t *testing.T, data []byte) []string {
	t.Helper()
	first, _, _ := strings.Cut(string(data), "\n")
	spec, ok := strings.CutPrefix(first, "# want: ")
	if !ok {
		t.Fatalf("case file does not start with '# want: '")
	}
	if spec == "valid" {
		return nil
	}
	w := strings.Fields(spec)
	sort.Strings(w)
	return w
}

func diagKeys(ds []Diagnostic) []string {
	var got []string
	for _, d := range ds {
		got = append(got, fmt.Sprintf("%s@%d:%d", d.Rule, d.Line, d.Column))
	}
	sort.Strings(got)
	return got
}

// TestCases: every file of testdata/cases gets exactly the diagnostics its
// first line announces, at the announced positions.
func TestCases(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "cases", "*.yaml"))
	if len(files) < 30 {
		t.Fatalf("only %d case files", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want := caseWant(t, data)
			_, diags := Check(f, data, Options{KnownAccounts: testAccounts, CheckFileName: true})
			got := diagKeys(diags)
			if strings.Join(got, " ") != strings.Join(want, " ") {
				for _, d := range diags {
					t.Log(d)
				}
				t.Errorf("got %v, want %v", got, want)
			}
			for _, d := range diags {
				if d.File != f || d.Severity != SeverityError || d.Message == "" || RuleDescriptions[d.Rule] == "" {
					t.Errorf("malformed diagnostic %+v", d)
				}
				if d.EndLine < d.Line || (d.EndLine == d.Line && d.EndColumn < d.Column) {
					t.Errorf("range ends before it starts: %+v", d)
				}
			}
		})
	}
}

// TestExamplesValid: the shipped examples are valid, and with no account
// configured each says its account could not be checked (a warning).
func TestExamplesValid(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "configs", "actions", "*.yaml"))
	if len(files) != 4 {
		t.Fatalf("want 4 examples, found %d", len(files))
	}
	types := map[string]bool{}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		if !strings.HasPrefix(string(data), Modeline+"\n") {
			t.Errorf("%s: no schema line first", f)
		}
		d, diags := Check(f, data, Options{KnownAccounts: []string{"sandbox"}, CheckFileName: true})
		if len(diags) != 0 {
			t.Errorf("%s: %v", f, diags)
		}
		a := d.Action.Assignee
		types[string(a.Type)+map[bool]string{true: "+id", false: ""}[a.BotID != ""]] = true
		_, diags = Check(f, data, Options{CheckFileName: true})
		if len(diags) != 1 || diags[0].Rule != RuleAccountKnown || diags[0].Severity != SeverityWarning {
			t.Errorf("%s without accounts: %v", f, diags)
		}
	}
	for _, k := range []string{"team", "user", "bot", "bot+id"} {
		if !types[k] {
			t.Errorf("no example of assignee %s", k)
		}
	}
}

func TestAccountKnown(t *testing.T) {
	src := "version: 1\nname: x\nintent: The customer asks for a person\naccount: prod\nassignee: {type: bot}\n"
	_, ds := Check("x.yaml", []byte(src), Options{KnownAccounts: []string{"prod"}})
	if len(ds) != 0 {
		t.Errorf("known account: %v", ds)
	}
	_, ds = Check("x.yaml", []byte(src), Options{KnownAccounts: []string{"staging", "dev"}})
	if len(ds) != 1 || ds[0].Severity != SeverityError || !strings.Contains(ds[0].Message, "staging, dev") {
		t.Errorf("unknown account: %v", ds)
	}
	_, ds = Check("x.yaml", []byte(src), Options{})
	if len(ds) != 1 || ds[0].Severity != SeverityWarning || !strings.Contains(ds[0].Message, "could not be checked") {
		t.Errorf("no accounts: %v", ds)
	}
}

func TestFileNameCheck(t *testing.T) {
	src := []byte("version: 1\nname: escalate\nintent: The customer asks for a person\naccount: prod\nassignee: {type: bot}\n")
	for file, want := range map[string]bool{
		"escalate.yaml":          true,
		"dir/escalate.yml":       true,
		"other.yaml":             false,
		"-":                      true, // stdin: never checked
		"/tmp/Escalate.yaml":     false,
		"escalate.yaml.bak.yaml": false,
	} {
		_, ds := Check(file, src, Options{KnownAccounts: []string{"prod"}, CheckFileName: true})
		if ok := !HasErrors(ds); ok != want {
			t.Errorf("%s: valid=%v, want %v (%v)", file, ok, want, ds)
		}
	}
	_, ds := Check("other.yaml", src, Options{KnownAccounts: []string{"prod"}})
	if HasErrors(ds) {
		t.Errorf("CheckFileName off: %v", ds)
	}
}

func TestDiagnosticString(t *testing.T) {
	d := Diagnostic{File: "a.yaml", Line: 3, Column: 9, Severity: SeverityError, Rule: "intent-specific", Message: "too vague"}
	if got := d.String(); got != "a.yaml:3:9: error: too vague [intent-specific]" {
		t.Errorf("got %q", got)
	}
}

// Every rule has a description, and rules beyond the schema are real rules.
func TestRuleTables(t *testing.T) {
	for r := range RulesBeyondSchema {
		if RuleDescriptions[r] == "" {
			t.Errorf("rule %s beyond schema has no description", r)
		}
	}
}

func utf8Valid(s string) bool {
	return strings.ToValidUTF8(s, "\uFFFD") == s && !strings.ContainsRune(s, '\uFFFD')
}
