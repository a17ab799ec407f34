package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDocsCurrent fails when docs/commands no longer matches the command tree.
func TestDocsCurrent(t *testing.T) {
	want := filepath.Join("..", "..", "docs", "commands")
	got := t.TempDir()
	if err := genMarkdown(got); err != nil {
		t.Fatal(err)
	}
	gen, _ := filepath.Glob(filepath.Join(got, "*.md"))
	have, _ := filepath.Glob(filepath.Join(want, "*.md"))
	if len(gen) != len(have) {
		t.Fatalf("docs/commands has %d pages, the command tree %d: run make docs", len(have), len(gen))
	}
	for _, p := range gen {
		a, _ := os.ReadFile(p)
		b, err := os.ReadFile(filepath.Join(want, filepath.Base(p)))
		if err != nil || string(a) != string(b) {
			t.Errorf("docs/commands/%s is stale: run make docs", filepath.Base(p))
		}
	}
}
