package action

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestRuleDocsMatchTheDocs: RuleDocs (what SARIF carries) is the rules table
// of docs/validate.md, row for row, and every rule has its row.
func TestRuleDocsMatchTheDocs(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "validate.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i := strings.Index(doc, "\n## Rules\n")
	if i < 0 {
		t.Fatal("docs/validate.md has no Rules section")
	}
	section := doc[i+1:]
	if j := strings.Index(section[1:], "\n## "); j >= 0 {
		section = section[:j+1]
	}
	rows := regexp.MustCompile("(?m)^\\| `([a-z-]+)`(?: †)? \\| (.*) \\| (.*) \\|$").FindAllStringSubmatch(section, -1)
	seen := map[string]bool{}
	for _, r := range rows {
		id, checks, fix := r[1], r[2], r[3]
		seen[id] = true
		d, ok := RuleDocs[id]
		switch {
		case !ok:
			t.Errorf("docs/validate.md documents %s, which RuleDocs lacks", id)
		case d.Checks != checks || d.Fix != fix:
			t.Errorf("%s: RuleDocs %q / %q, docs/validate.md %q / %q", id, d.Checks, d.Fix, checks, fix)
		}
	}
	for id := range RuleDescriptions {
		if !seen[id] {
			t.Errorf("rule %s has no row in the rules table of docs/validate.md (and no RuleDocs entry for SARIF)", id)
		}
	}
	if len(RuleDocs) != len(RuleDescriptions) {
		t.Errorf("%d RuleDocs for %d rules", len(RuleDocs), len(RuleDescriptions))
	}
}
