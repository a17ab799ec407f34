package validate

// --online: besides the offline rules, ask each account used by the files
// whether its token works, whether the bot ids exist in its chatbot list,
// and whether the teams and users are in its directory.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/directory"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// Rules of the online checks.
const (
	RuleAccountOnline = "account-online" // the token is refused, missing, or the account unreachable
	RuleBotExists     = "bot-exists"     // bot_id is not in the account's chatbot list
	RuleBotName       = "bot-name-differs"
	RuleTeamKnown     = "team-known" // not seen on contacts nor declared (warning)
	RuleUserKnown     = "user-known" // not declared (warning)
)

func init() { extensions = append(extensions, addOnline) }

func addOnline(cmd *cobra.Command, opts *Options) {
	var online bool
	cmd.Flags().BoolVar(&online, "online", false, "also check against Wati: token, chatbot ids, teams and users in the directory, message templates")
	cmd.Long += `

--online also asks Wati, once per account the files use: that the token is
accepted (an error on the account field otherwise), that every bot_id is in the
account's chatbot list (error), and that teams and users are in the account's
directory (handoff directory list). Wati lists no teams or users, so a team or
user missing from the directory is only a warning (--strict makes it fail).
Fallback assignees are checked the same way. A message template must be one of
the account's templates, approved, and given every parameter it uses (errors).
An account that cannot be reached gives a warning: nothing could be checked.`
	cmd.Example += `

  # also check tokens, chatbot ids, teams and users against Wati
  handoff validate --online`
	cmd.PreRunE = func(*cobra.Command, []string) error {
		if online {
			opts.Online = true
			o := &onlineChecker{opts: opts, accounts: map[string]*accountFacts{}}
			opts.Checks = append(opts.Checks, o.check)
		}
		return nil
	}
}

// accountFacts is what was learnt about one account, once.
type accountFacts struct {
	problem  *action.Diagnostic // set when the account could not be checked (template: severity, rule, message)
	bots     map[string]string  // id -> name; nil when the list could not be read
	botsErr  string
	listing  *directory.Listing // nil when not available
	dirError string

	client *wati.Client // for what only some files need (templates)
	tmplMu sync.Mutex
	tmpls  *templateFacts
}

type onlineChecker struct {
	opts     *Options
	mu       sync.Mutex
	accounts map[string]*accountFacts
}

func (o *onlineChecker) facts(ctx context.Context, name string) *accountFacts {
	o.mu.Lock()
	defer o.mu.Unlock()
	if f, ok := o.accounts[name]; ok {
		return f
	}
	f := o.learn(ctx, name)
	o.accounts[name] = f
	return f
}

func (o *onlineChecker) learn(ctx context.Context, name string) *accountFacts {
	f := &accountFacts{}
	fail := func(sev action.Severity, format string, a ...any) *accountFacts {
		f.problem = &action.Diagnostic{Severity: sev, Rule: RuleAccountOnline, Message: fmt.Sprintf(format, a...)}
		return f
	}
	if o.opts.Client == nil {
		return fail(action.SeverityWarning, "not checked online: no Wati client")
	}
	c, err := o.opts.Client(name, false)
	if err != nil {
		return fail(action.SeverityError, "account %q cannot be used: %v", name, err)
	}
	// The token: one cheap call, as handoff account test makes.
	if c.API() == "v1" {
		var bots []wati.Chatbot
		bots, err = c.ListChatbots(ctx)
		if err == nil {
			f.bots = botMap(bots)
		}
	} else {
		_, err = c.ListChannels(ctx)
	}
	if err != nil {
		var we *wati.Error
		if errors.As(err, &we) {
			switch we.Kind {
			case wati.KindUnauthorized:
				if src := o.tokenSource(name); strings.HasPrefix(src, "env ") {
					return fail(action.SeverityError, "account %q rejected the token (401) from %s", name, strings.TrimPrefix(src, "env "))
				}
				return fail(action.SeverityError, "account %q rejected the token (401): run handoff account add %s --with-token", name, name)
			case wati.KindForbidden:
				return fail(action.SeverityError, "account %q refused the token (403): check its scopes with handoff account test %s", name, name)
			case wati.KindUnavailable, wati.KindRateLimited:
				return fail(action.SeverityWarning, "not checked online: account %q is unreachable (%v)", name, we)
			}
		}
		return fail(action.SeverityError, "account %q: %v", name, err)
	}
	f.client = c
	if f.bots == nil {
		bots, err := c.ListChatbots(ctx)
		if err != nil {
			f.botsErr = err.Error()
		} else {
			f.bots = botMap(bots)
		}
	}
	if o.opts.Directory != nil {
		dir, err := o.opts.Directory()
		if err == nil {
			f.listing, err = dir.List(ctx, name, c)
		}
		if err != nil {
			f.dirError = err.Error()
		}
	}
	return f
}

