package add

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

func newOpts(t *testing.T) (*Options, *account.Store) {
	t.Helper()
	ios, _, _, _ := cmdutil.Test()
	ios.SetTTY(true, true, true)
	store := account.NewStore(filepath.Join(t.TempDir(), "cfg"), ios.Getenv)
	opts := &Options{IO: ios, Accounts: func() (*account.Store, error) { return store, nil }, API: "v3"}
	return opts, store
}

func TestPromptsForTokenOnTerminal(t *testing.T) {
	opts, store := newOpts(t)
	opts.Name, opts.Endpoint, opts.EndpointSet = "acme", "https://live-mt-server.wati.io", true
	var prompt string
	opts.ReadSecret = func(_ context.Context, p string) (string, error) { prompt = p; return "Bearer secret-1\n", nil }
	opts.Confirm = func(string) (bool, error) { t.Fatal("no confirmation expected for a new account"); return false, nil }
	if err := runAdd(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(prompt, "API token of acme") {
		t.Errorf("prompt = %q", prompt)
	}
	if tok, src, _ := store.Token("acme"); tok != "secret-1" || src != "credentials.yaml" {
		t.Errorf("token = %q from %s", tok, src)
	}
	if out := opts.IO.Out.(interface{ String() string }).String(); strings.Contains(out, "secret-1") {
		t.Errorf("output shows the token:\n%s", out)
	}

	// An empty answer for a new account is an error; nothing is written.
	opts.Name = "beta"
	opts.ReadSecret = func(context.Context, string) (string, error) { return "\n", nil }
	if err := runAdd(context.Background(), opts); cmdutil.ExitCodeOf(err) != 2 {
		t.Errorf("empty token = %v", err)
	}
	if names, _ := store.Names(); len(names) != 1 {
		t.Errorf("accounts after refused add: %v", names)
	}
	// Ctrl-C in the prompt: 130, nothing written.
	opts.ReadSecret = func(context.Context, string) (string, error) { return "", cmdutil.ErrCancelled }
	if err := runAdd(context.Background(), opts); cmdutil.ExitCodeOf(err) != 130 {
		t.Errorf("cancelled prompt = %v", err)
	}
}

func TestReplaceAsksOnTerminal(t *testing.T) {
	opts, store := newOpts(t)
	if err := store.Add(account.Account{Name: "acme", Endpoint: "https://a.example.com"}, "old", false); err != nil {
		t.Fatal(err)
	}
	opts.Name, opts.Endpoint, opts.EndpointSet = "acme", "https://b.example.com", true
	var question string
	opts.Confirm = func(q string) (bool, error) { question = q; return false, nil }
	opts.ReadSecret = func(context.Context, string) (string, error) {
		t.Fatal("token asked before the confirmation")
		return "", nil
	}
	err := runAdd(context.Background(), opts)
	if !errors.Is(err, cmdutil.ErrCancelled) || !strings.Contains(question, `Account "acme" exists (https://a.example.com). Replace it?`) {
		t.Fatalf("declined replace = %v, question %q", err, question)
	}
	if a, _ := store.Get("acme"); a.Endpoint != "https://a.example.com" {
		t.Fatalf("declined replace changed the account: %+v", a)
	}
	opts.Confirm = func(string) (bool, error) { return true, nil }
	opts.ReadSecret = func(context.Context, string) (string, error) { return "new", nil }
	if err := runAdd(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if a, _ := store.Get("acme"); a.Endpoint != "https://b.example.com" {
		t.Fatalf("accepted replace: %+v", a)
	}
	if tok, _, _ := store.Token("acme"); tok != "new" {
		t.Fatalf("token = %q", tok)
	}
}

func TestFlagParsing(t *testing.T) {
	ios, _, _, _ := cmdutil.Test()
	f := &cmdutil.Factory{IO: ios}
	var got *Options
	cmd := NewCmdAdd(f, func(o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"legacy", "--endpoint", "https://x.example.com", "--api", "v1", "--tenant-id", "42", "--with-token", "--force"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Name != "legacy" || got.API != "v1" || got.TenantID != "42" || !got.WithToken || !got.Force || !got.EndpointSet || !got.APISet || !got.TenantSet || got.ChannelSet {
		t.Fatalf("options = %+v", got)
	}
	cmd = NewCmdAdd(f, func(o *Options) error { return nil })
	cmd.SetArgs([]string{"x", "--api", "v2"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.Execute(); cmdutil.ExitCodeOf(err) != 2 {
		t.Fatalf("--api v2 = %v", err)
	}
}
