// Package doctor is `handoff doctor`: one report of what could go wrong for
// this user on this machine, each problem with its fix.
package doctor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/action"
	accountTest "github.com/handoff-dev/handoff/pkg/cmd/account/test"
	"github.com/handoff-dev/handoff/pkg/cmd/version"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/directory"
	"github.com/handoff-dev/handoff/pkg/handoff"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// Options are the parsed flags of doctor.
type Options struct {
	IO       *cmdutil.IOStreams
	Settings *cmdutil.Settings
	Accounts func() (*account.Store, error)
	Client   func(name string, dryRun bool) (*wati.Client, error)
	Version  string
	Commit   string
	Date     string
	JSON     bool
	Offline  bool
	Now      func() time.Time
}

// Statuses of a check: fail needs fixing (doctor exits 1), warn is worth
// knowing, ok and info are fine.
const (
	OK   = "ok"
	Info = "info"
	Warn = "warn"
	Fail = "fail"
)

// Check is one line of the report.
type Check struct {
	Area    string `json:"area"`
	Status  string `json:"status"`
	Message string `json:"message"`
	Fix     string `json:"fix,omitempty"`
}

// Report is what doctor found; --json prints it.
type Report struct {
	OK       bool    `json:"ok"`
	Failures int     `json:"failures"`
	Warnings int     `json:"warnings"`
	First    string  `json:"first_fix,omitempty"`
	Checks   []Check `json:"checks"`
}

