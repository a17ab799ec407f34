package assign

import (
	"errors"
	"fmt"

	"github.com/handoff-dev/handoff/pkg/action"
)

// loadAction loads and validates the action; an invalid file's
// diagnostics are printed on stderr before the error (exit 3).
func loadAction(o *Options) (*action.Action, error) {
	st, err := o.Actions()
	if err != nil {
		return nil, err
	}
	a, err := st.Load(o.Name)
	if err != nil {
		var ae *action.Error
		if errors.As(err, &ae) {
			for _, d := range ae.Diagnostics {
				fmt.Fprintln(o.IO.ErrOut, d.String())
			}
		}
		return nil, err
	}
	return a, nil
}

func listActionNames(st *action.Store) []string {
	ents, err := st.List()
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range ents {
		if e.Valid() {
			names = append(names, e.Name)
		}
	}
	return names
}
