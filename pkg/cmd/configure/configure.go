// Package configure is `handoff configure [NAME]` and its one-step forms
// `handoff configure intent|account|assignee NAME`: the three steps, asked
// with the prompt wizard on a terminal, or given as flags.
package configure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/directory"
	"github.com/handoff-dev/handoff/pkg/prompt"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// Options are the parsed command line of configure.
type Options struct {
	IO        *cmdutil.IOStreams
	Settings  *cmdutil.Settings
	Actions   func() (*action.Store, error)
	Accounts  func() (*account.Store, error)
	Directory func() (*directory.Service, error)
	Client    func(accountName string, dryRun bool) (*wati.Client, error)

	// Prompter builds the prompter (nil: huh on IO). Tests inject a fake.
	Prompter func(ctx context.Context) prompt.Prompter
	// Saver overrides the action files (tests); nil: the action store.
	Saver Saver

	Name string
	Step prompt.Step // 0: all three

	Intent       string
	Account      string
	AssigneeType string
	Assignee     string
	Set          struct{ Intent, Account, AssigneeType, Assignee bool }
	Yes          bool
	JSON         bool
}

// NewCmdConfigure returns `handoff configure` with its step subcommands.
func NewCmdConfigure(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := newOptions(f)
	cmd := &cobra.Command{
		Use:   "configure [NAME]",
		Short: "Set up a handoff action in three steps: intent, account, assignee",
		Long: `Set up a handoff action in three steps, and save it as NAME.yaml in the actions folder:

  1. name and intent: when the AI agent should hand the conversation over;
  2. Wati account: the connected workspace that performs the handoff
     (or connect a new one on the way);
  3. assignee: team, user or bot, then the exact one from the account's
     directory (filterable), or typed in.

Then a summary: save, go back to a step, or cancel. Ctrl-C or Esc cancels at any
point (exit 130) and nothing is written.

On a terminal the steps are forms; with HANDOFF_ACCESSIBLE=1 or TERM=dumb they are
line-by-line prompts a screen reader can follow. Forms are drawn on stderr.

The same command runs without prompts when every value is given as a flag, on a
terminal or not (--yes also skips the final confirmation on a terminal). Without a
terminal, a missing value is an error (exit 2) naming every missing flag, and
nothing is written. --assignee takes a team name, a user's email, a chatbot id, a
chatbot's exact name (resolved to its id), or @operator for the workspace's bot
operator. A team or user missing from the directory is accepted with a warning.

With the name of an existing action, its values are prefilled and only what changes
is rewritten: comments and key order in the file are kept. To redo one step, use
"handoff configure intent|account|assignee NAME". The optional sections (what the
customer is told, context params, status, fallbacks) come after the three steps,
apart from them: "handoff configure extras NAME".`,
		Example: `  # interactive, on a terminal
  handoff configure
  handoff configure escalate-billing

  # scripted: no prompts
  handoff configure escalate-billing --yes \
    --intent "The customer disputes a charge or asks for a refund on an invoice." \
    --account acme-prod --assignee-type team --assignee Billing
  handoff configure returns --account acme-prod --assignee-type bot --assignee "Returns flow" \
    --intent "The customer wants to return an item or asks where their refund is." --yes

  # change one part of an existing action
  handoff configure intent escalate-billing
  handoff configure assignee escalate-billing --assignee-type user --assignee maria@acme.com`,
		GroupID: "core",
		Args:    cobra.MaximumNArgs(1),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return actionNames(opts), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Name = args[0]
			}
			opts.readSet(cmd)
			if runF != nil {
				return runF(opts)
			}
			return runConfigure(cmd.Context(), opts)
		},
	}
	addIntentFlag(cmd, opts)
	addAccountFlag(cmd, opts)
	addAssigneeFlags(cmd, opts)
	addCommonFlags(cmd, opts)

	cmd.AddCommand(newCmdStep(f, prompt.StepIntent, runF))
	cmd.AddCommand(newCmdStep(f, prompt.StepAccount, runF))
	cmd.AddCommand(newCmdStep(f, prompt.StepAssignee, runF))
	cmd.AddCommand(newCmdExtras(f))
	return cmd
}

