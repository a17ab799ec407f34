package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/handoff-dev/handoff/pkg/conversation"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// The conversation tools, served beside the action tools when Options has
// Status (and Release). Their names have an underscore, which action names
// (lower-case slugs with '-') never have, so they cannot collide.
const (
	StatusToolName  = "conversation_status"
	ReleaseToolName = "release_conversation"
)

// StatusFunc answers who holds a conversation (conversation.Check).
type StatusFunc func(ctx context.Context, target string) (conversation.Status, error)

// ReleaseFunc hands a conversation back to the bot (conversation.Release).
type ReleaseFunc func(ctx context.Context, req conversation.ReleaseRequest) conversation.ReleaseResult

// StatusOutput is conversation_status's structured result: the fields of
// `handoff status --json`, plus ok, summary and, on failure, error and hint.
type StatusOutput struct {
	conversation.Status
	OK      bool   `json:"ok"`
	Summary string `json:"summary"`
	Error   string `json:"error,omitempty"`
	Hint    string `json:"hint,omitempty"`
}

// ReleaseOutput is release_conversation's structured result: the fields of
// `handoff release --json`, plus the note, summary and hint.
type ReleaseOutput struct {
	conversation.ReleaseResult
	Note    string `json:"note,omitempty"`
	Summary string `json:"summary"`
	Hint    string `json:"hint,omitempty"`
}

const statusDescription = "Ask who holds a WhatsApp conversation in Wati right now, before replying to the customer. " +
	"If the result's human is true (verdict \"a human has it, do not reply\"), a person (an operator or a team) has the " +
	"conversation: do not reply. If human is false (\"the bot has it\"), you may reply. If the call fails, do not reply: " +
	"nobody could tell who holds it. Read-only: it changes nothing."

const releaseDescription = "Hand a WhatsApp conversation back to the bot in Wati, when the person who held it is done " +
	"(or the customer only needs automated answers again). Optionally set the conversation's status (open, pending, " +
	"solved, block). Afterwards conversation_status says the bot has it and you may reply. Recorded in handoff's audit log."

func statusInputSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Type: "object",
		Properties: map[string]*jsonschema.Schema{
			"conversation": InputSchema().Properties["conversation"], // as the action tools'
		},
		Required:             []string{"conversation"},
		AdditionalProperties: &jsonschema.Schema{Not: &jsonschema.Schema{}},
	}
}

func releaseInputSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Type: "object",
		Properties: map[string]*jsonschema.Schema{
			"conversation": InputSchema().Properties["conversation"],
			"status":       {Type: "string", Description: "Optional: the conversation's status afterwards.", Enum: []any{"open", "pending", "solved", "block"}},
			"note":         InputSchema().Properties["note"],
		},
		PropertyOrder:        []string{"conversation", "status", "note"},
		Required:             []string{"conversation"},
		AdditionalProperties: &jsonschema.Schema{Not: &jsonschema.Schema{}},
	}
}

func str(d string) *jsonschema.Schema { return &jsonschema.Schema{Type: "string", Description: d} }

func nullable(s *jsonschema.Schema) *jsonschema.Schema {
	s.Types = []string{s.Type, "null"}
	s.Type = ""
	return s
}

func timeSchema(d string) *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Format: "date-time", Description: d}
}

