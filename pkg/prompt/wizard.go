package prompt

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/directory"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// Step is one of the three configure steps.
type Step int

const (
	StepIntent   Step = 1 // name and intent
	StepAccount  Step = 2 // the Wati account
	StepAssignee Step = 3 // assignee type, then the team, user or bot
)

// AllSteps are the three steps in order.
var AllSteps = []Step{StepIntent, StepAccount, StepAssignee}

func (s Step) String() string {
	switch s {
	case StepIntent:
		return "name and intent"
	case StepAccount:
		return "Wati account"
	case StepAssignee:
		return "assignee"
	}
	return fmt.Sprintf("step %d", int(s))
}

// Sources are what the wizard reads, and the one thing it may write (a new
// account, through the same store as `handoff account add`). The command
// wires the real stores; tests fake them.
type Sources struct {
	Accounts func() ([]account.Account, error)
	// AddAccount connects an account (config.yaml and the token).
	AddAccount func(a account.Account, token string) error
	// CheckAccountName and CheckEndpoint check the new account's fields as
	// typed (nil: no check before AddAccount).
	CheckAccountName func(string) error
	CheckEndpoint    func(string) error
	// PrepareAccount checks and normalises the new account as a whole
	// (endpoint, api, tenant) before its token is asked (nil: no check).
	PrepareAccount func(account.Account) (account.Account, error)
	// Directory lists what an account offers (cache, refreshed when stale).
	Directory func(ctx context.Context, account string) (*directory.Listing, error)
	// Chatbots lists the account's chatbots live (bot name → id).
	Chatbots func(ctx context.Context, account string) ([]wati.Chatbot, error)
	// Exists reports whether an action of that name is already saved.
	Exists func(name string) (bool, error)
	// Path is where an action of that name is saved.
	Path func(name string) string
}

// Given marks values fixed by flags: their questions are skipped on the way
// through (they can still be changed from the summary).
type Given struct {
	Name, Intent, Account, AssigneeType, Assignee bool
}

// Request is one run of the wizard.
type Request struct {
	Action  action.Action // prefilled values: the existing action, or flags
	New     bool          // creating: the name must be free
	Steps   []Step        // the steps to run; nil = all three
	Given   Given
	Confirm bool // show the summary and ask before saving (false: --yes)
	// AssigneeWarning is about Action.Assignee as given by flags (not in
	// the directory...): a note in the summary, a warning after saving,
	// while that assignee stays.
	AssigneeWarning string
}

// Wizard runs the configure steps with a Prompter.
type Wizard struct {
	P   Prompter
	Src Sources

	// Connected lists the accounts connected on the way (the command undoes
	// them when the person cancels).
	Connected []string
	// Warnings are about the action as it will be saved (a team not in the
	// directory...): the command prints them after saving.
	Warnings []string

	listings map[string]*directory.Listing
	notes    map[Step]string // shown in the summary, per step
	noteFor  action.Assignee // the assignee notes[StepAssignee] is about
}

const (
	choiceSave   = "save"
	choiceCancel = "cancel"
	choiceNew    = "\x00new-account"
	choiceTyped  = "\x00type-it"
	choiceBotOp  = "\x00bot-operator"
)

