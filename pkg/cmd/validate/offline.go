package validate

// Offline name checks: without --online, the team, user and bot names of
// each action are checked against the directory cached on this machine
// (the last `handoff directory sync`, and the declared entries), when there
// is one. A name it does not know is a warning with did-you-mean, never an
// error: the cache may be stale. `handoff assign --dry-run` says the same.

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/directory"
)

// offlineNames is the Check of the cached directory.
func offlineNames(opts *Options) Check {
	listings := map[string]*directory.Listing{}
	return func(ctx context.Context, doc *action.Document) []action.Diagnostic {
		a := doc.Action
		if a == nil || a.Account == "" || opts.Directory == nil {
			return nil
		}
		l, seen := listings[a.Account]
		if !seen {
			if svc, err := opts.Directory(); err == nil && svc != nil {
				l, _ = svc.List(ctx, a.Account, nil) // nil client: the cache as it is, never a refresh
			}
			listings[a.Account] = l
		}
		var out []action.Diagnostic
		for _, p := range l.CheckNames(a, time.Now()) {
			line, col := doc.Position(p.Field)
			if line == 0 {
				line, col = doc.Position("fallback")
			}
			if line == 0 {
				line, col = 1, 1
			}
			out = append(out, action.Diagnostic{File: doc.File, Line: line, Column: col, EndLine: line,
				EndColumn: col + max(utf8.RuneCountInString(p.Value), 1),
				Severity:  action.SeverityWarning, Rule: action.RuleDirectoryKnown, Message: p.Message})
		}
		return out
	}
}
