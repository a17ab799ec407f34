package directory

import (
	"fmt"
	"strings"
	"time"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/textutil"
)

// NameProblem is a team, user or bot an action names that the directory
// on this machine (the cache of the last sync, and the declared entries)
// does not know. It is a warning, never an error: the cache may be stale.
type NameProblem struct {
	Field   string // the action file's field: assignee.team, assignee.email, assignee.bot_id, fallback[1].team, ...
	Value   string // the name as the file gives it
	Kind    Kind   // team, user, bot
	Message string // one sentence, with did-you-mean when a known name is near
	Near    string // the near known name, if any
	Entry   action.Assignee
}

// Known reports whether the listing can judge names of kind k: it was
// synced, or declares some of that kind.
func (l *Listing) Known(k Kind) bool {
	if l == nil {
		return false
	}
	if k == KindBot {
		return !l.SyncedAt.IsZero() && len(l.Of(KindBot)) > 0 // bots come from a sync only
	}
	return !l.SyncedAt.IsZero() || len(l.Of(k)) > 0
}

// CheckNames checks the assignee and the fallbacks of a against the
// listing, offline: a team not in it, a user not declared, a bot id not in
// the chatbot list. Kinds the listing cannot judge (never synced, nothing
// declared) are not checked. now dates the cache in the messages.
func (l *Listing) CheckNames(a *action.Action, now time.Time) []NameProblem {
	if l == nil || a == nil {
		return nil
	}
	var out []NameProblem
	check := func(field string, as action.Assignee) {
		var kind Kind
		var key string
		switch as.Type {
		case action.Team:
			kind, key, field = KindTeam, as.Team, field+".team"
		case action.User:
			kind, key, field = KindUser, as.Email, field+".email"
		case action.Bot:
			if as.BotID == "" {
				return // the bot operator: nothing to look up
			}
			kind, key, field = KindBot, as.BotID, field+".bot_id"
		default:
			return
		}
		if key == "" || !l.Known(kind) {
			return
		}
		if _, ok := l.Find(kind, key); ok {
			return
		}
		if kind == KindBot {
			if _, ok := l.Find(kind, strings.ToLower(key)); ok {
				return
			}
		}
		var names []string
		for _, e := range l.Of(kind) {
			names = append(names, e.Key())
			if kind == KindBot && e.Name != "" {
				names = append(names, e.Name)
			}
		}
		p := NameProblem{Field: field, Value: key, Kind: kind, Entry: as}
		p.Near = textutil.Suggest(key, names)
		mean := ""
		if p.Near != "" {
			mean = fmt.Sprintf(" (did you mean %q?)", p.Near)
		}
		switch kind {
		case KindTeam:
			p.Message = fmt.Sprintf("team %q is not in the directory of %q (%s)%s; check the name in Wati, then: handoff directory sync --account %s, or handoff directory add team %q",
				key, l.Account, l.cacheText(now), mean, l.Account, key)
		case KindUser:
			p.Message = fmt.Sprintf("user %s is not in the directory of %q (%s)%s; check the email in Wati, then: handoff directory add user %s --name \"Name\"",
				key, l.Account, l.cacheText(now), mean, key)
		case KindBot:
			p.Message = fmt.Sprintf("chatbot %s is not in the chatbot list of %q (%s)%s; see handoff directory list --type bot --account %s",
				key, l.Account, l.cacheText(now), mean, l.Account)
		}
		out = append(out, p)
	}
	check("assignee", a.Assignee)
	for i, f := range a.Ext().Fallback {
		check(fmt.Sprintf("fallback[%d]", i), f)
	}
	return out
}

// cacheText says where the names come from and how old they are.
func (l *Listing) cacheText(now time.Time) string {
	if l.SyncedAt.IsZero() {
		return "declared entries only, never synced"
	}
	return "cache synced " + l.Age(now).Round(time.Minute).String() + " ago, may be stale"
}
