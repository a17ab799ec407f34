package handoff

import (
	"context"
	"errors"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// Result is the outcome of one handoff; `assign --json`, the batch report
// and the MCP tool result all carry these fields.
type Result struct {
	Action     string         `json:"action"`
	Account    string         `json:"account"`
	Target     string         `json:"target"`
	Assignee   string         `json:"assignee"`
	API        string         `json:"api"`
	Requests   []wati.Request `json:"requests"`
	OK         bool           `json:"ok"`
	Outcome    string         `json:"outcome"` // assigned | dry-run | failed | unknown | skipped
	Error      string         `json:"error,omitempty"`
	DurationMS int64          `json:"duration_ms"`
	Replaced   []string       `json:"replaced_teams,omitempty"`
	Err        error          `json:"-"`
}

// Runner runs one action with one client.
type Runner struct {
	Client    *wati.Client
	Action    *action.Action
	Account   string
	KeepTeams bool
	DryRun    bool
}

// ----- contract stub: replaced by the implementation (issue 5) -----

// Run hands one conversation off.
func (r *Runner) Run(ctx context.Context, t wati.Target) Result {
	return Result{Err: errors.New("not implemented yet")}
}
