package handoff

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/exitcode"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// A whole handoff runs the action's steps in a fixed order (action.StepOrder):
//
//	assign   the assignee, then each fallback while an assignee cannot take
//	         the conversation (unknown team, chatbot or operator not found, a
//	         403 naming the plan); never after an unknown outcome or a refused
//	         token. Nothing else runs unless someone took it.
//	status   PUT conversations/{target}/status
//	context  PUT contacts (custom params)
//	message  a session text; when Wati refuses it because the 24-hour window
//	         is closed, the template (or nothing, when the file has none)
//
// A step after the assignment that fails does not undo it: the result is
// then "partial" (exit code 8), with each step's outcome.

// OutcomePartial: the conversation was handed off, but a later step failed
// or its outcome is unknown.
const OutcomePartial = "partial"

// Step outcomes.
const (
	StepDone    = "done"    // status set, params written
	StepSent    = "sent"    // message: a text or a template was accepted
	StepSkipped = "skipped" // nothing to do (window closed and no template, already sent)
	StepFailed  = "failed"  // Wati refused it
	StepUnknown = "unknown" // sent, answer lost
	StepDryRun  = "dry-run" // shown, not sent
	StepNotRun  = "not-run" // an earlier step failed, or cancelled
	StepTook    = "took"    // assign: this assignee took the conversation
	StepCannot  = "cannot"  // assign: this assignee cannot take it; the next is tried
	StepGaveUp  = "gave-up" // assign: failed in a way no fallback can help
	stepPlanned = "planned" // internal: not yet run
)

// StepResult is one step of a handoff.
type StepResult struct {
	Step    string `json:"step"`             // assign | status | context | message
	Outcome string `json:"outcome"`          // done | sent | skipped | failed | unknown | dry-run | not-run
	Detail  string `json:"detail,omitempty"` // what it did: "status pending", "template handoff_notice (24-hour window closed)"
	Error   string `json:"error,omitempty"`
	// Calls is how many requests this step sent to Wati (retries included;
	// in a dry run, the reads it sent).
	Calls    int            `json:"calls"`
	Requests []wati.Request `json:"requests"`
}

// AssigneeTry is one assignee tried by the assign step.
type AssigneeTry struct {
	Assignee string `json:"assignee"`
	Outcome  string `json:"outcome"`          // took | cannot | gave-up | dry-run
	Reason   string `json:"reason,omitempty"` // why it could not take the conversation
}

// Guard remembers the non-idempotent steps (message, template, chatbot
// start) of each target, so that a resumed batch or a retried call never
// sends one twice. Batches use their journal; one-off handoffs (assign,
// MCP) may use the audit log.
type Guard interface {
	// Before is called before sending step to target. It returns a non-empty
	// note when the step must not be sent: already sent ("sent by an earlier
	// run ...") or maybe sent (unknown=true).
	Before(target, step string) (note string, unknown bool, err error)
	// After records the step's outcome (StepSent, StepFailed, StepUnknown, ...).
	After(target, step, outcome string) error
}

// Vars are the values of placeholders given by the caller (MCP arguments,
// batch columns, --var): reason, summary, name.
type Vars map[string]string

// runSteps runs every step of the action on t.
func (r *Runner) runSteps(ctx context.Context, t wati.Target, res *Result) error {
	st := &stepRun{r: r, t: t, res: res}
	err := st.assign(ctx)
	if err != nil {
		for _, s := range r.Action.Steps()[1:] {
			res.Steps = append(res.Steps, StepResult{Step: s, Outcome: StepNotRun, Detail: "the conversation was not handed off", Requests: []wati.Request{}})
		}
		return err
	}
	x := r.Action.Ext()
	if x.Status != "" {
		st.step(ctx, action.StepStatus, func(ctx context.Context, s *StepResult) error {
			s.Detail = x.Status
			return r.Client.UpdateStatus(ctx, t, x.Status)
		})
	}
	if len(x.Context) > 0 {
		st.step(ctx, action.StepContext, func(ctx context.Context, s *StepResult) error {
			vals, err := st.values(ctx)
			if err != nil {
				return err
			}
			ps := make([]wati.CustomParam, len(x.Context))
			names := make([]string, len(x.Context))
			for i, p := range x.Context {
				ps[i] = wati.CustomParam{Name: p.Name, Value: action.Expand(p.Value, vals)}
				names[i] = p.Name
			}
			s.Detail = strings.Join(names, ", ")
			return r.Client.UpdateContactParams(ctx, t, ps)
		})
	}
	if x.Message != nil {
		st.step(ctx, action.StepMessage, st.message)
	}
	return nil
}