// StatusOutputSchema describes StatusOutput. It allows fields added later.
func StatusOutputSchema() *jsonschema.Schema {
	holder := &jsonschema.Schema{Type: "object", Properties: map[string]*jsonschema.Schema{
		"type":  {Type: "string", Enum: []any{"operator", "team", "bot", "chatbot", "unknown"}, Description: "who holds it (unknown: the call failed)"},
		"name":  str("operator display name, team or chatbot name"),
		"email": str("operator email, when known"),
		"id":    str("Wati's assigned_id of the operator"),
		"teams": {Type: "array", Items: &jsonschema.Schema{Type: "string"}},
	}, Required: []string{"type"}}
	last := nullable(&jsonschema.Schema{Type: "object", Description: "the last handoff or release recorded on this machine", Properties: map[string]*jsonschema.Schema{
		"time": timeSchema(""), "action": str(""), "kind": str("operator, teams, bot-operator, chatbot or release"),
		"assignee": str(""), "outcome": str(""), "source": str(""),
	}})
	event := nullable(&jsonschema.Schema{Type: "object", Description: "the newest event Wati returned", Properties: map[string]*jsonschema.Schema{
		"id": str(""), "created": timeSchema(""), "event_type": str(""), "owner": {Type: "boolean"},
		"operator_name": str(""), "assigned_id": str(""),
	}})
	return &jsonschema.Schema{
		Type: "object",
		Properties: map[string]*jsonschema.Schema{
			"ok":              {Type: "boolean", Description: "false when it could not tell (then do not reply)"},
			"summary":         str("what to do, in one sentence"),
			"account":         str("the Wati account asked"),
			"target":          str("the conversation, normalised"),
			"conversation_id": str("Wati's conversation id, when known"),
			"holder":          {Type: "string", Enum: []any{"human", "bot", "unknown"}, Description: "human: do not reply; bot: you may reply; unknown: the call failed"},
			"human":           {Type: "boolean", Description: "true when a person holds the conversation: do not reply"},
			"verdict":         str("\"a human has it, do not reply\" or \"the bot has it\""),
			"assignee":        holder,
			"since":           timeSchema("since when the holder has it"),
			"teams":           {Type: "array", Items: &jsonschema.Schema{Type: "string"}, Description: "the contact's teams"},
			"teams_known":     {Type: "boolean"},
			"last_handoff":    last,
			"last_event":      event,
			"evidence":        str("what the answer rests on"),
			"requests":        {Type: "integer", Description: "Wati calls made"},
			"warnings":        {Type: "array", Items: &jsonschema.Schema{Type: "string"}},
			"checked_at":      timeSchema(""),
			"error":           str("why it could not tell"),
			"hint":            str("what a person should do to fix a failure"),
		},
		Required: []string{"ok", "holder", "human", "summary"},
	}
}

// ReleaseOutputSchema describes ReleaseOutput. It allows fields added later.
func ReleaseOutputSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Type: "object",
		Properties: map[string]*jsonschema.Schema{
			"account":     str("the Wati account that performed it"),
			"target":      str("the conversation, normalised"),
			"ok":          {Type: "boolean", Description: "true when the bot has the conversation again (or, in a dry run, would)"},
			"outcome":     {Type: "string", Enum: []any{"released", "dry-run", "failed", "unknown"}},
			"status":      str("the status that was set, if any"),
			"error":       str("why it failed"),
			"requests":    {Type: "array", Items: &jsonschema.Schema{Type: "object"}, Description: "the HTTP requests sent; the token is redacted"},
			"duration_ms": {Type: "integer"},
			"warnings":    {Type: "array", Items: &jsonschema.Schema{Type: "string"}},
			"note":        str("the note given with the call, as recorded"),
			"summary":     str("what happened and what to do next"),
			"hint":        str("what a person should do to fix a failure"),
		},
		Required: []string{"ok", "outcome", "summary"},
	}
}

// StatusTool is conversation_status's definition: read-only, idempotent, open world.
func StatusTool() *sdk.Tool {
	return &sdk.Tool{
		Name: StatusToolName, Title: "Who holds this conversation?", Description: statusDescription,
		InputSchema: statusInputSchema(), OutputSchema: StatusOutputSchema(),
		Annotations: &sdk.ToolAnnotations{Title: "Who holds this conversation?", ReadOnlyHint: true,
			IdempotentHint: true, DestructiveHint: jsonschema.Ptr(false), OpenWorldHint: jsonschema.Ptr(true)},
	}
}

