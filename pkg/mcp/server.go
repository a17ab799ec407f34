package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/handoff"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// Loader reads the actions folder: the valid actions, and one line for each
// file that was skipped (invalid), saying which and why. An error means the
// folder itself could not be read.
type Loader func(ctx context.Context) (actions []*action.Action, skipped []string, err error)

// Call is one tool call, as the runner receives it.
type Call struct {
	Action       *action.Action
	Conversation string // as the agent gave it; the runner parses it
	Note         string // for the audit log and the result; Wati has no note API
	Reason       string // {{reason}}: why it is handed off
	Summary      string // {{summary}}: what the conversation was about
	DryRun       bool
}

// Runner performs one handoff: the same code path as `handoff assign`
// (target parsing, client, retries, audit log). Its Result carries Err when
// it failed; an Err with a Hint() method gives the "what to do" line.
type Runner interface {
	Run(ctx context.Context, c Call) handoff.Result
}

// RunnerFunc adapts a function to Runner.
type RunnerFunc func(ctx context.Context, c Call) handoff.Result

// Run calls f.
func (f RunnerFunc) Run(ctx context.Context, c Call) handoff.Result { return f(ctx, c) }

// Options configure a Server.
type Options struct {
	Load     Loader
	Runner   Runner
	ReadOnly bool   // calls run as dry runs; tools are annotated read-only
	Version  string // reported to clients
	// Logf receives warnings (skipped files, reload errors) and notices
	// (tools added or removed). The command writes them to stderr. nil: dropped.
	Logf func(format string, args ...any)
	// Logger receives the SDK's own logs (nil: none).
	Logger *slog.Logger
	// Status and Release, when set, add the tools conversation_status and
	// release_conversation (conversation.go).
	Status  StatusFunc
	Release ReleaseFunc
}

// Output is a call's structured result: the fields of `handoff assign
// --json`, plus the note, a summary for the agent and a hint for people.
type Output struct {
	handoff.Result
	Note    string `json:"note,omitempty"`
	Summary string `json:"summary"`
	Hint    string `json:"hint,omitempty"`
}

// Server is an MCP server whose tools follow the actions folder.
type Server struct {
	opts   Options
	srv    *sdk.Server
	schema *jsonschema.Resolved

	mu     sync.Mutex
	tools  map[string]string // tool name -> fingerprint of its definition and action
	loaded bool              // the first Reload happened (later ones report changes)
}

// Instructions are sent to clients when they connect.
const Instructions = "Each tool hands the current WhatsApp conversation in Wati over to a team, a person or a bot. " +
	"A tool's description says when to use it. Call a tool only when that situation applies, with the customer's " +
	"phone number (or Wati conversation id) as `conversation`. When a call succeeds, stop replying to that customer: " +
	"the new owner carries on in the same chat. When it fails, the conversation has not changed hands: keep helping " +
	"the customer or tell them a person will follow up."

