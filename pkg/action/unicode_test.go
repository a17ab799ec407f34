package action

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/handoff-dev/handoff/pkg/internal/nodetest"
)

// trickyStrings are the white-space cases where engines disagree: \s in
// JavaScript is Unicode white space, in Go's regexp ASCII; TrimSpace in Go
// adds U+0085 and lacks U+FEFF; U+200B and U+180E are no space for either.
var trickyStrings = []string{
	"", " ", "\t", "\r", "\n", "\v", "\f", "\r\n",
	"\u00a0", "\u2003", "\u200b", "\u0085", "\ufeff", "\u3000", "\u2028", "\u2029", "\u1680", "\u180e", "\u202f", "\u205f",
	"\u2000\u200a", "\u00a0\t\u2003",
	"x", " x ", "\u00a0x\u00a0", "\u200bx", "\u0085x\u0085",
	"one two three four", "one\u00a0two\u00a0three\u00a0four", "one\u2003two\u2003three\u2003four",
	"one\u200btwo\u200bthree\u200bfour", "one\ttwo\tthree\tfour", "one\rtwo\rthree\rfour",
	"one\u0085two\u0085three\u0085four", "one\ufefftwo\ufeffthree\ufefffour", "one two three\u00a0four",
	"\u00a0one two three four", "one two three", "one\u00a0two three",
	"TODO\u00a0list it", "the\u00a0TODO list is long", "todo\u200b item in the list",
	"Bearer\u00a0abcdefghijklmnopqrstuvwxyz", "Bearer\u2003abcdefghijklmnopqrstuvwxyz", "Bearer\u200babcdefghijklmnopqrstuvwxyz",
	"Bearer\tabcdefghijklmnopqrstuvwxyz", "Bearer\rabcdefghijklmnopqrstuvwxyz",
	"Billing", "Billing\u00a0", "\u00a0Billing", "Bill\u200bing",
}

// TestBlankIsOneDefinition: IsBlank and the blank class agree rune by rune
// with what JavaScript's \s means (ECMAScript WhiteSpace and
// LineTerminator), over the whole BMP.
func TestBlankIsOneDefinition(t *testing.T) {
	js := map[rune]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true, 0xa0: true, 0x1680: true,
		0x2028: true, 0x2029: true, 0x202f: true, 0x205f: true, 0x3000: true, 0xfeff: true}
	for r := rune(0x2000); r <= 0x200a; r++ {
		js[r] = true
	}
	class := regexp.MustCompile("^[" + BlankClass + "]$")
	for r := rune(0); r <= 0xffff; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue
		}
		s := string(r)
		if IsBlankRune(r) != js[r] || class.MatchString(s) != js[r] || IsBlank(s) != js[r] {
			t.Errorf("U+%04X: IsBlankRune=%v class=%v, JavaScript \\s=%v", r, IsBlankRune(r), class.MatchString(s), js[r])
		}
	}
}

// TestGoChecksMatchTheirPatterns: the Go fast paths decide as the patterns
// do, on the tricky strings.
func TestGoChecksMatchTheirPatterns(t *testing.T) {
	for _, s := range trickyStrings {
		if got, want := !IsBlank(s), nonBlankRe().MatchString(s); got != want {
			t.Errorf("%q: !IsBlank=%v, %s=%v", s, got, NonBlankPattern, want)
		}
		fastPathsAgree(t, s)
	}
	// The cases of the issue: words split by no-break spaces are words; a
	// team of one no-break space is blank.
	if err := CheckIntent("The\u00a0customer\u00a0wants\u00a0a\u00a0refund"); err != nil {
		t.Errorf("an intent with no-break spaces: %v", err)
	}
	if err := CheckTeam("\u00a0"); err == nil {
		t.Error(`team "\u00a0" accepted`)
	}
	if err := CheckIntent("one\u200btwo\u200bthree\u200bfour"); err == nil {
		t.Error("zero-width spaces separate no words, yet the intent was accepted")
	}
}

