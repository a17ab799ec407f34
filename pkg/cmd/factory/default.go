// Package factory wires the real dependencies into a cmdutil.Factory.
package factory

import (
	"strings"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/directory"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// New returns the factory used by the binary. Settings are filled in by the
// root command's pre-run.
func New(version, commit, date string, ios *cmdutil.IOStreams) *cmdutil.Factory {
	f := &cmdutil.Factory{
		IO:       ios,
		Version:  version,
		Commit:   commit,
		Date:     date,
		Settings: &cmdutil.Settings{},
	}
	f.Actions = func() (*action.Store, error) { return action.NewStore(f.Settings.Dir), nil }
	f.Accounts = func() (*account.Store, error) { return account.NewStore(f.Settings.ConfigDir, ios.Getenv), nil }
	f.Directory = func() (*directory.Service, error) {
		return directory.NewService(f.Settings.CacheDir, f.Settings.Dir, f.Settings.DirectoryTTL), nil
	}
	f.Client = func(name string, dryRun bool) (*wati.Client, error) {
		return clientFor(f, name, dryRun)
	}
	return f
}

// clientFor resolves the account and its token and builds the client. The
// account is name, else the global --account (Settings.Account), else
// default_account. A missing token is an authentication error (exit 4),
// except in a dry run, which sends nothing.
func clientFor(f *cmdutil.Factory, name string, dryRun bool) (*wati.Client, error) {
	accounts, err := f.Accounts()
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = f.Settings.Account
	}
	acc, err := accounts.Resolve(name)
	if err != nil {
		return nil, err
	}
	token, source, err := accounts.Token(acc.Name)
	if err != nil {
		return nil, err
	}
	if token == "" && !dryRun {
		return nil, cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitAuth, "account %q has no token (none in %s or %s)", acc.Name, account.TokenEnvVar(acc.Name), accounts.CredentialsPath()),
			"Run: handoff account add "+acc.Name+" --with-token")
	}
	cfg := wati.Config{
		BaseURL:     acc.Endpoint,
		API:         acc.API,
		TenantID:    acc.TenantID,
		Token:       token,
		Channel:     acc.Channel,
		Account:     acc.Name,
		TokenSource: source,
		UserAgent:   "handoff/" + f.Version,
		DryRun:      dryRun,
	}
	// HANDOFF_REQUEST_TIMEOUT, HANDOFF_DEADLINE, HANDOFF_DEBUG=api (token redacted)
	cfg.RequestTimeout, cfg.Deadline = f.Settings.RequestTimeout, f.Settings.Deadline
	if strings.Contains(f.Settings.Debug, "api") {
		cfg.Debug = f.IO.ErrOut
	}
	return wati.New(cfg)
}
