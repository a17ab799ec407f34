package mcp

import (
	"context"
	"fmt"

	"github.com/handoff-dev/handoff/pkg/action"
)

// StoreLoader reads the actions of a store: the valid ones become tools;
// each invalid file is skipped, with its first error as the reason.
func StoreLoader(st *action.Store) Loader {
	return func(ctx context.Context) ([]*action.Action, []string, error) {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		entries, irregular, err := st.Scan()
		if err != nil {
			return nil, nil, err
		}
		var acts []*action.Action
		var skipped []string
		for _, k := range irregular {
			skipped = append(skipped, k.String())
		}
		for _, e := range entries {
			if e.Valid() && e.Action != nil {
				acts = append(acts, e.Action)
				continue
			}
			skipped = append(skipped, skipReason(e))
		}
		return acts, skipped, nil
	}
}

func skipReason(e action.Entry) string {
	var errs []action.Diagnostic
	for _, d := range e.Diagnostics {
		if d.Severity == action.SeverityError {
			errs = append(errs, d)
		}
	}
	file := e.Path
	if file == "" {
		file = e.Name
	}
	if len(errs) == 0 {
		return fmt.Sprintf("%s: not a usable action", file)
	}
	s := errs[0].String()
	if len(errs) > 1 {
		s += fmt.Sprintf(" (and %d more; run: handoff validate %s)", len(errs)-1, file)
	}
	return s
}
