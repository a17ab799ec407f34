// Command gen-docs writes what is generated from the code: the command
// reference (Markdown, one page per command), the man pages, and the
// committed copies of the action schema. From the repository root:
//
//	go run ./cmd/gen-docs                     (what make docs runs)
//	go run ./cmd/gen-docs -assets build/release   (man pages gzipped and shell
//	                                          completions, for the release packages)
package main

import (
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	root := "."
	var err error
	switch {
	case len(os.Args) > 2 && os.Args[1] == "-assets":
		err = genAssets(os.Args[2])
	case len(os.Args) > 1:
		err = generate(os.Args[1])
	default:
		err = generate(root)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen-docs:", err)
		os.Exit(1)
	}
}

// generate writes everything under the repository root.
func generate(root string) error {
	if err := genMarkdown(filepath.Join(root, "docs", "commands")); err != nil {
		return err
	}
	if err := genMan(filepath.Join(root, "docs", "man")); err != nil {
		return err
	}
	return genSchemas(filepath.Join(root, "docs", "action.schema.json"),
		filepath.Join(root, "configs", "actions", "action.schema.json"))
}