// ReleaseTool is release_conversation's definition: idempotent, not
// destructive, open world; read-only on a read-only server (dry runs).
func ReleaseTool(readOnly bool) *sdk.Tool {
	d := releaseDescription
	if readOnly {
		d += "\n\n(Read-only server: calls are dry runs; nothing is sent to Wati.)"
	}
	return &sdk.Tool{
		Name: ReleaseToolName, Title: "Hand the conversation back to the bot", Description: d,
		InputSchema: releaseInputSchema(), OutputSchema: ReleaseOutputSchema(),
		Annotations: &sdk.ToolAnnotations{Title: "Hand the conversation back to the bot", ReadOnlyHint: readOnly,
			IdempotentHint: true, DestructiveHint: jsonschema.Ptr(false), OpenWorldHint: jsonschema.Ptr(true)},
	}
}

// addConversationTools registers the tools Options asks for.
func (s *Server) addConversationTools() error {
	if s.opts.Status != nil {
		rs, err := statusInputSchema().Resolve(nil)
		if err != nil {
			return err
		}
		s.srv.AddTool(StatusTool(), s.statusHandler(rs))
	}
	if s.opts.Release != nil {
		rs, err := releaseInputSchema().Resolve(nil)
		if err != nil {
			return err
		}
		s.srv.AddTool(ReleaseTool(s.opts.ReadOnly), s.releaseHandler(rs))
	}
	return nil
}

// objectArgs decodes and validates a call's arguments against rs.
func objectArgs(req *sdk.CallToolRequest, rs *jsonschema.Resolved, known ...string) (map[string]any, error) {
	m := map[string]any{}
	if req != nil && req.Params != nil && len(req.Params.Arguments) > 0 && string(req.Params.Arguments) != "null" {
		if err := json.Unmarshal(req.Params.Arguments, &m); err != nil || m == nil {
			return nil, errors.New("the arguments must be a JSON object such as {\"conversation\": \"+14155552671\"}")
		}
	}
	for k := range m {
		if !slices.Contains(known, k) {
			return nil, fmt.Errorf("unknown argument %q: this tool takes only %s", k, strings.Join(known, ", "))
		}
	}
	if v, ok := m["conversation"]; !ok {
		return nil, errors.New("missing argument conversation: give the customer's WhatsApp number (+14155552671), a Wati conversation id or Channel:Phone")
	} else if s, ok := v.(string); !ok || strings.TrimSpace(s) == "" {
		return nil, errors.New("conversation must be a non-empty string, such as \"+14155552671\"")
	}
	if err := rs.Validate(m); err != nil {
		return nil, fmt.Errorf("invalid arguments: %v", err)
	}
	return m, nil
}

func argString(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return strings.TrimSpace(s)
}

func (s *Server) statusHandler(rs *jsonschema.Resolved) sdk.ToolHandler {
	return func(ctx context.Context, req *sdk.CallToolRequest) (res *sdk.CallToolResult, err error) {
		out := StatusOutput{Status: conversation.Status{Holder: "unknown", Teams: []string{}, Assignee: conversation.Holder{Type: "unknown"}}}
		defer func() {
			if p := recover(); p != nil {
				s.opts.Logf("error: tool %s panicked: %v", StatusToolName, p)
				out.OK, out.Holder, out.Human = false, "unknown", false
				out.Error = fmt.Sprintf("internal error in handoff: %v", p)
				out.Summary = "Could not tell who holds the conversation (" + out.Error + "). Do not reply until a person checks it."
				res, err = structured(out.Summary, out, true), nil
			}
		}()
		m, perr := objectArgs(req, rs, "conversation")
		if perr != nil {
			out.Error = perr.Error()
			out.Summary = "Not called: " + perr.Error() + ". Call the tool again with valid arguments."
			return structured(out.Summary, out, true), nil
		}
		conv := argString(m, "conversation")
		st, cerr := s.opts.Status(ctx, conv)
		if cerr != nil {
			out.Target = conv
			out.Error, out.Hint = cerr.Error(), hintOf(cerr)
			out.Summary = "Could not tell who holds conversation " + conv + ": " + cerr.Error() + ". Do not reply until it is known."
			s.opts.Logf("%s %s: %s", StatusToolName, conv, cerr)
			text := out.Summary
			if out.Hint != "" {
				text += "\nFor the people running this server: " + out.Hint
			}
			return structured(text, out, true), nil
		}
		if st.Teams == nil {
			st.Teams = []string{}
		}
		out.Status, out.OK = st, true
		if st.Human {
			out.Summary = fmt.Sprintf("A human has conversation %s (%s): do not reply to this customer.", st.Target, describeHolder(st.Assignee))
		} else {
			out.Summary = fmt.Sprintf("The bot has conversation %s: you may reply.", st.Target)
		}
		s.opts.Logf("%s %s: %s", StatusToolName, st.Target, st.Verdict)
		return structured(out.Summary, out, false), nil
	}
}

