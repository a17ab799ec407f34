// Package validate is `handoff validate`: check action files the way CI
// needs, every file reported, in text, JSON, GitHub or SARIF form.
package validate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/directory"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// StdinName is how diagnostics name the document read from stdin.
const StdinName = "<stdin>"

// Check is an extra check run on every document that could be read (for
// example --online, which asks Wati whether the assignee exists). It returns
// diagnostics to add.
type Check func(ctx context.Context, doc *action.Document) []action.Diagnostic

// Options of `handoff validate`.
type Options struct {
	IO       *cmdutil.IOStreams
	Accounts func() (*account.Store, error)
	Version  string
	// Client and Directory reach Wati and the account's directory (--online, online.go).
	Client    func(accountName string, dryRun bool) (*wati.Client, error)
	Directory func() (*directory.Service, error)

	Paths  []string // files, folders, or "-" for stdin; none: the actions folder
	Dir    string   // the actions folder (--dir), used when Paths is empty
	Format string   // text, json, github, sarif; "" picks text, or github under GitHub Actions
	Strict bool     // warnings fail too
	// Workers checking files in parallel (0: one per CPU).
	Workers int
	// Checks run after the built-in rules, per document.
	Checks []Check
	// Online is set by --online (online.go); without it the names are
	// checked against the cached directory (offline.go).
	Online bool
	// Base is the folder SARIF paths are relative to (--base; "": the git
	// work tree root, else the working directory).
	Base string
}

// extensions let other files of this package add flags and checks (such as
// --online) without changing NewCmdValidate: each runs once per command.
var extensions []func(cmd *cobra.Command, opts *Options)

// NewCmdValidate returns `handoff validate`.
func NewCmdValidate(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Accounts: f.Accounts, Version: f.Version, Client: f.Client, Directory: f.Directory}
	cmd := &cobra.Command{
		Use:   "validate [PATH... | -]",
		Short: "Check action files (for editors and CI)",
		Long: `Check action files: YAML syntax, the action format (version 1), every field's
rules, the assignee's per-type fields, account names against the accounts
configured here, team, user and chatbot names against the directory cached
here when there is one (a warning with did-you-mean: the cache may be stale),
and secrets (a token never belongs in an action file).

PATH is a file or a folder (searched recursively for *.yaml and *.yml); "-"
reads one action from stdin. Without PATH the actions folder (--dir) is checked.
Every file is reported, sorted by file and position.

Formats (--format):
  text    file:line:col: severity: message [rule], with a snippet on a terminal
  json    {"format_version": 1, "valid", "error_count", "warning_count",
          "diagnostics": [...]} with ranges: a stable contract (docs/validate.md)
  github  GitHub Actions workflow annotations (the default when GITHUB_ACTIONS=true)
  sarif   SARIF 2.1.0 for code-scanning tools

Exit status: 0 valid; 1 errors found (or warnings with --strict); 2 usage
error; 3 a path that cannot be read (it is also reported in the output, as
a read-error diagnostic, so --format json and sarif still write a document).

SARIF paths are relative to --base (default: the root of the git work tree
holding the working directory, else the working directory), percent-encoded,
with the base in originalUriBaseIds as SRCROOT.`,
		Example: `  # the actions folder
  handoff validate

  # given files and folders
  handoff validate actions/ extra/escalate-billing.yaml

  # one action from stdin
  cat escalate-billing.yaml | handoff validate -

  # in CI: fail on warnings too, annotate the pull request
  handoff validate --strict --format github actions/

  # upload to GitHub code scanning (paths relative to the repository root)
  handoff validate --format sarif actions/ > handoff.sarif

  # SARIF paths relative to another folder
  handoff validate --format sarif --base services/support services/support/actions`,
		GroupID: "core",
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			opts.Dir = f.Settings.Dir
			if opts.Format != "" {
				if _, err := NewFormatter(opts.Format, false, false); err != nil {
					return cmdutil.WithHint(cmdutil.UsageError("--format: %v", err), "Run: handoff validate --help")
				}
			}
			stdin := 0
			for _, p := range args {
				if p == "-" {
					stdin++
				}
			}
			if stdin > 1 {
				return cmdutil.UsageError(`"-" (stdin) may be given once`)
			}
			if runF != nil {
				return runF(opts)
			}
			return runValidate(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "", "output format: text, json, github or sarif (default text; github when GITHUB_ACTIONS=true)")
	cmd.Flags().BoolVar(&opts.Strict, "strict", false, "fail on warnings too")
	_ = cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return Formats, cobra.ShellCompDirectiveNoFileComp
	})
	for _, ext := range extensions {
		ext(cmd, opts)
	}
	return cmd
}

