package action

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

const schemaURL = "file:///action.schema.json"

func compileSchema(t testing.TB, locs ...string) []*jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(schemaURL, doc); err != nil {
		t.Fatal(err)
	}
	var out []*jsonschema.Schema
	for _, l := range locs {
		s, err := c.Compile(schemaURL + l)
		if err != nil {
			t.Fatalf("compile %s: %v", l, err)
		}
		out = append(out, s)
	}
	return out
}

// toJSON turns a YAML document into the JSON value an editor's schema
// checker sees: yaml.v3's values, with dates kept as text (YAML 1.2).
func toJSON(n *yaml.Node, depth int) (any, error) {
	if depth > 50 {
		return nil, errors.New("too deep")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return toJSON(n.Content[0], depth+1)
	case yaml.AliasNode:
		return toJSON(n.Alias, depth+1)
	case yaml.SequenceNode:
		out := []any{}
		for _, c := range n.Content {
			v, err := toJSON(c, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			var k any
			if err := n.Content[i].Decode(&k); err != nil {
				return nil, err
			}
			ks, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("key %v is not a string", k)
			}
			if _, dup := out[ks]; dup {
				return nil, fmt.Errorf("duplicate key %s", ks)
			}
			v, err := toJSON(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			out[ks] = v
		}
		return out, nil
	}
	if n.ShortTag() == "!!timestamp" {
		return n.Value, nil
	}
	var v any
	err := n.Decode(&v)
	return v, err
}

// schemaJudge returns whether the schema accepts the file, or an error when
// the file cannot be read as one JSON document at all.
func schemaJudge(s *jsonschema.Schema, data []byte) (bool, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return false, err
	}
	v, err := toJSON(&doc, 0)
	if err != nil {
		return false, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return false, err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return false, err
	}
	return s.Validate(inst) == nil, nil
}

// fatalRules stop the loader before the schema could judge anything.
var fatalRules = map[string]bool{RuleTooLarge: true, RuleBinary: true, RuleEncoding: true, RuleSyntax: true, RuleEmpty: true, RuleAliasLimit: true}

// validateJudge is validate's verdict on the rules the schema can express,
// or ok=false when a fatal rule means there is nothing to compare.
func validateJudge(file string, data []byte) (valid, comparable bool, diags []Diagnostic) {
	_, diags = Check(file, data, Options{KnownAccounts: testAccounts})
	for _, d := range diags {
		if fatalRules[d.Rule] {
			return false, false, diags
		}
	}
	for _, d := range diags {
		if _, beyond := RulesBeyondSchema[d.Rule]; !beyond && d.Severity == SeverityError {
			return false, true, diags
		}
	}
	return true, true, diags
}

// TestSchemaAgreesWithValidate holds the JSON Schema and validate together:
// every example and every test file is judged the same by both, on the
// rules the schema can express.
func TestSchemaAgreesWithValidate(t *testing.T) {
	s := compileSchema(t, "")[0]
	var files []string
	for _, g := range []string{"testdata/cases/*.yaml", "../../configs/actions/*.yaml", "testdata/edit/*.yaml"} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	compared := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		vOK, comparable, diags := validateJudge(f, data)
		if !comparable {
			continue // a fatal error; the schema would have nothing to read
		}
		sOK, serr := schemaJudge(s, data)
		if serr != nil {
			if !HasErrors(diags) {
				t.Errorf("%s: the schema cannot read it (%v) but validate finds no error", f, serr)
			}
			continue
		}
		compared++
		if vOK != sOK {
			t.Errorf("%s: schema says valid=%v, validate says valid=%v (%v)", f, sOK, vOK, diags)
		}
	}
	if compared < 30 {
		t.Errorf("only %d files compared", compared)
	}
}

// TestSchemaCommitted: docs/action.schema.json is the schema handoff uses.
func TestSchemaCommitted(t *testing.T) {
	docs, err := os.ReadFile(filepath.Join("..", "..", "docs", "action.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(docs, Schema()) {
		t.Fatal("docs/action.schema.json differs from pkg/action/action.schema.json: cp pkg/action/action.schema.json docs/")
	}
}

// TestSchemaPatterns: the patterns in the schema are the ones the field
// checks compile.
func TestSchemaPatterns(t *testing.T) {
	var m map[string]any
	if err := json.Unmarshal(Schema(), &m); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, p := range schemaPatterns(m) {
		have[p] = true
	}
	for name, p := range map[string]string{"name": NamePattern, "words": IntentWordsPattern, "placeholder": PlaceholderPattern,
		"nonblank": NonBlankPattern, "email": EmailPattern, "bot_id": BotIDPattern, "secret": SecretValuePattern} {
		if !have[p] {
			t.Errorf("schema lacks the %s pattern %q", name, p)
		}
	}
	if m["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v", m["$schema"])
	}
}

