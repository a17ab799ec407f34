package action

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const repairBase = `# a comment
version: 1
name: x
intent: The customer disputes a charge or asks for a refund.
account: acme
assignee:
  type: team   # team | user | bot
  team: Billing
`

func TestLoadForEdit(t *testing.T) {
	for _, c := range []struct {
		name, file string
		parts      []string
		broken     string // "" with wantErr: refused
		wantErr    string
	}{
		{"valid", repairBase, []string{"assignee"}, "", ""},
		{"wrong type, editing assignee", strings.Replace(repairBase, "type: team", "type: teem", 1), []string{"assignee"}, "assignee", ""},
		{"no team, editing assignee", strings.Replace(repairBase, "  team: Billing\n", "", 1), []string{"assignee"}, "assignee", ""},
		{"no assignee at all", strings.Split(repairBase, "assignee:")[0], []string{"assignee"}, "assignee", ""},
		{"placeholder intent, editing intent", strings.Replace(repairBase, "The customer disputes a charge or asks for a refund.", "TODO", 1), []string{"intent"}, "intent", ""},
		{"wrong type, editing intent", strings.Replace(repairBase, "type: team", "type: teem", 1), []string{"intent"}, "", "line 7: assignee type \"teem\""},
		{"name differs, editing assignee", strings.Replace(repairBase, "name: x", "name: y", 1), []string{"assignee"}, "", "rewrites only assignee"},
		{"unknown field, editing all", repairBase + "colour: red\n", []string{"intent", "account", "assignee"}, "", "unknown field colour"},
		{"not YAML", "version: [1\n", []string{"assignee"}, "", "not valid YAML"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "x.yaml"), []byte(c.file), 0o644); err != nil {
				t.Fatal(err)
			}
			a, broken, err := NewStore(dir).LoadForEdit("x", c.parts...)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				var e *Error
				if !errors.As(err, &e) || e.ExitCode() != 3 || !strings.Contains(e.Hint(), "handoff validate") {
					t.Fatalf("err = %#v: want exit 3 and a hint at handoff validate", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var parts []string
			for _, b := range broken {
				parts = append(parts, b.Part)
			}
			if got := strings.Join(parts, ","); got != c.broken {
				t.Fatalf("broken = %q, want %q", got, c.broken)
			}
			if a == nil || a.Name != "x" {
				t.Fatalf("action %+v", a)
			}
		})
	}
}

// Redoing the broken part repairs the file, comments kept.
func TestRepairKeepsComments(t *testing.T) {
	dir := t.TempDir()
	bad := strings.Replace(repairBase, "type: team", "type: teem", 1)
	if err := os.WriteFile(filepath.Join(dir, "x.yaml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	st := NewStore(dir)
	if _, _, err := st.LoadForEdit("x", "assignee"); err != nil {
		t.Fatal(err)
	}
	if err := st.Update("x", func(e *Editor) error { return e.SetAssignee(Assignee{Type: Team, Team: "Support"}) }); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "x.yaml"))
	want := strings.Replace(repairBase, "team: Billing", "team: Support", 1)
	if string(got) != want {
		t.Fatalf("file:\n%s\nwant:\n%s", got, want)
	}
}
