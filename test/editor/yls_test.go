// Package editor checks action files in the editor's own checker: the real
// yaml-language-server (the server behind VS Code's YAML extension, Neovim's
// yamlls, Helix and Zed), pinned in .ci/yls. It finds the schema through the
// first line handoff writes, in a folder copied somewhere else.
package editor

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handoff-dev/handoff/pkg/action"
)

var repo = filepath.Join("..", "..")

type diagnostic struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// modules is .ci/yls/node_modules, or the test skips (fails under
// HANDOFF_REQUIRE_NODE=1, as .ci/run sets it).
func modules(t *testing.T) string {
	skip := func(why string) {
		if os.Getenv("HANDOFF_REQUIRE_NODE") == "1" {
			t.Fatalf("%s (HANDOFF_REQUIRE_NODE=1)", why)
		}
		t.Skipf("skipped: %s; to run it: (cd .ci/yls && npm ci)", why)
	}
	if _, err := exec.LookPath("node"); err != nil {
		skip("node is not installed")
	}
	dir, _ := filepath.Abs(filepath.Join(repo, ".ci", "yls", "node_modules"))
	if _, err := os.Stat(filepath.Join(dir, "yaml-language-server", "package.json")); err != nil {
		skip("yaml-language-server is not in " + dir)
	}
	return dir
}

func diagnostics(t *testing.T, files ...string) map[string][]diagnostic {
	t.Helper()
	args := append([]string{filepath.Join("testdata", "lsp-diagnostics.js"), modules(t)}, files...)
	cmd := exec.Command("node", args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("node: %v\n%s", err, errb.String())
	}
	var got map[string]*[]diagnostic
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	res := map[string][]diagnostic{}
	for f, d := range got {
		if d == nil {
			t.Fatalf("%s: the server published no diagnostics", f)
		}
		res[filepath.Base(f)] = *d
	}
	return res
}

func TestEditorFindsSchemaInCopiedFolder(t *testing.T) {
	modules(t)
	// The examples, copied far from the repository.
	dst := filepath.Join(t.TempDir(), "elsewhere", "team-actions")
	_ = os.MkdirAll(dst, 0o755)
	src := filepath.Join(repo, "configs", "actions")
	entries, _ := os.ReadDir(src)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(src, e.Name()))
		_ = os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644)
	}
	billing, _ := os.ReadFile(filepath.Join(dst, "escalate-billing.yaml"))
	// An error the schema sees, under the line handoff writes and under the
	// old line (relative to the repository's docs/), which no longer resolves.
	bad := bytes.Replace(billing, []byte("type: team"), []byte("type: teams"), 1)
	_ = os.WriteFile(filepath.Join(dst, "bad-type.yaml"), bad, 0o644)
	old := bytes.Replace(bad, []byte(action.Modeline), []byte("# yaml-language-server: $schema=../../docs/action.schema.json"), 1)
	_ = os.WriteFile(filepath.Join(dst, "old-line.yaml"), old, 0o644)
	// A file as configure writes it, with the schema init/configure put beside it.
	fresh := t.TempDir()
	path, err := action.NewStore(fresh).Create(&action.Action{Name: "vip", Intent: "The customer is on an Enterprise plan.",
		Account: "acme", Assignee: action.Assignee{Type: action.User, Email: "maria@acme.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := action.WriteSchema(fresh, true); err != nil {
		t.Fatal(err)
	}

	files := []string{path, filepath.Join(dst, "bad-type.yaml"), filepath.Join(dst, "old-line.yaml")}
	examples, _ := filepath.Glob(filepath.Join(dst, "*.yaml"))
	for _, e := range examples {
		if b := filepath.Base(e); b != "bad-type.yaml" && b != "old-line.yaml" {
			files = append(files, e)
		}
	}
	got := diagnostics(t, files...)
	for _, f := range files {
		name := filepath.Base(f)
		ds := got[name]
		switch name {
		case "bad-type.yaml":
			if len(ds) != 1 || !strings.Contains(ds[0].Message, `"team", "user", "bot"`) {
				t.Errorf("bad-type.yaml: the editor did not flag the type: %+v", ds)
			}
		case "old-line.yaml":
			if len(ds) == 0 || !strings.Contains(ds[0].Message, "Unable to load schema") {
				t.Errorf("old-line.yaml: %+v", ds)
			}
		default:
			if len(ds) != 0 {
				t.Errorf("%s: %+v", name, ds)
			}
		}
	}
}
