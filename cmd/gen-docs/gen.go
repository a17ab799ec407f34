package main

import (
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmd/factory"
	"github.com/handoff-dev/handoff/pkg/cmd/root"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

// manDate is the date in the man pages' header. It is fixed so that the
// pages do not depend on the day they were generated (a test compares them
// with the committed ones); change it when the pages change much.
var manDate = time.Date(2026, time.December, 1, 0, 0, 0, 0, time.UTC)

// rootCmd is the command tree as the docs describe it.
func rootCmd() *cobra.Command {
	ios, _, _, _ := cmdutil.Test()
	cmd := root.NewCmdRoot(factory.New("dev", "none", "unknown", ios))
	cmd.InitDefaultCompletionCmd()
	disableAutoGenTag(cmd)
	return cmd
}

// genMarkdown writes one Markdown page per command into dir, replacing the
// pages that are there. The output does not depend on the machine or date.
func genMarkdown(dir string) error {
	if err := clean(dir, "*.md"); err != nil {
		return err
	}
	return doc.GenMarkdownTree(rootCmd(), dir)
}

// genMan writes one man page (section 1) per command into dir, named as
// man expects (handoff-account-add.1), replacing the pages that are there.
func genMan(dir string) error {
	if err := clean(dir, "*.1"); err != nil {
		return err
	}
	return doc.GenManTree(rootCmd(), &doc.GenManHeader{
		Section: "1",
		Date:    &manDate,
		Source:  "handoff",
		Manual:  "handoff manual",
	}, dir)
}

// genSchemas writes the committed copies of the action schema: the one in
// docs/ and the one beside the example actions (which point at it).
func genSchemas(paths ...string) error {
	for _, p := range paths {
		if err := os.WriteFile(p, action.Schema(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func clean(dir, pattern string) error {
	old, _ := filepath.Glob(filepath.Join(dir, pattern))
	for _, p := range old {
		if err := os.Remove(p); err != nil {
			return err
		}
	}
	return os.MkdirAll(dir, 0o755)
}

func disableAutoGenTag(c *cobra.Command) {
	c.DisableAutoGenTag = true
	for _, s := range c.Commands() {
		disableAutoGenTag(s)
	}
}