func runValidate(ctx context.Context, opts *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ios := opts.IO
	format := opts.Format
	if format == "" {
		format = "text"
		if ios.Getenv("GITHUB_ACTIONS") == "true" {
			format = "github"
		}
	}
	color := ios.IsStdoutTTY() && ios.Getenv("NO_COLOR") == "" && ios.Getenv("TERM") != "dumb"
	formatter, err := NewFormatter(format, ios.IsStdoutTTY(), color)
	if err != nil {
		return cmdutil.UsageError("--format: %v", err)
	}

	paths := opts.Paths
	if len(paths) == 0 {
		paths = []string{opts.Dir}
	}
	files, walkDiags, err := expand(paths)
	if err != nil {
		return err
	}

	known, err := knownAccounts(opts)
	if err != nil {
		return err
	}
	vopts := action.Options{KnownAccounts: known, CheckFileName: true}
	results := action.CheckFiles(files, vopts, opts.Workers)
	for _, p := range paths {
		if p == "-" {
			data, err := io.ReadAll(io.LimitReader(ios.In, action.MaxFileSize+1))
			if err != nil {
				results = append(results, action.FileResult{File: StdinName, Diagnostics: []action.Diagnostic{readErrorDiag(StdinName, err)}})
				continue
			}
			so := vopts
			so.CheckFileName = false
			d, diags := action.Check(StdinName, data, so)
			results = append(results, action.FileResult{File: StdinName, Doc: d, Diagnostics: diags})
		}
	}

	rep := &Report{Files: len(results), Strict: opts.Strict, Version: opts.Version}
	if format == "sarif" {
		if rep.Base, err = sarifBase(opts.Base); err != nil {
			return err
		}
	}
	docs := map[string]*action.Document{}
	checks := opts.Checks
	if !opts.Online {
		checks = append([]Check{offlineNames(opts)}, checks...)
	}
	rep.Diagnostics = append(rep.Diagnostics, walkDiags...)
	for _, r := range results {
		rep.Diagnostics = append(rep.Diagnostics, r.Diagnostics...)
		if r.Doc != nil {
			docs[r.File] = r.Doc
			if r.Doc.Action != nil {
				for _, c := range checks {
					rep.Diagnostics = append(rep.Diagnostics, c(ctx, r.Doc)...)
				}
			}
		}
	}
	action.SortDiagnostics(rep.Diagnostics)
	for _, d := range rep.Diagnostics {
		if d.Severity == action.SeverityError {
			rep.Errors++
		} else {
			rep.Warnings++
		}
	}
	rep.Line = func(file string, line int) string {
		if d := docs[file]; d != nil {
			return d.Line(line)
		}
		return ""
	}
	if err := formatter.Format(ios.Out, rep); err != nil {
		return err
	}
	summary(ios, rep, paths)
	if err := unreadable(rep.Diagnostics); err != nil {
		return err
	}
	if !rep.Valid() {
		return &cmdutil.SilentError{Code: cmdutil.ExitFailure}
	}
	return nil
}

func knownAccounts(opts *Options) ([]string, error) {
	if opts.Accounts == nil {
		return nil, nil
	}
	st, err := opts.Accounts()
	if err != nil {
		return nil, err
	}
	if st == nil {
		return nil, nil
	}
	return st.Names()
}

