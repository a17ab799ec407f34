package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/handoff-dev/handoff/pkg/action"
)

// TestDocsCurrent fails when docs/commands, docs/man or a committed copy of
// the schema no longer matches the code.
func TestDocsCurrent(t *testing.T) {
	for _, c := range []struct {
		dir, pattern string
		gen          func(string) error
	}{
		{"commands", "*.md", genMarkdown},
		{"man", "*.1", genMan},
	} {
		want := filepath.Join("..", "..", "docs", c.dir)
		got := t.TempDir()
		if err := c.gen(got); err != nil {
			t.Fatal(err)
		}
		gen, _ := filepath.Glob(filepath.Join(got, c.pattern))
		have, _ := filepath.Glob(filepath.Join(want, c.pattern))
		if len(gen) != len(have) || len(gen) == 0 {
			t.Errorf("docs/%s has %d pages, the command tree %d: run make docs", c.dir, len(have), len(gen))
			continue
		}
		for _, p := range gen {
			a, _ := os.ReadFile(p)
			b, err := os.ReadFile(filepath.Join(want, filepath.Base(p)))
			if err != nil || string(a) != string(b) {
				t.Errorf("docs/%s/%s is stale: run make docs", c.dir, filepath.Base(p))
			}
		}
	}
	for _, p := range []string{"docs/action.schema.json", "configs/actions/action.schema.json"} {
		b, err := os.ReadFile(filepath.Join("..", "..", p))
		if err != nil || !bytes.Equal(b, action.Schema()) {
			t.Errorf("%s differs from the schema in pkg/action: run make docs", p)
		}
	}
}

// The man pages are real roff pages that man can find: one per command,
// named as man looks them up, with a header and the sections man shows.
func TestManPages(t *testing.T) {
	dir := t.TempDir()
	if err := genMan(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"handoff.1", "handoff-validate.1", "handoff-account-add.1", "handoff-completion-bash.1"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("no %s: %v", name, err)
			continue
		}
		for _, want := range []string{".TH ", ".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH SEE ALSO", "Dec 2026"} {
			if !bytes.Contains(b, []byte(want)) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
	}
}
