// Package set is `handoff account set`: change one or more non-secret
// settings of an existing account.
package set

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/cmd/account/shared"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

// Options are the parsed flags of account set.
type Options struct {
	IO       *cmdutil.IOStreams
	Accounts func() (*account.Store, error)

	Name                                       string
	Endpoint, API, TenantID, Channel           string
	EndpointSet, APISet, TenantSet, ChannelSet bool
}

// NewCmdSet returns the account set command.
func NewCmdSet(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Accounts: f.Accounts}
	cmd := &cobra.Command{
		Use:   "set NAME [--channel NAME] [--endpoint URL] [--api v3|v1] [--tenant-id ID]",
		Short: "Change a setting of an account (channel, endpoint, api, tenant id)",
		Long: `Change one or more settings of an existing account in config.yaml; the others
are kept, and so is its token, unless the endpoint moves to another host: a token
is only ever sent to the host it was issued for, so it is dropped then (give the
new one with: handoff account add NAME --with-token).

--channel "" removes the default channel; --tenant-id "" removes the tenant id.
To replace the token, use handoff account add NAME --with-token.`,
		Example: `  handoff account set acme-prod --channel Support
  handoff account set acme-prod --endpoint https://live-mt-server.wati.io
  handoff account set legacy --api v1 --tenant-id 123456`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: shared.CompleteAccountNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			fl := cmd.Flags()
			opts.EndpointSet, opts.APISet = fl.Changed("endpoint"), fl.Changed("api")
			opts.TenantSet, opts.ChannelSet = fl.Changed("tenant-id"), fl.Changed("channel")
			if !opts.EndpointSet && !opts.APISet && !opts.TenantSet && !opts.ChannelSet {
				return cmdutil.WithHint(cmdutil.UsageError("nothing to set: give --channel, --endpoint, --api or --tenant-id"),
					"Example: handoff account set "+opts.Name+" --channel Support")
			}
			if runF != nil {
				return runF(opts)
			}
			return runSet(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Endpoint, "endpoint", "", "API host, e.g. https://live-mt-server.wati.io")
	fl.StringVar(&opts.API, "api", "", "Wati API version: v3 or v1")
	fl.StringVar(&opts.TenantID, "tenant-id", "", "v1 tenant id (\"\" to remove)")
	fl.StringVar(&opts.Channel, "channel", "", "default channel name or number for Channel:Phone targets (\"\" to remove)")
	_ = cmd.RegisterFlagCompletionFunc("api", cobra.FixedCompletions([]string{"v3", "v1"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runSet(opts *Options) error {
	store, err := opts.Accounts()
	if err != nil {
		return err
	}
	old, err := store.Get(opts.Name)
	if err != nil {
		return err
	}
	acc := old
	if opts.EndpointSet {
		acc.Endpoint = opts.Endpoint
	}
	if opts.APISet {
		acc.API = opts.API
	}
	if opts.TenantSet {
		acc.TenantID = opts.TenantID
	}
	if opts.ChannelSet {
		acc.Channel = opts.Channel
	}
	if acc, err = account.Prepare(acc); err != nil {
		return err
	}
	hadToken, _ := store.HasStoredToken(opts.Name)
	if err := store.Add(acc, "", true); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Out, "Updated account %s: %s (%s)", acc.Name, acc.Endpoint, acc.API)
	if acc.TenantID != "" {
		fmt.Fprintf(opts.IO.Out, ", tenant %s", acc.TenantID)
	}
	if acc.Channel != "" {
		fmt.Fprintf(opts.IO.Out, ", channel %s", acc.Channel)
	}
	fmt.Fprintln(opts.IO.Out, ".")
	if hadToken && account.Host(old.Endpoint) != account.Host(acc.Endpoint) {
		fmt.Fprintf(opts.IO.ErrOut, "warning: the stored token was for %s, so it was dropped; give the new host's with: handoff account add %s --with-token\n", account.Host(old.Endpoint), acc.Name)
	}
	return nil
}
