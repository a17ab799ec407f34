// Package handoff runs an action on one target or on a stream of targets,
// with a journal, a report and the audit log. It never prints; progress is
// reported through callbacks.
//
// API CONTRACT (mcp and the assign command code against these names):
//
//	type Result struct {
//		Action     string         `json:"action"`
//		Account    string         `json:"account"`
//		Target     string         `json:"target"`
//		Assignee   string         `json:"assignee"`     // Assignee.Describe()
//		API        string         `json:"api"`
//		Requests   []wati.Request `json:"requests"`
//		OK         bool           `json:"ok"`
//		Outcome    string         `json:"outcome"`      // "assigned", "dry-run", "failed", "unknown", "skipped"
//		Error      string         `json:"error,omitempty"`
//		DurationMS int64          `json:"duration_ms"`
//		Replaced   []string       `json:"replaced_teams,omitempty"`
//		Err        error          `json:"-"`
//	}
//	type Runner struct{ Client *wati.Client; Action *action.Action; Account string; KeepTeams, DryRun bool; Audit *AuditLog }
//	func (r *Runner) Run(ctx context.Context, t wati.Target) Result
//	func (r *Runner) RunBatch(ctx context.Context, in io.Reader, opts BatchOptions) (Summary, error)
package handoff
