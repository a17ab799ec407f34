// Package sandbox is `handoff sandbox`: a local Wati-compatible server.
package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/sandbox"
)

// Options are the parsed flags of `handoff sandbox`.
type Options struct {
	IO *cmdutil.IOStreams

	Addr             string
	Token            string
	TenantID         string
	SeedFile         string
	GenerateContacts int
	Latency          time.Duration
	FailRate         float64
	RateLimit        int
	ReplyAfter       time.Duration
	ReplyJitter      float64
	Unanswered       float64
	Quiet            bool
	JSON             bool

	// Started is called once the server listens (tests).
	Started func(*sandbox.Server)
}

// NewCmdSandbox returns the sandbox command.
func NewCmdSandbox(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO}
	cmd := &cobra.Command{
		Use:     "sandbox [--addr HOST:PORT] [--token TOKEN] [--seed FILE] [--latency DUR] [--fail-rate F]",
		Short:   "Run a local Wati-compatible server for demos and tests",
		GroupID: "setup",
		Long: `Run a local Wati: the v3 and v1 routes handoff uses (assign operator, start
chatbot, contacts/teams, chatbots, contacts, channels, conversation status),
with Wati's status codes and bodies, over an in-memory workspace. It is as
strict as Wati's OpenAPI description: page_number and page_size are required
(1-based, size 1 to 100), unknown body fields are refused (400), each route
takes only the target forms the spec lists for it.

Operations of Wati's OpenAPI description (v3) it serves:
` + specOperationsHelp() + `
The workspace comes from --seed FILE, or from the built-in one (a copy is in
configs/sandbox.yaml): teams, operators, chatbots, channels and contacts,
including contact 14155552671, chatbot 607f1f77bcf86cd799439011 ("Returns
flow") and contact 447700900123, open on two channels (a phone target answers
409 there unless the channel is named). --generate-contacts N adds contacts
15550000000 to 15550000000+N-1, each with an open conversation.

On start it prints the URL, the token and the "handoff account add" line that
connects to it (stdout); each request is logged on stderr (--quiet: none). It
stops cleanly on Ctrl-C (SIGINT) or SIGTERM. Nothing is saved: every start is
a fresh workspace. A client that stalls is cut off: 10s to send its headers,
30s for the whole request, 2 minutes idle between requests.

The token is a local, made-up one ("sandbox-token" unless --token), with
scope "api"; the seed may list extra tokens with narrower scopes to try 403s.
v1 routes live under /{tenant-id}/api/v1/ (and /api/v1/).

Faults, to see how handoff copes:
  --latency DUR     delay every answer
  --fail-rate F     answer that fraction of writes 500 (change applied, answer
                    lost: "outcome unknown") or 503 (nothing applied)
  --rate-limit N    answer 429 with Retry-After beyond N requests a second

People who answer (for handoff status and handoff stats):
  --reply-after DUR after a conversation is assigned to an operator or a team,
                    a person replies that long after (0: nobody replies); the
                    reply is a message with owner true, operator_name and
                    assigned_id, as Wati's messages carry them
  --reply-jitter F  vary the delay by ± that fraction (default 0.5)
  --unanswered F    the share of assignments nobody ever answers (default 0.2)

Inspection (no token needed, none shown):
  GET /_sandbox/state[?contact=PHONE]   teams, assignees, chatbot starts
  GET /_sandbox/requests[?path=TEXT]    the request log (token never logged)`,
		Example: `  # start it, then connect an account in another terminal
  handoff sandbox
  echo sandbox-token | handoff account add sandbox --endpoint http://127.0.0.1:8089 --with-token

  # a free port, no request log, the start banner as JSON (for scripts)
  handoff sandbox --addr 127.0.0.1:0 --quiet --json

  # 10 000 extra contacts, slow and flaky, rate-limited
  handoff sandbox --generate-contacts 10000 --latency 200ms --fail-rate 0.1 --rate-limit 50

  # people answer handoffs 30s later (± 50%), one in five never
  handoff sandbox --reply-after 30s --reply-jitter 0.5 --unanswered 0.2

  # your own workspace
  cp configs/sandbox.yaml my-workspace.yaml && handoff sandbox --seed my-workspace.yaml

  # what changed
  curl -s http://127.0.0.1:8089/_sandbox/state?contact=14155552671`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !(opts.FailRate >= 0 && opts.FailRate <= 1) { // NaN fails both comparisons: say so
				return cmdutil.WithHint(cmdutil.UsageError("--fail-rate %v is not between 0 and 1", opts.FailRate), "Use a fraction, e.g. --fail-rate 0.1 for one write in ten.")
			}
			if opts.RateLimit < 0 || opts.GenerateContacts < 0 || opts.Latency < 0 || opts.ReplyAfter < 0 {
				return cmdutil.UsageError("--rate-limit, --generate-contacts, --latency and --reply-after cannot be negative")
			}
			if opts.ReplyJitter < 0 || opts.ReplyJitter > 1 || opts.Unanswered < 0 || opts.Unanswered > 1 {
				return cmdutil.WithHint(cmdutil.UsageError("--reply-jitter %v and --unanswered %v must be between 0 and 1", opts.ReplyJitter, opts.Unanswered),
					"Use fractions, e.g. --reply-jitter 0.5 --unanswered 0.2.")
			}
			if opts.Latency > maxLatency {
				return cmdutil.WithHint(cmdutil.UsageError("--latency %s is too long (at most %s)", opts.Latency, maxLatency),
					"A slow Wati answers in seconds: try --latency 2s.")
			}
			if opts.Token == "" || strings.ContainsAny(opts.Token, " \t\r\n") {
				return cmdutil.UsageError("--token must be non-empty and without spaces")
			}
			if _, _, err := net.SplitHostPort(opts.Addr); err != nil {
				return cmdutil.WithHint(cmdutil.UsageError("--addr %q is not HOST:PORT", opts.Addr), "For example --addr 127.0.0.1:8089, or 127.0.0.1:0 for a free port.")
			}
			if runF != nil {
				return runF(opts)
			}
			return runSandbox(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Addr, "addr", sandbox.DefaultAddr, "address to listen on (port 0: a free one)")
	fl.StringVar(&opts.Token, "token", sandbox.DefaultToken, "the API token the sandbox accepts")
	fl.StringVar(&opts.TenantID, "tenant-id", sandbox.DefaultTenantID, "tenant id of the v1 routes (/{tenant-id}/api/v1/...)")
	fl.StringVar(&opts.SeedFile, "seed", "", "workspace YAML (default: the built-in one, as configs/sandbox.yaml)")
	fl.IntVar(&opts.GenerateContacts, "generate-contacts", 0, "add N contacts 15550000000+i, each with an open conversation")
	fl.DurationVar(&opts.Latency, "latency", 0, "delay every answer by this long")
	fl.Float64Var(&opts.FailRate, "fail-rate", 0, "fraction of writes answered 500 or 503 (0 to 1)")
	fl.IntVar(&opts.RateLimit, "rate-limit", 0, "answer 429 beyond N requests a second (0: no limit)")
	fl.DurationVar(&opts.ReplyAfter, "reply-after", 0, "a person replies this long after an assignment to an operator or team (0: nobody replies)")
	fl.Float64Var(&opts.ReplyJitter, "reply-jitter", 0.5, "vary the reply delay by ± this fraction (0 to 1)")
	fl.Float64Var(&opts.Unanswered, "unanswered", 0.2, "share of assignments nobody answers, with --reply-after (0 to 1)")
	fl.BoolVar(&opts.Quiet, "quiet", false, "do not log each request on stderr (for benchmarks)")
	fl.BoolVar(&opts.JSON, "json", false, "print the start banner as one JSON object")
	_ = cmd.RegisterFlagCompletionFunc("seed", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
	})
	for _, name := range []string{"addr", "token", "tenant-id", "generate-contacts", "latency", "fail-rate", "rate-limit", "reply-after", "reply-jitter", "unanswered"} {
		_ = cmd.RegisterFlagCompletionFunc(name, cobra.NoFileCompletions)
	}
	return cmd
}

