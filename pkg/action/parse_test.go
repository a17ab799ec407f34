package action

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"
)

const goodSrc = `# Billing disputes go to the Billing team.
version: 1
name: escalate-billing          # the file name
intent: >-
  The customer disputes a charge, asks for a refund,
  or asks for a person about an invoice.
account: acme-prod
assignee:
  type: team
  team: "Billing"
`

func TestParseGood(t *testing.T) {
	d, diags := Parse("escalate-billing.yaml", []byte(goodSrc))
	if len(diags) != 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	want := Action{Version: 1, Name: "escalate-billing",
		Intent:  "The customer disputes a charge, asks for a refund, or asks for a person about an invoice.",
		Account: "acme-prod", Assignee: Assignee{Type: Team, Team: "Billing"}}
	if *d.Action != want {
		t.Errorf("got %+v\nwant %+v", *d.Action, want)
	}
	for path, pos := range map[string][2]int{
		"version": {2, 10}, "name": {3, 7}, "intent": {4, 9}, "account": {7, 10},
		"assignee": {9, 3}, "assignee.type": {9, 9}, "assignee.team": {10, 9},
	} {
		l, c := d.Position(path)
		if l != pos[0] || c != pos[1] {
			t.Errorf("%s at %d:%d, want %d:%d", path, l, c, pos[0], pos[1])
		}
	}
	if d.Line(3) != "name: escalate-billing          # the file name" || d.Line(0) != "" || d.Line(99) != "" {
		t.Errorf("Line: %q", d.Line(3))
	}
}

func TestParseRanges(t *testing.T) {
	src := "version: 1\nname: Bad_Name\nintent: 'too vague'\naccount: \"\"\nassignee: {type: robot}\n"
	_, diags := Check("x.yaml", []byte(src), Options{KnownAccounts: []string{"a"}})
	got := map[string][4]int{}
	for _, d := range diags {
		got[d.Rule] = [4]int{d.Line, d.Column, d.EndLine, d.EndColumn}
	}
	for rule, want := range map[string][4]int{
		RuleNameFormat:     {2, 7, 2, 15},  // Bad_Name
		RuleIntentSpecific: {3, 9, 3, 20},  // 'too vague' with its quotes
		RuleAccountFormat:  {4, 10, 4, 12}, // ""
		RuleAssigneeType:   {5, 18, 5, 23}, // robot
	} {
		if got[rule] != want {
			t.Errorf("%s: range %v, want %v", rule, got[rule], want)
		}
	}
}

func TestParseColumnsCountCharacters(t *testing.T) {
	src := "version: 1\nname: x\nintent: \"Ünïcödé\"\naccount: a\nassignee: {type: bot, bot_id: \"é\"}\n"
	_, diags := Check("x.yaml", []byte(src), Options{})
	for _, d := range diags {
		if d.Rule == RuleBotID && (d.Column != 31 || d.EndColumn != 34) {
			t.Errorf("bot_id range %d-%d, want 31-34 (characters, not bytes)", d.Column, d.EndColumn)
		}
	}
}

func rules(ds []Diagnostic) string {
	var r []string
	for _, d := range ds {
		r = append(r, d.Rule)
	}
	return strings.Join(r, ",")
}

func TestParseRefusesBadFiles(t *testing.T) {
	big := bytes.Repeat([]byte("# padding\n"), MaxFileSize/10+1)
	cases := []struct {
		name, rule, msg string
		data            []byte
		line, col       int
	}{
		{"too large", RuleTooLarge, "larger than 1 MiB", big, 1, 1},
		{"binary", RuleBinary, "binary", []byte("version: 1\nname: a\x00b\n"), 2, 8},
		{"utf16", RuleEncoding, "UTF-16", []byte{0xFF, 0xFE, 'v', 0, 'e', 0}, 1, 1},
		{"latin1", RuleEncoding, "not valid UTF-8 (byte 0xe9)", []byte("version: 1\nname: caf\xe9\n"), 2, 10},
		{"empty", RuleEmpty, "empty", nil, 1, 1},
		{"blank", RuleEmpty, "empty", []byte("\n\n   \n"), 1, 1},
		{"syntax", RuleSyntax, "mapping values are not allowed", []byte("version: 1\nname: a: b\n"), 2, 1},
		{"tab indent", RuleSyntax, "not valid YAML", []byte("assignee:\n\ttype: bot\n"), 2, 1},
		{"scalar", RuleType, "not text", []byte("just a sentence\n"), 1, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, diags := Parse("f.yaml", c.data)
			if len(diags) != 1 || diags[0].Rule != c.rule || !strings.Contains(diags[0].Message, c.msg) {
				t.Fatalf("got %v, want one %s containing %q", diags, c.rule, c.msg)
			}
			if diags[0].Line != c.line || diags[0].Column != c.col {
				t.Errorf("at %d:%d, want %d:%d", diags[0].Line, diags[0].Column, c.line, c.col)
			}
			if Validate(d, Options{}) != nil && c.rule != RuleType {
				t.Errorf("Validate on an unreadable document added diagnostics")
			}
		})
	}
}

