package configure

// handoff configure extras NAME: the optional sections of an action (what
// the customer is told, the contact params for the person taking over, the
// status afterwards, the fallback assignees), after the three steps and
// apart from them: the three-step wizard never asks for these.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/prompt"
)

type extrasOptions struct {
	*Options
	Text      string
	Template  string
	TParams   []string
	Context   []string
	Status    string
	Fallback  []string
	Clear     bool
	NoMessage bool
	set       map[string]bool
}

// The usual context params, offered by the form.
var usualContext = action.Params{
	{Name: "handoff_reason", Value: "{{reason}}"},
	{Name: "handoff_summary", Value: "{{summary}}"},
	{Name: "handoff_action", Value: "{{action}}"},
	{Name: "handoff_at", Value: "{{now}}"},
}

func newCmdExtras(f *cmdutil.Factory) *cobra.Command {
	o := &extrasOptions{Options: newOptions(f), set: map[string]bool{}}
	cmd := &cobra.Command{
		Use:   "extras NAME",
		Args:  cobra.ExactArgs(1),
		Short: "Optional: what the customer is told, context for the person taking over, status, fallbacks",
		Long: `Edit the optional sections of an existing action, after the three steps:

  message   what the customer is told at handoff: a session text (sent while the
            24-hour window is open) and/or an approved template (sent when Wati
            refuses the text because the window is closed)
  context   contact custom params written at handoff, so the person taking over
            sees why (handoff_reason: "{{reason}}")
  status    the conversation's status afterwards: open or pending (none: leave it)
  fallback  further assignees, tried in order when the assignee cannot take it

Texts may use the placeholders {{name}} {{reason}} {{summary}} {{action}}
{{assignee}} {{target}} {{now}}. On a terminal without flags, a form asks for
each section (Enter keeps what the file has). With flags, only the sections given
change; --clear removes them all. The rest of the file (comments, key order) is
kept.`,
		Example: `  handoff configure extras escalate-billing
  handoff configure extras escalate-billing --status pending \
    --text "Hi {{name}}, a person from Billing will reply here shortly." \
    --template handoff_notice --template-param 'name={{name}}' --template-param 'reason={{reason}}' \
    --context 'handoff_reason={{reason}}' --context 'handoff_summary={{summary}}' \
    --fallback team:Support --fallback user:maria@acme.com
  handoff configure extras escalate-billing --status none --no-message
  handoff configure extras escalate-billing --clear`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			for _, n := range []string{"text", "template", "template-param", "no-message", "context", "status", "fallback", "clear", "json"} {
				o.set[n] = cmd.Flags().Changed(n)
				if !o.set[n] {
					delete(o.set, n)
				}
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return runExtras(ctx, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Text, "text", "", "message: the session text (\"\" removes it)")
	fl.StringVar(&o.Template, "template", "", "message: the approved template's name (\"\" removes it)")
	fl.StringArrayVar(&o.TParams, "template-param", nil, "message: a template parameter, NAME=VALUE (repeatable)")
	fl.BoolVar(&o.NoMessage, "no-message", false, "remove the message section")
	fl.StringArrayVar(&o.Context, "context", nil, "a contact custom param written at handoff, NAME=VALUE (repeatable; replaces the section)")
	fl.StringVar(&o.Status, "status", "", "the status after the handoff: open, pending, or none")
	fl.StringArrayVar(&o.Fallback, "fallback", nil, "a further assignee, TYPE:VALUE (team:Support, user:maria@acme.com, bot:ID, bot:); repeatable, in order")
	fl.BoolVar(&o.Clear, "clear", false, "remove every optional section")
	fl.BoolVar(&o.JSON, "json", false, "print the action as saved, as JSON")
	return cmd
}

func runExtras(ctx context.Context, o *extrasOptions) error {
	st, err := o.Actions()
	if err != nil {
		return err
	}
	a, err := st.Load(o.Name)
	if err != nil {
		return err
	}
	x := *a.Ext()
	if len(o.set) == 0 || (len(o.set) == 1 && o.set["json"]) {
		if !o.IO.CanPrompt() {
			return cmdutil.WithHint(cmdutil.UsageError("nothing to change: give a flag, or run it on a terminal for the form"),
				"See: handoff configure extras --help")
		}
		if err := askExtras(o.prompter(ctx), a, &x); err != nil {
			if errors.Is(err, prompt.ErrAborted) {
				return &cmdutil.Error{Code: cmdutil.ExitCancel, Err: errors.New("cancelled; nothing was written")}
			}
			return err
		}
	} else if err := o.apply(&x); err != nil {
		return err
	}
	if o.Clear {
		x = action.Extras{}
	}
	usage := func(err error) error {
		return cmdutil.WithHint(cmdutil.UsageError("%v", err), "Nothing was written. See: handoff configure extras --help")
	}
	if err := x.Check(a.Assignee); err != nil {
		return usage(err)
	}
	if err := st.Update(o.Name, func(e *action.Editor) error { return e.SetExtras(&x) }); err != nil {
		var fe *action.FieldError
		if errors.As(err, &fe) {
			return usage(err)
		}
		return err
	}
	saved, err := st.Load(o.Name)
	if err != nil {
		return err
	}
	if o.JSON {
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(saved)
	}
	fmt.Fprintf(o.IO.Out, "Saved %s: steps %s.\n", st.Path(o.Name), strings.Join(saved.Steps(), ", "))
	return nil
}

func (o *extrasOptions) apply(x *action.Extras) error {
	usage := func(format string, a ...any) error {
		return cmdutil.WithHint(cmdutil.UsageError(format, a...), "See: handoff configure extras --help")
	}
	if o.set["status"] {
		switch o.Status {
		case "none", "":
			x.Status = ""
		default:
			x.Status = o.Status
		}
	}
	if o.set["context"] {
		ps, err := pairs("--context", o.Context)
		if err != nil {
			return err
		}
		x.Context = ps
		if len(ps) == 0 {
			x.Context = nil
		}
	}
	if o.set["text"] || o.set["template"] || o.set["template-param"] {
		m := action.Message{}
		if x.Message != nil {
			m = *x.Message
		}
		if o.set["text"] {
			m.Text = o.Text
		}
		if o.set["template"] {
			if o.Template == "" {
				m.Template = nil
			} else {
				t := action.Template{Name: o.Template}
				if m.Template != nil {
					t.Params = m.Template.Params
				}
				m.Template = &t
			}
		}
		if o.set["template-param"] {
			if m.Template == nil {
				return usage("--template-param needs a template: give --template NAME")
			}
			ps, err := pairs("--template-param", o.TParams)
			if err != nil {
				return err
			}
			m.Template.Params = ps
		}
		x.Message = &m
		if m.Text == "" && m.Template == nil {
			x.Message = nil
		}
	}
	if o.NoMessage {
		x.Message = nil
	}
	if o.set["fallback"] {
		x.Fallback = nil
		for _, f := range o.Fallback {
			as, err := parseAssignee(f)
			if err != nil {
				return usage("--fallback %q: %v", f, err)
			}
			x.Fallback = append(x.Fallback, as)
		}
	}
	return nil
}

func pairs(flag string, list []string) (action.Params, error) {
	var ps action.Params
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, cmdutil.WithHint(cmdutil.UsageError("%s %q is not NAME=VALUE", flag, kv), "For example: "+flag+" 'handoff_reason={{reason}}'")
		}
		ps = append(ps, action.Param{Name: strings.TrimSpace(k), Value: v})
	}
	return ps, nil
}