func newOptions(f *cmdutil.Factory) *Options {
	return &Options{IO: f.IO, Settings: f.Settings, Actions: f.Actions, Accounts: f.Accounts,
		Directory: f.Directory, Client: f.Client}
}

var stepVerbs = map[prompt.Step]string{prompt.StepIntent: "intent", prompt.StepAccount: "account", prompt.StepAssignee: "assignee"}

func newCmdStep(f *cmdutil.Factory, step prompt.Step, runF func(*Options) error) *cobra.Command {
	opts := newOptions(f)
	opts.Step = step
	verb := stepVerbs[step]
	cmd := &cobra.Command{
		Use:   verb + " NAME",
		Args:  cobra.ExactArgs(1),
		Short: fmt.Sprintf("Redo step %d of an action (%s), changing only that part of its file", step, step),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return actionNames(opts), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			// The root's --account (an override for running actions) means
			// nothing here: say so rather than ignore it.
			if fl := cmd.Flags().Lookup("account"); step != prompt.StepAccount && fl != nil && fl.Changed {
				return cmdutil.WithHint(cmdutil.UsageError("--account belongs to step 2, not to configure %s", verb),
					"Run: handoff configure account "+args[0]+" --account "+fl.Value.String())
			}
			opts.readSet(cmd)
			if runF != nil {
				return runF(opts)
			}
			return runConfigure(cmd.Context(), opts)
		},
	}
	common := `

The step is asked prefilled with the action's current values, then a summary
offers to save, redo the step, or cancel (Ctrl-C or Esc: exit 130, nothing written).
Only this part of the file is rewritten; comments and key order are kept.
Without a terminal, give the new value as a flag.`
	switch step {
	case prompt.StepIntent:
		cmd.Long = "Change the intent of an existing action: when the AI agent should hand over." + common
		cmd.Example = `  handoff configure intent escalate-billing
  handoff configure intent escalate-billing --intent "The customer disputes a charge, asks for a refund, or asks for a person about an invoice."`
		addIntentFlag(cmd, opts)
	case prompt.StepAccount:
		cmd.Long = "Change the Wati account of an existing action." + common
		cmd.Example = `  handoff configure account escalate-billing
  handoff configure account escalate-billing --account acme-eu`
		addAccountFlag(cmd, opts)
	case prompt.StepAssignee:
		cmd.Long = "Change the assignee of an existing action: team, user or bot, then which one." + common
		cmd.Example = `  handoff configure assignee escalate-billing
  handoff configure assignee escalate-billing --assignee-type team --assignee Billing
  handoff configure assignee returns --assignee-type bot --assignee "Returns flow"
  handoff configure assignee after-hours --assignee-type bot --assignee @operator`
		addAssigneeFlags(cmd, opts)
	}
	addCommonFlags(cmd, opts)
	return cmd
}

func addIntentFlag(cmd *cobra.Command, opts *Options) {
	cmd.Flags().StringVar(&opts.Intent, "intent", "", "when the AI agent should hand over (step 1)")
}

func addAccountFlag(cmd *cobra.Command, opts *Options) {
	cmd.Flags().StringVar(&opts.Account, "account", "", "connected Wati account that performs the handoff (step 2)")
	_ = cmd.RegisterFlagCompletionFunc("account", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return accountNames(opts), cobra.ShellCompDirectiveNoFileComp
	})
}

func addAssigneeFlags(cmd *cobra.Command, opts *Options) {
	cmd.Flags().StringVar(&opts.AssigneeType, "assignee-type", "", "team, user or bot (step 3)")
	cmd.Flags().StringVar(&opts.Assignee, "assignee", "", "team name, user email, chatbot id or name, or @operator (step 3)")
	_ = cmd.RegisterFlagCompletionFunc("assignee-type", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"team", "user", "bot"}, cobra.ShellCompDirectiveNoFileComp
	})
}

