package action

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The schema's $id is the one URL handoff names for it.
func TestSchemaIDIsSchemaURL(t *testing.T) {
	var m map[string]any
	if err := json.Unmarshal(Schema(), &m); err != nil {
		t.Fatal(err)
	}
	if m["$id"] != SchemaURL {
		t.Errorf("$id %q, SchemaURL %q", m["$id"], SchemaURL)
	}
	if !IsActionSchema(Schema()) {
		t.Error("the schema is not recognised as ours")
	}
}

// modelineSchema reads the $schema of a yaml-language-server modeline the way
// the language server does (first modeline, `$schema[=:]\s*(\S+)`), and
// resolves a relative one against the file's folder.
func modelineSchema(t *testing.T, file string, data []byte) string {
	t.Helper()
	re := regexp.MustCompile(`\$schema[=:]\s*(\S+)`)
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "#") && strings.Contains(l, "yaml-language-server") {
			m := re.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("%s: modeline without $schema: %q", file, l)
			}
			if strings.HasPrefix(m[1], "http") || filepath.IsAbs(m[1]) {
				return m[1]
			}
			return filepath.Join(filepath.Dir(file), m[1])
		}
	}
	t.Fatalf("%s: no yaml-language-server modeline", file)
	return ""
}

// The examples point at the schema beside them, and it is today's schema:
// copying the folder anywhere keeps the editor check working.
func TestExamplesSchemaResolvesAfterCopy(t *testing.T) {
	src := filepath.Join("..", "..", "configs", "actions")
	dst := filepath.Join(t.TempDir(), "elsewhere", "team-actions")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(src)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(src, e.Name()))
		_ = os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644)
	}
	files, _ := filepath.Glob(filepath.Join(dst, "*.yaml"))
	if len(files) == 0 {
		t.Fatal("no examples copied")
	}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		p := modelineSchema(t, f, data)
		got, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("%s: the modeline's schema %s cannot be read: %v", filepath.Base(f), p, err)
			continue
		}
		if !bytes.Equal(got, Schema()) {
			t.Errorf("%s: configs/actions/action.schema.json is stale: run make docs", filepath.Base(f))
		}
	}
}

// A file handoff writes points at action.schema.json beside it.
func TestCreatedFileModelineIsRelative(t *testing.T) {
	dir := t.TempDir()
	path, err := NewStore(dir).Create(&Action{Name: "a", Intent: "The customer asks for a person.", Account: "x",
		Assignee: Assignee{Type: Team, Team: "Support"}})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if got := modelineSchema(t, path, data); got != filepath.Join(dir, SchemaFile) {
		t.Errorf("modeline points at %s", got)
	}
}

func TestWriteSchema(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "actions")
	path, st, err := WriteSchema(dir, false)
	if err != nil || st != SchemaCreated || path != filepath.Join(dir, SchemaFile) {
		t.Fatalf("first write: %s %s %v", path, st, err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, Schema()) {
		t.Fatal("written schema differs")
	}
	if _, st, _ := WriteSchema(dir, false); st != SchemaUnchanged {
		t.Errorf("second write: %s", st)
	}

	// An older handoff schema is replaced, unless only-if-absent.
	old := bytes.Replace(Schema(), []byte(`"title": "handoff action"`), []byte(`"title": "handoff action", "x-old": true`), 1)
	old = bytes.Replace(old, []byte(SchemaURL), []byte("https://github.com/handoff-dev/handoff/blob/main/docs/action.schema.json"), 1)
	_ = os.WriteFile(path, old, 0o644)
	if _, st, _ := WriteSchema(dir, true); st != SchemaKept {
		t.Errorf("if-absent over an old schema: %s", st)
	}
	if ex, cur := SchemaCurrent(dir); !ex || cur {
		t.Errorf("SchemaCurrent on an old schema: %v %v", ex, cur)
	}
	if _, st, err := WriteSchema(dir, false); st != SchemaUpdated || err != nil {
		t.Errorf("over an old schema: %s %v", st, err)
	}
	if ex, cur := SchemaCurrent(dir); !ex || !cur {
		t.Errorf("SchemaCurrent after update: %v %v", ex, cur)
	}

	// Someone else's file of that name is never replaced.
	_ = os.WriteFile(path, []byte(`{"title": "something else"}`), 0o644)
	_, _, err = WriteSchema(dir, false)
	if !errors.Is(err, ErrNotOurSchema) {
		t.Fatalf("foreign file: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != `{"title": "something else"}` {
		t.Error("foreign file changed")
	}
	var e *Error
	if !errors.As(err, &e) || e.Code != exitConfig || e.Tip == "" {
		t.Errorf("foreign file error: %#v", err)
	}
}