// Run asks the steps of req and returns the action to save. It returns
// ErrAborted (wrapped) when the person cancels; nothing is written then,
// except the accounts connected on the way (w.Connected), which the command
// removes again.
func (w *Wizard) Run(ctx context.Context, req Request) (action.Action, error) {
	a := req.Action
	if a.Version == 0 {
		a.Version = 1
	}
	steps := req.Steps
	if len(steps) == 0 {
		steps = AllSteps
	}
	g := req.Given
	if req.AssigneeWarning != "" {
		w.setNote(StepAssignee, strings.TrimSuffix(req.AssigneeWarning, "; saved as given"), a.Assignee)
	}
	for _, s := range steps {
		if err := w.step(ctx, s, &a, req.New, g); err != nil {
			return a, err
		}
	}
	w.collectWarnings(a)
	if !req.Confirm {
		return a, a.Check()
	}
	for {
		if err := a.Check(); err != nil {
			// Cannot happen through the prompts; say so rather than save.
			w.P.Say("This action is not complete yet: %v", err)
		}
		w.collectWarnings(a)
		w.summary(a, steps, req.New)
		opts := []Option{{Label: "Save to " + w.path(a.Name), Value: choiceSave}}
		for _, s := range steps {
			opts = append(opts, Option{Label: fmt.Sprintf("Go back to step %d: %s", s, s), Value: fmt.Sprint(int(s))})
		}
		opts = append(opts, Option{Label: "Cancel: save nothing", Value: choiceCancel})
		choice, err := w.P.Select(Select{Title: "Save this action?", Options: opts, Default: choiceSave})
		if err != nil {
			return a, err
		}
		switch choice {
		case choiceSave:
			if err := a.Check(); err != nil {
				continue
			}
			return a, nil
		case choiceCancel:
			return a, ErrAborted
		}
		s := Step(choice[0] - '0')
		oldAccount := a.Account
		if err := w.step(ctx, s, &a, req.New, Given{}); err != nil {
			return a, err
		}
		// A chatbot id belongs to one workspace: a new account means the
		// assignee has to be chosen again.
		if s == StepAccount && a.Account != oldAccount && a.Assignee.Type == action.Bot && a.Assignee.BotID != "" {
			w.P.Say("Chatbot ids belong to one workspace: choose the assignee of %s.", a.Account)
			if err := w.step(ctx, StepAssignee, &a, req.New, Given{}); err != nil {
				return a, err
			}
		}
	}
}

func (w *Wizard) path(name string) string {
	if w.Src.Path != nil {
		return w.Src.Path(name)
	}
	return name + ".yaml"
}

func (w *Wizard) step(ctx context.Context, s Step, a *action.Action, isNew bool, g Given) error {
	if !w.skips(s, g) {
		w.header(s, a, isNew)
	}
	switch s {
	case StepIntent:
		return w.stepIntent(a, isNew, g)
	case StepAccount:
		return w.stepAccount(ctx, a, g)
	case StepAssignee:
		return w.stepAssignee(ctx, a, g)
	}
	return fmt.Errorf("no step %d", s)
}

// skips reports whether step s asks nothing (every value given as a flag).
func (w *Wizard) skips(s Step, g Given) bool {
	switch s {
	case StepIntent:
		return g.Name && g.Intent
	case StepAccount:
		return g.Account
	case StepAssignee:
		return g.Assignee
	}
	return false
}

// header says which action and which step the next questions are about.
func (w *Wizard) header(s Step, a *action.Action, isNew bool) {
	what := "new action"
	if a.Name != "" {
		what = "new action " + a.Name
	}
	if !isNew {
		what = "editing " + a.Name + " (" + w.path(a.Name) + ")"
	}
	w.P.Say("Step %d of 3, %s · %s", int(s), s, what)
}

// collectWarnings sets w.Warnings for the action as it stands.
func (w *Wizard) collectWarnings(a action.Action) {
	w.Warnings = w.Warnings[:0]
	if n := w.notes[StepAssignee]; n != "" && w.noteFor == a.Assignee {
		w.Warnings = append(w.Warnings, n+"; saved as given")
	}
}

// summary prints the three steps, one line each; Say wraps them to the
// terminal's width under their text column.
func (w *Wizard) summary(a action.Action, steps []Step, isNew bool) {
	var b strings.Builder
	if isNew {
		b.WriteString("\nSummary of the new action " + a.Name + "\n")
	} else {
		b.WriteString("\nSummary of " + a.Name + " (" + w.path(a.Name) + ")\n")
	}
	fmt.Fprintf(&b, "  1. name      %s\n", a.Name)
	fmt.Fprintf(&b, "     intent    %s\n", strings.Join(strings.Fields(a.Intent), " "))
	acct := a.Account
	if x, ok := w.accountByName(a.Account); ok {
		acct = fmt.Sprintf("%s (%s, %s)", x.Name, x.Endpoint, apiOf(x))
	}
	fmt.Fprintf(&b, "  2. account   %s\n", acct)
	fmt.Fprintf(&b, "  3. assignee  %s\n", describe(a.Assignee))
	for _, n := range w.Warnings {
		fmt.Fprintf(&b, "     note      %s\n", strings.TrimSuffix(n, "; saved as given"))
	}
	if a.Assignee.Type == action.Team {
		if a.Assignee.KeepTeams {
			fmt.Fprintf(&b, "     teams     keep_teams: true: the contact keeps its other teams and is added to %s\n", a.Assignee.Team)
		} else {
			fmt.Fprintf(&b, "     teams     Wati replaces the contact's teams with %s: its other teams are removed. "+
				"To keep them, set keep_teams: true under assignee in the file (or run handoff assign --keep-teams).\n", a.Assignee.Team)
		}
	}
	w.P.Say("%s", strings.TrimRight(b.String(), "\n"))
}

