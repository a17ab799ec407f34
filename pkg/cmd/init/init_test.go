package initcmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/handoff-dev/handoff/pkg/directory"
)

// The .directory.yaml init writes is one the directory reads.
func TestDeclaredTemplateParses(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, directory.DeclaredFile), directory.DeclaredTemplate([]string{"Support", "Key accounts"}), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := directory.NewService(t.TempDir(), dir, 0).Declared()
	if err != nil || len(got) != 2 || got[0].Name != "Support" || got[1].Name != "Key accounts" {
		t.Fatalf("%v %+v", err, got)
	}
}

// The workflow init writes uses the repository's action with inputs it has.
func TestWorkflowUsesActionInputs(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var action struct {
		Inputs map[string]any `yaml:"inputs"`
	}
	if err := yaml.Unmarshal(b, &action); err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Uses string            `yaml:"uses"`
				With map[string]string `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(workflow("support/handoffs", "1.2.0"), &wf); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, st := range wf.Jobs["validate"].Steps {
		if !strings.HasPrefix(st.Uses, "handoff-dev/handoff@") {
			continue
		}
		found = true
		if st.Uses != "handoff-dev/handoff@v1.2.0" {
			t.Errorf("uses %s", st.Uses)
		}
		if st.With["path"] != "support/handoffs" {
			t.Errorf("path %q", st.With["path"])
		}
		for k := range st.With {
			if _, ok := action.Inputs[k]; !ok {
				t.Errorf("the workflow passes %q, which action.yml does not take", k)
			}
		}
	}
	if !found {
		t.Error("the workflow does not use the action")
	}
}

func TestRef(t *testing.T) {
	for v, want := range map[string]string{"dev": "main", "": "main", "1.2.0": "v1.2.0", "v1.2.0": "v1.2.0", "0.0.1-snapshot+abc": "main"} {
		if got := ref(v); got != want {
			t.Errorf("ref(%q) = %q, want %q", v, got, want)
		}
	}
}

// pre-commit's files pattern follows a folder other than actions/.
func TestPreCommitFiles(t *testing.T) {
	if s := string(preCommitConfig("actions", "dev")); strings.Contains(s, "files:") {
		t.Errorf("default folder needs no files:\n%s", s)
	}
	if s := string(preCommitConfig("support/hand.offs", "dev")); !strings.Contains(s, `files: ^support/hand\.offs/.*\.ya?ml$`) {
		t.Errorf("other folder:\n%s", s)
	}
}
