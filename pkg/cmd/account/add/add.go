// Package add is `handoff account add`.
package add

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/cmd/account/shared"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/directory"
)

// Options are the parsed flags of account add.
type Options struct {
	IO        *cmdutil.IOStreams
	Accounts  func() (*account.Store, error)
	Directory func() (*directory.Service, error)

	Name      string
	Endpoint  string
	API       string
	TenantID  string
	Channel   string
	WithToken bool
	Force     bool

	// Which settings flags were given (an existing account keeps the others).
	EndpointSet, APISet, TenantSet, ChannelSet bool

	// ReadSecret asks for the token without echo (tests replace it).
	ReadSecret func(ctx context.Context, prompt string) (string, error)
	// Confirm asks a yes/no question (tests replace it).
	Confirm func(question string) (bool, error)
}

// NewCmdAdd returns the account add command.
func NewCmdAdd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Accounts: f.Accounts, Directory: f.Directory}
	opts.ReadSecret = func(ctx context.Context, prompt string) (string, error) { return shared.ReadSecret(ctx, f.IO, prompt) }
	opts.Confirm = func(q string) (bool, error) { return shared.Confirm(f.IO, q) }
	cmd := &cobra.Command{
		Use:   "add NAME --endpoint URL [--api v3|v1] [--tenant-id ID] [--channel NAME] [--with-token]",
		Short: "Connect a Wati account (workspace) and store its API token",
		Long: `Connect a Wati workspace under a short name, which action files then use in
their account field.

The endpoint is the API host shown with the token in Wati (Connector > API),
e.g. https://live-mt-server.wati.io. It must use https://, except for loopback
addresses (127.0.0.0/8, ::1, localhost), which the sandbox uses. A trailing
slash or a pasted /api/... path is removed. v3 is the default API; a v1
account also needs --tenant-id, unless its host is a per-tenant one such as
https://live-server-12345.wati.io (a pasted v1 URL with the tenant in its
path gives it too).

The token is read from stdin with --with-token, so it never sits in shell
history; when stdin is a terminal (nothing piped in), with or without
--with-token, it is asked for without echo. It
may be pasted with or without "Bearer ". It is stored in credentials.yaml
(mode 0600) in the configuration folder; config.yaml holds no secret. When
HANDOFF_TOKEN_<ACCOUNT> or HANDOFF_TOKEN is set and no token is given, the
account is added without a stored token and uses the environment.

Adding a name that exists asks first on a terminal; elsewhere it needs
--force. Flags left out keep the existing account's values, and
"handoff account add NAME --with-token" alone replaces only the token.
The first account added becomes the default.`,
		Example: `  # a workspace, token from a file or a secret manager
  handoff account add acme-prod --endpoint https://live-mt-server.wati.io --with-token < token.txt

  # the local sandbox
  echo "$WATI_TOKEN" | handoff account add sandbox --endpoint "$WATI_URL" --with-token

  # a legacy v1 workspace
  handoff account add legacy --endpoint https://live-mt-server.wati.io --api v1 --tenant-id 123456

  # rotate a token
  pbpaste | handoff account add acme-prod --with-token`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			fl := cmd.Flags()
			opts.EndpointSet, opts.APISet = fl.Changed("endpoint"), fl.Changed("api")
			opts.TenantSet, opts.ChannelSet = fl.Changed("tenant-id"), fl.Changed("channel")
			if opts.APISet && opts.API != "v3" && opts.API != "v1" {
				return cmdutil.WithHint(cmdutil.UsageError("--api must be v3 or v1, not %q", opts.API), "v3 is recommended; v1 is Wati's legacy API.")
			}
			if runF != nil {
				return runF(opts)
			}
			return runAdd(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Endpoint, "endpoint", "", "Wati API host, e.g. https://live-mt-server.wati.io")
	fl.StringVar(&opts.API, "api", "v3", "Wati API version: v3 or v1")
	fl.StringVar(&opts.TenantID, "tenant-id", "", "tenant id (v1 accounts on a shared host)")
	fl.StringVar(&opts.Channel, "channel", "", "default channel name or number for Channel:Phone targets")
	fl.BoolVar(&opts.WithToken, "with-token", false, "read the token from stdin")
	fl.BoolVar(&opts.Force, "force", false, "replace an existing account without asking")
	_ = cmd.RegisterFlagCompletionFunc("api", cobra.FixedCompletions([]string{"v3", "v1"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runAdd(ctx context.Context, opts *Options) error {
	store, err := opts.Accounts()
	if err != nil {
		return err
	}
	if err := account.ValidName(opts.Name); err != nil {
		return err
	}
	names, err := store.Names()
	if err != nil {
		return err
	}
	exists := contains(names, opts.Name)
	if other := account.TokenEnvCollision(opts.Name, names); other != "" {
		// Checked again under the lock by store.Add; said here before any token is asked for.
		return cmdutil.WithHint(cmdutil.UsageError("account name %q would share the token variable %s with account %q", opts.Name, account.TokenEnvVar(opts.Name), other),
			fmt.Sprintf("Names map to HANDOFF_TOKEN_<NAME> with - and _ alike, so one token would go to both hosts. Choose another name (e.g. %s-2), or replace %q: handoff account add %s --force", opts.Name, other, other))
	}
	var old account.Account
	if exists {
		if old, err = store.Get(opts.Name); err != nil {
			old = account.Account{} // broken in config.yaml: replaced as a whole
		}
	}
	settings := opts.EndpointSet || opts.APISet || opts.TenantSet || opts.ChannelSet
	tokenOnly := exists && !settings

	var acc account.Account
	if !tokenOnly {
		acc = account.Account{Name: opts.Name, Endpoint: opts.Endpoint, API: opts.API, TenantID: opts.TenantID, Channel: opts.Channel}
		if exists {
			if !opts.EndpointSet {
				acc.Endpoint = old.Endpoint
			}
			if !opts.APISet {
				acc.API = old.API
			}
			if !opts.TenantSet {
				acc.TenantID = old.TenantID
			}
			if !opts.ChannelSet {
				acc.Channel = old.Channel
			}
		}
		if acc.Endpoint == "" {
			return cmdutil.WithHint(cmdutil.UsageError("--endpoint is required for a new account"),
				"Example: handoff account add "+opts.Name+" --endpoint https://live-mt-server.wati.io --with-token")
		}
		if acc, err = account.Prepare(acc); err != nil {
			return err
		}
	}

	// Replacing asks first (before reading any token).
	replace := exists && !tokenOnly
	if replace && !opts.Force {
		if !opts.IO.CanPrompt() {
			return cmdutil.WithHint(cmdutil.UsageError("account %q already exists (%s)", opts.Name, old.Endpoint),
				"Use --force to replace it, or run `handoff account add "+opts.Name+" --with-token` alone to change only its token.")
		}
		ok, err := opts.Confirm(fmt.Sprintf("Account %q exists (%s). Replace it?", opts.Name, old.Endpoint))
		if err != nil {
			return err
		}
		if !ok {
			return cmdutil.ErrCancelled
		}
	}

	token, err := getToken(ctx, opts, store, exists, tokenOnly)
	if err != nil {
		return err
	}

	out := opts.IO.Out
	if tokenOnly {
		if err := store.SetToken(opts.Name, token); err != nil {
			return err
		}
		fmt.Fprintf(out, "Updated the token of account %s (stored in %s, mode 0600).\n", opts.Name, store.CredentialsPath())
	} else {
		if err := store.Add(acc, token, true); err != nil {
			return err
		}
		if replace && old.Endpoint != acc.Endpoint && opts.Directory != nil {
			if dir, err := opts.Directory(); err == nil {
				_ = dir.Forget(opts.Name) // the cache described another workspace
			}
		}
		verb := "Added"
		if replace {
			verb = "Replaced"
		}
		fmt.Fprintf(out, "%s account %s: %s (%s%s).\n", verb, acc.Name, acc.Endpoint, acc.API, tenantText(acc))
	}
	src, err := store.TokenSource(opts.Name)
	if err != nil {
		return err
	}
	switch {
	case tokenOnly && src == account.SourceCredentials:
	case token != "" && src != account.SourceCredentials:
		fmt.Fprintf(out, "Token: stored in %s, but %s is set and takes precedence.\n", store.CredentialsPath(), strings.TrimPrefix(src, "env "))
	case token != "":
		fmt.Fprintf(out, "Token: stored in %s (mode 0600).\n", store.CredentialsPath())
	case src == account.SourceNone:
		fmt.Fprintf(out, "Token: none. Add one with: handoff account add %s --with-token\n", opts.Name)
	default:
		fmt.Fprintf(out, "Token: from %s (not stored).\n", src)
	}
	if def, _ := store.Default(); def == opts.Name && !tokenOnly {
		fmt.Fprintf(out, "Default account: %s\n", opts.Name)
	}
	fmt.Fprintf(out, "Next: handoff account test %s\n", opts.Name)
	return nil
}

func getToken(ctx context.Context, opts *Options, store *account.Store, exists, tokenOnly bool) (string, error) {
	// --with-token on a terminal (nothing piped in): ask without echo, as
	// without the flag, rather than read an echoed line.
	if opts.WithToken && !opts.IO.IsStdinTTY() {
		raw, err := shared.TokenFromStdin(opts.IO.In)
		if err != nil {
			return "", err
		}
		tok, err := account.CleanToken(raw)
		if err != nil {
			return "", err
		}
		if tok == "" {
			return "", cmdutil.WithHint(cmdutil.UsageError("--with-token: no token on stdin"),
				"Pipe the token in: handoff account add "+opts.Name+" --with-token < token.txt")
		}
		return tok, nil
	}
	envSrc := ""
	for _, v := range []string{account.TokenEnvVar(opts.Name), "HANDOFF_TOKEN"} {
		if strings.TrimSpace(opts.IO.Getenv(v)) != "" {
			envSrc = v
			break
		}
	}
	stored := false
	if exists {
		stored, _ = store.HasStoredToken(opts.Name)
	}
	// Without a new token, a replaced account keeps a stored one (on the same host).
	canGoWithout := !tokenOnly && (envSrc != "" || stored)
	if opts.WithToken {
		// On a terminal: the flag asks for a new token, whatever is stored.
		canGoWithout, envSrc = false, ""
	}
	if (opts.IO.CanPrompt() || opts.WithToken) && !(canGoWithout && envSrc != "") {
		prompt := fmt.Sprintf("Paste the API token of %s (Wati: Connector > API > API Tokens; hidden): ", opts.Name)
		if canGoWithout {
			prompt = fmt.Sprintf("Paste a new API token of %s, or press Enter to keep the stored one (hidden): ", opts.Name)
		}
		raw, err := opts.ReadSecret(ctx, prompt)
		if err != nil {
			return "", err
		}
		tok, err := account.CleanToken(raw)
		if err != nil {
			return "", err
		}
		if tok == "" && !canGoWithout {
			return "", cmdutil.UsageError("no token given")
		}
		return tok, nil
	}
	if canGoWithout {
		return "", nil
	}
	endpoint := " --endpoint URL"
	if exists {
		endpoint = ""
	}
	return "", cmdutil.WithHint(cmdutil.UsageError("no token: stdin is not a terminal, so pipe the token in with --with-token"),
		fmt.Sprintf("Run: handoff account add %s%s --with-token < token.txt (or set %s)", opts.Name, endpoint, account.TokenEnvVar(opts.Name)))
}

func tenantText(a account.Account) string {
	if a.TenantID != "" {
		return ", tenant " + a.TenantID
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