type stepRun struct {
	r       *Runner
	t       wati.Target
	res     *Result
	contact *wati.Contact // read once (team pre-read, {{name}})
	read    bool
	vals    map[string]string
	refused error // a step's 401/403: the steps after it are not sent
}

// step runs one step after the assignment, recording its requests.
func (st *stepRun) step(ctx context.Context, name string, fn func(context.Context, *StepResult) error) {
	s := StepResult{Step: name}
	if ctx.Err() != nil {
		s.Outcome, s.Error, s.Requests = StepNotRun, "cancelled", []wati.Request{}
		st.res.Steps = append(st.res.Steps, s)
		return
	}
	if st.refused != nil {
		// A refused token stops the handoff at once (issue 13).
		s.Outcome, s.Error, s.Requests = StepNotRun, "not sent: an earlier step's token was refused", []wati.Request{}
		st.res.Steps = append(st.res.Steps, s)
		return
	}
	sctx, recorded := wati.RecordRequests(ctx)
	err := fn(sctx, &s)
	if exitCodeOf(err) == exitcode.Auth {
		st.refused = err
	}
	finishStep(&s, recorded(), err, st.r.DryRun, true)
	st.res.Steps = append(st.res.Steps, s)
}

// finishStep records a step's requests and calls, and its outcome from err
// unless the step decided one itself (message: skipped, sent as a template).
// With cancelledNotRun, a step cut off by cancellation is "not run".
func finishStep(s *StepResult, reqs []wati.Request, err error, dryRun, cancelledNotRun bool) {
	s.Requests = reqs
	if s.Requests == nil {
		s.Requests = []wati.Request{}
	}
	s.Calls = sentCalls(s.Requests)
	switch {
	case s.Outcome != "":
		if err != nil && s.Error == "" {
			s.Error = err.Error()
		}
	case err == nil && dryRun:
		s.Outcome = StepDryRun
	case err == nil:
		s.Outcome = StepDone
	default:
		s.Error = err.Error()
		s.Outcome = StepFailed
		if exitCodeOf(err) == exitcode.Unknown {
			s.Outcome = StepUnknown
		}
		if cancelledNotRun && errors.Is(err, context.Canceled) {
			s.Outcome = StepNotRun
		}
	}
}

// assign hands the conversation to the assignee or, when it cannot take
// it, to each fallback in turn.
func (st *stepRun) assign(ctx context.Context) error {
	r, res := st.r, st.res
	s := StepResult{Step: action.StepAssign}
	sctx, recorded := wati.RecordRequests(ctx)
	all := r.Action.Assignees()
	var err error
	for i, a := range all {
		try := AssigneeTry{Assignee: a.Describe()}
		ares := Result{}
		err = st.assignTo(sctx, a, &ares)
		if err == nil {
			try.Outcome = StepTook
			if r.DryRun {
				try.Outcome = StepDryRun
			}
			res.Tried = append(res.Tried, try)
			res.Assignee, res.Kind = a.Describe(), kindOf(a)
			res.Replaced, res.Teams, res.teamsUnknown = ares.Replaced, ares.Teams, ares.teamsUnknown
			res.Warnings = append(res.Warnings, ares.Warnings...)
			s.Detail = "to " + a.Describe()
			if i > 0 {
				s.Detail += fmt.Sprintf(" (fallback %d)", i)
			}
			break
		}
		res.Warnings = append(res.Warnings, ares.Warnings...)
		why, ok := cannotTake(err)
		try.Reason = err.Error()
		if !ok || i == len(all)-1 || ctx.Err() != nil {
			try.Outcome = StepGaveUp
			if ok {
				try.Outcome = StepCannot
			}
			res.Tried = append(res.Tried, try)
			break
		}
		try.Outcome, try.Reason = StepCannot, why+": "+err.Error()
		res.Tried = append(res.Tried, try)
	}
	if len(all) == 1 {
		res.Tried = nil // nothing to choose from: the assignee says it all
	}
	finishStep(&s, recorded(), err, r.DryRun, false)
	res.Steps = append(res.Steps, s)
	return err
}

