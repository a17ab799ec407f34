// Package test is `handoff account test`.
package test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/cmd/account/shared"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// Options are the parsed flags of account test.
type Options struct {
	IO       *cmdutil.IOStreams
	Accounts func() (*account.Store, error)
	Client   func(name string, dryRun bool) (*wati.Client, error)
	Name     string // "" = the default account
	JSON     bool
}

// Result is what account test found; --json prints it.
type Result struct {
	Account     string `json:"account"`
	Endpoint    string `json:"endpoint"`
	API         string `json:"api"`
	TokenSource string `json:"token_source"`
	OK          bool   `json:"ok"`
	// Outcome: ok, no_token, unreachable, unauthorized, forbidden,
	// rate_limited, redirect, not_a_wati_api, error.
	Outcome   string   `json:"outcome"`
	Check     string   `json:"check"`
	Status    int      `json:"status,omitempty"`
	ElapsedMS int64    `json:"elapsed_ms"`
	Message   string   `json:"message,omitempty"`
	Channels  []string `json:"channels,omitempty"`
	Chatbots  int      `json:"chatbots,omitempty"`
	// ScopesNeeded are the scopes each handoff call needs (any one of a list).
	ScopesNeeded map[string][]string `json:"scopes_needed"`
}

// NewCmdTest returns the account test command.
func NewCmdTest(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Accounts: f.Accounts, Client: f.Client}
	cmd := &cobra.Command{
		Use:   "test [NAME]",
		Short: "Check that an account is reachable and its token is accepted",
		Long: `Make one cheap authenticated call to the account (v3: list channels, every
page; v1: list chatbots) and say what happened:

  OK            the endpoint answered and the token was accepted
  unreachable   no answer (network, DNS, TLS, timeout, 5xx): exit 6
  401           the token is wrong, expired or revoked: exit 4
  403           the token lacks a scope, or a role/plan/channel restriction: exit 4
  no token      nothing in the environment or credentials.yaml: exit 4

The scopes each kind of handoff needs are listed, since one call cannot tell
which of them a token has: a token with the "api" scope can do them all.`,
		Example: `  handoff account test acme-prod
  handoff account test --json`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: shared.CompleteAccountNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Name = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return runTest(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the result as a JSON object")
	return cmd
}

// scopesNeeded lists, per handoff call, the scopes of which a token needs one.
func scopesNeeded(api string) map[string][]string {
	if api == "v1" {
		return map[string][]string{
			"assign operator (user, bot operator)": wati.ScopesV1Conversation,
		}
	}
	return map[string][]string{
		"assign operator (user, bot operator)": wati.ScopesV3AssignOperator,
		"assign teams (team)":                  wati.ScopesV3AssignTeams,
		"start chatbot (bot)":                  wati.ScopesV3StartChatbot,
		"list chatbots (directory)":            wati.ScopesV3ListChatbots,
	}
}

func scopeLines(m map[string][]string) string {
	var b strings.Builder
	for _, k := range []string{"assign operator (user, bot operator)", "assign teams (team)", "start chatbot (bot)", "list chatbots (directory)"} {
		if v, ok := m[k]; ok {
			fmt.Fprintf(&b, "  %-38s %s\n", k, strings.Join(v, " | "))
		}
	}
	return b.String()
}

func runTest(ctx context.Context, opts *Options) error {
	store, err := opts.Accounts()
	if err != nil {
		return err
	}
	r, err := Check(ctx, store, opts.Client, opts.Name)
	if r == nil {
		return err
	}
	return finish(opts, r, err)
}

// Check makes the account's one cheap authenticated call and returns what it
// found with the error the command reports (nil when the token was accepted);
// a nil Result means the account could not be checked at all. It prints
// nothing: handoff doctor runs it for every account.
func Check(ctx context.Context, store *account.Store, client func(string, bool) (*wati.Client, error), name string) (*Result, error) {
	a, err := store.Resolve(name)
	if err != nil {
		return nil, err
	}
	_, src, err := store.Token(a.Name)
	if err != nil {
		return nil, err
	}
	r := &Result{Account: a.Name, Endpoint: a.Endpoint, API: a.API, TokenSource: src, ScopesNeeded: scopesNeeded(a.API)}
	if src == account.SourceNone {
		r.Outcome = "no_token"
		r.Message = "no token in " + account.TokenEnvVar(a.Name) + ", HANDOFF_TOKEN or credentials.yaml"
		return r, cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitAuth, "account %q has no token", a.Name),
			"Run: handoff account add "+a.Name+" --with-token")
	}
	c, err := client(a.Name, false)
	if err != nil {
		return nil, err
	}
	if a.API == "v1" {
		r.Check = "GET chatbots (v1)"
	} else {
		r.Check = "GET /api/ext/v3/channels"
	}
	rctx, reqs := wati.RecordRequests(ctx)
	start := time.Now()
	if a.API == "v1" {
		var bots []wati.Chatbot
		bots, err = c.ListChatbots(rctx)
		r.Chatbots = len(bots)
	} else {
		var chans []wati.Channel
		chans, err = c.ListChannels(rctx)
		// Wati's "channel" is the platform (Whatsapp); name it only when
		// it is another one.
		for _, ch := range chans {
			label := ch.Name
			if ch.Channel != "" && !strings.EqualFold(ch.Channel, "whatsapp") {
				label += " (" + ch.Channel + ")"
			}
			r.Channels = append(r.Channels, label)
		}
	}
	r.ElapsedMS = time.Since(start).Milliseconds()
	if sent := reqs(); len(sent) > 0 {
		last := sent[len(sent)-1]
		r.Check = last.Method + " " + last.URL
		r.Status = last.Status
	}
	if err == nil {
		r.OK, r.Outcome = true, "ok"
		return r, nil
	}
	if ctx.Err() != nil {
		return nil, cmdutil.ErrCancelled
	}
	return r, classify(a, src, r, err)
}

