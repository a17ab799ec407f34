package action

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

var extrasFieldSchemas = []struct {
	loc   string
	check func(string) error
}{
	{"#/properties/status", CheckStatus},
	{"#/properties/message/properties/text", CheckMessageText},
	{"#/properties/message/properties/template/properties/name", CheckTemplateName},
	{"#/$defs/params/additionalProperties", func(s string) error { return CheckParamValue("context.x", s) }},
}

var extrasSeeds = []string{
	"", " ", "open", "pending", "solved", "Open", "hello", "Hi {{name}}", "Hi {{ name }}", "Hi {{nmae}}",
	"{{", "{{{name}}", "{{name}}}", "{name}", "a{b{{reason}}", "{{reason", "}}", "{{\tname}}", "{{name}}{",
	"handoff_notice", "Handoff", "a-b", strings.Repeat("x", 4096), strings.Repeat("x", 4097), strings.Repeat("y", 1001),
	"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2ln", "{{now}} {{target}} {{assignee}} {{action}} {{summary}}",
	"ünïcödé {{name}}", "{{}}", "{{ }}",
}

// TestExtrasFieldChecksAgreeWithSchema: the checks of the optional sections
// and their schemas accept the same values.
func TestExtrasFieldChecksAgreeWithSchema(t *testing.T) {
	locs := make([]string, len(extrasFieldSchemas))
	for i, f := range extrasFieldSchemas {
		locs[i] = f.loc
	}
	schemas := compileSchema(t, locs...)
	for _, v := range extrasSeeds {
		for i, fs := range extrasFieldSchemas {
			sOK := schemas[i].Validate(v) == nil
			cOK := fs.check(v) == nil
			if sOK != cOK {
				t.Errorf("%s %q: schema valid=%v, check valid=%v (%v)", fs.loc, v, sOK, cOK, fs.check(v))
			}
		}
	}
	names := compileSchema(t, "#/$defs/params/propertyNames")[0]
	for _, n := range []string{"handoff_reason", "a", "bad-name", "api_key", "Token", "x y", strings.Repeat("n", 64), strings.Repeat("n", 65), "üx"} {
		if sOK, cOK := names.Validate(n) == nil, CheckParamName("context", n) == nil; sOK != cOK {
			t.Errorf("param name %q: schema valid=%v, check valid=%v", n, sOK, cOK)
		}
	}
}

// FuzzPlaceholders: the regexp of the schema and the finder of the error
// agree: a text is refused exactly when the finder names a bad reference
// that is really in the text.
func FuzzPlaceholders(f *testing.F) {
	for _, s := range extrasSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckPlaceholders("message.text", s)
		if err == nil {
			return
		}
		pe := findBadPlaceholder("message.text", s)
		if !strings.Contains(s, pe.Ref) || pe.Ref == "" || !strings.HasPrefix(pe.Ref, "{{") {
			t.Fatalf("%q: bad reference %q is not in the text", s, pe.Ref)
		}
		if !strings.Contains(err.Error(), "placeholder") {
			t.Fatalf("%q: %v", s, err)
		}
	})
}

func TestExpand(t *testing.T) {
	got := Expand("Hi {{name}}, {{ reason }} {{nope}} {{now}}", map[string]string{"name": "Alex", "reason": "refund"})
	if got != "Hi Alex, refund {{nope}} " {
		t.Errorf("Expand: %q", got)
	}
}

func TestExtrasRenderAndEdit(t *testing.T) {
	data, err := os.ReadFile("testdata/cases/extras-all.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d, diags := Check("extras-all.yaml", data, Options{KnownAccounts: testAccounts})
	if HasErrors(diags) {
		t.Fatal(diags)
	}
	x := d.Action.Extras
	if len(x.Fallback) != 3 || x.Fallback[1].Email != "maria@acme.com" || x.Status != "pending" ||
		len(x.Context) != 4 || x.Context[1].Value != "{{ summary }}" || x.Message.Template.Name != "handoff_notice" {
		t.Fatalf("read %+v", x)
	}
	if got := d.Action.UsedPlaceholders(); strings.Join(got, ",") != "name,reason,summary,action,assignee,now" {
		t.Errorf("used %v", got)
	}
	if got := strings.Join(d.Action.Steps(), ","); got != "assign,status,context,message" {
		t.Errorf("steps %s", got)
	}
	// Render reads back the same, extras included.
	out, err := Render(d.Action)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "fallback:\n  - type: team\n    team: Support\n") {
		t.Errorf("rendered:\n%s", out)
	}
	// JSON: the sections are top-level fields, context as an ordered object.
	j, _ := json.Marshal(d.Action)
	if !strings.Contains(string(j), `"context":{"handoff_reason":"{{reason}}","handoff_summary":"{{ summary }}"`) ||
		!strings.Contains(string(j), `"status":"pending"`) {
		t.Errorf("json %s", j)
	}

	// Editing the extras keeps the three steps' comments and layout.
	src := "# Billing disputes.\nversion: 1\nname: b\nintent: The customer disputes a charge, asks for a refund # why\naccount: acme-prod\nassignee:\n  type: team # the team\n  team: Billing\nstatus: open\n"
	e, err := NewEditor("b.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	nx := &Extras{Status: "pending", Context: Params{{"handoff_reason", "{{reason}}"}}, Message: &Message{Text: "A person will reply, {{name}}."}}
	if err := e.SetExtras(nx); err != nil {
		t.Fatal(err)
	}
	got := string(e.Bytes())
	want := "# Billing disputes.\nversion: 1\nname: b\nintent: The customer disputes a charge, asks for a refund # why\naccount: acme-prod\nassignee:\n  type: team # the team\n  team: Billing\n" +
		"status: pending\ncontext:\n  handoff_reason: '{{reason}}'\nmessage:\n  text: A person will reply, {{name}}.\n"
	if got != want {
		t.Errorf("edited:\n%s\nwant:\n%s", got, want)
	}
	// and removing them leaves the three steps.
	e2, _ := NewEditor("b.yaml", e.Bytes())
	if err := e2.SetExtras(nil); err != nil {
		t.Fatal(err)
	}
	if string(e2.Bytes()) != strings.TrimSuffix(src, "status: open\n") {
		t.Errorf("removed:\n%q", e2.Bytes())
	}
	// An unknown placeholder is refused with its name.
	if err := e2.SetExtras(&Extras{Message: &Message{Text: "Hi {{nmae}}"}}); err == nil || !strings.Contains(err.Error(), "did you mean {{name}}") {
		t.Errorf("bad placeholder: %v", err)
	}
	// A fallback equal to the assignee is refused.
	if err := e2.SetExtras(&Extras{Fallback: []Assignee{{Type: Team, Team: "billing"}}}); err == nil {
		t.Error("fallback equal to the assignee accepted")
	}
}
