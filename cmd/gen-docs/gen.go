package main

import (
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/handoff-dev/handoff/pkg/cmd/factory"
	"github.com/handoff-dev/handoff/pkg/cmd/root"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

// genMarkdown writes one Markdown page per command into dir, replacing the
// pages that are there. The output does not depend on the machine or date.
func genMarkdown(dir string) error {
	ios, _, _, _ := cmdutil.Test()
	cmd := root.NewCmdRoot(factory.New("dev", "none", "unknown", ios))
	cmd.InitDefaultCompletionCmd()
	disableAutoGenTag(cmd)
	old, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	for _, p := range old {
		if err := os.Remove(p); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return doc.GenMarkdownTree(cmd, dir)
}

func disableAutoGenTag(c *cobra.Command) {
	c.DisableAutoGenTag = true
	for _, s := range c.Commands() {
		disableAutoGenTag(s)
	}
}