// NewCmdDoctor returns the doctor command.
func NewCmdDoctor(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Settings: f.Settings, Accounts: f.Accounts, Client: f.Client,
		Version: f.Version, Commit: f.Commit, Date: f.Date, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Say what needs fixing on this machine, and how",
		Long: `Check what could go wrong for handoff here, and print one line per finding
with the command that fixes it:

  version      handoff, Go, OS
  config       config.yaml and credentials.yaml: readable, and credentials
               not readable by others (mode 0600)
  accounts     each account's token found, the account reachable and the
               token accepted (the same call as handoff account test), with
               the scopes handoffs need; --offline skips the calls
  actions      the actions folder, its invalid files, action.schema.json
               beside them and current
  directory    each account's directory cache and its age
  audit        the audit log's size; batch journals left by interrupted runs
  completion   shell completion installed for your shell (bash needs the
               bash-completion package), or how to install it

Exit 0 when nothing needs fixing (warnings allowed), 1 when something does:
the first fix to make is printed last.`,
		Example: `  handoff doctor
  handoff doctor --offline
  handoff doctor --json | jq '.checks[] | select(.status == "fail")'`,
		Args:    cobra.NoArgs,
		GroupID: "setup",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runDoctor(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the report as a JSON object")
	cmd.Flags().BoolVar(&opts.Offline, "offline", false, "make no call to Wati (accounts are not tested)")
	return cmd
}

func runDoctor(ctx context.Context, opts *Options) error {
	var checks []Check
	add := func(c ...Check) { checks = append(checks, c...) }
	add(Check{Area: "version", Status: Info, Message: fmt.Sprintf("handoff %s; %s %s/%s",
		version.String(opts.Version, opts.Commit, opts.Date), runtime.Version(), runtime.GOOS, runtime.GOARCH)})
	store, cfg := configChecks(opts)
	add(cfg...)
	var names []string
	if store != nil {
		var acc []Check
		names, acc = accountChecks(ctx, opts, store)
		add(acc...)
	}
	add(actionChecks(opts)...)
	add(directoryChecks(opts, names)...)
	add(stateChecks(opts)...)
	add(completionCheck(opts))

	r := Report{Checks: checks}
	for _, c := range checks {
		switch c.Status {
		case Fail:
			r.Failures++
			if r.First == "" {
				r.First = c.Fix
			}
		case Warn:
			r.Warnings++
		}
	}
	r.OK = r.Failures == 0
	if err := print(opts, r); err != nil {
		return err
	}
	if !r.OK {
		return &cmdutil.SilentError{Code: cmdutil.ExitFailure} // the report said what to fix
	}
	return nil
}

func configChecks(opts *Options) (*account.Store, []Check) {
	var out []Check
	store, err := opts.Accounts()
	if err != nil {
		return nil, []Check{{Area: "config", Status: Fail, Message: err.Error(), Fix: cmdutil.HintOf(err)}}
	}
	cfgPath := store.ConfigPath()
	if _, err := os.Stat(cfgPath); errors.Is(err, fs.ErrNotExist) {
		out = append(out, Check{Area: "config", Status: Info, Message: cfgPath + " does not exist yet (handoff account add writes it)"})
	} else if err != nil {
		out = append(out, Check{Area: "config", Status: Fail, Message: err.Error(), Fix: "Check the permissions of " + filepath.Dir(cfgPath)})
	} else {
		out = append(out, Check{Area: "config", Status: OK, Message: cfgPath})
	}
	cred := store.CredentialsPath()
	switch fi, err := os.Stat(cred); {
	case errors.Is(err, fs.ErrNotExist):
		out = append(out, Check{Area: "config", Status: Info, Message: cred + " does not exist (tokens may come from HANDOFF_TOKEN_<ACCOUNT> instead)"})
	case err != nil:
		out = append(out, Check{Area: "config", Status: Fail, Message: err.Error(), Fix: "Check the permissions of " + filepath.Dir(cred)})
	case runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0:
		out = append(out, Check{Area: "config", Status: Fail,
			Message: fmt.Sprintf("%s has mode %04o: others on this machine can read the tokens", cred, fi.Mode().Perm()),
			Fix:     "Run: chmod 600 " + cred})
	default:
		out = append(out, Check{Area: "config", Status: OK, Message: fmt.Sprintf("%s (mode %04o)", cred, fi.Mode().Perm())})
	}
	return store, out
}

func accountChecks(ctx context.Context, opts *Options, store *account.Store) ([]string, []Check) {
	names, err := store.Names()
	if err != nil {
		return nil, []Check{{Area: "accounts", Status: Fail, Message: err.Error(), Fix: cmdutil.HintOf(err)}}
	}
	if len(names) == 0 {
		return nil, []Check{{Area: "accounts", Status: Fail, Message: "no Wati account is connected",
			Fix: "Run: handoff account add NAME --endpoint URL --with-token (to try handoff first: handoff sandbox --quiet &, then the account add line it prints)"}}
	}
	var out []Check
	if def, err := store.Default(); err == nil && def == "" && len(names) > 1 {
		out = append(out, Check{Area: "accounts", Status: Warn, Message: "no default account: commands without --account cannot choose",
			Fix: "Run: handoff account use " + names[0]})
	}
	for _, n := range names {
		if opts.Offline {
			src, err := store.TokenSource(n)
			switch {
			case err != nil:
				out = append(out, Check{Area: "accounts", Status: Fail, Message: n + ": " + err.Error(), Fix: cmdutil.HintOf(err)})
			case src == account.SourceNone:
				out = append(out, Check{Area: "accounts", Status: Fail, Message: n + ": no token",
					Fix: "Run: handoff account add " + n + " --with-token"})
			default:
				out = append(out, Check{Area: "accounts", Status: OK, Message: n + ": token from " + src + " (not tested: --offline)"})
			}
			continue
		}
		r, err := accountTest.Check(ctx, store, opts.Client, n)
		if errors.Is(err, cmdutil.ErrCancelled) {
			return names, append(out, Check{Area: "accounts", Status: Warn, Message: "cancelled"})
		}
		if err != nil {
			msg := err.Error()
			if r != nil && r.Status != 0 {
				msg = fmt.Sprintf("%s (HTTP %d)", msg, r.Status)
			}
			fix := cmdutil.HintOf(err)
			if fix == "" {
				fix = "Run: handoff account test " + n
			}
			out = append(out, Check{Area: "accounts", Status: Fail, Message: msg, Fix: fix})
			continue
		}
		out = append(out, Check{Area: "accounts", Status: OK, Message: fmt.Sprintf(
			"%s: %s (%s) accepted the token from %s in %dms; handoffs need the scope \"api\" or one per call (%s)",
			n, r.Endpoint, r.API, r.TokenSource, r.ElapsedMS, scopes(r.ScopesNeeded))})
	}
	return names, out
}

// scopes lists, per handoff call, the scopes of which the token needs one.
func scopes(m map[string][]string) string {
	var calls []string
	for k := range m {
		calls = append(calls, k)
	}
	sort.Strings(calls)
	var out []string
	for _, k := range calls {
		var alt []string
		for _, s := range m[k] {
			if s != "api" {
				alt = append(alt, s)
			}
		}
		out = append(out, strings.SplitN(k, " (", 2)[0]+": "+strings.Join(alt, " | "))
	}
	return strings.Join(out, "; ")
}

func actionChecks(opts *Options) []Check {
	dir := opts.Settings.Dir
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return []Check{{Area: "actions", Status: Warn, Message: "no actions folder at " + dir,
			Fix: "Run: handoff init " + dir + " (or point --dir / HANDOFF_DIR at yours)"}}
	}
	if err != nil || !fi.IsDir() {
		return []Check{{Area: "actions", Status: Fail, Message: dir + " is not a readable folder",
			Fix: "Point --dir (env HANDOFF_DIR) at the folder of action files"}}
	}
	var out []Check
	entries, err := action.NewStore(dir).List()
	if err != nil {
		return []Check{{Area: "actions", Status: Fail, Message: err.Error(), Fix: cmdutil.HintOf(err)}}
	}
	bad := 0
	for _, e := range entries {
		if !e.Valid() {
			bad++
		}
	}
	switch {
	case bad > 0:
		out = append(out, Check{Area: "actions", Status: Fail, Message: fmt.Sprintf("%s: %d of %d action files have errors", dir, bad, len(entries)),
			Fix: "Run: handoff validate " + dir})
	case len(entries) == 0:
		out = append(out, Check{Area: "actions", Status: Warn, Message: dir + " holds no action",
			Fix: "Run: handoff configure NAME"})
	default:
		out = append(out, Check{Area: "actions", Status: OK, Message: fmt.Sprintf("%s: %d actions, all valid", dir, len(entries))})
	}
	switch exists, current := action.SchemaCurrent(dir); {
	case !exists:
		out = append(out, Check{Area: "actions", Status: Warn, Message: "no " + action.SchemaFile + " in " + dir + ": editors cannot check the files as you type",
			Fix: "Run: handoff schema --write " + dir})
	case !current:
		out = append(out, Check{Area: "actions", Status: Warn, Message: filepath.Join(dir, action.SchemaFile) + " is not this handoff's schema (written by another version)",
			Fix: "Run: handoff schema --write " + dir})
	default:
		out = append(out, Check{Area: "actions", Status: OK, Message: filepath.Join(dir, action.SchemaFile) + " is current"})
	}
	return out
}