// maxLatency bounds --latency: beyond it every client times out anyway.
const maxLatency = time.Hour

// Banner is what `handoff sandbox --json` prints on start.
type Banner struct {
	URL          string `json:"url"`
	Token        string `json:"token"`
	TenantID     string `json:"tenant_id"`
	AccountAdd   string `json:"account_add"`
	AccountAddV1 string `json:"account_add_v1"`
	Contacts     int    `json:"contacts"`
}

func runSandbox(ctx context.Context, opts *Options) error {
	var seed *sandbox.Seed
	if opts.SeedFile != "" {
		s, err := sandbox.LoadSeed(opts.SeedFile)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitConfig, "seed file: %v", err), "Start from a copy of configs/sandbox.yaml.")
			}
			return cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitConfig, "seed file %v", err), "Compare it with configs/sandbox.yaml.")
		}
		seed = s
	}
	var logw io.Writer
	if !opts.Quiet {
		logw = opts.IO.ErrOut
	}
	srv, err := sandbox.New(sandbox.Options{
		Token: opts.Token, TenantID: opts.TenantID, Seed: seed, GenerateContacts: opts.GenerateContacts,
		Latency: opts.Latency, FailRate: opts.FailRate, RateLimit: opts.RateLimit, Log: logw,
		ReplyAfter: opts.ReplyAfter, ReplyJitter: opts.ReplyJitter, Unanswered: opts.Unanswered,
	})
	if err != nil {
		return cmdutil.Errorf(cmdutil.ExitConfig, "sandbox: %v", err)
	}
	if err := srv.Start(opts.Addr); err != nil {
		hint := "Pick another address with --addr, e.g. --addr 127.0.0.1:0 for a free port."
		if !errors.Is(err, syscall.EADDRINUSE) {
			hint = "Check --addr: a local address and a free port, e.g. 127.0.0.1:8089."
		}
		return cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitFailure, "sandbox: %v", err), hint)
	}
	defer srv.Close()

	b := Banner{
		URL: srv.URL(), Token: srv.Token(), TenantID: srv.TenantID(),
		AccountAdd:   fmt.Sprintf("echo %s | handoff account add sandbox --endpoint %s --with-token", srv.Token(), srv.URL()),
		AccountAddV1: fmt.Sprintf("echo %s | handoff account add sandbox-v1 --endpoint %s --api v1 --tenant-id %s --with-token", srv.Token(), srv.URL(), srv.TenantID()),
		Contacts:     len(srv.State().Contacts),
	}
	out := opts.IO.Out
	if opts.JSON {
		enc := json.NewEncoder(out)
		if err := enc.Encode(b); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(out, "Wati sandbox listening on %s\n", b.URL)
		fmt.Fprintf(out, "token:     %s\n", b.Token)
		fmt.Fprintf(out, "tenant id: %s (v1 routes under /%s/api/v1/)\n\n", b.TenantID, b.TenantID)
		fmt.Fprintf(out, "Connect an account (the token is read from stdin):\n  %s\n", b.AccountAdd)
		fmt.Fprintf(out, "or, for the v1 API:\n  %s\n\n", b.AccountAddV1)
		fmt.Fprintf(out, "See what changed: curl -s %s/_sandbox/state\n", b.URL)
	}
	if host, _, _ := net.SplitHostPort(strings.TrimPrefix(b.URL, "http://")); !isLoopback(host) {
		fmt.Fprintf(opts.IO.ErrOut, "warning: listening on %s, which other machines may reach; the sandbox has no real security\n", host)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Serving %d contacts. Press Ctrl-C to stop.\n", b.Contacts)
	if opts.Started != nil {
		opts.Started(srv)
	}

	<-ctx.Done()
	err = srv.Close()
	fmt.Fprintln(opts.IO.ErrOut, "sandbox stopped")
	return err
}

// specOperationsHelp lists the spec operations the sandbox serves, and
// says how it answers the others.
func specOperationsHelp() string {
	served, notServed := sandbox.SpecOperations()
	var b strings.Builder
	for _, op := range served {
		method, path, _ := strings.Cut(op, " ")
		fmt.Fprintf(&b, "  %-5s %s\n", method, path)
	}
	fmt.Fprintf(&b, "The spec's %d other operations (broadcasts, message and template sends,\ncontact writes, files) are answered 404.\n", len(notServed))
	return b.String()
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