// summary goes to stderr: how many files, errors and warnings.
func summary(ios *cmdutil.IOStreams, rep *Report, paths []string) {
	w := ios.ErrOut
	if rep.Files == 0 {
		if rep.Errors == 0 { // else a path could not be read: its error follows
			fmt.Fprintf(w, "No action files (*.yaml, *.yml) found in %s\n", strings.Join(paths, ", "))
		}
		return
	}
	files := plural(rep.Files, "file", "files")
	switch {
	case rep.Errors == 0 && rep.Warnings == 0:
		fmt.Fprintf(w, "✓ %s valid\n", files)
	case rep.Valid():
		fmt.Fprintf(w, "✓ %s valid, %s\n", files, plural(rep.Warnings, "warning", "warnings"))
	default:
		msg := fmt.Sprintf("✗ %s checked: %s, %s", files, plural(rep.Errors, "error", "errors"), plural(rep.Warnings, "warning", "warnings"))
		if rep.Errors == 0 && rep.Strict {
			msg += " (--strict: warnings fail)"
		}
		fmt.Fprintln(w, msg)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// expand turns paths into a sorted list of files. Folders are searched
// recursively for *.yaml and *.yml (hidden entries skipped); files named
// explicitly are checked whatever their extension. A path that cannot be
// read at all is an error (exit 3); an unreadable subfolder is a
// diagnostic.
func expand(paths []string) ([]string, []action.Diagnostic, error) {
	seen := map[string]bool{}
	var files []string
	var diags []action.Diagnostic
	add := func(p string) {
		c := filepath.Clean(p)
		if !seen[c] {
			seen[c] = true
			files = append(files, p)
		}
	}
	for _, p := range paths {
		if p == "-" {
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			// A diagnostic, so that every format still writes its
			// document; the exit code stays 3 (see unreadable).
			diags = append(diags, readErrorDiag(p, err))
			continue
		}
		if !st.IsDir() {
			add(p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, de fs.DirEntry, err error) error {
			if err != nil {
				if path == p {
					return err
				}
				diags = append(diags, action.Diagnostic{File: path, Line: 1, Column: 1, EndLine: 1, EndColumn: 1,
					Severity: action.SeverityError, Rule: action.RuleReadError, Message: fmt.Sprintf("cannot read the folder: %v", unwrap(err))})
				return nil
			}
			name := de.Name()
			if path != p && strings.HasPrefix(name, ".") {
				if de.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if !de.IsDir() && action.IsActionFile(name) {
				// a named pipe or a device is never opened: reading it could wait forever
				if kind := action.EntryKind(path, de); kind != "" {
					diags = append(diags, action.Skipped{Path: path, Kind: kind}.Diagnostic())
					return nil
				}
				add(path)
			}
			return nil
		})
		if err != nil {
			diags = append(diags, readErrorDiag(p, err))
		}
	}
	sort.Strings(files)
	return files, diags, nil
}

// readErrorDiag is the diagnostic of a path that cannot be read.
func readErrorDiag(path string, err error) action.Diagnostic {
	return action.Diagnostic{File: path, Line: 1, Column: 1, EndLine: 1, EndColumn: 1,
		Severity: action.SeverityError, Rule: action.RuleReadError, Message: fmt.Sprintf("cannot read %s: %v", path, unwrap(err))}
}

// unreadable is the exit-3 error when a path could not be read, after the
// report was written (read-error diagnostics, in every format).
func unreadable(diags []action.Diagnostic) error {
	var first *action.Diagnostic
	n := 0
	for i := range diags {
		if diags[i].Rule == action.RuleReadError && diags[i].Severity == action.SeverityError { // a skipped pipe is a warning
			if first == nil {
				first = &diags[i]
			}
			n++
		}
	}
	if first == nil {
		return nil
	}
	msg := first.Message
	if n > 1 {
		msg += fmt.Sprintf(" (and %d more)", n-1)
	}
	return cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitConfig, "%s", msg),
		"Check the path and its permissions; without PATH, validate checks the actions folder (--dir, env HANDOFF_DIR).")
}

func unwrap(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