func addCommonFlags(cmd *cobra.Command, opts *Options) {
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "save without the final confirmation")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print what was saved as JSON")
}

func (o *Options) readSet(cmd *cobra.Command) {
	changed := func(n string) bool { f := cmd.Flags().Lookup(n); return f != nil && f.Changed }
	o.Set.Intent = changed("intent")
	o.Set.Account = changed("account")
	o.Set.AssigneeType = changed("assignee-type")
	o.Set.Assignee = changed("assignee")
}

// actionNames completes action names from the actions folder.
func actionNames(o *Options) []string {
	dir := "actions"
	if o.Settings != nil && o.Settings.Dir != "" {
		dir = o.Settings.Dir
	}
	ents, _ := os.ReadDir(dir)
	var out []string
	for _, e := range ents {
		n, ok := strings.CutSuffix(e.Name(), ".yaml")
		if ok && !e.IsDir() && action.CheckName(n) == nil && n != "directory" {
			out = append(out, n)
		}
	}
	return out
}

func accountNames(o *Options) []string {
	if o.Accounts == nil {
		return nil
	}
	s, err := o.Accounts()
	if err != nil {
		return nil
	}
	names, _ := s.Names()
	return names
}

// ----- running -----

func runConfigure(ctx context.Context, o *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	saver := o.Saver
	if saver == nil {
		st, err := o.Actions()
		if err != nil {
			return err
		}
		saver = storeSaver{st}
	}
	undo := &accountUndo{}
	src := o.sources(saver, undo)

	// The name, and the action as it is now.
	var cur action.Action
	var broken []action.Broken // parts of the file to be edited that are invalid now
	existing := false
	if o.Name != "" {
		if err := action.CheckName(o.Name); err != nil {
			return cmdutil.UsageError("%v", err)
		}
		ok, err := saver.Exists(o.Name)
		if err != nil {
			return err
		}
		if ok {
			a, b, err := saver.LoadForEdit(o.Name, o.editedParts()...)
			if err != nil {
				return cmdutil.WithHint(err, hintOr(err, "Fix the file first: handoff validate "+saver.Path(o.Name)))
			}
			cur, existing, broken = *a, true, b
		}
	}
	if o.Step != 0 && !existing {
		if o.Name == "" {
			return cmdutil.UsageError("configure %s needs the name of an existing action", stepVerbs[o.Step])
		}
		return cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitNotFound, "no action named %s in %s", o.Name, filepath.Dir(saver.Path(o.Name))),
			"Create it with: handoff configure "+o.Name)
	}
	if existing && o.Step == 0 && !o.IO.CanPrompt() && !o.Set.Intent && !o.Set.Account && !o.Set.AssigneeType && !o.Set.Assignee {
		return cmdutil.WithHint(cmdutil.UsageError("action %s exists and no flag says what to change", o.Name),
			"Give --intent, --account, --assignee-type/--assignee, or run it on a terminal.")
	}

	// Flags: the same checks as the prompts.
	next := cur
	next.Version = 1
	next.Name = o.Name
	// A broken part is asked (or must be given) anew, not prefilled.
	brokenPart := map[string]bool{}
	for _, b := range broken {
		brokenPart[b.Part] = true
		switch b.Part {
		case "intent":
			next.Intent = ""
		case "account":
			next.Account = ""
		case "assignee":
			next.Assignee = action.Assignee{}
		}
		o.say("%s:%d: the %s is not valid (%s): this edit rewrites it, and keeps the rest of the file as it is",
			saver.Path(o.Name), b.Diagnostic.Line, b.Part, b.Diagnostic.Message)
	}
	given := prompt.Given{Name: o.Name != ""}
	if o.Set.Intent {
		if err := action.CheckIntent(strings.TrimSpace(o.Intent)); err != nil {
			return cmdutil.WithHint(cmdutil.UsageError("--intent: %v", err), "Say when the AI agent should hand over, and when not.")
		}
		next.Intent, given.Intent = strings.TrimSpace(o.Intent), true
	}
	if o.Set.Account {
		if err := o.checkAccount(o.Account); err != nil {
			return err
		}
		next.Account, given.Account = o.Account, true
	}
	if o.Set.AssigneeType {
		if err := action.CheckAssigneeType(o.AssigneeType); err != nil {
			return cmdutil.UsageError("--assignee-type: %v", err)
		}
		if next.Assignee.Type != action.AssigneeType(o.AssigneeType) {
			next.Assignee = action.Assignee{Type: action.AssigneeType(o.AssigneeType)}
		}
		given.AssigneeType = true
	}

	// What is missing, flag by flag.
	steps := prompt.AllSteps
	if o.Step != 0 {
		steps = []prompt.Step{o.Step}
	}
	var missing []string
	if o.Name == "" {
		missing = append(missing, "NAME")
	}
	typeChanged := o.Set.AssigneeType && action.AssigneeType(o.AssigneeType) != cur.Assignee.Type
	for _, s := range steps {
		switch s {
		case prompt.StepIntent:
			if !o.Set.Intent && (!existing || o.Step == s || brokenPart["intent"]) {
				missing = append(missing, "--intent")
			}
		case prompt.StepAccount:
			if !o.Set.Account && (!existing || o.Step == s || brokenPart["account"]) {
				missing = append(missing, "--account")
			}
		case prompt.StepAssignee:
			if !o.Set.AssigneeType && (!existing || brokenPart["assignee"]) {
				missing = append(missing, "--assignee-type")
			}
			if !o.Set.Assignee && (!existing || o.Step == s || typeChanged || brokenPart["assignee"]) {
				missing = append(missing, "--assignee")
			}
		}
	}
	interactive := o.IO.CanPrompt()
	if len(missing) > 0 && !interactive {
		return cmdutil.WithHint(cmdutil.UsageError("not a terminal, and %s %s missing: nothing was written",
			strings.Join(missing, ", "), plural(len(missing), "is", "are")),
			"Give every value as a flag (see handoff configure --help), or run it on a terminal.")
	}

	var flagWarning string
	if o.Set.Assignee && next.Assignee.Type != "" {
		as, warn, err := prompt.Resolve(ctx, next.Assignee.Type, o.Assignee, next.Account, o.listing(ctx, next.Account), src.Chatbots)
		if err != nil {
			return err
		}
		flagWarning = warn // said after saving
		if as.Type == action.Team && cur.Assignee.Type == action.Team {
			as.KeepTeams = cur.Assignee.KeepTeams
		}
		next.Assignee = as
		given.AssigneeType, given.Assignee = true, true
	}

	final := next
	var warnings []string
	if flagWarning != "" {
		warnings = []string{flagWarning}
	}
	anyFlag := o.Set.Intent || o.Set.Account || o.Set.AssigneeType || o.Set.Assignee
	editAll := existing && o.Step == 0 && !anyFlag // configure NAME on a terminal: every step, prefilled
	if interactive && (len(missing) > 0 || editAll || !o.Yes) {
		if len(missing) == 0 && !editAll {
			// Everything came as flags: only the confirmation.
			given = prompt.Given{Name: true, Intent: true, Account: true, AssigneeType: true, Assignee: true}
		}
		wz := &prompt.Wizard{P: o.prompter(ctx), Src: src}
		a, err := wz.Run(ctx, prompt.Request{Action: next, New: !existing, Steps: steps, Given: given, Confirm: !o.Yes,
			AssigneeWarning: flagWarning})
		if err != nil {
			if errors.Is(err, prompt.ErrAborted) || ctx.Err() != nil {
				return &cmdutil.Error{Code: cmdutil.ExitCancel, Err: fmt.Errorf("%w; %s", err, undoAccounts(undo, wz.Connected))}
			}
			return err
		}
		final = a
		warnings = wz.Warnings
	}
	final.Version = 1
	if err := final.Check(); err != nil {
		return cmdutil.UsageError("%v", err)
	}
	if existing && final.Account != cur.Account && final.Assignee == cur.Assignee && final.Assignee.BotID != "" {
		o.say("warning: chatbot %s was chosen on account %s; check that %s has it too (handoff configure assignee %s)",
			final.Assignee.BotID, cur.Account, final.Account, final.Name)
	}
	if err := o.save(saver, cur, final, existing); err != nil {
		return err
	}
	for _, w := range warnings {
		o.say("warning: %s", w)
	}
	return nil
}

