package log

import "github.com/handoff-dev/handoff/pkg/action"

func listActionNames(st *action.Store) []string {
	ents, err := st.List()
	if err != nil {
		return nil
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name)
	}
	return names
}