func describe(as action.Assignee) string {
	d := as.Describe()
	switch as.Type {
	case action.User:
		d = "user " + d
	case action.Bot:
		if as.BotID == "" {
			d += " (the workspace's bot, no specific chatbot)"
		}
	}
	return d
}

// ----- step 1: name and intent -----

// IntentGuide is the guidance shown with the intent question.
const IntentGuide = `The AI agent reads this to decide when to hand the conversation over.
Say when it should fire, and when not. For example:
  The customer disputes a charge, asks for a refund, or asks for a person
  about an invoice. Not for questions about prices or plans.`

func (w *Wizard) stepIntent(a *action.Action, isNew bool, g Given) error {
	if isNew && !g.Name {
		check := func(s string) error { return w.checkNewName(s) }
		for {
			name, err := w.P.Input(Input{
				Title:       "Action name",
				Description: "A lower-case slug such as escalate-billing; the file is " + w.path("NAME"),
				Default:     a.Name,
				Placeholder: "e.g. escalate-billing",
				Example:     "a lower-case name such as escalate-billing",
				Validate:    check,
			})
			if err != nil {
				return err
			}
			if err := check(name); err != nil { // line mode skips validators at EOF
				w.P.Say("%v", err)
				continue
			}
			a.Name = name
			break
		}
	}
	if g.Intent {
		return nil
	}
	for {
		intent, err := w.P.Text(Text{
			Title:       "Intent: when should the AI agent hand over?",
			Description: IntentGuide,
			Default:     a.Intent,
			Placeholder: "e.g. The customer asks for a refund or a person about an invoice.",
			Example:     "when the agent should hand over, in a sentence of four words or more",
			Validate:    action.CheckIntent,
		})
		if err != nil {
			return err
		}
		if err := action.CheckIntent(intent); err != nil {
			w.P.Say("%v", err)
			continue
		}
		a.Intent = intent
		return nil
	}
}

func (w *Wizard) checkNewName(s string) error {
	if err := action.CheckName(s); err != nil {
		return err
	}
	if w.Src.Exists != nil {
		exists, err := w.Src.Exists(s)
		if err != nil {
			return err
		}
		if exists {
			return fmt.Errorf("an action named %s exists already: choose another name, or edit it with handoff configure intent|account|assignee %s", s, s)
		}
	}
	return nil
}

// ----- step 2: the account -----

func (w *Wizard) accounts() ([]account.Account, error) {
	if w.Src.Accounts == nil {
		return nil, nil
	}
	return w.Src.Accounts()
}

func (w *Wizard) accountByName(name string) (account.Account, bool) {
	list, err := w.accounts()
	if err != nil {
		return account.Account{}, false
	}
	for _, x := range list {
		if x.Name == name {
			return x, true
		}
	}
	return account.Account{}, false
}

func apiOf(a account.Account) string {
	if a.API == "" {
		return "v3"
	}
	return a.API
}