// say prints a line for the person on stderr, wrapped at word boundaries
// to the terminal's width when stderr is a terminal.
func (o *Options) say(format string, a ...any) {
	fmt.Fprintln(o.IO.ErrOut, prompt.WrapFor(o.IO.ErrOut, fmt.Sprintf(format, a...)))
}

// undoAccounts puts config.yaml and credentials.yaml back as they were
// when the wizard is cancelled after connecting accounts on the way, and
// says exactly what was, or was not, written.
func undoAccounts(undo *accountUndo, connected []string) string {
	if len(connected) == 0 {
		return "no action was written"
	}
	names := strings.Join(connected, ", ")
	if err := undo.restore(); err != nil {
		return fmt.Sprintf("no action was written, but account %s stays connected (config.yaml and credentials.yaml could not be restored: %v); remove it with handoff account remove %s",
			names, err, connected[0])
	}
	return fmt.Sprintf("nothing was written: account %s, connected on the way, was removed again (config.yaml and credentials.yaml are as they were)", names)
}

// editedParts are the parts of the file this run may rewrite: the step's,
// the flags' for configure NAME with flags, else all three.
func (o *Options) editedParts() []string {
	switch o.Step {
	case prompt.StepIntent:
		return []string{"intent"}
	case prompt.StepAccount:
		return []string{"account"}
	case prompt.StepAssignee:
		return []string{"assignee"}
	}
	var parts []string
	if o.Set.Intent {
		parts = append(parts, "intent")
	}
	if o.Set.Account {
		parts = append(parts, "account")
	}
	if o.Set.AssigneeType || o.Set.Assignee {
		parts = append(parts, "assignee")
	}
	if len(parts) == 0 {
		return []string{"intent", "account", "assignee"}
	}
	return parts
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func hintOr(err error, def string) string {
	if h := cmdutil.HintOf(err); h != "" {
		return h
	}
	return def
}

// checkAccount: the account must be connected (exit 3 otherwise).
func (o *Options) checkAccount(name string) error {
	if err := action.CheckAccount(name); err != nil {
		return cmdutil.UsageError("--account: %v", err)
	}
	st, err := o.Accounts()
	if err != nil {
		return err
	}
	names, err := st.Names()
	if err != nil {
		return err
	}
	for _, n := range names {
		if n == name {
			return nil
		}
	}
	hint := "Connect it first: handoff account add " + name + " --endpoint URL --with-token"
	if len(names) > 0 {
		hint = "Connected accounts: " + strings.Join(names, ", ") + ". Or connect it: handoff account add " + name + " --endpoint URL --with-token"
	}
	return cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitConfig, "account %q is not connected", name), hint)
}

