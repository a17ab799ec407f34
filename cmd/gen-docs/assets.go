package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
)

// genAssets writes what the release packages install beside the binary:
// dir/man/*.1.gz (gzip as Debian policy wants it, no name or time inside, so
// the bytes depend only on the pages) and dir/completions/ for bash, zsh,
// fish and PowerShell, from the same command tree as the docs.
func genAssets(dir string) error {
	pages := filepath.Join(dir, "man-pages")
	if err := genMan(pages); err != nil {
		return err
	}
	defer os.RemoveAll(pages)
	man := filepath.Join(dir, "man")
	if err := clean(man, "*.1.gz"); err != nil {
		return err
	}
	files, _ := filepath.Glob(filepath.Join(pages, "*.1"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var z bytes.Buffer
		w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		if _, err := w.Write(b); err != nil {
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(man, filepath.Base(p)+".gz"), z.Bytes(), 0o644); err != nil {
			return err
		}
	}

	comp := filepath.Join(dir, "completions")
	if err := os.MkdirAll(comp, 0o755); err != nil {
		return err
	}
	cmd := rootCmd()
	for name, gen := range map[string]func(*bytes.Buffer) error{
		"handoff.bash": func(b *bytes.Buffer) error { return cmd.GenBashCompletionV2(b, true) },
		"_handoff":     func(b *bytes.Buffer) error { return cmd.GenZshCompletion(b) },
		"handoff.fish": func(b *bytes.Buffer) error { return cmd.GenFishCompletion(b, true) },
		"handoff.ps1":  func(b *bytes.Buffer) error { return cmd.GenPowerShellCompletionWithDesc(b) },
	} {
		var b bytes.Buffer
		if err := gen(&b); err != nil {
			return err
		}
		if !strings.Contains(b.String(), "handoff") {
			return os.ErrInvalid
		}
		if err := os.WriteFile(filepath.Join(comp, name), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
