// Command gen-docs writes the command reference (Markdown, one page per
// command) from the Cobra tree: go run ./cmd/gen-docs docs/commands
package main

import (
	"fmt"
	"os"
)

func main() {
	dir := "docs/commands"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	if err := genMarkdown(dir); err != nil {
		fmt.Fprintln(os.Stderr, "gen-docs:", err)
		os.Exit(1)
	}
}