// assignTo performs the assignment of design.md for one assignee, through
// the Guard when it is a chatbot start.
func (st *stepRun) assignTo(ctx context.Context, a action.Assignee, res *Result) error {
	r := st.r
	c := r.Client
	// Team and chatbot handoffs name the contact, never a conversation id
	// (Wati's spec): refused before anything is sent, as a bad target.
	if err := st.t.For(targetUse(a)); err != nil {
		return &usageError{err}
	}
	switch a.Type {
	case action.User:
		email := a.Email
		return c.AssignOperator(ctx, st.t, &email)
	case action.Bot:
		if a.BotID != "" {
			return c.StartChatbot(ctx, st.t, a.BotID)
		}
		return c.AssignOperator(ctx, st.t, nil)
	case action.Team:
		return st.assignTeam(ctx, a, res)
	}
	return &configError{fmt.Errorf("action %q: unknown assignee type %q", r.Action.Name, a.Type)}
}

// assignTeam is Runner.assignTeam with the contact read once per handoff
// (a second team tried as a fallback needs no second read).
func (st *stepRun) assignTeam(ctx context.Context, a action.Assignee, res *Result) error {
	if !st.read {
		return st.r.assignTeamAs(ctx, st.t, a, res, func(c *wati.Contact) { st.contact, st.read = c, true })
	}
	return st.r.assignTeamWith(ctx, st.t, a, res, st.contact)
}

// cannotTake reports whether err says that the assignee cannot take the
// conversation (so that the next one may), and why in a few words.
func cannotTake(err error) (string, bool) {
	var we *wati.Error
	if !errors.As(err, &we) {
		return "", false
	}
	if wati.PlanRefused(err) {
		return "refused by the workspace's plan", true
	}
	m := strings.ToLower(we.Msg)
	if strings.Contains(m, "contact") || strings.Contains(m, "conversation") || strings.Contains(m, "channel") {
		return "", false // the target is the problem: another assignee would not help
	}
	if we.Kind != wati.KindNotFound && !(we.Kind == wati.KindRejected && strings.Contains(m, "not found")) {
		return "", false
	}
	switch {
	case strings.Contains(m, "team"):
		return "unknown team", true
	case strings.Contains(m, "chatbot") || strings.Contains(m, "bot"):
		return "chatbot not found", true
	case strings.Contains(m, "operator") || strings.Contains(m, "user") || strings.Contains(m, "@"):
		return "operator not found", true
	}
	return "", false
}