func directoryChecks(opts *Options, accounts []string) []Check {
	svc := directory.NewService(opts.Settings.CacheDir, opts.Settings.Dir, opts.Settings.DirectoryTTL)
	var out []Check
	for _, n := range accounts {
		fi, err := os.Stat(svc.CachePath(n))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			out = append(out, Check{Area: "directory", Status: Warn, Message: n + ": never synced; the wizard will list no bots or teams until it is",
				Fix: "Run: handoff directory sync --account " + n})
		case err != nil:
			out = append(out, Check{Area: "directory", Status: Fail, Message: err.Error(), Fix: "Check the permissions of " + opts.Settings.CacheDir})
		default:
			age := opts.Now().Sub(fi.ModTime()).Round(time.Minute)
			if svc.TTL() > 0 && age > svc.TTL() {
				out = append(out, Check{Area: "directory", Status: Warn, Message: fmt.Sprintf("%s: synced %s ago (older than %s)", n, age, svc.TTL()),
					Fix: "Run: handoff directory sync --account " + n})
			} else {
				out = append(out, Check{Area: "directory", Status: OK, Message: fmt.Sprintf("%s: synced %s ago", n, age)})
			}
		}
	}
	return out
}

func stateChecks(opts *Options) []Check {
	var out []Check
	log := handoff.NewAuditLog(opts.Settings.StateDir)
	files := log.Files()
	var size int64
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil {
			size += fi.Size()
		}
	}
	if len(files) == 0 {
		out = append(out, Check{Area: "audit", Status: Info, Message: log.Path() + ": no handoff run yet"})
	} else {
		out = append(out, Check{Area: "audit", Status: OK, Message: fmt.Sprintf("%s: %s in %d file(s), rotated past 10 MiB", log.Path(), humanSize(size), len(files))})
	}
	journals, _ := filepath.Glob(filepath.Join(opts.Settings.StateDir, "journals", "*.journal"))
	if len(journals) == 0 {
		out = append(out, Check{Area: "audit", Status: OK, Message: "no batch journal left over (no interrupted batch)"})
		return out
	}
	var jsize int64
	oldest := opts.Now()
	for _, j := range journals {
		if fi, err := os.Stat(j); err == nil {
			jsize += fi.Size()
			if fi.ModTime().Before(oldest) {
				oldest = fi.ModTime()
			}
		}
	}
	out = append(out, Check{Area: "audit", Status: Warn,
		Message: fmt.Sprintf("%d batch journal(s) left by interrupted runs (%s, oldest %s ago) in %s", len(journals), humanSize(jsize),
			opts.Now().Sub(oldest).Round(time.Minute), filepath.Dir(journals[0])),
		Fix: "Re-run the same handoff assign ACTION --from FILE to finish (done targets are skipped), or delete the journal to forget it"})
	return out
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func print(opts *Options, r Report) error {
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	out := opts.IO.Out
	label := map[string]string{OK: "ok  ", Info: "info", Warn: "warn", Fail: "FAIL"}
	for _, c := range r.Checks {
		fmt.Fprintf(out, "%s  %-10s  %s\n", label[c.Status], c.Area, c.Message)
		if c.Fix != "" && c.Status != OK {
			fmt.Fprintf(out, "      %-10s  fix: %s\n", "", c.Fix)
		}
	}
	switch {
	case r.Failures > 0:
		fmt.Fprintf(out, "\n%d to fix, %d warning(s). First: %s\n", r.Failures, r.Warnings, r.First)
	case r.Warnings > 0:
		fmt.Fprintf(out, "\nNothing needs fixing; %d warning(s).\n", r.Warnings)
	default:
		fmt.Fprintln(out, "\nAll good.")
	}
	return nil
}