func (w *Wizard) stepAccount(ctx context.Context, a *action.Action, g Given) error {
	if g.Account {
		return nil
	}
	for {
		list, err := w.accounts()
		if err != nil {
			return err
		}
		if len(list) == 0 {
			w.P.Say("No Wati account is connected yet: connect one first.")
			name, err := w.connect(ctx)
			if err != nil {
				return err
			}
			if name == "" {
				continue
			}
			a.Account = name
			return nil
		}
		def := a.Account
		width := 0
		for _, x := range list {
			width = max(width, len(x.Name))
			if def == "" && x.Default {
				def = x.Name
			}
		}
		opts := make([]Option, 0, len(list)+1)
		for _, x := range list {
			label := fmt.Sprintf("%-*s  %s  %s", width, x.Name, x.Endpoint, apiOf(x))
			if x.Default {
				label += "  (default)"
			}
			opts = append(opts, Option{Label: label, Value: x.Name})
		}
		opts = append(opts, Option{Label: "Connect a new account…", Value: choiceNew})
		choice, err := w.P.Select(Select{
			Title:       "Wati account",
			Description: "The connected workspace that performs the handoff.",
			Options:     opts,
			Default:     def,
			Filter:      len(opts) > 8,
		})
		if err != nil {
			return err
		}
		if choice == choiceNew {
			name, err := w.connect(ctx)
			if err != nil {
				return err
			}
			if name == "" {
				continue
			}
			choice = name
		}
		if _, ok := w.accountByName(choice); !ok {
			w.P.Say("Account %s is not connected.", choice)
			continue
		}
		a.Account = choice
		return nil
	}
}

// connect is the account flow of `handoff account add`, inline. It returns
// the new account's name, or "" when saving failed and the person should
// choose again.
func (w *Wizard) connect(ctx context.Context) (string, error) {
	if w.Src.AddAccount == nil {
		return "", errors.New("connecting an account is not possible here: run handoff account add NAME --endpoint URL --with-token")
	}
	noCheck := func(string) error { return nil }
	checkName := w.Src.CheckAccountName
	if checkName == nil {
		checkName = noCheck
	}
	nameCheck := func(s string) error {
		if err := checkName(s); err != nil {
			return err
		}
		if _, ok := w.accountByName(s); ok {
			return fmt.Errorf("account %s is connected already", s)
		}
		return nil
	}
	checkEndpoint := w.Src.CheckEndpoint
	if checkEndpoint == nil {
		checkEndpoint = noCheck
	}
	var acct account.Account
	var token string
	var err error
	if acct.Name, err = w.ask(Input{Title: "Account name", Description: "A short name for this workspace, such as acme-prod.",
		Placeholder: "e.g. acme-prod", Example: "a lower-case name such as acme-prod", Validate: nameCheck}); err != nil {
		return "", err
	}
	for {
		if acct.Endpoint, err = w.ask(Input{Title: "API endpoint",
			Description: "From Wati: Connector > API. https:// only (loopback http for the sandbox).",
			Default:     acct.Endpoint, Placeholder: "e.g. https://live-mt-server.wati.io",
			Example: "the https:// address Wati shows, such as https://live-mt-server.wati.io", Validate: checkEndpoint}); err != nil {
			return "", err
		}
		if acct.API, err = w.P.Select(Select{Title: "API version", Options: []Option{
			{Label: "v3 (recommended)", Value: "v3"}, {Label: "v1 (legacy, needs the tenant id)", Value: "v1"},
		}, Default: "v3"}); err != nil {
			return "", err
		}
		acct.TenantID = ""
		if acct.API == "v1" {
			if acct.TenantID, err = w.P.Input(Input{Title: "Tenant id",
				Description: "The number in your v1 API URL; leave empty when the host already implies it."}); err != nil {
				return "", err
			}
		}
		if w.Src.PrepareAccount == nil {
			break
		}
		prepared, err := w.Src.PrepareAccount(acct)
		if err != nil {
			w.P.Say("%v", err)
			continue
		}
		acct = prepared
		break
	}
	if token, err = w.ask(Input{Title: "API token", Secret: true, Example: "the token Wati shows (with or without Bearer)",
		Description: "From Wati: Connector > API > API Tokens. Stored in credentials.yaml (0600), never in action files.",
		Validate: func(s string) error {
			if strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "Bearer ")) == "" {
				return errors.New("the token is empty")
			}
			return nil
		}}); err != nil {
		return "", err
	}
	if norm, err := account.NormalizeEndpoint(acct.Endpoint); err == nil && norm != "" {
		acct.Endpoint = norm
	}
	err = w.P.Wait("Saving account "+acct.Name, func() error { return w.Src.AddAccount(acct, token) })
	if err != nil {
		w.P.Say("Could not connect %s: %v", acct.Name, err)
		return "", nil
	}
	w.Connected = append(w.Connected, acct.Name)
	w.P.Say("Connected account %s (%s). Cancelling from here on removes it again.", acct.Name, acct.Endpoint)
	return acct.Name, nil
}

