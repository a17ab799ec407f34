// Package list is `handoff directory list`.
package list

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/cmd/directory/shared"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/directory"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// Options are the parsed flags of directory list.
type Options struct {
	IO        *cmdutil.IOStreams
	Accounts  func() (*account.Store, error)
	Directory func() (*directory.Service, error)
	Client    func(name string, dryRun bool) (*wati.Client, error)

	Account string // global --account; "" = the default account
	Type    string // "" = all
	JSON    bool
	Cached  bool // never refresh
	Now     func() time.Time
}

// Output is what --json prints.
type Output struct {
	*directory.Listing
	AgeSeconds   int64  `json:"age_seconds"`
	RefreshError string `json:"refresh_error,omitempty"`
}

// NewCmdList returns the directory list command.
func NewCmdList(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Accounts: f.Accounts, Directory: f.Directory, Client: f.Client, Now: time.Now}
	cmd := &cobra.Command{
		Use:     "list [--account NAME] [--type team|user|bot] [--json]",
		Aliases: []string{"ls"},
		Short:   "List the teams, users and bots an account offers",
		Long: `List what an account's conversations can be handed to:

  bots    from Wati's chatbot list
  teams   found on contacts (Wati has no list of teams), plus declared ones
  users   declared in .directory.yaml (Wati has no list of users)

The list comes from the account's cache (see handoff directory sync) and
.directory.yaml in the actions folder. A cache older than the directory TTL
(default 24h, env HANDOFF_DIRECTORY_TTL) is refreshed first unless --cached;
when the account cannot be reached, the cache is shown with a note of its
age on stderr. Without any account configured, the declared entries are shown.`,
		Example: `  handoff directory list
  handoff directory list --account acme-prod --type team
  handoff directory list --json | jq -r '.entries[] | select(.kind == "bot") | .id'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Type != "" {
				k, err := directory.ParseKind(opts.Type)
				if err != nil {
					return cmdutil.WithHint(cmdutil.UsageError("--type: %v", err), "Use --type team, user or bot.")
				}
				opts.Type = string(k)
			}
			opts.Account = f.Settings.Account
			if runF != nil {
				return runF(opts)
			}
			return runList(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Type, "type", "", "only this kind: team, user or bot")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the listing as a JSON object")
	cmd.Flags().BoolVar(&opts.Cached, "cached", false, "do not refresh a stale cache")
	_ = cmd.RegisterFlagCompletionFunc("type", cobra.FixedCompletions([]string{"team", "user", "bot"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runList(ctx context.Context, opts *Options) error {
	name, err := shared.ResolveAccount(opts.Accounts, opts.Account, false)
	if err != nil {
		return err
	}
	dir, err := opts.Directory()
	if err != nil {
		return err
	}
	l, err := dir.List(ctx, name, nil)
	if err != nil {
		return err
	}
	errOut := opts.IO.ErrOut
	if name != "" && l.Stale && !opts.Cached {
		c, cerr := opts.Client(name, false)
		if cerr != nil {
			l.RefreshErr = cerr
		} else {
			var progress func(done, total int)
			if opts.IO.ShowProgress() {
				fmt.Fprintf(errOut, "Refreshing the directory of %s (cache stale)...\n", name)
				progress = func(done, total int) {
					fmt.Fprintf(errOut, "\rScanning contacts for teams: page %d (at most %d)", done, total)
				}
			}
			fresh, serr := dir.Sync(ctx, name, c, progress)
			if progress != nil {
				fmt.Fprintln(errOut)
			}
			switch {
			case serr == nil:
				l = fresh
			case ctx.Err() != nil:
				return cmdutil.ErrCancelled
			default:
				l.RefreshErr, l.Offline = serr, directory.IsOffline(serr)
			}
		}
	}
	now := opts.Now()
	// What the listing is worth: on stderr, so that stdout stays data.
	switch {
	case name == "":
		fmt.Fprintln(errOut, "No account configured: showing declared teams and users only.")
	case l.RefreshErr != nil && l.SyncedAt.IsZero():
		fmt.Fprintf(errOut, "%s could not be read (%s); never synced: showing declared entries only.\n", name, oneLine(l.RefreshErr))
	case l.RefreshErr != nil:
		fmt.Fprintf(errOut, "%s could not be read (%s): showing the cache from %s (%s).\n", name, oneLine(l.RefreshErr), shared.Age(l.Age(now)), l.SyncedAt.Local().Format("2006-01-02 15:04"))
	case l.SyncedAt.IsZero():
		fmt.Fprintf(errOut, "%s was never synced: run handoff directory sync.\n", name)
	case l.Stale:
		fmt.Fprintf(errOut, "%s: cache from %s (stale).\n", name, shared.Age(l.Age(now)))
	default:
		fmt.Fprintf(errOut, "%s: synced %s; %s.\n", name, shared.Age(l.Age(now)), shared.Contacts(l))
	}
	for _, w := range l.Warnings {
		fmt.Fprintf(errOut, "warning: %s\n", w)
	}

	if opts.Type != "" {
		l.Entries = l.Of(directory.Kind(opts.Type))
	}
	if l.Entries == nil {
		l.Entries = []directory.Entry{}
	}
	if opts.JSON {
		o := Output{Listing: l}
		if !l.SyncedAt.IsZero() {
			o.AgeSeconds = int64(l.Age(now) / time.Second)
		}
		if l.RefreshErr != nil {
			o.RefreshError = l.RefreshErr.Error()
		}
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(o)
	}
	if len(l.Entries) == 0 {
		fmt.Fprintln(errOut, "Nothing to list. Run: handoff directory sync, or declare: handoff directory add team NAME")
		return nil
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tNAME\tEMAIL/ID\tSOURCE")
	for _, e := range l.Entries {
		key := e.Email
		if e.Kind == directory.KindBot {
			key = e.ID
		}
		name := e.Name
		if name == "" {
			name = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Kind, name, key, source(e))
	}
	return tw.Flush()
}

func source(e directory.Entry) string {
	s := e.Source
	if e.Source == directory.SourceContacts {
		s = fmt.Sprintf("contacts (%d)", e.Contacts)
	}
	if e.Declared && e.Source != directory.SourceDeclared {
		s += ", declared"
	}
	return s
}

func oneLine(err error) string {
	var ce *cmdutil.Error
	if errors.As(err, &ce) && ce.Code == cmdutil.ExitAuth {
		return ce.Error()
	}
	return strings.SplitN(err.Error(), "\n", 2)[0]
}
