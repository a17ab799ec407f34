// Package nodetest runs JavaScript checks from Go tests: node with the npm
// packages of .ci/ajv (ajv, ajv-formats, ajv-draft-04), so that the JSON
// Schemas handoff writes and reads are judged by the validator editors use,
// which nobody here wrote. Without node or the packages the tests skip, with
// the command that installs them; HANDOFF_REQUIRE_NODE=1 (set by .ci/run)
// turns the skip into a failure.
package nodetest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Modules returns the node_modules folder that holds ajv, or skips t.
func Modules(t testing.TB) string {
	t.Helper()
	skip := func(why string) {
		if os.Getenv("HANDOFF_REQUIRE_NODE") == "1" {
			t.Fatalf("%s (HANDOFF_REQUIRE_NODE=1)", why)
		}
		t.Skipf("skipped: %s; to run it: (cd .ci/ajv && npm ci)", why)
	}
	if _, err := exec.LookPath("node"); err != nil {
		skip("node is not installed")
		return ""
	}
	dir := os.Getenv("HANDOFF_AJV_MODULES")
	if dir == "" {
		_, file, _, _ := runtime.Caller(0)
		dir = filepath.Join(filepath.Dir(file), "..", "..", "..", ".ci", "ajv", "node_modules")
	}
	for _, m := range []string{"ajv", "ajv-formats", "ajv-draft-04"} {
		if _, err := os.Stat(filepath.Join(dir, m, "package.json")); err != nil {
			skip("the npm package " + m + " is not in " + dir)
			return ""
		}
	}
	return dir
}

// Run runs script (a file) with node, the modules folder as its argument
// and req as JSON on stdin, and decodes its stdout into out. A script that
// fails fails t with its stderr.
func Run(t testing.TB, script string, req, out any) {
	t.Helper()
	modules := Modules(t)
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", script, modules)
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s: %v\n%s", filepath.Base(script), err, stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("node %s: answer %q: %v", filepath.Base(script), stdout.String(), err)
	}
}
