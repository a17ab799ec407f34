package handoff

import (
	"fmt"
	"strings"

	"github.com/handoff-dev/handoff/pkg/action"
)

// Budget estimates the Wati calls of handoffs: Wati's monthly quotas are
// small on the lower plans (Growth: 10,000 calls), so a batch says what it
// will spend before it starts, and --max-calls refuses to start above it.
// Retries (429, 5xx) are not counted: they are extra calls when they happen.
type Budget struct {
	// PerTarget is the usual case: the assignee takes the conversation and
	// the 24-hour window is open.
	PerTarget int `json:"per_target"`
	// PerTargetMax counts every fallback tried and a closed window (the
	// refused text, then the template).
	PerTargetMax int `json:"per_target_max"`
	// Targets is the number of targets (0: unknown, as for stdin).
	Targets  int `json:"targets,omitempty"`
	Total    int `json:"total,omitempty"`
	TotalMax int `json:"total_max,omitempty"`
	// Parts name the calls of one target, in order.
	Parts []string `json:"parts"`
}

// EstimateCalls estimates the calls of the action on targets targets (0:
// unknown). api is the account's ("v1" has no contact read). nameGiven says
// that {{name}} comes from the caller (a name column), not from Wati. The
// team pre-read happens with or without keep-teams.
func EstimateCalls(a *action.Action, api string, nameGiven bool, targets int) Budget {
	var b Budget
	add := func(usual, most int, what string) {
		b.PerTarget += usual
		b.PerTargetMax += most
		b.Parts = append(b.Parts, what)
	}
	read := false // the contact is read once, for every team tried and {{name}}
	for i, as := range a.Assignees() {
		usual := 0
		if i == 0 {
			usual = 1
		}
		if as.Type == action.Team && !read && api != "v1" {
			read = true
			add(usual, 1, "1 contact read (team pre-read)")
		}
		what := "1 " + assignWhat(as)
		if i > 0 {
			what += fmt.Sprintf(" (fallback %d, only if needed)", i)
		}
		add(usual, 1, what)
	}
	x := a.Ext()
	if x.Status != "" {
		add(1, 1, "1 status update")
	}
	if a.Uses("name") && !nameGiven && !read && api != "v1" {
		add(1, 1, "1 contact read ({{name}})")
	}
	if len(x.Context) > 0 {
		add(1, 1, "1 contact update (context)")
	}
	if m := x.Message; m != nil {
		switch {
		case m.Text != "" && m.Template != nil:
			add(1, 2, "1 text (+1 template when the window is closed)")
		case m.Text != "":
			add(1, 1, "1 text")
		default:
			add(1, 1, "1 template")
		}
	}
	if targets > 0 {
		b.Targets = targets
		b.Total = targets * b.PerTarget
		b.TotalMax = targets * b.PerTargetMax
	}
	return b
}

func assignWhat(a action.Assignee) string {
	switch {
	case a.Type == action.Team:
		return "team assignment (" + a.Team + ")"
	case a.Type == action.User:
		return "operator assignment (" + a.Email + ")"
	case a.BotID != "":
		return "chatbot start"
	}
	return "bot operator assignment"
}

// String says the estimate in one line:
// "4 Wati calls per target (up to 6) × 400 targets = 1600 (up to 2400)".
func (b Budget) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "%d Wati call%s per target", b.PerTarget, plural(b.PerTarget))
	if b.PerTargetMax > b.PerTarget {
		fmt.Fprintf(&s, " (up to %d with fallbacks and a closed 24-hour window)", b.PerTargetMax)
	}
	if b.Targets > 0 {
		fmt.Fprintf(&s, " × %d target%s = %d", b.Targets, plural(b.Targets), b.Total)
		if b.TotalMax > b.Total {
			fmt.Fprintf(&s, " (up to %d)", b.TotalMax)
		}
	}
	s.WriteString(": " + strings.Join(b.Parts, ", "))
	return s.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
