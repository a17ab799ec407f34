// Package mcp is the `handoff mcp` command: the actions folder served as
// Model Context Protocol tools over stdio.
package mcp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/conversation"
	"github.com/handoff-dev/handoff/pkg/handoff"
	hmcp "github.com/handoff-dev/handoff/pkg/mcp"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// Options are what `handoff mcp` runs with.
type Options struct {
	IO      *cmdutil.IOStreams
	Actions func() (*action.Store, error)
	Client  func(account string, dryRun bool) (*wati.Client, error)
	Version string

	Dir      string // actions folder (global --dir)
	Account  string // global --account: overrides every action's account
	StateDir string // audit log
	// RepeatWindow: a chatbot action is not started again on a conversation
	// within it (Settings.RepeatWindow; 0: no check).
	RepeatWindow time.Duration
	Debug        string        // HANDOFF_DEBUG; "mcp" logs the protocol on stderr
	ReadOnly     bool          // calls run as dry runs
	Watch        bool          // follow the folder
	Debounce     time.Duration // quiet time before a reload

	watching func() // tests: called once the folder is watched
}

// ConfigSnippet is what adds the server to an MCP client's configuration.
const ConfigSnippet = `{
  "mcpServers": {
    "handoff": {
      "command": "handoff",
      "args": ["mcp", "--dir", "/path/to/actions"]
    }
  }
}`

// NewCmdMCP returns `handoff mcp`.
func NewCmdMCP(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Actions: f.Actions, Client: f.Client, Version: f.Version, Watch: true}
	cmd := &cobra.Command{
		Use:     "mcp",
		Short:   "Serve the actions as tools for AI agents (MCP over stdio)",
		GroupID: "core",
		Args:    cobra.NoArgs,
		Long: `Serve every valid action in the actions folder as a tool of a Model Context Protocol
server on stdin and stdout, so that any MCP-capable AI agent can hand a conversation off.

Each action is one tool. Its name is the action's name; its description is the action's
intent (when to call it) followed by what it does; it takes {"conversation": "...",
"note": "..."}: the customer's phone number, Wati conversation id or Channel:Phone, and an
optional note. A call runs exactly what "handoff assign" runs (same client, retries and
audit log) and returns the fields of "assign --json" plus a summary. A failed handoff is
a tool error that says why; the server keeps running.

Wati has no API for internal notes: the note goes to the audit log and the result only.

Two more tools are always served: conversation_status {"conversation"} says who holds the
conversation now (as handoff status: "a human has it, do not reply" or "the bot has it";
read-only), and release_conversation {"conversation", "status"?, "note"?} hands it back to
the bot (as handoff release). An agent should ask conversation_status before replying.

Invalid action files are skipped with a warning on stderr. The server watches the folder:
adding, editing or deleting an action file updates the tools and notifies the client.
stdout carries nothing but the protocol; notices and warnings go to stderr
(HANDOFF_DEBUG=mcp also logs the protocol there).

With --read-only the tools are listed as usual but every call is a dry run: nothing is
changed in Wati, and the result shows the requests a real call would send. User and bot
actions send nothing at all. Team actions make one read, with the account's token: GET
/api/ext/v3/contacts/{target}, for the contact's current teams, so that the result can
name the teams a real call would replace (or keep); the result lists that read with its
status. Use it to try an agent.

Tool hints: team actions are destructive (they replace the contact's teams, unless
keep_teams is set) and idempotent; user and bot-operator actions are idempotent and not
destructive; chatbot actions are not idempotent (every call starts the flow again). All
are open-world. Under --read-only all are read-only.

To add the server to an MCP client (Claude Desktop, Cursor, VS Code, ...), put this in
its configuration, with the absolute path of your actions folder:

` + indent(ConfigSnippet, "  ") + `

The account's token comes from the environment or credentials.yaml as for every other
command (HANDOFF_TOKEN_<ACCOUNT> can be set in the client's "env" block).`,
		Example: `  # serve ./actions to an agent on stdio
  handoff mcp

  # another folder, calls as dry runs
  handoff mcp --dir ~/support/actions --read-only

  # the same tools for agents that do not speak MCP
  handoff export --format openai`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if s := f.Settings; s != nil {
				opts.Dir, opts.Account, opts.StateDir, opts.Debug = s.Dir, s.Account, s.StateDir, s.Debug
				opts.RepeatWindow = s.RepeatWindow
			}
			if runF != nil {
				return runF(opts)
			}
			return runMCP(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.ReadOnly, "read-only", false, "list the tools but run every call as a dry run: nothing is changed in Wati (team actions read the contact)")
	cmd.Flags().BoolVar(&opts.Watch, "watch", true, "follow the actions folder and update the tools when files change")
	return cmd
}

func indent(s, pre string) string {
	return pre + strings.ReplaceAll(s, "\n", "\n"+pre)
}