// A "billion laughs" file fails fast and in bounded memory.
func TestParseBillionLaughs(t *testing.T) {
	var b strings.Builder
	b.WriteString(`a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	// 30 levels, each referring to the previous one 10 times: 10^30 nodes.
	prev := "a0"
	for i := 1; i < 30; i++ {
		name := "a" + strings.Repeat("x", i)
		refs := strings.TrimSuffix(strings.Repeat("*"+prev+",", 10), ",")
		b.WriteString(name + ": &" + name + " [" + refs + "]\n")
		prev = name
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, diags := Check("laughs.yaml", []byte(b.String()), Options{})
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if rules(diags) != RuleAliasLimit {
		t.Fatalf("got %v", diags)
	}
	if elapsed > time.Second {
		t.Errorf("took %v", elapsed)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("allocated %d bytes", alloc)
	}
}

// Many nodes without aliases are not an alias problem (the 1 MiB limit bounds them).
func TestParseManyNodesNoAliases(t *testing.T) {
	src := "version: 1\nname: x\nintent: The customer asks for a person\naccount: a\nassignee: {type: bot}\nextra: [" +
		strings.TrimSuffix(strings.Repeat("1,", 5000), ",") + "]\n"
	_, diags := Parse("x.yaml", []byte(src))
	if rules(diags) != RuleUnknownField {
		t.Errorf("got %v", diags)
	}
}

func TestParseBOM(t *testing.T) {
	src := append([]byte("\xEF\xBB\xBF"), goodSrc...)
	d, diags := Parse("escalate-billing.yaml", src)
	if len(diags) != 0 || d.Action.Name != "escalate-billing" {
		t.Errorf("UTF-8 BOM: %v", diags)
	}
}

func TestParseCRLF(t *testing.T) {
	src := strings.ReplaceAll(goodSrc, "\n", "\r\n")
	d, diags := Parse("escalate-billing.yaml", []byte(src))
	if len(diags) != 0 || d.Action.Assignee.Team != "Billing" {
		t.Errorf("CRLF: %v", diags)
	}
	if d.Line(3) != "name: escalate-billing          # the file name" {
		t.Errorf("Line keeps \\r: %q", d.Line(3))
	}
}

func TestUnknownFieldSuggestion(t *testing.T) {
	_, diags := Parse("x.yaml", []byte("version: 1\nnmae: x\nasignee: {}\nfoo: 1\n"))
	msgs := ""
	for _, d := range diags {
		msgs += d.Message + "\n"
	}
	for _, want := range []string{"unknown field nmae (did you mean name?)", "unknown field asignee (did you mean assignee?)", "unknown field foo (known: version"} {
		if !strings.Contains(msgs, want) {
			t.Errorf("missing %q in\n%s", want, msgs)
		}
	}
}

// No diagnostic ever repeats a token, wherever it was pasted.
func TestNoSecretInDiagnostics(t *testing.T) {
	tok := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl"
	for _, src := range []string{
		"version: 1\nname: " + tok + "\n",
		"version: 1\n" + tok + ": x\n",
		"version: 1\nname: x\nassignee:\n  type: bot\n  " + tok + ": 1\n",
		"version: 1\nname: x\nassignee:\n  type: bot\n  bot_id: " + tok + "\n",
		"version: 1\nname: x\nassignee:\n  type: " + tok + "\n",
		"version: 1\nname: x\naccount: 12\nextra: {" + tok + ": [" + tok + "]}\n",
		"version: 1\nname: x\nintent: \"Bearer " + tok + "\"\n",
		"version: 1\nname: x\nassignee: {type: team, team: [" + tok + "]}\n",
		"version: 1\nname: x\nassignee: {type: team, team: " + tok + "}\n",
		"version: 1\nname: x\nassignee: {type: team, team: " + tok + ", team: " + tok + "}\n",
		"version: 1 # " + tok + "\n",
	} {
		_, diags := Check("x.yaml", []byte(src), Options{KnownAccounts: []string{"acme"}, CheckFileName: true})
		found := false
		for _, d := range diags {
			if strings.Contains(d.Message, tok[:16]) {
				t.Errorf("%q: message repeats the token: %s", src, d.Message)
			}
			found = found || d.Rule == RuleNoSecrets || d.Rule == RuleSecretInComment
		}
		if !found {
			t.Errorf("%q: no secret reported: %v", src, diags)
		}
	}
}
