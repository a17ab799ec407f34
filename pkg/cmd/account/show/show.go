// Package show is `handoff account show`.
package show

import (
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/cmd/account/list"
	"github.com/handoff-dev/handoff/pkg/cmd/account/shared"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

// Options are the parsed flags of account show.
type Options struct {
	IO       *cmdutil.IOStreams
	Accounts func() (*account.Store, error)
	Name     string // "" = the default account
	JSON     bool
}

// NewCmdShow returns the account show command.
func NewCmdShow(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Accounts: f.Accounts}
	cmd := &cobra.Command{
		Use:   "show [NAME]",
		Short: "Show one account's settings and where its token comes from",
		Long: `Show one account (the default account when NAME is left out): endpoint, API
version, tenant, default channel, whether it is the default, where its token
comes from and which files hold the settings. The token itself is never shown.`,
		Example: `  handoff account show acme-prod
  handoff account show --json`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: shared.CompleteAccountNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Name = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return runShow(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print a JSON object")
	return cmd
}

type shown struct {
	list.Item
	TokenEnv    string `json:"token_env"`
	Config      string `json:"config"`
	Credentials string `json:"credentials"`
}

func runShow(opts *Options) error {
	store, err := opts.Accounts()
	if err != nil {
		return err
	}
	a, err := store.Resolve(opts.Name)
	if err != nil {
		return err
	}
	src, err := store.TokenSource(a.Name)
	var unsafe *account.UnsafeFileError
	if errors.As(err, &unsafe) {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %v\n%s\n", err, unsafe.Hint())
		src = account.SourceCredentials + " (refused)"
	} else if err != nil {
		return err
	}
	s := shown{
		Item:     list.Item{Name: a.Name, Endpoint: a.Endpoint, API: a.API, TenantID: a.TenantID, Channel: a.Channel, Default: a.Default, TokenSource: src},
		TokenEnv: account.TokenEnvVar(a.Name), Config: store.ConfigPath(), Credentials: store.CredentialsPath(),
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	dash := func(v string) string {
		if v == "" {
			return "-"
		}
		return v
	}
	def := "no"
	if a.Default {
		def = "yes"
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "name:\t%s\n", a.Name)
	fmt.Fprintf(tw, "endpoint:\t%s\n", a.Endpoint)
	fmt.Fprintf(tw, "api:\t%s\n", a.API)
	fmt.Fprintf(tw, "tenant_id:\t%s\n", dash(a.TenantID))
	fmt.Fprintf(tw, "channel:\t%s\n", dash(a.Channel))
	fmt.Fprintf(tw, "default:\t%s\n", def)
	fmt.Fprintf(tw, "token:\t%s\n", src)
	fmt.Fprintf(tw, "token env:\t%s\n", s.TokenEnv)
	fmt.Fprintf(tw, "config:\t%s\n", s.Config)
	fmt.Fprintf(tw, "credentials:\t%s\n", s.Credentials)
	return tw.Flush()
}
