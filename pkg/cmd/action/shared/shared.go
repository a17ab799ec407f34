// Package shared holds what the action commands share: completion of action
// names and the JSON form of an action.
package shared

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

// CompleteActionNames completes the first argument with the names of the
// actions in the actions folder.
func CompleteActionNames(f *cmdutil.Factory) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		st, err := f.Actions()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		entries, err := st.List()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, e := range entries {
			if strings.HasPrefix(e.Name, toComplete) && action.CheckName(e.Name) == nil {
				desc := ""
				if e.Action != nil && e.Action.Assignee.Type != "" {
					desc = "\t→ " + e.Action.Assignee.Describe()
				}
				out = append(out, e.Name+desc)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// JSONAction is an action as --json shows it.
type JSONAction struct {
	Name                string              `json:"name"`
	Path                string              `json:"path"`
	Valid               bool                `json:"valid"`
	Version             int                 `json:"version,omitempty"`
	Intent              string              `json:"intent,omitempty"`
	Account             string              `json:"account,omitempty"`
	Assignee            *action.Assignee    `json:"assignee,omitempty"`
	AssigneeDescription string              `json:"assignee_description,omitempty"`
	Diagnostics         []action.Diagnostic `json:"diagnostics,omitempty"`
}

// ToJSON builds the JSON form of an action read from path.
func ToJSON(name, path string, a *action.Action, diags []action.Diagnostic) JSONAction {
	j := JSONAction{Name: name, Path: path, Valid: !action.HasErrors(diags), Diagnostics: diags}
	if a != nil {
		j.Version, j.Intent, j.Account = a.Version, a.Intent, a.Account
		if a.Assignee.Type != "" {
			as := a.Assignee
			j.Assignee = &as
			j.AssigneeDescription = as.Describe()
		}
	}
	return j
}