func (o *Options) prompter(ctx context.Context) prompt.Prompter {
	if o.Prompter != nil {
		return o.Prompter(ctx)
	}
	return prompt.NewHuh(ctx, o.IO)
}

// listing reads an account's directory for checking flags: the cache and
// declared entries, refreshed when stale if the account answers. nil when
// nothing can be read.
func (o *Options) listing(ctx context.Context, acct string) *directory.Listing {
	if o.Directory == nil || acct == "" {
		return nil
	}
	svc, err := o.Directory()
	if err != nil || svc == nil {
		return nil
	}
	var c *wati.Client
	if o.Client != nil {
		c, _ = o.Client(acct, false)
	}
	l, err := svc.List(ctx, acct, c)
	if err != nil {
		return nil
	}
	return l
}

// sources wires the wizard to the real stores.
func (o *Options) sources(saver Saver, undo *accountUndo) prompt.Sources {
	return prompt.Sources{
		Accounts: func() ([]account.Account, error) {
			st, err := o.Accounts()
			if err != nil {
				return nil, err
			}
			list, err := st.List()
			sort.SliceStable(list, func(i, j int) bool { return list[i].Name < list[j].Name })
			return list, err
		},
		AddAccount: func(a account.Account, token string) error {
			st, err := o.Accounts()
			if err != nil {
				return err
			}
			if err := undo.take(st.ConfigPath(), st.CredentialsPath()); err != nil {
				return err
			}
			return st.Add(a, token, false)
		},
		CheckAccountName: account.ValidName,
		PrepareAccount:   account.Prepare,
		CheckEndpoint: func(s string) error {
			_, err := account.NormalizeEndpoint(s)
			return err
		},
		Directory: func(ctx context.Context, acct string) (*directory.Listing, error) {
			svc, err := o.Directory()
			if err != nil {
				return nil, err
			}
			var c *wati.Client
			if o.Client != nil {
				c, _ = o.Client(acct, false)
			}
			return svc.List(ctx, acct, c)
		},
		Chatbots: func(ctx context.Context, acct string) ([]wati.Chatbot, error) {
			if o.Client == nil {
				return nil, errors.New("no client")
			}
			c, err := o.Client(acct, false)
			if err != nil {
				return nil, err
			}
			return c.ListChatbots(ctx)
		},
		Exists: saver.Exists,
		Path:   saver.Path,
	}
}

