package action

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// Every kind of edit keeps the end of the file as it was: a final line
// break stays (it was lost when the file's last line was removed, e.g.
// user → team when "email:" was the last line), a missing one is not added,
// CRLF stays CRLF, and a comment after the last field stays last.
func TestEditKeepsEndOfFile(t *testing.T) {
	const (
		version = "version: 1\nname: ending\n"
		intent  = "intent: The customer asks for a person now\n"
		folded  = "intent: >-\n  The customer asks for a person\n  right now, please\n"
		account = "account: sandbox\n"
		user    = "assignee:\n  type: user\n  email: maria@acme.com\n"
		team    = "assignee:\n  type: team\n  team: Billing\n  keep_teams: true\n"
		flow    = "assignee: {type: user, email: maria@acme.com}\n"
	)
	bases := map[string]string{
		"user last":          version + intent + account + user,
		"team last":          version + intent + account + team,
		"flow assignee":      version + intent + account + flow, // re-encoded, not spliced
		"folded intent last": version + account + user + folded,
		"account last":       version + intent + user + account,
	}
	type variant struct {
		name   string
		apply  func(string) string
		suffix string // the result must end with this, as the original did
		// reencoded is the suffix when the file is re-encoded (the encoder
		// puts a comment at the indentation of what it follows).
		reencoded string
	}
	variants := []variant{
		{"LF", func(s string) string { return s }, "\n", ""},
		{"no final break", func(s string) string { return strings.TrimSuffix(s, "\n") }, "", ""},
		{"CRLF", func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }, "\r\n", ""},
		{"CRLF no final break", func(s string) string { return strings.TrimSuffix(strings.ReplaceAll(s, "\n", "\r\n"), "\r\n") }, "", ""},
		{"trailing comment", func(s string) string { return s + "# end of file\n" }, "\n# end of file\n", ""},
		{"trailing comment no break", func(s string) string { return s + "# end of file" }, "\n# end of file", ""},
		{"indented trailing comment", func(s string) string { return s + "  # more later\n" }, "\n  # more later\n", "\n# more later\n"},
		{"blank lines at end", func(s string) string { return s + "\n\n" }, "\n\n\n", ""},
	}
	type step struct {
		name string
		edit func(*Editor) error
		set  func(*Action)
	}
	setAssignee := func(a Assignee) step {
		return step{"assignee " + a.Describe() + fmt.Sprintf(" keep_teams=%v", a.KeepTeams),
			func(e *Editor) error { return e.SetAssignee(a) },
			func(w *Action) { w.Assignee = a }}
	}
	steps := []step{
		{"intent", func(e *Editor) error { return e.SetIntent("The customer disputes a charge on an invoice") },
			func(w *Action) { w.Intent = "The customer disputes a charge on an invoice" }},
		{"account", func(e *Editor) error { return e.SetAccount("acme-prod") }, func(w *Action) { w.Account = "acme-prod" }},
		setAssignee(Assignee{Type: Team, Team: "Billing"}),
		setAssignee(Assignee{Type: Team, Team: "Billing", KeepTeams: true}),
		setAssignee(Assignee{Type: User, Email: "joao@acme.com"}),
		setAssignee(Assignee{Type: Bot, BotID: "607f1f77bcf86cd799439011", BotName: "Returns flow"}),
		setAssignee(Assignee{Type: Bot}),
		setAssignee(Assignee{Type: Team, Team: "Support", KeepTeams: true}),
		setAssignee(Assignee{Type: Team, Team: "Support"}),
		setAssignee(Assignee{Type: Team, Team: "Sales: EU"}),
		{"long folded intent", func(e *Editor) error {
			return e.SetIntent(strings.Repeat("The customer asks about a refund again ", 4) + "today")
		}, func(w *Action) { w.Intent = strings.Repeat("The customer asks about a refund again ", 4) + "today" }},
	}
	for baseName, base := range bases {
		for _, v := range variants {
			t.Run(baseName+"/"+v.name, func(t *testing.T) {
				if baseName == "folded intent last" && strings.HasPrefix(v.suffix, "\n  #") {
					t.Skip("an indented line after a folded block is part of its text, not a comment")
				}
				src := v.apply(base)
				endsRight := func(got string) bool {
					return strings.HasSuffix(got, v.suffix) ||
						baseName == "flow assignee" && v.reencoded != "" && strings.HasSuffix(got, v.reencoded)
				}
				if !strings.HasSuffix(src, v.suffix) {
					t.Fatalf("bad fixture %q", src)
				}
				crlf := strings.Contains(src, "\r\n")
				d, diags := Parse("ending.yaml", []byte(src))
				if HasErrors(diags) {
					t.Fatalf("fixture does not parse: %v\n%s", diags, src)
				}
				want := *d.Action
				for _, s := range steps {
					// Each step starts from a fresh editor on the last result,
					// as "handoff configure" does with the saved file.
					e, err := NewEditor("ending.yaml", []byte(src))
					if err != nil {
						t.Fatal(err)
					}
					if err := s.edit(e); err != nil {
						t.Fatalf("%s: %v", s.name, err)
					}
					s.set(&want)
					got := string(e.Bytes())
					if !endsRight(got) || finalBreaks([]byte(got)) != finalBreaks([]byte(src)) {
						t.Fatalf("%s: the end of the file changed:\nbefore: %q\nafter:  %q", s.name, src, got)
					}
					if crlf && strings.Count(got, "\n") != strings.Count(got, "\r\n") {
						t.Fatalf("%s: mixed line endings: %q", s.name, got)
					}
					d, diags := Parse("ending.yaml", []byte(got))
					if HasErrors(diags) || d.Action == nil || !d.Action.Equal(&want) {
						t.Fatalf("%s: reads back as %+v %v, want %+v\n%s", s.name, d.Action, diags, want, got)
					}
					src = got
				}
			})
		}
	}
}

// The case from the bug report, through the store: the last node of the
// file is replaced and the saved file still ends with its line break.
func TestUpdateLastNodeKeepsFinalBreak(t *testing.T) {
	st := NewStore(t.TempDir())
	src := "version: 1\nname: last\nintent: The customer asks for a person now\naccount: sandbox\nassignee:\n  type: user\n  email: maria@acme.com\n"
	if err := os.WriteFile(st.Path("last"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := st.Update("last", func(e *Editor) error { return e.SetAssignee(Assignee{Type: Team, Team: "Billing"}) }); err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(src, "  type: user\n  email: maria@acme.com\n", "  type: team\n  team: Billing\n", 1)
	if got := readFile(t, st.Path("last")); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// remove() on its own: the removed line takes its own break with it.
func TestRemoveLastLine(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"name: x\naccount: y\n", "name: x\n"},
		{"name: x\naccount: y", "name: x"},
		{"name: x\r\naccount: y\r\n", "name: x\r\n"},
		{"name: x\r\naccount: y", "name: x"},
		{"name: x\naccount: y\n# end\n", "name: x\n# end\n"},
		{"name: x\naccount: y # comment\n", "name: x\n"},
		{"account: y\nname: x\n", "name: x\n"},
		{"account: y", ""},
	} {
		e := &Editor{path: "f.yaml", src: []byte(tc.src), crlf: strings.Contains(tc.src, "\r\n")}
		if err := e.remove("account"); err != nil {
			t.Fatalf("%q: %v", tc.src, err)
		}
		if got := string(e.src); got != tc.want {
			t.Errorf("remove account from %q = %q, want %q", tc.src, got, tc.want)
		}
	}
}
