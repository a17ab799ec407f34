package prompt

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/directory"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// OperatorValue, as a bot assignee, means the workspace's bot operator (no
// specific chatbot): `--assignee-type bot --assignee @operator`.
const OperatorValue = "@operator"

// Resolve turns what a person typed (or a flag) into an assignee, checked
// by the same rules as action files:
//   - team: a team name; not in the directory → accepted with a warning;
//   - user: an email; not in the directory → accepted with a warning;
//   - bot: a chatbot id (24 hex), the exact name of one chatbot (resolved
//     to its id: from the directory, else from Wati's live list), or
//     @operator for the workspace's bot operator.
//
// listing may be nil (unknown); chatbots may be nil (offline). Errors carry
// exit codes: an invalid value 2, an unknown chatbot name 5, an ambiguous one 2.
func Resolve(ctx context.Context, t action.AssigneeType, value, acct string, listing *directory.Listing,
	chatbots func(ctx context.Context, account string) ([]wati.Chatbot, error)) (action.Assignee, string, error) {
	value = strings.TrimSpace(value)
	switch t {
	case action.Team:
		if err := action.CheckTeam(value); err != nil {
			return action.Assignee{}, "", cmdutil.UsageError("%v", err)
		}
		as := action.Assignee{Type: action.Team, Team: value}
		if e, ok := find(entriesOf(listing, t), func(e directory.Entry) string { return e.Name }, value); ok {
			as.Team = e.Name
			return as, "", nil
		}
		return as, notListed("team "+value, acct, listing), nil
	case action.User:
		if err := action.CheckEmail(value); err != nil {
			return action.Assignee{}, "", cmdutil.UsageError("%v", err)
		}
		as := action.Assignee{Type: action.User, Email: value}
		if _, ok := find(entriesOf(listing, t), func(e directory.Entry) string { return e.Email }, value); ok {
			return as, "", nil
		}
		return as, notListed("user "+value, acct, listing), nil
	case action.Bot:
		return resolveBot(ctx, value, acct, listing, chatbots)
	}
	return action.Assignee{}, "", cmdutil.UsageError("%v", action.CheckAssigneeType(string(t)))
}

// find looks for value among entries, exactly first, then ignoring case.
func find(entries []directory.Entry, key func(directory.Entry) string, value string) (directory.Entry, bool) {
	for _, e := range entries {
		if key(e) == value {
			return e, true
		}
	}
	for _, e := range entries {
		if strings.EqualFold(key(e), value) {
			return e, true
		}
	}
	return directory.Entry{}, false
}

func notListed(what, acct string, l *directory.Listing) string {
	switch {
	case l == nil:
		return fmt.Sprintf("%s could not be checked against the directory of %s; saved as given", what, acct)
	case l.Offline && l.SyncedAt.IsZero():
		return fmt.Sprintf("%s could not be checked: account %s could not be reached and nothing is cached; saved as given", what, acct)
	case l.Offline:
		return fmt.Sprintf("%s is not in the directory of %s as cached %s (the account could not be reached); saved as given",
			what, acct, l.SyncedAt.Format("2006-01-02 15:04"))
	}
	return fmt.Sprintf("%s is not in the directory of %s (directories are never complete); saved as given", what, acct)
}

func resolveBot(ctx context.Context, value, acct string, listing *directory.Listing,
	chatbots func(ctx context.Context, account string) ([]wati.Chatbot, error)) (action.Assignee, string, error) {
	if value == OperatorValue {
		return action.Assignee{Type: action.Bot}, "", nil
	}
	bots := entriesOf(listing, action.Bot)
	if action.CheckBotID(value) == nil {
		as := action.Assignee{Type: action.Bot, BotID: strings.ToLower(value)}
		for _, e := range bots {
			if strings.EqualFold(e.ID, value) {
				as.BotName = e.Name
				return as, "", nil
			}
		}
		if listing == nil || listing.Offline {
			return as, fmt.Sprintf("chatbot %s could not be checked against account %s; saved as given", value, acct), nil
		}
		return as, fmt.Sprintf("chatbot %s is not in the chatbot list of %s; saved as given", value, acct), nil
	}
	if err := action.CheckBotName(value); err != nil {
		return action.Assignee{}, "", cmdutil.UsageError("%v", err)
	}
	matches := byName(bots, value)
	var live []directory.Entry
	if len(matches) == 0 && chatbots != nil {
		// Not in the cache: ask Wati.
		list, err := chatbots(ctx, acct)
		if err != nil {
			return action.Assignee{}, "", cmdutil.WithHint(
				cmdutil.Errorf(cmdutil.ExitCodeOf(err), "chatbot %q could not be looked up on account %s: %v", value, acct, err),
				"Give the chatbot id (24 hexadecimal characters) instead of its name.")
		}
		for _, c := range list {
			live = append(live, directory.Entry{Kind: directory.KindBot, Name: c.Name, ID: c.ID})
		}
		matches = byName(live, value)
		bots = live
	}
	switch len(matches) {
	case 1:
		return action.Assignee{Type: action.Bot, BotID: strings.ToLower(matches[0].ID), BotName: matches[0].Name}, "", nil
	case 0:
		known := make([]string, 0, len(bots))
		for _, b := range bots {
			known = append(known, fmt.Sprintf("%s (%s)", b.Name, b.ID))
		}
		sort.Strings(known)
		hint := "Account " + acct + " lists no chatbot; give the chatbot id."
		if len(known) > 0 {
			hint = "Chatbots of " + acct + ": " + strings.Join(known, ", ")
		}
		return action.Assignee{}, "", cmdutil.WithHint(
			cmdutil.Errorf(cmdutil.ExitNotFound, "no chatbot named %q on account %s", value, acct), hint)
	default:
		ids := make([]string, len(matches))
		for i, m := range matches {
			ids[i] = m.ID
		}
		return action.Assignee{}, "", cmdutil.WithHint(
			cmdutil.UsageError("%d chatbots of account %s are named %q", len(matches), acct, value),
			"Give the id of the one you mean: "+strings.Join(ids, ", "))
	}
}

// byName returns the bots named value exactly, or else ignoring case.
func byName(bots []directory.Entry, value string) []directory.Entry {
	var exact, folded []directory.Entry
	for _, b := range bots {
		switch {
		case b.Name == value:
			exact = append(exact, b)
		case strings.EqualFold(b.Name, value):
			folded = append(folded, b)
		}
	}
	if len(exact) > 0 {
		return exact
	}
	return folded
}
