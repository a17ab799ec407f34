// Package initcmd is `handoff init`: set up an actions folder for a team.
// (The folder is pkg/cmd/init; a Go package cannot be named init.)
package initcmd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/directory"
	"github.com/handoff-dev/handoff/pkg/fsutil"
)

// Options are the parsed flags of init.
type Options struct {
	IO       *cmdutil.IOStreams
	Settings *cmdutil.Settings
	Accounts func() (*account.Store, error)
	Version  string

	Dir       string // "" = the actions folder (--dir, HANDOFF_DIR, ./actions)
	CI        bool
	PreCommit bool
	DryRun    bool
	JSON      bool
}

// File is one file init writes, or would write.
type File struct {
	Path string `json:"path"`
	// Status: created, exists (left alone), or would-create (--dry-run).
	Status string `json:"status"`
	What   string `json:"what"`
}

// Result is what init did; --json prints it.
type Result struct {
	Dir     string   `json:"dir"`
	DryRun  bool     `json:"dry_run"`
	Files   []File   `json:"files"`
	Example string   `json:"example_action"`
	Next    []string `json:"next"`
}

// ExampleName is the example action init writes.
const ExampleName = "talk-to-a-person"

// NewCmdInit returns the init command.
func NewCmdInit(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Settings: f.Settings, Accounts: f.Accounts, Version: f.Version}
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Set up an actions folder: schema, an example action, the directory, CI",
		Long: `Set up a folder of handoff actions for a team (DIR, else --dir, else ./actions):

  action.schema.json   the JSON Schema, so that editors check action files as
                       you type (every file handoff writes points at it)
  talk-to-a-person.yaml  an example action, valid, to edit or delete
  .directory.yaml      the teams and users to pick from (Wati lists none),
                       with comments

With --ci, also .github/workflows/handoff.yml (the GitHub Action checking the
folder on every pull request); with --pre-commit, also .pre-commit-config.yaml
(the check before each commit). Both go to the root of the git work tree that
holds DIR (else the current folder).

init never replaces a file: one that exists is left as it is and reported.
--dry-run lists what would be written and writes nothing.`,
		Example: `  handoff init
  handoff init support/handoffs --ci --pre-commit
  handoff init --dry-run`,
		Args:    cobra.MaximumNArgs(1),
		GroupID: "setup",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return runInit(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.CI, "ci", false, "also write .github/workflows/handoff.yml")
	cmd.Flags().BoolVar(&opts.PreCommit, "pre-commit", false, "also write .pre-commit-config.yaml")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "list what would be written; write nothing")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the result as a JSON object")
	return cmd
}

// planned is a file to write and its content.
type planned struct {
	File
	data []byte
}

func runInit(opts *Options) error {
	dir := opts.Dir
	if dir == "" {
		dir = opts.Settings.Dir
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitUsage, "%s exists and is not a folder", dir),
			"Give a folder: handoff init DIR")
	}
	acct := exampleAccount(opts)
	plan, err := planFiles(opts, dir, acct)
	if err != nil {
		return err
	}
	res := Result{Dir: dir, DryRun: opts.DryRun, Files: []File{}, Example: filepath.Join(dir, ExampleName+".yaml")}
	for _, p := range plan {
		_, err := os.Lstat(p.Path)
		switch {
		case err == nil:
			p.Status = "exists"
		case !errors.Is(err, fs.ErrNotExist):
			return cmdutil.Errorf(cmdutil.ExitConfig, "checking %s: %v", p.Path, err)
		case opts.DryRun:
			p.Status = "would-create"
		default:
			if err := os.MkdirAll(filepath.Dir(p.Path), 0o755); err != nil {
				return cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitConfig, "creating %s: %v", filepath.Dir(p.Path), err),
					"Check that the folder can be written, or give another: handoff init DIR")
			}
			err := fsutil.WriteFile(p.Path, p.data, 0o644, fsutil.Options{NoReplace: true})
			switch {
			case errors.Is(err, fs.ErrExist):
				p.Status = "exists"
			case err != nil:
				return cmdutil.Errorf(cmdutil.ExitFailure, "writing %s: %v", p.Path, err)
			default:
				p.Status = "created"
			}
		}
		res.Files = append(res.Files, p.File)
	}
	res.Next = next(opts, dir, acct)
	return report(opts, res)
}

// exampleAccount is the account the example action names: --account, else
// the default account, else a placeholder that validate warns about.
func exampleAccount(opts *Options) string {
	if opts.Settings.Account != "" {
		return opts.Settings.Account
	}
	if st, err := opts.Accounts(); err == nil {
		if name, err := st.Default(); err == nil && name != "" {
			return name
		}
		if names, err := st.Names(); err == nil && len(names) == 1 {
			return names[0]
		}
	}
	return "my-account"
}

