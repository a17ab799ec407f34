package action

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
	"time"
)

var yamlBreak = regexp.MustCompile("\r\n|\r|\n|\u0085|\u2028|\u2029")

// fuzzSeeds are the case files, the examples and the edit fixtures.
func fuzzSeeds(f *testing.F) {
	for _, g := range []string{"testdata/cases/*.yaml", "testdata/edit/*.yaml", "../../configs/actions/*.yaml"} {
		files, _ := filepath.Glob(g)
		for _, p := range files {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("\xff\xfe"))
	f.Add([]byte("<<: {version: 1}\n"))
}

// FuzzParse: the loader never panics, finishes fast, and every diagnostic
// has a position inside the file.
func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		d, diags := Parse("f.yaml", data)
		if el := time.Since(start); el > 2*time.Second {
			t.Fatalf("Parse took %v", el)
		}
		lines := len(yamlBreak.FindAllIndex(data, -1)) + 1
		for _, dg := range diags {
			if dg.File != "f.yaml" || dg.Line < 1 || dg.Column < 1 || dg.Line > lines+1 || dg.Message == "" || dg.Rule == "" {
				t.Fatalf("bad diagnostic %+v", dg)
			}
		}
		if !HasErrors(diags) && d.Action == nil {
			t.Fatal("no error and no action")
		}
	})
}

// FuzzValidate: validation never panics, reports in position order, agrees
// with the JSON Schema on the rules the schema expresses, and whatever it
// accepts renders to a file that it accepts again.
func FuzzValidate(f *testing.F) {
	fuzzSeeds(f)
	schema := compileSchema(f, "")[0]
	f.Fuzz(func(t *testing.T, data []byte) {
		d, diags := Check("f.yaml", data, Options{KnownAccounts: testAccounts})
		if !sort.SliceIsSorted(diags, func(i, j int) bool {
			return diags[i].Line < diags[j].Line || (diags[i].Line == diags[j].Line && diags[i].Column < diags[j].Column)
		}) {
			t.Fatalf("not sorted: %v", diags)
		}
		vOK, comparable, _ := validateJudge("f.yaml", data)
		if comparable {
			if sOK, err := schemaJudge(schema, data); err == nil && sOK != vOK {
				t.Fatalf("schema valid=%v, validate valid=%v: %v", sOK, vOK, diags)
			}
		}
		if HasErrors(diags) {
			return
		}
		out, err := Render(d.Action)
		if err != nil {
			t.Fatalf("Render: %v", err)
		}
		d2, diags2 := Check("f.yaml", out, Options{KnownAccounts: testAccounts})
		if HasErrors(diags2) || !d2.Action.Equal(d.Action) {
			t.Fatalf("rendered file does not read back: %v\n%s", diags2, out)
		}
	})
}

// FuzzEdit: editing a valid file either fails cleanly or yields a file that
// reads back with exactly the edited values and ends as the original did
// (the same final line break, or none).
func FuzzEdit(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		d, diags := Check("f.yaml", data, Options{KnownAccounts: testAccounts})
		if HasErrors(diags) {
			return
		}
		e, err := NewEditor("f.yaml", data)
		if err != nil {
			t.Fatal(err)
		}
		want := *d.Action
		want.Intent = "The customer asks for a person: now, please"
		want.Account = "acme-prod"
		want.Assignee = Assignee{Type: User, Email: "maria@acme.com"}
		if err := e.SetIntent(want.Intent); err != nil {
			return
		}
		if err := e.SetAccount(want.Account); err != nil {
			return
		}
		if err := e.SetAssignee(want.Assignee); err != nil {
			return
		}
		d2, diags2 := Check("f.yaml", e.Bytes(), Options{KnownAccounts: testAccounts})
		if HasErrors(diags2) || !d2.Action.Equal(&want) {
			t.Fatalf("edited file: %v %+v\n%s", diags2, d2.Action, e.Bytes())
		}
		if before, after := finalBreaks(data), finalBreaks(e.Bytes()); before != after {
			t.Fatalf("the file ended with %q and now ends with %q:\n%q", before, after, e.Bytes())
		}
	})
}