// New builds a server with no tools yet; call Reload to load them.
func New(opts Options) (*Server, error) {
	if opts.Load == nil || opts.Runner == nil {
		return nil, errors.New("mcp: Load and Runner are required")
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	rs, err := InputSchema().Resolve(nil)
	if err != nil {
		return nil, fmt.Errorf("mcp: input schema: %w", err)
	}
	version := opts.Version
	if version == "" {
		version = "dev"
	}
	s := &Server{opts: opts, schema: rs, tools: map[string]string{}}
	s.srv = sdk.NewServer(&sdk.Implementation{Name: "handoff", Title: "handoff: Wati handoff actions", Version: version}, &sdk.ServerOptions{
		Instructions: Instructions,
		Logger:       opts.Logger,
		// Advertise tools (with list-changed) even while the folder is empty.
		Capabilities: &sdk.ServerCapabilities{Tools: &sdk.ToolCapabilities{ListChanged: true}},
	})
	if err := s.addConversationTools(); err != nil {
		return nil, fmt.Errorf("mcp: conversation tools: %w", err)
	}
	return s, nil
}

// SDK returns the underlying MCP server.
func (s *Server) SDK() *sdk.Server { return s.srv }

// Run serves one session over t until the peer closes it or ctx ends.
func (s *Server) Run(ctx context.Context, t sdk.Transport) error { return s.srv.Run(ctx, t) }

// Names lists the tools currently served, sorted.
func (s *Server) Names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.tools))
	for n := range s.tools {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Reload reads the folder and brings the tools in line with it: new actions
// are added, changed ones replaced, deleted ones removed. Connected clients
// get one tools/list_changed notification when anything changed. When the
// folder cannot be read the current tools stay.
func (s *Server) Reload(ctx context.Context) error {
	actions, skipped, err := s.opts.Load(ctx)
	for _, w := range skipped {
		s.opts.Logf("warning: skipped %s", w)
	}
	if err != nil {
		s.opts.Logf("warning: reading the actions folder: %v (tools unchanged)", err)
		return err
	}
	kept, warnings := Select(actions)
	for _, w := range warnings {
		s.opts.Logf("warning: skipped %s", w)
	}
	want := map[string]*action.Action{}
	prints := map[string]string{}
	for _, a := range kept {
		want[a.Name] = a
		prints[a.Name] = fingerprint(a, s.opts.ReadOnly)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var removed []string
	for name := range s.tools {
		if _, ok := want[name]; !ok {
			removed = append(removed, name)
		}
	}
	if len(removed) > 0 {
		slices.Sort(removed)
		s.srv.RemoveTools(removed...)
		for _, n := range removed {
			delete(s.tools, n)
		}
		s.opts.Logf("removed tools: %s", strings.Join(removed, ", "))
	}
	var added, changed []string
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		old, had := s.tools[name]
		if had && old == prints[name] {
			continue
		}
		a := want[name]
		s.srv.AddTool(Tool(a, s.opts.ReadOnly), s.handler(a))
		s.tools[name] = prints[name]
		if had {
			changed = append(changed, name)
		} else {
			added = append(added, name)
		}
	}
	if len(added) > 0 && s.loaded {
		s.opts.Logf("added tools: %s", strings.Join(added, ", "))
	}
	s.loaded = true
	if len(changed) > 0 {
		s.opts.Logf("updated tools: %s", strings.Join(changed, ", "))
	}
	return nil
}

// Select keeps the actions that can be tools: names that are valid tool
// names, each name once (the first wins). The warnings say what was left out.
func Select(actions []*action.Action) (kept []*action.Action, warnings []string) {
	seen := map[string]bool{}
	for _, a := range actions {
		if a == nil {
			continue
		}
		if err := checkName(a.Name); err != nil {
			warnings = append(warnings, "action "+err.Error())
			continue
		}
		if seen[a.Name] {
			warnings = append(warnings, fmt.Sprintf("a second action named %q (the first one is used)", a.Name))
			continue
		}
		seen[a.Name] = true
		kept = append(kept, a)
	}
	return kept, warnings
}

func fingerprint(a *action.Action, readOnly bool) string {
	b, _ := json.Marshal(struct {
		A  *action.Action
		RO bool
	}{a, readOnly})
	return string(b)
}

// args are a call's arguments.
type args struct {
	Conversation string `json:"conversation"`
	Note         string `json:"note"`
	Reason       string `json:"reason"`
	Summary      string `json:"summary"`
}

// parseArgs checks the arguments against the input schema, with messages an
// agent can act on.
func (s *Server) parseArgs(act *action.Action, raw json.RawMessage) (args, error) {
	var a args
	var m map[string]any
	if len(raw) == 0 || string(raw) == "null" {
		m = map[string]any{}
	} else if err := json.Unmarshal(raw, &m); err != nil {
		return a, errors.New("the arguments must be a JSON object: {\"conversation\": \"<customer phone>\", \"note\": \"<why>\"}")
	}
	var unknown []string
	for k := range m {
		if k != "conversation" && k != "note" && !((k == "reason" || k == "summary") && act != nil && act.Uses(k)) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		takes := "conversation (required) and note"
		if act != nil && act.Uses("reason") && act.Uses("summary") {
			takes = "conversation, reason and summary (required) and note"
		} else if act != nil && (act.Uses("reason") || act.Uses("summary")) {
			takes = "conversation and " + map[bool]string{true: "reason", false: "summary"}[act.Uses("reason")] + " (required) and note"
		}
		return a, fmt.Errorf("unknown argument %q: this tool takes only %s", unknown[0], takes)
	}
	v, ok := m["conversation"]
	if !ok {
		return a, errors.New("missing argument conversation: give the customer's WhatsApp number (+14155552671), a Wati conversation id or Channel:Phone")
	}
	conv, ok := v.(string)
	if !ok {
		return a, errors.New("conversation must be a string, such as \"+14155552671\"")
	}
	if n := utf8.RuneCountInString(conv); n > MaxConversationLength {
		return a, fmt.Errorf("conversation is too long (%d characters, at most %d): give the customer's WhatsApp number (+14155552671), a Wati conversation id or Channel:Phone", n, MaxConversationLength)
	}
	if strings.TrimSpace(conv) == "" {
		return a, errors.New("conversation is empty: give the customer's WhatsApp number (+14155552671), a Wati conversation id or Channel:Phone")
	}
	if v, ok := m["note"]; ok {
		n, ok := v.(string)
		if !ok {
			return a, errors.New("note must be a string")
		}
		if c := utf8.RuneCountInString(n); c > MaxNoteLength {
			return a, fmt.Errorf("note is too long (%d characters, at most %d)", c, MaxNoteLength)
		}
		a.Note = strings.TrimSpace(n)
	}
	for _, f := range []struct {
		name string
		max  int
		dst  *string
	}{{"reason", MaxReasonLength, &a.Reason}, {"summary", MaxSummaryLength, &a.Summary}} {
		if act == nil || !act.Uses(f.name) {
			continue
		}
		v, ok := m[f.name]
		if !ok {
			return a, fmt.Errorf("missing argument %s: this action writes it for the person taking over; give it in a sentence", f.name)
		}
		str, ok := v.(string)
		if !ok {
			return a, fmt.Errorf("%s must be a string", f.name)
		}
		if n := len([]rune(str)); n > f.max {
			return a, fmt.Errorf("%s is too long (%d characters, at most %d)", f.name, n, f.max)
		}
		if strings.TrimSpace(str) == "" {
			return a, fmt.Errorf("%s is empty: this action writes it for the person taking over; give it in a sentence", f.name)
		}
		*f.dst = strings.TrimSpace(str)
	}
	// The schema is the contract; the checks above only word its errors.
	schema := s.schema
	if act != nil && (act.Uses("reason") || act.Uses("summary")) {
		if rs, err := InputSchemaFor(act).Resolve(nil); err == nil {
			schema = rs
		}
	}
	if err := schema.Validate(m); err != nil {
		// Never reached by the checks above; cut so that no argument is
		// echoed at length.
		return a, fmt.Errorf("invalid arguments: %s", cut(err.Error(), 200))
	}
	a.Conversation = strings.TrimSpace(conv)
	return a, nil
}

func (s *Server) handler(a *action.Action) sdk.ToolHandler {
	return func(ctx context.Context, req *sdk.CallToolRequest) (res *sdk.CallToolResult, err error) {
		out := Output{Result: handoff.Result{Action: a.Name, Account: a.Account, Assignee: a.Assignee.Describe()}}
		defer func() {
			// A bug in a handoff must not take the server (and every other
			// tool) down with it.
			if p := recover(); p != nil {
				s.opts.Logf("error: tool %s panicked: %v", a.Name, p)
				out.OK, out.Outcome = false, "failed"
				out.Error = fmt.Sprintf("internal error in handoff: %v", p)
				out.Summary = failedSummary(out.Error)
				res, err = result(out), nil
			}
		}()
		var raw json.RawMessage
		if req != nil && req.Params != nil {
			raw = req.Params.Arguments
		}
		in, perr := s.parseArgs(a, raw)
		if perr != nil {
			out.Outcome, out.Error = "failed", perr.Error()
			out.Summary = "Not called: " + perr.Error() + ". Nothing was sent to Wati; call the tool again with valid arguments."
			return result(out), nil
		}
		r := s.opts.Runner.Run(ctx, Call{Action: a, Conversation: in.Conversation, Note: in.Note, Reason: in.Reason, Summary: in.Summary, DryRun: s.opts.ReadOnly})
		out.Result = fill(r, a, in.Conversation)
		out.Note = in.Note
		out.Hint = hintOf(r.Err)
		out.Summary = summary(a, out)
		switch {
		case out.OK, out.Outcome == handoff.OutcomeUnknown, out.Outcome == handoff.OutcomePartial,
			out.Outcome == handoff.OutcomeNotSent, out.Outcome == handoff.OutcomeSkipped && out.Reason == handoff.ReasonRepeat:
			// the outcomes of the vocabulary an agent must tell apart
		default:
			out.Outcome = handoff.OutcomeFailed
		}
		return result(out), nil
	}
}

// fill completes a result the runner left partly empty (an early failure).
func fill(r handoff.Result, a *action.Action, conv string) handoff.Result {
	if r.Action == "" {
		r.Action = a.Name
	}
	if r.Account == "" {
		r.Account = a.Account
	}
	if r.Target == "" {
		r.Target = conv
	}
	if r.Assignee == "" {
		r.Assignee = a.Assignee.Describe()
	}
	if r.Err != nil && r.Error == "" {
		r.Error = r.Err.Error()
	}
	if r.OK && r.Err != nil {
		r.OK = false
	}
	if r.Outcome == "" {
		if r.OK {
			r.Outcome = "assigned"
		} else {
			r.Outcome = "failed"
		}
	}
	if !r.OK && r.Error == "" && r.Outcome != "dry-run" {
		r.Error = "the handoff did not complete"
	}
	return r
}

func result(out Output) *sdk.CallToolResult {
	// The output schema says requests is an array: never null, even when
	// the call stopped before any request.
	if out.Requests == nil {
		out.Requests = []wati.Request{}
	}
	text := out.Summary
	if out.Hint != "" {
		text += "\nFor the people running this server: " + out.Hint
	}
	return ToolResult(text, out, !out.OK && out.Outcome != handoff.OutcomePartial) // partial: handed off, the agent must stop
}

// ToolResult is a tool's answer: the text for the agent, then (as MCP
// 2025-06-18 recommends for clients that ignore structuredContent) the JSON
// of the structured result, which must match the tool's outputSchema.
func ToolResult(text string, structured any, isError bool) *sdk.CallToolResult {
	b, err := json.Marshal(structured)
	if err != nil {
		b = []byte(`{}`)
	}
	return &sdk.CallToolResult{
		Content:           []sdk.Content{&sdk.TextContent{Text: text}, &sdk.TextContent{Text: string(b)}},
		StructuredContent: json.RawMessage(b),
		IsError:           isError,
	}
}

// cut shortens s to at most n characters.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// summary says what happened and what the agent does next.
func summary(a *action.Action, out Output) string {
	who := out.Assignee
	chatbot := a.Assignee.Type == action.Bot && a.Assignee.BotID != ""
	switch out.Outcome {
	case "assigned":
		var b strings.Builder
		if chatbot {
			fmt.Fprintf(&b, "Done: %s started on conversation %s (Wati account %s). Stop replying to this customer: the chatbot carries on. Do not call this tool again for this conversation.", who, out.Target, out.Account)
		} else {
			fmt.Fprintf(&b, "Done: conversation %s now belongs to %s (Wati account %s). Stop replying to this customer: %s carries on in the same chat.", out.Target, who, out.Account, who)
		}
		if len(out.Replaced) > 0 {
			fmt.Fprintf(&b, " The contact was removed from its other teams: %s.", strings.Join(out.Replaced, ", "))
		}
		if a.HasExtras() {
			b.WriteString(" " + out.Result.StepsSummary())
			if a.Ext().Message != nil && !chatbot {
				b.WriteString(" Do not call this tool again for this conversation: the customer has been told already.")
			}
		}
		return b.String()
	case "dry-run":
		// A dry run sends reads (a team action reads the contact's teams)
		// and records the writes it would send: say which is which.
		var reads, writes []string
		for _, r := range out.Requests {
			if r.Status != 0 {
				reads = append(reads, fmt.Sprintf("%s %s (%d)", r.Method, r.URL, r.Status))
			} else {
				writes = append(writes, r.Method+" "+r.URL)
			}
		}
		s := fmt.Sprintf("Dry run (read-only server): nothing was changed in Wati, and conversation %s has not changed hands. A real call would hand it to %s", out.Target, who)
		if len(writes) > 0 {
			s += " with " + strings.Join(writes, "; ")
		}
		s += "."
		if len(reads) > 0 {
			s += " To show what would change, it read: " + strings.Join(reads, "; ") + "."
		}
		return s
	case handoff.OutcomePartial:
		return fmt.Sprintf("Handed off, with a problem: conversation %s now belongs to %s (Wati account %s), so stop replying to this customer: %s carries on in the same chat. But %s. Do not call this tool again for this conversation; a person should check it in Wati.", out.Target, who, out.Account, who, out.Error)
	case handoff.OutcomeSkipped:
		if out.Reason == handoff.ReasonRepeat {
			return fmt.Sprintf("Already done, not sent again: %s. Stop replying to this customer: %s has the conversation. Do not call this tool again for this conversation.", out.Error, who)
		}
	case "unknown":
		return "Outcome unknown: " + out.Error + ". The request may have reached Wati. Do not call this tool again for this conversation; tell the customer a person will follow up, and let a person check the conversation in Wati."
	}
	return failedSummary(out.Error)
}

func failedSummary(msg string) string {
	return "Handoff failed: " + msg + ". The conversation has NOT changed hands: keep helping the customer, or tell them a person will follow up."
}

// hintOf returns the first "what to do" line in an error chain.
func hintOf(err error) string {
	if err == nil {
		return ""
	}
	if h, ok := err.(interface{ Hint() string }); ok && h.Hint() != "" {
		return h.Hint()
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return hintOf(u.Unwrap())
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if h := hintOf(e); h != "" {
				return h
			}
		}
	}
	return ""
}