func runMCP(ctx context.Context, opts *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := checkDir(opts.Dir); err != nil {
		return err
	}
	store, err := opts.Actions()
	if err != nil {
		return err
	}
	var logMu sync.Mutex
	logf := func(format string, a ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		fmt.Fprintf(opts.IO.ErrOut, "handoff mcp: "+format+"\n", a...)
	}
	var logger *slog.Logger
	if strings.Contains(opts.Debug, "mcp") {
		logger = slog.New(slog.NewTextHandler(opts.IO.ErrOut, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	var audit *handoff.AuditLog
	if opts.StateDir != "" {
		audit = handoff.NewAuditLog(opts.StateDir)
		defer audit.Close()
	}
	deps := handoff.Deps{Client: opts.Client, Audit: audit}
	runner := hmcp.RunnerFunc(func(ctx context.Context, c hmcp.Call) handoff.Result {
		r := handoff.Execute(ctx, deps, handoff.Request{
			Action:    c.Action,
			Account:   opts.Account,
			Target:    c.Conversation,
			DryRun:    c.DryRun,
			KeepTeams: c.Action.Assignee.KeepTeams,
			Source:    "mcp",
			Note:      c.Note,
			Vars:      mcpVars(c),
			// A tool called twice must not start a chatbot twice.
			RepeatWindow: windowOrOff(opts.RepeatWindow),
		})
		what := r.Outcome
		if r.Error != "" {
			what += ": " + r.Error
		}
		logf("%s %s: %s", c.Action.Name, orDash(r.Target, c.Conversation), what)
		return r
	})
	srv, err := hmcp.New(hmcp.Options{
		Load:     hmcp.StoreLoader(store),
		Runner:   runner,
		ReadOnly: opts.ReadOnly,
		Version:  opts.Version,
		Logf:     logf,
		Logger:   logger,
		Status: func(ctx context.Context, target string) (conversation.Status, error) {
			return conversation.Check(ctx, conversation.Deps{Client: opts.Client, Audit: audit}, opts.Account, target)
		},
		Release: func(ctx context.Context, req conversation.ReleaseRequest) conversation.ReleaseResult {
			req.Account = opts.Account
			return conversation.Release(ctx, conversation.Deps{Client: opts.Client, Audit: audit}, req)
		},
	})
	if err != nil {
		return err
	}
	if err := srv.Reload(ctx); err != nil {
		return cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitConfig, "reading actions folder %s: %v", opts.Dir, err),
			"Check the folder's permissions, or point --dir (HANDOFF_DIR) at another one.")
	}
	mode := ""
	if opts.ReadOnly {
		mode = " (read-only: calls are dry runs)"
	}
	n := len(srv.Names())
	logf("serving %d %s from %s%s", n, plural(n, "tool", "tools"), opts.Dir, mode)
	if n == 0 {
		logf("warning: no valid actions in %s yet; add some with: handoff configure", opts.Dir)
	}
	if opts.IO.IsStdinTTY() {
		logf("this is an MCP server on stdin/stdout, meant to be started by an MCP client (see: handoff mcp --help); Ctrl-D or Ctrl-C ends it")
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	if opts.Watch {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Watch(ctx, opts.Dir, opts.Debounce, opts.watching); err != nil {
				logf("warning: not watching %s: %v (restart the server after changing actions)", opts.Dir, err)
			}
		}()
	}
	// Our transport answers malformed lines instead of ending the session,
	// and lets the calls in flight finish when stdin closes.
	t := &hmcp.StdioTransport{In: opts.IO.In, Out: opts.IO.Out, Logf: logf}
	err = srv.Run(ctx, t)
	cancel()
	wg.Wait()
	if err != nil && !errors.Is(err, io.EOF) && ctx.Err() == nil {
		return fmt.Errorf("mcp session: %w", err)
	}
	return nil
}

// checkDir makes sure the actions folder is there before the server starts.
func checkDir(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitConfig, "actions folder %s does not exist", dir),
			"Point --dir (or HANDOFF_DIR) at your actions, or create one with: handoff configure")
	case err != nil:
		return cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitConfig, "actions folder %s: %v", dir, err),
			"Point --dir (or HANDOFF_DIR) at a readable folder.")
	case !st.IsDir():
		return cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitConfig, "%s is not a folder", dir),
			"--dir names the folder that holds the action files, not a file.")
	}
	return nil
}

func orDash(s, alt string) string {
	if s != "" {
		return s
	}
	if alt != "" {
		return alt
	}
	return "-"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// mcpVars are the placeholder values an agent gave.
func mcpVars(c hmcp.Call) handoff.Vars {
	v := handoff.Vars{}
	if c.Reason != "" {
		v["reason"] = c.Reason
	}
	if c.Summary != "" {
		v["summary"] = c.Summary
	}
	return v
}

// windowOrOff maps Settings' 0 (off) to handoff.Request's negative.
func windowOrOff(w time.Duration) time.Duration {
	if w <= 0 {
		return -1
	}
	return w
}