// ask asks until the value passes its check (line mode can skip the check).
func (w *Wizard) ask(q Input) (string, error) {
	for {
		v, err := w.P.Input(q)
		if err != nil {
			return "", err
		}
		if q.Validate != nil {
			if err := q.Validate(v); err != nil {
				w.P.Say("%v", err)
				continue
			}
		}
		return v, nil
	}
}

// ----- step 3: the assignee -----

func (w *Wizard) stepAssignee(ctx context.Context, a *action.Action, g Given) error {
	if g.Assignee {
		return nil
	}
	typ := string(a.Assignee.Type)
	if !g.AssigneeType {
		def := typ
		if def == "" {
			def = string(action.Team)
		}
		var err error
		typ, err = w.P.Select(Select{
			Title: "Assignee type",
			Options: []Option{
				{Label: "Team: a Wati team takes the conversation", Value: string(action.Team)},
				{Label: "User: one operator, by email", Value: string(action.User)},
				{Label: "Bot: a Wati chatbot, or the workspace's bot", Value: string(action.Bot)},
			},
			Default: def,
		})
		if err != nil {
			return err
		}
	}
	if err := action.CheckAssigneeType(typ); err != nil {
		return err
	}
	t := action.AssigneeType(typ)
	listing := w.listing(ctx, a.Account)
	entries := entriesOf(listing, t)

	current := ""
	if a.Assignee.Type == t {
		current = assigneeValue(a.Assignee)
	}
	if len(entries) == 0 && t != action.Bot {
		w.P.Say("No %s of account %s known yet: type it yourself (handoff directory add declares them for next time).", textOf(t).plural, a.Account)
	}
	for {
		choice := choiceTyped
		if len(entries) > 0 || t == action.Bot {
			opts := make([]Option, 0, len(entries)+2)
			for _, e := range entries {
				opts = append(opts, Option{Label: entryLabel(e), Value: entryValue(e)})
			}
			if t == action.Bot {
				opts = append(opts, Option{Label: "The workspace's bot operator (no specific chatbot)", Value: choiceBotOp})
			}
			opts = append(opts, Option{Label: "Type it yourself…", Value: choiceTyped})
			def := current
			if t == action.Bot && a.Assignee.Type == action.Bot && a.Assignee.BotID == "" {
				def = choiceBotOp
			}
			var err error
			choice, err = w.P.Select(Select{
				Title:       textOf(t).list,
				Description: listingNote(listing, a.Account),
				Options:     opts,
				Default:     def,
				Filter:      len(opts) > 8,
			})
			if err != nil {
				return err
			}
		}
		var (
			as   action.Assignee
			warn string
			err  error
		)
		switch choice {
		case choiceBotOp:
			as = action.Assignee{Type: action.Bot}
		case choiceTyped:
			v, err := w.P.Input(Input{
				Title:       textOf(t).typed,
				Description: textOf(t).typedHint,
				Default:     current,
				Placeholder: textOf(t).placeholder,
				Example:     textOf(t).example,
				Validate:    func(s string) error { return checkTyped(t, s) },
			})
			if err != nil {
				return err
			}
			as, warn, err = Resolve(ctx, t, v, a.Account, listing, w.Src.Chatbots)
			if err != nil {
				w.P.Say("%v", err)
				continue
			}
		default:
			as, warn, err = Resolve(ctx, t, choice, a.Account, listing, w.Src.Chatbots)
			if err != nil {
				w.P.Say("%v", err)
				continue
			}
		}
		if t == action.Team && a.Assignee.Type == action.Team {
			as.KeepTeams = a.Assignee.KeepTeams
		}
		a.Assignee = as
		// Said in the summary; printed as a warning once saved.
		w.setNote(StepAssignee, strings.TrimSuffix(warn, "; saved as given"), as)
		return nil
	}
}