func (s *Server) releaseHandler(rs *jsonschema.Resolved) sdk.ToolHandler {
	return func(ctx context.Context, req *sdk.CallToolRequest) (res *sdk.CallToolResult, err error) {
		out := ReleaseOutput{ReleaseResult: conversation.ReleaseResult{Outcome: conversation.OutcomeFailed, Requests: []wati.Request{}}}
		defer func() {
			if p := recover(); p != nil {
				s.opts.Logf("error: tool %s panicked: %v", ReleaseToolName, p)
				out.OK, out.Outcome = false, conversation.OutcomeFailed
				out.Error = fmt.Sprintf("internal error in handoff: %v", p)
				out.Summary = "Release failed: " + out.Error + ". Whoever held the conversation still holds it: do not reply."
				res, err = structured(out.Summary, out, true), nil
			}
		}()
		m, perr := objectArgs(req, rs, "conversation", "status", "note")
		if perr != nil {
			out.Error = perr.Error()
			out.Summary = "Not called: " + perr.Error() + ". Nothing was sent to Wati; call the tool again with valid arguments."
			return structured(out.Summary, out, true), nil
		}
		r := s.opts.Release(ctx, conversation.ReleaseRequest{
			Target: argString(m, "conversation"), Status: argString(m, "status"), Note: argString(m, "note"),
			DryRun: s.opts.ReadOnly, Source: "mcp",
		})
		if r.Requests == nil {
			r.Requests = []wati.Request{}
		}
		out.ReleaseResult, out.Note, out.Hint = r, argString(m, "note"), hintOf(r.Err)
		switch r.Outcome {
		case conversation.OutcomeReleased:
			out.Summary = "Done: the bot has conversation " + r.Target + " again; you may reply to this customer."
		case conversation.OutcomeDryRun:
			out.Summary = "Dry run (read-only server): nothing was sent to Wati; conversation " + r.Target + " has not changed hands."
		default:
			out.Summary = r.Message() + " Do not reply until conversation_status says the bot has it."
		}
		s.opts.Logf("%s %s: %s", ReleaseToolName, r.Target, r.Outcome)
		text := out.Summary
		if out.Hint != "" {
			text += "\nFor the people running this server: " + out.Hint
		}
		return structured(text, out, !r.OK), nil
	}
}

func structured(text string, v any, isErr bool) *sdk.CallToolResult {
	return ToolResult(text, v, isErr)
}

func describeHolder(h conversation.Holder) string {
	switch h.Type {
	case conversation.TypeOperator:
		switch {
		case h.Name != "" && h.Email != "":
			return "operator " + h.Name + " <" + h.Email + ">"
		case h.Name != "":
			return "operator " + h.Name
		case h.Email != "":
			return "operator " + h.Email
		}
		return "an operator"
	case conversation.TypeTeam:
		return "the " + h.Name + " team"
	}
	return h.Name
}