// values are the placeholders' values for this handoff.
func (st *stepRun) values(ctx context.Context) (map[string]string, error) {
	if st.vals != nil {
		return st.vals, nil
	}
	r := st.r
	v := map[string]string{
		"action":   r.Action.Name,
		"assignee": st.res.Assignee,
		"target":   st.t.String(),
		"now":      r.now().UTC().Format(time.RFC3339),
	}
	for k, val := range r.Vars {
		v[k] = val
	}
	if r.Action.Uses("name") && v["name"] == "" {
		if !st.read {
			c, err := r.Client.GetContact(ctx, st.t)
			if err != nil && !r.DryRun {
				return nil, fmt.Errorf("reading the contact's name for {{name}}: %w", err)
			}
			st.contact, st.read = c, true
		}
		if st.contact != nil {
			v["name"] = st.contact.Name
		}
	}
	st.vals = v
	return v, nil
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// message sends the text, or the template when the window is closed.
func (st *stepRun) message(ctx context.Context, s *StepResult) error {
	r := st.r
	m := r.Action.Ext().Message
	key := st.t.String()
	if r.Guard != nil && !r.DryRun {
		note, unknown, err := r.Guard.Before(key, action.StepMessage)
		if err != nil {
			return err
		}
		if note != "" {
			s.Detail = note
			s.Outcome = StepSkipped
			if unknown {
				s.Outcome = StepUnknown
				return unknownErr{errors.New(note)}
			}
			return nil
		}
	}
	vals, err := st.values(ctx)
	if err != nil {
		return err
	}
	err = st.send(ctx, m, vals, s)
	if r.Guard != nil && !r.DryRun {
		outcome := s.Outcome
		switch {
		case outcome != "":
		case err == nil:
			outcome = StepSent
		case exitCodeOf(err) == exitcode.Unknown:
			outcome = StepUnknown
		default:
			outcome = StepFailed
		}
		if gerr := r.Guard.After(key, action.StepMessage, outcome); gerr != nil && err == nil {
			err = gerr
		}
	}
	return err
}

func (st *stepRun) send(ctx context.Context, m *action.Message, vals map[string]string, s *StepResult) error {
	r := st.r
	template := func(why string) error {
		t := m.Template
		ps := make([]wati.TemplateParam, len(t.Params))
		for i, p := range t.Params {
			ps[i] = wati.TemplateParam{Name: p.Name, Value: action.Expand(p.Value, vals)}
		}
		s.Detail = "template " + t.Name + why
		err := r.Client.SendTemplate(ctx, st.t, t.Name, ps, "handoff "+r.Action.Name, localMessageID(r.Action.Name, st.t.String()))
		if err == nil && !r.DryRun {
			s.Outcome = StepSent
		}
		return err
	}
	if m.Text == "" {
		return template("")
	}
	s.Detail = "text"
	err := r.Client.SendText(ctx, st.t, action.Expand(m.Text, vals))
	switch {
	case err == nil && r.DryRun:
		if m.Template != nil {
			_ = template("")
			s.Detail = "text; template " + m.Template.Name + " instead if Wati refuses the text because the 24-hour window is closed"
		}
		return nil
	case err == nil:
		s.Outcome = StepSent
		return nil
	case wati.IsWindowClosed(err) && m.Template != nil:
		return template(" (the 24-hour window is closed: Wati refused the text)")
	case wati.IsWindowClosed(err):
		s.Outcome = StepSkipped
		s.Detail = "no message: the 24-hour window is closed and the action has no template"
		return nil
	}
	return err
}

// localMessageID ties a template send to its handoff (Wati echoes it in
// webhooks): the action and the target.
func localMessageID(actionName, target string) string {
	return "handoff-" + actionName + "-" + target
}

// sentCalls counts the requests that reached (or may have reached) Wati.
func sentCalls(reqs []wati.Request) int {
	n := 0
	for _, q := range reqs {
		if q.Status != 0 || q.Error != "" {
			n++
		}
	}
	return n
}

// partial reports whether a later step failed or is unknown.
func partial(steps []StepResult) bool {
	for _, s := range steps[min(1, len(steps)):] {
		if s.Outcome == StepFailed || s.Outcome == StepUnknown {
			return true
		}
	}
	return false
}

// stepError is the first failed later step's error, for exit codes and hints.
func stepProblem(steps []StepResult) string {
	var parts []string
	for _, s := range steps[min(1, len(steps)):] {
		if s.Outcome == StepFailed || s.Outcome == StepUnknown {
			parts = append(parts, s.Step+" "+s.Outcome+": "+s.Error)
		}
	}
	return strings.Join(parts, "; ")
}

// StepsSummary says, after the main sentence, what the optional sections
// did and how many Wati calls the handoff made.
func (r Result) StepsSummary() string {
	var parts []string
	if len(r.Tried) > 1 {
		var not []string
		for _, t := range r.Tried {
			if t.Outcome == StepCannot || (t.Outcome == StepGaveUp && t.Assignee != r.Assignee) {
				not = append(not, t.Assignee+" could not take it ("+t.Reason+")")
			}
		}
		if len(not) > 0 {
			parts = append(parts, "Fallback: "+strings.Join(not, "; ")+".")
		}
	}
	for _, s := range r.Steps {
		if s.Step == action.StepAssign {
			continue
		}
		var line string
		switch {
		case s.Outcome == StepDone && s.Step == action.StepStatus:
			line = "Status set to " + s.Detail + "."
		case s.Outcome == StepDone && s.Step == action.StepContext:
			line = "Contact params written: " + s.Detail + "."
		case s.Outcome == StepSent:
			line = "The customer was sent the " + s.Detail + "."
		case s.Outcome == StepSkipped:
			line = "Message: " + s.Detail + "."
		case s.Outcome == StepDryRun && s.Step == action.StepStatus:
			line = "It would set the status to " + s.Detail + "."
		case s.Outcome == StepDryRun && s.Step == action.StepContext:
			line = "It would write the contact params " + s.Detail + "."
		case s.Outcome == StepDryRun:
			line = "It would send the " + s.Detail + "."
		case s.Outcome == StepNotRun:
			line = s.Step + ": not run (" + firstNonEmpty(s.Error, s.Detail) + ")."
		default:
			continue // in the main sentence already (partial)
		}
		parts = append(parts, strings.ToUpper(line[:1])+line[1:])
	}
	switch {
	case r.Outcome == OutcomeDryRun && r.Estimate != nil:
		more := ""
		if r.Estimate.PerTargetMax > r.Estimate.PerTarget {
			more = fmt.Sprintf(", up to %d if every fallback is tried and the window is closed", r.Estimate.PerTargetMax)
		}
		parts = append(parts, fmt.Sprintf("It would make %d Wati calls%s (%d read sent now).", r.Estimate.PerTarget, more, r.Calls))
	case r.Outcome != OutcomeSkipped:
		parts = append(parts, fmt.Sprintf("Wati calls: %d.", r.Calls))
	}
	return strings.Join(parts, " ")
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
