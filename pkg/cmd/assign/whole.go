package assign

import (
	"fmt"
	"io"
	"strings"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/handoff"
)

// callerVars are the placeholders a caller may give (--var, batch columns).
var callerVars = []string{"reason", "summary", "name"}

// parseVars reads --var KEY=VALUE flags.
func parseVars(list []string) (handoff.Vars, error) {
	v := handoff.Vars{}
	for _, kv := range list {
		k, val, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, cmdutil.WithHint(cmdutil.UsageError("--var %q is not KEY=VALUE", kv), "For example: --var reason=\"disputes order 1042\"")
		}
		if !contains(callerVars, k) {
			return nil, cmdutil.WithHint(cmdutil.UsageError("--var %s: unknown placeholder {{%s}}", k, k),
				"The values a caller gives are reason, summary and name (action, assignee, target and now are filled in by handoff).")
		}
		if _, dup := v[k]; dup {
			return nil, cmdutil.WithHint(cmdutil.UsageError("--var %s is given twice", k), "Give each --var once.")
		}
		v[k] = val
	}
	return v, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// missingVars lists the caller placeholders the action uses that have no
// value (one handoff): they would be written empty.
func missingVars(a *action.Action, v handoff.Vars) []string {
	var out []string
	for _, n := range []string{"reason", "summary"} {
		if a.Uses(n) && strings.TrimSpace(v[n]) == "" {
			out = append(out, n)
		}
	}
	return out
}

// missingColumns lists the caller placeholders the action uses that neither
// --var nor a column of the batch input gives.
func missingColumns(a *action.Action, v handoff.Vars, columns []string) []string {
	var out []string
	for _, n := range missingVars(a, v) {
		if !contains(columns, n) {
			out = append(out, n)
		}
	}
	return out
}

// checkBudget refuses to start when the usual estimate is above max.
func checkBudget(b handoff.Budget, max int) error {
	if max <= 0 {
		return nil
	}
	total, what := b.PerTarget, "this handoff"
	if b.Targets > 0 {
		total, what = b.Total, fmt.Sprintf("these %d handoffs", b.Targets)
	}
	if total <= max {
		return nil
	}
	return cmdutil.WithHint(cmdutil.UsageError("%s would make %d Wati calls, above --max-calls %d: nothing was sent", what, total, max),
		"Raise --max-calls, or split the input ("+b.String()+").")
}

// printSteps shows a dry run's requests step by step, the way curl users
// read them, then the calls it would make.
func printSteps(w io.Writer, res handoff.Result, a *action.Action) {
	if len(res.Steps) == 0 {
		cmdutil.PrintRequests(w, res.Requests)
		return
	}
	for i, s := range res.Steps {
		head := fmt.Sprintf("# step %d: %s", i+1, s.Step)
		if s.Detail != "" {
			head += " " + s.Detail
		}
		if fb := a.Ext().Fallback; s.Step == action.StepAssign && len(fb) > 0 {
			names := make([]string, len(fb))
			for i, f := range fb {
				names[i] = f.Describe()
			}
			head += "; if it cannot take the conversation: " + strings.Join(names, ", then ")
		}
		if s.Outcome == handoff.StepNotRun || s.Outcome == handoff.StepFailed {
			head += " (" + s.Outcome + ": " + s.Error + ")"
		}
		fmt.Fprintln(w, head)
		cmdutil.PrintRequests(w, s.Requests)
	}
	if res.Estimate != nil {
		fmt.Fprintf(w, "# Wati calls: %s\n", res.Estimate.String())
	}
}
