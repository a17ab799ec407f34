// Package release is `handoff release`: hand conversations back to the bot.
package release

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/time/rate"

	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/conversation"
	"github.com/handoff-dev/handoff/pkg/handoff"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// Options are everything `handoff release` needs.
type Options struct {
	IO       *cmdutil.IOStreams
	Client   func(account string, dryRun bool) (*wati.Client, error)
	StateDir func() string

	Target  string
	From    string
	Account string
	Status  string
	Note    string
	Rate    float64
	DryRun  bool
	JSON    bool
}

// NewCmdRelease returns `handoff release`.
func NewCmdRelease(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Client: f.Client, StateDir: func() string { return f.Settings.StateDir }}
	cmd := &cobra.Command{
		Use:   "release (--conversation TARGET | --from FILE|-)",
		Short: "Hand a conversation (or many) back to the bot",
		Long: `Hand the conversation back to the workspace's bot operator, when the person who
held it is done: Wati's assign operator with no email (PUT
conversations/{target}/operator {"assignee_email": null}; v1: assignOperator
without email). With --status it then sets the conversation's status (open,
pending, solved or block: PUT conversations/{target}/status). Afterwards
handoff status says "the bot has it" and the AI agent may reply again.

Every release is recorded in the audit log (see handoff log), like a handoff.

Many conversations (--from FILE, or - for stdin): a CSV with a "target" or
"conversation" column, or one target per line, released one after the other
(--rate: at most N a second); a summary follows, and --json prints one result
per line instead.

Exit codes: 0 released; 1 Wati refused it (--from: any target failed); 2 bad
flag or target; 3 unknown account; 4 token refused; 5 conversation not found;
6 Wati unavailable after retries; 7 outcome unknown.`,
		Example: `  handoff release --conversation +14155552671
  handoff release --conversation Support:14155552671 --status solved --json
  handoff release --from done.csv --status solved
  handoff release --conversation 14155552671 --dry-run`,
		Args:    cobra.NoArgs,
		GroupID: "core",
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.Settings != nil && opts.Account == "" {
				opts.Account = f.Settings.Account
			}
			usage := func(format string, a ...any) error {
				return cmdutil.WithHint(cmdutil.UsageError(format, a...), "Run: handoff release --help")
			}
			switch {
			case opts.Target == "" && opts.From == "":
				return usage("give the conversation: --conversation TARGET, or --from FILE for many")
			case opts.Target != "" && opts.From != "":
				return usage("--conversation and --from cannot be used together")
			case opts.From == "" && cmd.Flags().Changed("rate"):
				return usage("--rate only applies with --from")
			}
			if err := cmdutil.CheckRate(opts.Rate, "no limit"); err != nil {
				return cmdutil.WithHint(err, "Run: handoff release --help")
			}
			if s := strings.ToLower(strings.TrimSpace(opts.Status)); s != "" {
				if !wati.ValidStatus(s) {
					return cmdutil.WithHint(cmdutil.UsageError("--status %q is not one of %s", opts.Status, strings.Join(wati.Statuses, ", ")),
						"Use --status solved (or open, pending, block), or leave it out to keep the status.")
				}
				opts.Status = s
			}
			if runF != nil {
				return runF(opts)
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return runRelease(ctx, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Target, "conversation", "c", "", "the conversation: phone, 24-hex conversation id, or Channel:Phone")
	fl.StringVar(&opts.From, "from", "", "release every target in FILE (CSV with a target column, or one per line); - for stdin")
	fl.StringVar(&opts.Status, "status", "", "then set the conversation's status: open, pending, solved or block")
	fl.StringVar(&opts.Note, "note", "", "free text kept in the audit log (not shown in Wati)")
	fl.Float64Var(&opts.Rate, "rate", 0, "--from: at most this many releases a second (0: no limit)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the requests (token redacted) and send nothing")
	fl.BoolVar(&opts.JSON, "json", false, "print the result as JSON (--from: one object per line)")
	_ = cmd.RegisterFlagCompletionFunc("status", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return wati.Statuses, cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("conversation", cobra.NoFileCompletions)
	return cmd
}

func deps(o *Options) conversation.Deps {
	d := conversation.Deps{Client: o.Client}
	if o.StateDir != nil && o.StateDir() != "" {
		d.Audit = handoff.NewAuditLog(o.StateDir())
	}
	return d
}

func runRelease(ctx context.Context, o *Options) error {
	d := deps(o)
	if d.Audit != nil {
		defer d.Audit.Close()
	}
	if o.From != "" {
		return runMany(ctx, o, d)
	}
	res := conversation.Release(ctx, d, conversation.ReleaseRequest{
		Account: o.Account, Target: o.Target, Status: o.Status, DryRun: o.DryRun, Source: "release", Note: o.Note,
	})
	for _, w := range res.Warnings {
		fmt.Fprintf(o.IO.ErrOut, "warning: %s\n", w)
	}
	if o.JSON {
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else if res.OK {
		if o.DryRun {
			cmdutil.PrintRequests(o.IO.Out, res.Requests)
		}
		fmt.Fprintln(o.IO.Out, res.Message())
	}
	if res.OK {
		return nil
	}
	return &cmdutil.Error{Code: res.ExitCode(), Err: fmt.Errorf("releasing %s: %w", res.Target, res.Err), Tip: cmdutil.HintOf(res.Err)}
}

func runMany(ctx context.Context, o *Options, d conversation.Deps) error {
	var in io.Reader = o.IO.In
	if o.From != "-" {
		f, err := os.Open(o.From)
		if err != nil {
			return cmdutil.WithHint(cmdutil.UsageError("reading the input: %v", err), "Give an existing file to --from, or - for stdin.")
		}
		defer f.Close()
		in = f
	}
	var lim *rate.Limiter
	if o.Rate > 0 {
		lim = rate.NewLimiter(rate.Limit(o.Rate), 1)
	}
	enc := json.NewEncoder(o.IO.Out)
	released, failed := 0, 0
	err := handoff.EachTarget(ctx, in, func(line int, raw string) error {
		if lim != nil {
			if err := lim.Wait(ctx); err != nil {
				return err
			}
		}
		res := conversation.Release(ctx, d, conversation.ReleaseRequest{
			Account: o.Account, Target: raw, Status: o.Status, DryRun: o.DryRun, Source: "release", Note: o.Note,
		})
		res.Line = line
		if res.OK {
			released++
		} else {
			failed++
		}
		if o.JSON {
			return enc.Encode(res)
		}
		if res.OK {
			fmt.Fprintln(o.IO.Out, res.Message())
		} else {
			fmt.Fprintf(o.IO.Out, "line %d: %s\n", line, res.Message())
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return cmdutil.ErrCancelled
		}
		var ie *handoff.InputError
		if errors.As(err, &ie) {
			return cmdutil.WithHint(err, `Give one target per line, or a CSV with a "target" (or "conversation") column.`)
		}
		return err
	}
	if !o.JSON {
		fmt.Fprintf(o.IO.ErrOut, "release: %d released, %d failed\n", released, failed)
	}
	if failed > 0 {
		return &cmdutil.SilentError{Code: cmdutil.ExitFailure} // as assign --from: some targets failed
	}
	return nil
}