// classify turns the check's failure into the outcome and the error the user sees.
func classify(a account.Account, src string, r *Result, err error) error {
	var we *wati.Error
	if !errors.As(err, &we) {
		r.Outcome, r.Message = "error", err.Error()
		return err
	}
	if we.Status != 0 {
		r.Status = we.Status
	}
	r.Message = we.Error()
	name := a.Name
	switch we.Kind {
	case wati.KindUnavailable:
		r.Outcome = "unreachable"
		return cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitUnavailable, "account %q is unreachable at %s: %s", name, a.Endpoint, cause(we)),
			"Check the endpoint (handoff account show "+name+") and the network; it is safe to try again.")
	case wati.KindRateLimited:
		r.Outcome = "rate_limited"
		return cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitUnavailable, "account %q: Wati is rate-limiting this token (429)", name), we.Hint())
	case wati.KindUnauthorized:
		r.Outcome = "unauthorized"
		hint := "Run: handoff account add " + name + " --with-token"
		if strings.HasPrefix(src, "env ") {
			hint = "The token comes from " + strings.TrimPrefix(src, "env ") + ": set it to a valid token, or unset it to use credentials.yaml."
		}
		return cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitAuth, "account %q rejected the token (401)", name), hint)
	case wati.KindForbidden:
		r.Outcome = "forbidden"
		msg := ""
		if we.Msg != "" {
			msg = ": " + we.Msg
		}
		return cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitAuth, "account %q: the token was refused (403) for %s%s", name, r.Check, msg),
			"A 403 means a missing scope, or a role, plan, channel or workspace restriction. Handoffs need one scope per line:\n"+
				strings.TrimRight(scopeLines(r.ScopesNeeded), "\n"))
	case wati.KindRedirect:
		r.Outcome = "redirect"
		return err
	case wati.KindNotFound, wati.KindMalformed:
		r.Outcome = "not_a_wati_api"
		return cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitConfig, "account %q: %s does not answer like a Wati API (%s)", name, a.Endpoint, we.Error()),
			"Check the endpoint: it is the API host shown with the token in Wati (Connector > API), e.g. https://live-mt-server.wati.io.")
	}
	r.Outcome = "error"
	return err
}

func cause(we *wati.Error) string {
	if we.Status != 0 {
		return fmt.Sprintf("HTTP %d", we.Status)
	}
	if we.Msg != "" {
		return we.Msg
	}
	if we.Err != nil {
		return we.Err.Error()
	}
	return string(we.Kind)
}

func finish(opts *Options, r *Result, err error) error {
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if e := enc.Encode(r); e != nil {
			return e
		}
		return err
	}
	if err != nil {
		return err
	}
	out := opts.IO.Out
	fmt.Fprintf(out, "OK: account %s accepted the token.\n", r.Account)
	fmt.Fprintf(out, "  endpoint  %s (%s)\n", r.Endpoint, r.API)
	fmt.Fprintf(out, "  token     %s\n", r.TokenSource)
	status := ""
	if r.Status != 0 {
		status = fmt.Sprintf(" → %d", r.Status)
	}
	fmt.Fprintf(out, "  checked   %s%s in %dms\n", r.Check, status, r.ElapsedMS)
	if r.API == "v1" {
		fmt.Fprintf(out, "  chatbots  %d\n", r.Chatbots)
	} else if len(r.Channels) > 0 {
		fmt.Fprintf(out, "  channels  %s (and the default channel, which Wati does not list)\n", strings.Join(r.Channels, ", "))
	} else {
		fmt.Fprintf(out, "  channels  only the default one (Wati does not list it)\n")
	}
	fmt.Fprintf(out, "Handoffs need a token with one of these scopes per call (\"api\" covers all):\n%s", scopeLines(r.ScopesNeeded))
	return nil
}
