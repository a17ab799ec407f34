package root

import (
	"fmt"

	"github.com/spf13/cobra"
)

type helpTopic struct{ name, short, long string }

var helpTopics = []helpTopic{
	{"exit-codes", "Exit codes and what they mean", `handoff exits with one of these codes, so scripts and CI can act on the result:

  0    success
  1    the operation failed: Wati refused it, some batch targets failed, or
       validation found errors
  2    usage error: bad flag, bad argument, missing input when not interactive
  3    configuration error: unreadable or invalid action or config file, unknown account
  4    authentication or permission refused by Wati (401/403)
  5    not found: action, conversation, contact or chatbot
  6    Wati unavailable or rate-limited after all retries (safe to retry later)
  7    outcome unknown: a write timed out or failed mid-way; check before retrying
  8    partial: the conversation was handed off (the AI agent must stop replying),
       but a later step of the action (status, context, message) failed or its
       outcome is unknown; the output says which (batch: some targets partial,
       none failed or unknown)
  10   handoff status only: a human holds the conversation, do not reply
       (status exits 0 when the bot holds it, and 2 to 7 when it could not tell)
  130  cancelled by the user (Ctrl-C, Esc in a form); nothing was written`},
	{"environment", "Environment variables handoff reads", `Precedence everywhere: flag > environment > config.yaml > default.

  HANDOFF_DIR              folder of action files (--dir; default ./actions)
  HANDOFF_CONFIG_DIR       configuration folder (--config-dir; default
                           $XDG_CONFIG_HOME/handoff, else ~/.config/handoff)
  HANDOFF_CACHE_DIR        directory caches (default $XDG_CACHE_HOME/handoff)
  HANDOFF_STATE_DIR        audit log and batch journals (default $XDG_STATE_HOME/handoff)
  HANDOFF_ACCOUNT          account to use instead of an action's own (--account)
  HANDOFF_TOKEN_<ACCOUNT>  the token of one account; the name upper-cased, any other
                           character as _ (account acme-prod: HANDOFF_TOKEN_ACME_PROD)
  HANDOFF_TOKEN            the token of any account without its own variable
  HANDOFF_REQUEST_TIMEOUT  per-request timeout (default 15s)
  HANDOFF_DEADLINE         deadline of one Wati call with all its retries (default 60s)
  HANDOFF_DIRECTORY_TTL    age at which a directory cache is refreshed (default 24h)
  HANDOFF_REPEAT_WINDOW    a chatbot start on a conversation is not repeated within it
                           (default 10m; 0 turns the check off; assign --repeat-window)
  HANDOFF_DEBUG=api        print each Wati request and response on stderr (token redacted)
  HANDOFF_NO_PROMPT        never show interactive forms, even on a terminal
  HANDOFF_ACCESSIBLE=1     forms as line-by-line prompts for screen readers (also TERM=dumb)
  NO_COLOR                 no colour in any output
  GITHUB_ACTIONS=true      validate writes GitHub workflow annotations by default

Tokens never belong in config.yaml or in action files.`},
}

func newHelpTopic(t helpTopic) *cobra.Command {
	cmd := &cobra.Command{
		Use:     t.name,
		Short:   t.short,
		Long:    t.long,
		GroupID: "help",
		Args:    cobra.NoArgs,
		Run: func(c *cobra.Command, _ []string) {
			fmt.Fprintln(c.OutOrStdout(), c.Long)
		},
	}
	cmd.SetHelpFunc(func(c *cobra.Command, _ []string) { fmt.Fprintln(c.OutOrStdout(), c.Long) })
	return cmd
}
