// Package handoff runs an action on one target or on a stream of targets,
// with a journal, a report and the audit log. It never prints; progress is
// reported through callbacks.
//
// API (mcp and the assign command code against these names):
//
//	// One handoff, exactly as `assign ACTION --conversation TARGET` does it
//	// minus printing: parse the target, build the client, run, audit.
//	func Execute(ctx context.Context, d Deps, req Request) Result
//	type Deps struct{ Client func(account string, dryRun bool) (*wati.Client, error); Audit *AuditLog }
//	type Request struct{ Action *action.Action; Account, Target string; DryRun, KeepTeams bool; Source, Note string }
//	func AccountFor(a *action.Action, override string) string
//
//	type Result struct{ Action, Account, Target, Assignee, API; Requests; OK; Outcome; Error;
//	                    DurationMS; Replaced; Err; Teams; Kind; Line; Reason; Warnings }
//	func (r Result) ExitCode() int    // design.md exit code (0 when OK)
//	func (r Result) Message() string  // one line: what happened, who owns it, agent must stop
//
//	type Runner struct{ Client *wati.Client; Action *action.Action; Account string;
//	                    KeepTeams, DryRun bool; Audit *AuditLog; Source, Note string }
//	func (r *Runner) Run(ctx context.Context, t wati.Target) Result
//	func (r *Runner) RunBatch(ctx context.Context, in io.Reader, opts BatchOptions) (Summary, error)
//	func DefaultJournalPath(stateDir, action, account, input string) string
//
//	func NewAuditLog(dir string) *AuditLog            // dir: Settings.StateDir
//	func (l *AuditLog) Append(AuditRecord) error
//	func (l *AuditLog) Read(AuditFilter) ([]AuditRecord, int, error)
package handoff