// ----- saving -----

// result is what --json prints.
type result struct {
	Name    string        `json:"name"`
	Path    string        `json:"path"`
	Created bool          `json:"created"`
	Changed []string      `json:"changed"`
	Action  action.Action `json:"action"`
	// Schema is the action.schema.json written beside a new file, if any.
	Schema string `json:"schema,omitempty"`
}

func (o *Options) save(saver Saver, cur, next action.Action, existing bool) error {
	res := result{Name: next.Name, Action: next, Created: !existing, Changed: []string{}}
	var err error
	if existing {
		parts := Parts{
			Intent:   next.Intent != cur.Intent,
			Account:  next.Account != cur.Account,
			Assignee: next.Assignee != cur.Assignee,
			Base:     &cur,
		}
		res.Changed = parts.names()
		res.Path = saver.Path(next.Name)
		if len(res.Changed) > 0 {
			res.Path, err = saver.Update(next.Name, next, parts)
		}
	} else {
		res.Changed = []string{"intent", "account", "assignee"}
		res.Path, err = saver.Create(next)
	}
	if err != nil {
		return err
	}
	if res.Created {
		// The new file's first line points editors at action.schema.json
		// beside it: make sure it is there (an existing one is left alone).
		if p, st, serr := action.WriteSchema(filepath.Dir(res.Path), true); serr == nil && st == action.SchemaCreated {
			res.Schema = p
		}
	}
	if o.JSON {
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	switch {
	case res.Created:
		fmt.Fprintf(o.IO.Out, "Saved %s: when %s, hand over to %s through account %s.\n",
			res.Path, firstLower(trimDot(next.Intent)), next.Assignee.Describe(), next.Account)
		if res.Schema != "" {
			o.say("Wrote %s beside it: editors check action files as you type (docs/action-files.md).", res.Schema)
		}
		o.say("Next: handoff validate %s, then try it with handoff assign %s --conversation PHONE --dry-run", res.Path, next.Name)
	case len(res.Changed) == 0:
		fmt.Fprintf(o.IO.Out, "Nothing changed in %s.\n", res.Path)
	default:
		fmt.Fprintf(o.IO.Out, "Saved %s: changed %s.\n", res.Path, strings.Join(res.Changed, ", "))
	}
	return nil
}

func trimDot(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		s = s[:strings.LastIndex(s[:117], " ")] + "..."
	}
	return strings.TrimSuffix(s, ".")
}

func firstLower(s string) string {
	if len(s) > 1 && s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z') {
		return string(s[0]+'a'-'A') + s[1:]
	}
	return s
}