func (o *onlineChecker) tokenSource(name string) string {
	if o.opts.Accounts == nil {
		return ""
	}
	st, err := o.opts.Accounts()
	if err != nil {
		return ""
	}
	src, _ := st.TokenSource(name)
	return src
}

func botMap(bots []wati.Chatbot) map[string]string {
	m := make(map[string]string, len(bots))
	for _, b := range bots {
		m[strings.ToLower(b.ID)] = b.Name
	}
	return m
}

// check is the validate Check of --online.
func (o *onlineChecker) check(ctx context.Context, doc *action.Document) []action.Diagnostic {
	a := doc.Action
	if a == nil || a.Account == "" || ctx.Err() != nil {
		return nil
	}
	if known, err := knownAccounts(o.opts); err != nil || !onlineContains(known, a.Account) {
		return nil // the offline rules already report an unknown account
	}
	f := o.facts(ctx, a.Account)
	at := func(path, value string, sev action.Severity, rule, format string, args ...any) action.Diagnostic {
		line, col := doc.Position(path)
		if line == 0 {
			line, col = 1, 1
		}
		return action.Diagnostic{File: doc.File, Line: line, Column: col, EndLine: line, EndColumn: col + max(utf8.RuneCountInString(value), 1),
			Severity: sev, Rule: rule, Message: fmt.Sprintf(format, args...)}
	}
	if f.problem != nil {
		return []action.Diagnostic{at("account", a.Account, f.problem.Severity, f.problem.Rule, "%s", f.problem.Message)}
	}
	out := o.assigneeDiags(a, f, "assignee", a.Assignee, at)
	for i, fb := range a.Ext().Fallback {
		out = append(out, o.assigneeDiags(a, f, fmt.Sprintf("fallback.%d", i+1), fb, at)...)
	}
	out = append(out, o.templateDiags(ctx, a, f, at)...)
	return out
}

type atFunc func(path, value string, sev action.Severity, rule, format string, args ...any) action.Diagnostic

// assigneeDiags checks one assignee (the assignee or a fallback, at prefix).
func (o *onlineChecker) assigneeDiags(a *action.Action, f *accountFacts, prefix string, as action.Assignee, at atFunc) []action.Diagnostic {
	var out []action.Diagnostic
	switch as.Type {
	case action.Bot:
		if as.BotID == "" {
			break // the bot operator: nothing to look up
		}
		if f.bots == nil {
			out = append(out, at(prefix+".bot_id", as.BotID, action.SeverityWarning, RuleBotExists,
				"bot_id not checked: the chatbot list of %q could not be read (%s)", a.Account, f.botsErr))
			break
		}
		name, ok := f.bots[strings.ToLower(as.BotID)]
		if !ok {
			out = append(out, at(prefix+".bot_id", as.BotID, action.SeverityError, RuleBotExists,
				"chatbot %s is not in the chatbot list of account %q (%d chatbots; see handoff directory list --type bot)", as.BotID, a.Account, len(f.bots)))
		} else if as.BotName != "" && name != "" && as.BotName != name {
			out = append(out, at(prefix+".bot_name", as.BotName, action.SeverityWarning, RuleBotName,
				"bot_name %q differs from the chatbot's name in Wati, %q", as.BotName, name))
		}
	case action.Team:
		if f.listing == nil {
			break
		}
		if _, ok := f.listing.Find(directory.KindTeam, as.Team); !ok {
			out = append(out, at(prefix+".team", as.Team, action.SeverityWarning, RuleTeamKnown,
				"team %q is not in the directory of %q (not seen on %s, not declared)%s; Wati lists no teams, so check the name in Wati, then: handoff directory add team %q",
				as.Team, a.Account, contactsText(f.listing), suggest(f.listing, directory.KindTeam, as.Team), as.Team))
		}
	case action.User:
		if f.listing == nil {
			break
		}
		if _, ok := f.listing.Find(directory.KindUser, as.Email); !ok {
			out = append(out, at(prefix+".email", as.Email, action.SeverityWarning, RuleUserKnown,
				"user %s is not declared in the directory; Wati lists no users, so check the email in Wati, then: handoff directory add user %s --name \"Name\"",
				as.Email, as.Email))
		}
	}
	return out
}

func contactsText(l *directory.Listing) string {
	if l.SyncedAt.IsZero() {
		return "contacts (never synced)"
	}
	if l.ContactsComplete {
		return fmt.Sprintf("its %d contacts", l.ContactsScanned)
	}
	return fmt.Sprintf("the first %d contacts", l.ContactsScanned)
}

// suggest names an entry that differs only in case, e.g. ` (did you mean "Billing"?)`.
func suggest(l *directory.Listing, k directory.Kind, key string) string {
	for _, e := range l.Of(k) {
		if strings.EqualFold(e.Key(), key) {
			return fmt.Sprintf(" (did you mean %q?)", e.Key())
		}
	}
	return ""
}

func onlineContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
