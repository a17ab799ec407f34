// Package list is `handoff account list`.
package list

import (
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

// Options are the parsed flags of account list.
type Options struct {
	IO       *cmdutil.IOStreams
	Accounts func() (*account.Store, error)
	JSON     bool
}

// Item is one account as listed; it never holds a token.
type Item struct {
	Name        string `json:"name"`
	Endpoint    string `json:"endpoint"`
	API         string `json:"api"`
	TenantID    string `json:"tenant_id,omitempty"`
	Channel     string `json:"channel,omitempty"`
	Default     bool   `json:"default"`
	TokenSource string `json:"token_source"`
}

// NewCmdList returns the account list command.
func NewCmdList(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Accounts: f.Accounts}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the connected accounts and where their tokens come from",
		Long: `List the connected Wati accounts: name, endpoint, API version, whether it is the
default, and where its token comes from (env HANDOFF_TOKEN_<ACCOUNT>, env
HANDOFF_TOKEN, credentials.yaml, or none). The token itself is never shown.`,
		Example: `  handoff account list
  handoff account list --json | jq -r '.[] | select(.token_source == "none") | .name'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runList(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print a JSON array")
	return cmd
}

// Items returns the accounts with their token sources. A credentials file
// that is refused (readable by others) gives the source "credentials.yaml
// (refused)" and the error, once, as warn.
func Items(store *account.Store) (items []Item, warn error, err error) {
	accs, err := store.List()
	if err != nil {
		return nil, nil, err
	}
	items = []Item{}
	for _, a := range accs {
		src, err := store.TokenSource(a.Name)
		if err != nil {
			var unsafe *account.UnsafeFileError
			if !errors.As(err, &unsafe) {
				return nil, nil, err
			}
			src, warn = account.SourceCredentials+" (refused)", err
		}
		items = append(items, Item{Name: a.Name, Endpoint: a.Endpoint, API: a.API, TenantID: a.TenantID, Channel: a.Channel, Default: a.Default, TokenSource: src})
	}
	return items, warn, nil
}

func runList(opts *Options) error {
	store, err := opts.Accounts()
	if err != nil {
		return err
	}
	items, warn, err := Items(store)
	if err != nil {
		return err
	}
	if warn != nil {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %v\n%s\n", warn, cmdutil.HintOf(warn))
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(items)
	}
	if len(items) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "No accounts yet. Run: handoff account add NAME --endpoint URL --with-token")
		return nil
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tDEFAULT\tENDPOINT\tAPI\tTOKEN")
	for _, it := range items {
		def := ""
		if it.Default {
			def = "*"
		}
		api := it.API
		if it.TenantID != "" {
			api += " (tenant " + it.TenantID + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", it.Name, def, it.Endpoint, api, it.TokenSource)
	}
	return tw.Flush()
}