// listing loads the account's directory once per run, with a spinner. A
// failure is not fatal: the person types the assignee instead.
func (w *Wizard) listing(ctx context.Context, acct string) *directory.Listing {
	if l, ok := w.listings[acct]; ok {
		return l
	}
	if w.Src.Directory == nil {
		return nil
	}
	var l *directory.Listing
	err := w.P.Wait("Loading the teams, users and bots of "+acct, func() error {
		var err error
		l, err = w.Src.Directory(ctx, acct)
		return err
	})
	if err != nil {
		w.P.Say("Could not load the directory of %s (%v): type the assignee yourself.", acct, err)
		l = nil
	}
	if w.listings == nil {
		w.listings = map[string]*directory.Listing{}
	}
	w.listings[acct] = l
	return l
}

func listingNote(l *directory.Listing, acct string) string {
	switch {
	case l == nil:
		return ""
	case l.Offline && !l.SyncedAt.IsZero():
		return fmt.Sprintf("%s could not be reached: this list was synced %s.", acct, l.SyncedAt.Format("2006-01-02 15:04"))
	case l.Offline:
		return fmt.Sprintf("%s could not be reached: only declared entries are listed.", acct)
	case l.SyncedAt.IsZero():
		return fmt.Sprintf("Declared entries only: %s was never synced (handoff directory sync --account %s).", acct, acct)
	case l.Stale:
		return fmt.Sprintf("This list was synced %s and may be out of date (handoff directory sync).", l.SyncedAt.Format("2006-01-02 15:04"))
	}
	return ""
}

func entriesOf(l *directory.Listing, t action.AssigneeType) []directory.Entry {
	if l == nil {
		return nil
	}
	return l.Of(directory.Kind(t))
}

// typeText is what the assignee step says for each type: the list's title,
// the plural used in "No teams of account X", and the title and hint of the
// "type it yourself" question.
type typeWords struct{ list, plural, typed, typedHint, placeholder, example string }

var typeText = map[action.AssigneeType]typeWords{
	action.Team: {"Team", "teams", "Team name", "The team name exactly as it appears in Wati.",
		"e.g. Billing", "the team's name as Wati shows it, such as Billing"},
	action.User: {"User (operator)", "users", "Operator email", "The email the operator signs in to Wati with.",
		"e.g. maria@acme.com", "an email such as maria@acme.com"},
	action.Bot: {"Bot", "chatbots", "Chatbot id or name", "24 hexadecimal characters, or the chatbot's exact name (resolved to its id).",
		"e.g. Returns flow", "a chatbot id such as 607f1f77bcf86cd799439011, or a chatbot's exact name"},
}

// textOf returns typeText for t; an unknown type reads as a team, as before.
func textOf(t action.AssigneeType) typeWords {
	if v, ok := typeText[t]; ok {
		return v
	}
	return typeText[action.Team]
}

func entryLabel(e directory.Entry) string {
	switch e.Kind {
	case directory.KindUser:
		if e.Name != "" && e.Name != e.Email {
			return e.Name + " <" + e.Email + ">"
		}
		return e.Email
	case directory.KindBot:
		return e.Name + " (" + e.ID + ")"
	}
	return e.Name
}

func entryValue(e directory.Entry) string {
	switch e.Kind {
	case directory.KindUser:
		return e.Email
	case directory.KindBot:
		return e.ID
	}
	return e.Name
}

func assigneeValue(as action.Assignee) string {
	switch as.Type {
	case action.Team:
		return as.Team
	case action.User:
		return as.Email
	case action.Bot:
		return as.BotID
	}
	return ""
}

func checkTyped(t action.AssigneeType, s string) error {
	switch t {
	case action.Team:
		return action.CheckTeam(s)
	case action.User:
		return action.CheckEmail(s)
	case action.Bot:
		if s == OperatorValue {
			return nil
		}
		if action.CheckBotID(s) == nil {
			return nil
		}
		return action.CheckBotName(s)
	}
	return action.CheckAssigneeType(string(t))
}

// setNote keeps a note about step s's answer for the summary ("" clears it).
func (w *Wizard) setNote(s Step, note string, as action.Assignee) {
	if w.notes == nil {
		w.notes = map[Step]string{}
	}
	w.notes[s] = note
	w.noteFor = as
}
