// Package shared holds what the directory commands share: which account a
// command is about, and how a listing's age is told.
package shared

import (
	"fmt"
	"time"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/directory"
)

// ResolveAccount returns the account a directory command is about: the
// global --account (env HANDOFF_ACCOUNT), else the default. With required
// false, no account at all is "" (declared entries only), not an error.
func ResolveAccount(accounts func() (*account.Store, error), flag string, required bool) (string, error) {
	store, err := accounts()
	if err != nil {
		return "", err
	}
	if flag == "" && !required {
		def, err := store.Default()
		if err != nil || def == "" {
			return "", err
		}
	}
	a, err := store.Resolve(flag)
	if err != nil {
		return "", err
	}
	return a.Name, nil
}

// Age says how long ago t was, roughly: "just now", "5m ago", "3h ago", "2d ago".
func Age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d/time.Hour))
	}
	return fmt.Sprintf("%dd ago", int(d/(24*time.Hour)))
}

// Summary is one line about what a listing holds, e.g.
// "2 teams, 1 user, 3 bots".
func Summary(l *directory.Listing) string {
	n := func(k directory.Kind, one, many string) string {
		c := len(l.Of(k))
		if c == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", c, many)
	}
	return n(directory.KindTeam, "team", "teams") + ", " + n(directory.KindUser, "user", "users") + ", " + n(directory.KindBot, "bot", "bots")
}

// Contacts says how much of the contact list a sync read, e.g.
// "from 250 contacts (all)" or "from the first 1000 contacts".
func Contacts(l *directory.Listing) string {
	if l.ContactsScanned == 0 && !l.ContactsComplete {
		return "no contacts could be read for teams (declare them: handoff directory add team NAME)"
	}
	if l.ContactsComplete {
		return fmt.Sprintf("teams from %d contacts (all of them)", l.ContactsScanned)
	}
	return fmt.Sprintf("teams from the first %d contacts (raise --contact-pages to read more)", l.ContactsScanned)
}
