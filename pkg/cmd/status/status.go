// Package status is `handoff status`: who holds a conversation now.
package status

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/conversation"
	"github.com/handoff-dev/handoff/pkg/handoff"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// Options are everything `handoff status` needs.
type Options struct {
	IO       *cmdutil.IOStreams
	Client   func(account string, dryRun bool) (*wati.Client, error)
	StateDir func() string
	Now      func() time.Time

	Target  string
	Account string
	JSON    bool
}

// NewCmdStatus returns `handoff status`.
func NewCmdStatus(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Client: f.Client, Now: time.Now,
		StateDir: func() string { return f.Settings.StateDir }}
	cmd := &cobra.Command{
		Use:   "status --conversation TARGET",
		Short: "Who holds a conversation now: a human (do not reply) or the bot",
		Long: `Say who holds the conversation now (an operator, a team, the bot operator or a
chatbot), since when, the last handoff recorded on this machine, and one verdict an
AI agent can act on: "a human has it, do not reply" or "the bot has it".

Wati has no route that returns a conversation's assignee, so the answer is read
from what it documents: the conversation's newest messages and events (each
carries assigned_id and operator_name: an operator named there holds it), the
contact's teams, and handoff's audit log (see handoff log) for team and bot
handoffs, which Wati's events do not name. It costs two read calls (messages and
contact) on a v3 account; a v1 account has no message route, so the answer rests
on the audit log there.

The exit code is the verdict, for scripts:
  0    the bot has it: the AI agent may reply
  10   a human has it: do not reply
  2-7  it could not tell (bad target, account, token, not found, Wati unavailable):
       do not reply either (see handoff help exit-codes)

--json prints one object: holder (human or bot), human, verdict, assignee (type,
name, email, id, teams), since, teams, last_handoff, last_event, evidence.`,
		Example: `  handoff status --conversation +14155552671
  handoff status --conversation Support:14155552671 --json | jq -r .verdict

  # an agent's wrapper: reply only while the bot holds the conversation
  if handoff status --conversation "$PHONE" >/dev/null; then send_reply; fi`,
		Args:    cobra.NoArgs,
		GroupID: "core",
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.Settings != nil && opts.Account == "" {
				opts.Account = f.Settings.Account
			}
			if strings.TrimSpace(opts.Target) == "" {
				return cmdutil.WithHint(cmdutil.UsageError("give the conversation: --conversation TARGET"), "Run: handoff status --help")
			}
			if runF != nil {
				return runF(opts)
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return runStatus(ctx, opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Target, "conversation", "c", "", "the conversation: phone, 24-hex conversation id, or Channel:Phone")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the answer as one JSON object")
	_ = cmd.RegisterFlagCompletionFunc("conversation", cobra.NoFileCompletions)
	return cmd
}

func runStatus(ctx context.Context, o *Options) error {
	var audit *handoff.AuditLog
	if o.StateDir != nil && o.StateDir() != "" {
		audit = handoff.NewAuditLog(o.StateDir())
	}
	st, err := conversation.Check(ctx, conversation.Deps{Client: o.Client, Audit: audit, Now: o.Now}, o.Account, o.Target)
	if err != nil {
		return err
	}
	for _, w := range st.Warnings {
		fmt.Fprintf(o.IO.ErrOut, "warning: %s\n", w)
	}
	if o.JSON {
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(st); err != nil {
			return err
		}
	} else {
		Print(o.IO.Out, st, o.Now())
	}
	if st.Human {
		return &cmdutil.SilentError{Code: cmdutil.ExitHuman}
	}
	return nil
}

// Print writes the answer for people.
func Print(w io.Writer, st conversation.Status, now time.Time) {
	verdict := strings.ToUpper(st.Verdict[:1]) + st.Verdict[1:] + "."
	fmt.Fprintln(w, verdict)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	conv := st.Target
	if st.ConversationID != "" && st.ConversationID != st.Target {
		conv += " (conversation " + st.ConversationID + ")"
	}
	fmt.Fprintf(tw, "  conversation\t%s, account %s\n", conv, st.Account)
	fmt.Fprintf(tw, "  held by\t%s\n", Describe(st.Assignee))
	if st.Since != nil {
		fmt.Fprintf(tw, "  since\t%s (%s ago)\n", st.Since.Local().Format("2006-01-02 15:04:05"), ago(now.Sub(*st.Since)))
	}
	switch {
	case !st.TeamsKnown:
		fmt.Fprintf(tw, "  teams\tunknown\n")
	case len(st.Teams) == 0:
		fmt.Fprintf(tw, "  teams\tnone\n")
	default:
		fmt.Fprintf(tw, "  teams\t%s\n", strings.Join(st.Teams, ", "))
	}
	if h := st.LastHandoff; h != nil {
		what := h.Assignee
		if h.Action != "" {
			what = h.Action + " → " + what
		} else if h.Kind == conversation.KindRelease {
			what = "released → " + what
		}
		fmt.Fprintf(tw, "  last handoff\t%s %s (%s, via %s)\n", h.Time.Local().Format("2006-01-02 15:04:05"), what, h.Outcome, h.Source)
	} else {
		fmt.Fprintf(tw, "  last handoff\tnone recorded on this machine\n")
	}
	fmt.Fprintf(tw, "  because\t%s\n", st.Evidence)
	_ = tw.Flush()
}

// Describe names a holder in words.
func Describe(h conversation.Holder) string {
	switch h.Type {
	case conversation.TypeOperator:
		s := "operator"
		if h.Name != "" {
			s += " " + h.Name
		}
		if h.Email != "" {
			s += " <" + h.Email + ">"
		}
		if h.Name == "" && h.Email == "" && h.ID != "" {
			s += " " + h.ID
		}
		return s
	case conversation.TypeTeam:
		if len(h.Teams) > 1 {
			return "teams " + strings.Join(h.Teams, ", ")
		}
		return "the " + h.Name + " team"
	case conversation.TypeChatbot:
		return h.Name
	}
	return "the bot operator"
}

func ago(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Minute:
		return d.Round(time.Second).String()
	case d < 48*time.Hour:
		return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}