func planFiles(opts *Options, dir, acct string) ([]planned, error) {
	example, err := exampleAction(acct)
	if err != nil {
		return nil, err
	}
	plan := []planned{
		{File{Path: filepath.Join(dir, action.SchemaFile), What: "the JSON Schema: editors check action files as you type"}, action.Schema()},
		{File{Path: filepath.Join(dir, ExampleName+".yaml"), What: "an example action: edit it or delete it"}, example},
		{File{Path: filepath.Join(dir, directory.DeclaredFile), What: "teams and users to pick from (Wati lists none)"}, directory.DeclaredTemplate([]string{"Support"})},
	}
	if !opts.CI && !opts.PreCommit {
		return plan, nil
	}
	root, rel, err := workTree(dir)
	if err != nil {
		return nil, err
	}
	if opts.CI {
		plan = append(plan, planned{File{Path: filepath.Join(root, ".github", "workflows", "handoff.yml"),
			What: "GitHub Actions: the folder checked on every pull request"}, workflow(rel, opts.Version)})
	}
	if opts.PreCommit {
		plan = append(plan, planned{File{Path: filepath.Join(root, ".pre-commit-config.yaml"),
			What: "pre-commit: changed action files checked before each commit"}, preCommitConfig(rel, opts.Version)})
	}
	return plan, nil
}

func exampleAction(acct string) ([]byte, error) {
	data, err := action.Render(&action.Action{Version: 1, Name: ExampleName,
		Intent:   "The customer asks to talk to a person, or the agent could not help after two tries.",
		Account:  acct,
		Assignee: action.Assignee{Type: action.Team, Team: "Support"}})
	if err != nil {
		return nil, err
	}
	first, rest, _ := bytes.Cut(data, []byte("\n"))
	comment := "# An example written by handoff init: when the customer wants a person, the\n" +
		"# Support team takes the conversation. Change it with handoff configure " + ExampleName + ",\n" +
		"# or delete it (handoff action delete " + ExampleName + ").\n"
	return append(append(append(first, '\n'), comment...), rest...), nil
}

// workTree finds the root of the git work tree that holds dir (else the
// current folder) and dir relative to it, with forward slashes.
func workTree(dir string) (root, rel string, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			root = d
			break
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	if root == "" {
		if root, err = os.Getwd(); err != nil {
			return "", "", err
		}
	}
	r, err := filepath.Rel(root, abs)
	if err != nil || strings.HasPrefix(r, "..") {
		return "", "", cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitUsage, "%s is outside %s, where the CI files go", dir, root),
			"Run handoff init from the repository that will hold the actions.")
	}
	rel = filepath.ToSlash(r)
	if root, err = filepath.Rel(mustGetwd(), root); err != nil {
		root = abs
	}
	return root, rel, nil
}

func mustGetwd() string {
	wd, _ := os.Getwd()
	return wd
}

// ref is the ref of handoff-dev/handoff a generated config pins: this
// release's tag, or main for a development build.
func ref(version string) string {
	if version == "" || version == "dev" || strings.ContainsAny(version, "-+") {
		return "main"
	}
	return "v" + strings.TrimPrefix(version, "v")
}

func workflow(rel, version string) []byte {
	return []byte(`# Checks the handoff action files on every pull request (handoff init --ci).
# Errors become annotations on the changed lines; the SARIF goes to code
# scanning. More: https://github.com/handoff-dev/handoff/blob/main/docs/ci.md
name: handoff
on:
  pull_request:
    paths: ["` + rel + `/**"]
  push:
    branches: [main]
    paths: ["` + rel + `/**"]

permissions:
  contents: read
  security-events: write

jobs:
  validate:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: handoff-dev/handoff@` + ref(version) + `
        with:
          path: ` + rel + `
          sarif: "true"
`)
}

func preCommitConfig(rel, version string) []byte {
	files := ""
	if rel != "actions" {
		files = "        files: ^" + strings.ReplaceAll(rel, ".", `\.`) + `/.*\.ya?ml$` + "\n"
	}
	return []byte(`# pre-commit (https://pre-commit.com): run "pre-commit install" once, and
# every commit that changes an action file checks it first (handoff init --pre-commit).
repos:
  - repo: https://github.com/handoff-dev/handoff
    rev: ` + ref(version) + `
    hooks:
      - id: handoff-validate
` + files)
}

func next(opts *Options, dir, acct string) []string {
	var out []string
	if acct == "my-account" {
		out = append(out, "handoff account add my-account --endpoint URL --with-token   (or try: handoff sandbox --quiet &)")
	}
	out = append(out, "handoff validate "+dir)
	if opts.PreCommit {
		out = append(out, "pre-commit install")
	}
	out = append(out, "git add "+dir+" && git commit")
	return out
}

func report(opts *Options, res Result) error {
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	out := opts.IO.Out
	width := 0
	for _, f := range res.Files {
		width = max(width, len(f.Path))
	}
	created := 0
	for _, f := range res.Files {
		label := map[string]string{"created": "created", "exists": "kept   ", "would-create": "would create"}[f.Status]
		what := f.What
		if f.Status == "exists" {
			what = "exists: left as it is"
		}
		fmt.Fprintf(out, "%s  %-*s  %s\n", label, width, f.Path, what)
		if f.Status != "exists" {
			created++
		}
	}
	switch {
	case res.DryRun:
		fmt.Fprintf(opts.IO.ErrOut, "Dry run: nothing written (%d to create).\n", created)
		return nil
	case created == 0:
		fmt.Fprintf(opts.IO.ErrOut, "Nothing to do: %s is set up.\n", res.Dir)
	}
	fmt.Fprintln(opts.IO.ErrOut, "Next:")
	for _, n := range res.Next {
		fmt.Fprintln(opts.IO.ErrOut, "  "+n)
	}
	return nil
}