// TestSchemaInJavaScriptAgreesWithValidate runs the schema as editors do:
// ajv in strict mode (it must compile), its patterns by the JavaScript
// engine (with and without the u flag), and compares with the Go regexps,
// the field checks and validate, on the tricky strings and on every test
// and example file.
func TestSchemaInJavaScriptAgreesWithValidate(t *testing.T) {
	var schema map[string]any
	if err := json.Unmarshal(Schema(), &schema); err != nil {
		t.Fatal(err)
	}
	patterns := schemaPatterns(schema)
	type field struct {
		Ref    string   `json:"ref"`
		Values []string `json:"values"`
	}
	var fields []field
	for _, fs := range fieldSchemas {
		fields = append(fields, field{Ref: fs.loc, Values: trickyStrings})
	}
	// Documents: every comparable test and example file, plus the tricky
	// strings as intent, team and bot_name of a valid action.
	var docs []any
	var docNames []string
	var docValid []bool
	files, _ := filepath.Glob("testdata/cases/*.yaml")
	more, _ := filepath.Glob("../../configs/actions/*.yaml")
	for _, f := range append(files, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		vOK, comparable, _ := validateJudge(f, data)
		if !comparable {
			continue
		}
		var n yaml.Node
		if yaml.Unmarshal(data, &n) != nil {
			continue
		}
		v, err := toJSON(&n, 0)
		if err != nil {
			continue
		}
		docs, docNames, docValid = append(docs, v), append(docNames, f), append(docValid, vOK)
	}
	for _, s := range trickyStrings {
		for _, key := range []string{"intent", "team", "bot_name"} {
			doc := map[string]any{"version": 1, "name": "tricky", "account": "acme-prod",
				"intent": "The customer asks for a person.", "assignee": map[string]any{"type": "team", "team": "Billing"}}
			switch key {
			case "intent":
				doc["intent"] = s
			case "team":
				doc["assignee"] = map[string]any{"type": "team", "team": s}
			case "bot_name":
				doc["assignee"] = map[string]any{"type": "bot", "bot_id": "607f1f77bcf86cd799439011", "bot_name": s}
			}
			b, _ := json.Marshal(doc)
			y, _ := yaml.Marshal(doc)
			vOK, comparable, _ := validateJudge("tricky.yaml", y)
			if !comparable {
				t.Fatalf("%s %q: not comparable", key, s)
			}
			var v any
			_ = json.Unmarshal(b, &v)
			docs, docNames, docValid = append(docs, v), append(docNames, key+" "+strconvQuote(s)), append(docValid, vOK)
		}
	}

	var out struct {
		Patterns      [][]bool `json:"patterns"`
		PatternsPlain [][]bool `json:"patternsPlain"`
		Fields        [][]bool `json:"fields"`
		Docs          []bool   `json:"docs"`
	}
	nodetest.Run(t, filepath.Join("testdata", "ajv", "judge.js"),
		map[string]any{"schema": schema, "patterns": patterns, "strings": trickyStrings, "fields": fields, "docs": docs}, &out)

	for i, p := range patterns {
		re := regexp.MustCompile(p)
		for j, s := range trickyStrings {
			if g := re.MatchString(s); g != out.Patterns[i][j] || g != out.PatternsPlain[i][j] {
				t.Errorf("pattern %q on %q: Go %v, JavaScript %v (u flag) / %v (no flag)", p, s, g, out.Patterns[i][j], out.PatternsPlain[i][j])
			}
		}
	}
	for i, fs := range fieldSchemas {
		for j, s := range trickyStrings {
			if g := fs.check(s) == nil; g != out.Fields[i][j] {
				t.Errorf("%s %q: the Go check says valid=%v, ajv says %v (%v)", fs.loc, s, g, out.Fields[i][j], fs.check(s))
			}
		}
	}
	if len(out.Docs) != len(docs) || len(docs) < 100 {
		t.Fatalf("%d documents judged by ajv, %d sent", len(out.Docs), len(docs))
	}
	for i := range docs {
		if out.Docs[i] != docValid[i] {
			t.Errorf("%s: validate says valid=%v, ajv says %v", docNames[i], docValid[i], out.Docs[i])
		}
	}
	if n := slices.Index(trickyStrings, "one\u00a0two\u00a0three\u00a0four"); n < 0 || !out.Fields[1][n] {
		t.Error("ajv refuses an intent of four words split by no-break spaces")
	}
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return strings.Trim(string(b), `"`) }
