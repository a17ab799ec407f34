package configure

import (
	"github.com/handoff-dev/handoff/pkg/action"
)

// Parts says which parts of an existing action change.
type Parts struct {
	Intent, Account, Assignee bool
	// Base, when set, is the action as the command read it: a part to
	// change that differs on disk now (another edit saved it meanwhile) is
	// a conflict, refused; parts changed by the other edit are kept.
	Base *action.Action
}

func (p Parts) names() []string {
	out := []string{}
	if p.Intent {
		out = append(out, "intent")
	}
	if p.Account {
		out = append(out, "account")
	}
	if p.Assignee {
		out = append(out, "assignee")
	}
	return out
}

// Saver is what configure needs of the action files.
type Saver interface {
	Exists(name string) (bool, error)
	Load(name string) (*action.Action, error)
	// LoadForEdit loads an action whose parts are about to be rewritten:
	// errors in those parts are fine (they are returned), others are not.
	LoadForEdit(name string, parts ...string) (*action.Action, []action.Broken, error)
	Path(name string) string
	// Create writes a new file (atomically; never over an existing one).
	Create(a action.Action) (string, error)
	// Update rewrites only the given parts, keeping comments and key order.
	Update(name string, a action.Action, parts Parts) (string, error)
}

// storeSaver is the Saver of the action store.
type storeSaver struct{ st *action.Store }

func (s storeSaver) Exists(name string) (bool, error)         { return s.st.Exists(name), nil }
func (s storeSaver) Load(name string) (*action.Action, error) { return s.st.Load(name) }
func (s storeSaver) LoadForEdit(name string, parts ...string) (*action.Action, []action.Broken, error) {
	return s.st.LoadForEdit(name, parts...)
}
func (s storeSaver) Path(name string) string { return s.st.Path(name) }

func (s storeSaver) Create(a action.Action) (string, error) { return s.st.Create(&a) }

func (s storeSaver) Update(name string, a action.Action, parts Parts) (string, error) {
	err := s.st.Update(name, func(e *action.Editor) error {
		if b := parts.Base; b != nil {
			now := e.Action()
			switch {
			case parts.Intent && now.Intent != b.Intent:
				return s.st.Conflict(name, "intent")
			case parts.Account && now.Account != b.Account:
				return s.st.Conflict(name, "account")
			case parts.Assignee && now.Assignee != b.Assignee:
				return s.st.Conflict(name, "assignee")
			}
		}
		if parts.Intent {
			if err := e.SetIntent(a.Intent); err != nil {
				return err
			}
		}
		if parts.Account {
			if err := e.SetAccount(a.Account); err != nil {
				return err
			}
		}
		if parts.Assignee {
			if err := e.SetAssignee(a.Assignee); err != nil {
				return err
			}
		}
		return nil
	})
	return s.st.Path(name), err
}
