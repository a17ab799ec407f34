package conversation

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/handoff-dev/handoff/pkg/exitcode"
	"github.com/handoff-dev/handoff/pkg/handoff"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// Release outcomes.
const (
	OutcomeReleased = "released"
	OutcomeDryRun   = handoff.OutcomeDryRun
	OutcomeFailed   = handoff.OutcomeFailed
	OutcomeUnknown  = handoff.OutcomeUnknown
)

// KindRelease is the audit record kind of a release.
const KindRelease = "release"

// ReleaseRequest is one handback.
type ReleaseRequest struct {
	Account string // "" = the default account
	Target  string // as the user wrote it
	Status  string // "" = leave the conversation's status; else open, pending, solved or block
	DryRun  bool
	Source  string // audit: "release", "mcp", "batch"
	Note    string // audit: free text
}

// ReleaseResult is what a release did; `release --json` prints it.
type ReleaseResult struct {
	Account    string         `json:"account"`
	Target     string         `json:"target"`
	OK         bool           `json:"ok"`
	Outcome    string         `json:"outcome"` // released | dry-run | failed | unknown
	Status     string         `json:"status,omitempty"`
	Error      string         `json:"error,omitempty"`
	Requests   []wati.Request `json:"requests"`
	DurationMS int64          `json:"duration_ms"`
	Line       int            `json:"line,omitempty"` // --from: the input line
	Warnings   []string       `json:"warnings,omitempty"`
	Err        error          `json:"-"`
}

// ExitCode is the process exit code (0 when it worked).
func (r ReleaseResult) ExitCode() int {
	if r.OK {
		return exitcode.OK
	}
	var c interface{ ExitCode() int }
	if errors.As(r.Err, &c) {
		return c.ExitCode()
	}
	if errors.Is(r.Err, context.Canceled) {
		return exitcode.Cancel
	}
	return exitcode.Failure
}

// Message is the sentence a person (or agent) reads.
func (r ReleaseResult) Message() string {
	status := ""
	if r.Status != "" {
		status = " and set its status to " + r.Status
	}
	switch r.Outcome {
	case OutcomeReleased:
		return fmt.Sprintf("Released %s: the bot has the conversation again%s; the AI agent may reply to it.", r.Target, status)
	case OutcomeDryRun:
		return fmt.Sprintf("Dry run: nothing was sent. This would hand %s back to the bot%s.", r.Target, status)
	case OutcomeUnknown:
		return fmt.Sprintf("Outcome unknown for %s: %s. Check the conversation in Wati (handoff status) before replying.", r.Target, r.Error)
	}
	return fmt.Sprintf("Release of %s failed: %s. Whoever held the conversation still holds it.", r.Target, r.Error)
}

// Release hands the conversation back to the workspace's bot operator
// (Wati's assign operator with a null email), then sets its status when
// asked (PUT conversations/{target}/status), and appends an audit record
// (kind release) unless it was a dry run or the target was invalid.
func Release(ctx context.Context, d Deps, req ReleaseRequest) ReleaseResult {
	start := time.Now()
	res := ReleaseResult{Account: req.Account, Target: req.Target, Requests: []wati.Request{}}
	status := strings.ToLower(strings.TrimSpace(req.Status))
	if status != "" && !wati.ValidStatus(status) {
		res.fail(exitcode.Errorf(exitcode.Usage, "Use one of: "+strings.Join(wati.Statuses, ", ")+".", "status %q is not one of %s", req.Status, strings.Join(wati.Statuses, ", ")))
		return res
	}
	t, err := wati.ParseTarget(req.Target)
	if err != nil {
		res.fail(err)
		return res
	}
	res.Target = t.String()
	c, err := d.Client(req.Account, req.DryRun)
	if err != nil {
		res.fail(err)
		return res
	}
	if res.Account == "" {
		res.Account = c.Account()
	}
	rctx, recorded := wati.RecordRequests(ctx)
	err = c.AssignOperator(rctx, t, nil)
	released := err == nil
	if err == nil && status != "" {
		if serr := c.UpdateStatus(rctx, t, status); serr != nil {
			err = fmt.Errorf("handed back to the bot, but setting the status to %s failed: %w", status, serr)
		} else {
			res.Status = status
		}
	}
	res.Requests = recorded()
	if res.Requests == nil {
		res.Requests = []wati.Request{}
	}
	res.DurationMS = time.Since(start).Milliseconds()
	switch {
	case err == nil && req.DryRun:
		res.OK, res.Outcome = true, OutcomeDryRun
		if status != "" {
			res.Status = status
		}
	case err == nil:
		res.OK, res.Outcome = true, OutcomeReleased
	default:
		res.fail(err)
	}
	if d.Audit != nil && !req.DryRun {
		rec := handoff.AuditRecord{
			Time: time.Now().UTC(), Account: res.Account, Target: res.Target, Assignee: "the bot operator",
			API: c.API(), Outcome: res.Outcome, OK: res.OK || released, Error: res.Error, DurationMS: res.DurationMS,
			Source: req.Source, Kind: KindRelease, Note: req.Note, PID: os.Getpid(),
		}
		if rec.OK && !res.OK {
			rec.Outcome = OutcomeReleased // the handback happened; only the status failed
		}
		if aerr := d.Audit.Append(rec); aerr != nil {
			res.Warnings = append(res.Warnings, "audit log: "+aerr.Error())
		}
	}
	return res
}

func (r *ReleaseResult) fail(err error) {
	r.OK, r.Err, r.Error = false, err, err.Error()
	r.Outcome = OutcomeFailed
	var c interface{ ExitCode() int }
	if errors.As(err, &c) && c.ExitCode() == exitcode.Unknown {
		r.Outcome = OutcomeUnknown
	}
}
