// Package sync is `handoff directory sync`.
package sync

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/cmd/directory/shared"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/directory"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// Options are the parsed flags of directory sync.
type Options struct {
	IO        *cmdutil.IOStreams
	Accounts  func() (*account.Store, error)
	Directory func() (*directory.Service, error)
	Client    func(name string, dryRun bool) (*wati.Client, error)

	Account      string
	ContactPages int
	JSON         bool
}

// NewCmdSync returns the directory sync command.
func NewCmdSync(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Accounts: f.Accounts, Directory: f.Directory, Client: f.Client}
	cmd := &cobra.Command{
		Use:   "sync [--account NAME]",
		Short: "Refresh an account's directory cache from Wati",
		Long: `Read what an account offers from Wati and refresh its cache:

  - every chatbot (all pages of the chatbot list);
  - the teams of contacts, page by page (100 contacts a page, at most
    --contact-pages pages), paced to stay within Wati's limit of 10 contact
    requests per 10 seconds. Progress is shown on a terminal.

Users cannot be read from Wati: declare them with handoff directory add user.
The cache lives under $XDG_CACHE_HOME/handoff/directory/ (env
HANDOFF_CACHE_DIR) and is refreshed by directory list and the configure
wizard once it is older than the directory TTL (default 24h).`,
		Example: `  handoff directory sync
  handoff directory sync --account acme-prod --contact-pages 50`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.ContactPages < 1 || opts.ContactPages > 1000 {
				return cmdutil.WithHint(cmdutil.UsageError("--contact-pages must be 1 to 1000, not %d", opts.ContactPages),
					"Each page is 100 contacts and costs one request (about 2 s each after the first 5).")
			}
			opts.Account = f.Settings.Account
			if runF != nil {
				return runF(opts)
			}
			return runSync(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVar(&opts.ContactPages, "contact-pages", directory.DefaultContactPages, "read at most this many pages of 100 contacts for teams")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the new listing as a JSON object")
	return cmd
}

func runSync(ctx context.Context, opts *Options) error {
	name, err := shared.ResolveAccount(opts.Accounts, opts.Account, true)
	if err != nil {
		return err
	}
	dir, err := opts.Directory()
	if err != nil {
		return err
	}
	c, err := opts.Client(name, false)
	if err != nil {
		return err
	}
	dir.ContactPages = opts.ContactPages
	var progress func(done, total int)
	show := opts.IO.ShowProgress()
	if show {
		fmt.Fprintf(opts.IO.ErrOut, "Reading chatbots of %s...\n", name)
		progress = func(done, total int) {
			fmt.Fprintf(opts.IO.ErrOut, "\rScanning contacts for teams: page %d (at most %d)", done, total)
		}
	}
	start := time.Now()
	l, err := dir.Sync(ctx, name, c, progress)
	if show {
		fmt.Fprintln(opts.IO.ErrOut)
	}
	if err != nil {
		if ctx.Err() != nil {
			return cmdutil.ErrCancelled
		}
		return err
	}
	for _, w := range l.Warnings {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %s\n", w)
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(l)
	}
	fmt.Fprintf(opts.IO.Out, "Synced %s in %s: %s; %s.\n", name, elapsed(time.Since(start)), shared.Summary(l), shared.Contacts(l))
	if len(l.Of(directory.KindUser)) == 0 {
		fmt.Fprintln(opts.IO.Out, "Users are not listed by Wati: declare them with handoff directory add user EMAIL --name \"Name\".")
	}
	return nil
}

func elapsed(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}