// schemaPatterns lists every "pattern" of a decoded schema, sorted.
func schemaPatterns(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if p, ok := x["pattern"].(string); ok {
				out = append(out, p)
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	sort.Strings(out)
	return slices.Compact(out)
}

// fieldSchemas pairs each field check with the schema of that field.
var fieldSchemas = []struct {
	loc   string
	check func(string) error
}{
	{"#/properties/name", CheckName},
	{"#/properties/intent", CheckIntent},
	{"#/properties/account", CheckAccount},
	{"#/$defs/assignee/properties/team", CheckTeam},
	{"#/$defs/assignee/properties/email", CheckEmail},
	{"#/$defs/assignee/properties/bot_id", CheckBotID},
	{"#/$defs/assignee/properties/bot_name", CheckBotName},
	{"#/$defs/assignee/properties/type", CheckAssigneeType},
}

func fieldAgree(t *testing.T, schemas []*jsonschema.Schema, v string) {
	for i, fs := range fieldSchemas {
		sOK := schemas[i].Validate(v) == nil
		cOK := fs.check(v) == nil
		if sOK != cOK {
			t.Errorf("%s %q: schema valid=%v, check valid=%v (%v)", fs.loc, v, sOK, cOK, fs.check(v))
		}
	}
}

func fieldSchemaList(t testing.TB) []*jsonschema.Schema {
	locs := make([]string, len(fieldSchemas))
	for i, f := range fieldSchemas {
		locs[i] = f.loc
	}
	return compileSchema(t, locs...)
}

var fieldSeeds = []string{
	"", " ", "a", "con", "nul", "com1", "lpt9", "aux-team", "com10", "escalate-billing", "-x", "x-", "Billing", "team", "user", "bot",
	"maria@acme.com", "maria@acme", "Maria <m@a.co>", "607f1f77bcf86cd799439011", "607F1F77BCF86CD799439011",
	"The customer asks for a person", "TODO write the intent here", "one two three", "a b c d",
	"x\u00a0y\u00a0z\u00a0w", "\tword word word word", "todolist items are missing now",
	"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2ln", "bearer abcdefghijklmnopqrstuvwxyz",
	strings.Repeat("w ", 500), strings.Repeat("w ", 501), strings.Repeat("a", 64), strings.Repeat("a", 65),
	strings.Repeat("b", 200), strings.Repeat("b", 201), "ünïcödé words are fine here", "<tag> in words here",
	"{{var}} in the words here", "a\fb\vc d e", "\u212Aelvin TODO", "ToDo now", "BEARER xxxxxxxxxxxxxxxxxxxxxxxxx",
	"eyJ", "BeArEr  aaaaaaaaaaaaaaaaaaaaaaaaaaaa",
}

// TestFieldChecksAgreeWithSchema: each field check and its schema accept
// the same values.
func TestFieldChecksAgreeWithSchema(t *testing.T) {
	schemas := fieldSchemaList(t)
	for _, v := range fieldSeeds {
		fieldAgree(t, schemas, v)
		fastPathsAgree(t, v)
	}
}

// FuzzFieldChecksAgreeWithSchema looks for a value that a field check and
// the schema judge differently.
func FuzzFieldChecksAgreeWithSchema(f *testing.F) {
	for _, s := range fieldSeeds {
		f.Add(s)
	}
	schemas := fieldSchemaList(f)
	f.Fuzz(func(t *testing.T, v string) {
		if !utf8Valid(v) { // files are UTF-8: Parse refuses anything else
			return
		}
		fieldAgree(t, schemas, v)
		fastPathsAgree(t, v)
	})
}

// The fast paths of the field checks decide as their regexps do.
func fastPathsAgree(t *testing.T, v string) {
	if hasWords(v, IntentMinWord) != intentWordsRe().MatchString(v) {
		t.Errorf("hasWords(%q) disagrees with %s", v, IntentWordsPattern)
	}
	if findPlaceholder(v) != placeholderRe().FindString(v) {
		t.Errorf("findPlaceholder(%q) disagrees with the regexp", v)
	}
	if LooksLikeSecret(v) != secretValueRe().MatchString(v) {
		t.Errorf("LooksLikeSecret(%q) disagrees with the regexp", v)
	}
}