// parseAssignee reads TYPE:VALUE (team:Support, user:maria@acme.com,
// bot:607f…, bot: for the bot operator).
func parseAssignee(s string) (action.Assignee, error) {
	t, v, ok := strings.Cut(s, ":")
	if !ok {
		return action.Assignee{}, errors.New("write TYPE:VALUE, such as team:Support")
	}
	a := action.Assignee{Type: action.AssigneeType(strings.TrimSpace(t))}
	v = strings.TrimSpace(v)
	switch a.Type {
	case action.Team:
		a.Team = v
	case action.User:
		a.Email = v
	case action.Bot:
		a.BotID = v
	}
	return a, action.CheckAssignee(a)
}

// askExtras is the form: one question per section, prefilled from the file.
func askExtras(p prompt.Prompter, a *action.Action, x *action.Extras) error {
	p.Say("Optional sections of %s (Enter keeps what the file has; the three steps are not changed).", a.Name)
	text := ""
	tmpl := ""
	if x.Message != nil {
		text = x.Message.Text
		if x.Message.Template != nil {
			tmpl = x.Message.Template.Name
		}
	}
	var err error
	if text, err = p.Input(prompt.Input{Title: "Message to the customer (while the 24-hour window is open)",
		Description: "Blank: none. Placeholders: {{name}} {{assignee}} {{reason}} ...", Default: text,
		Placeholder: "Hi {{name}}, a person will reply here shortly.",
		Validate: func(s string) error {
			if strings.TrimSpace(s) == "" {
				return nil
			}
			return action.CheckMessageText(s)
		}}); err != nil {
		return err
	}
	if tmpl, err = p.Input(prompt.Input{Title: "Template when the window is closed", Description: "An approved template's name; blank: none",
		Default: tmpl, Placeholder: "handoff_notice",
		Validate: func(s string) error {
			if s == "" {
				return nil
			}
			return action.CheckTemplateName(s)
		}}); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(text) == "" && tmpl == "":
		x.Message = nil
	default:
		m := &action.Message{Text: strings.TrimSpace(text)}
		if tmpl != "" {
			t := &action.Template{Name: tmpl}
			if x.Message != nil && x.Message.Template != nil && x.Message.Template.Name == tmpl {
				t.Params = x.Message.Template.Params
			}
			m.Template = t
		}
		x.Message = m
	}
	ctxChoice := "keep"
	opts := []prompt.Option{{Label: "keep as it is", Value: "keep"},
		{Label: "the usual four: handoff_reason, handoff_summary, handoff_action, handoff_at", Value: "usual"},
		{Label: "none", Value: "none"}}
	if ctxChoice, err = p.Select(prompt.Select{Title: "Contact params for the person taking over", Options: opts, Default: "keep"}); err != nil {
		return err
	}
	switch ctxChoice {
	case "usual":
		x.Context = append(action.Params(nil), usualContext...)
	case "none":
		x.Context = nil
	}
	status := x.Status
	if status == "" {
		status = "none"
	}
	if status, err = p.Select(prompt.Select{Title: "Status after the handoff", Default: status, Options: []prompt.Option{
		{Label: "leave it alone", Value: "none"}, {Label: "open", Value: "open"}, {Label: "pending", Value: "pending"}}}); err != nil {
		return err
	}
	if status == "none" {
		status = ""
	}
	x.Status = status
	var cur []string
	for _, f := range x.Fallback {
		cur = append(cur, assigneeText(f))
	}
	fb, err := p.Input(prompt.Input{Title: "Fallback assignees, in order", Description: "TYPE:VALUE separated by commas (team:Support, user:maria@acme.com); blank: none",
		Default: strings.Join(cur, ", "),
		Validate: func(s string) error {
			_, err := fallbackList(s)
			return err
		}})
	if err != nil {
		return err
	}
	x.Fallback, err = fallbackList(fb)
	return err
}

func fallbackList(s string) ([]action.Assignee, error) {
	var out []action.Assignee
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		a, err := parseAssignee(part)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", part, err)
		}
		out = append(out, a)
	}
	return out, nil
}

func assigneeText(a action.Assignee) string {
	switch a.Type {
	case action.Team:
		return "team:" + a.Team
	case action.User:
		return "user:" + a.Email
	}
	return "bot:" + a.BotID
}
