// Package mcp serves handoff actions as Model Context Protocol tools: one
// tool per valid action file, named after the action, described by its
// intent, running the same path as `handoff assign`. It also renders the same
// tools as OpenAI function definitions. It never prints: warnings go through
// the Logf callback of Options.
package mcp

import (
	"fmt"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/handoff-dev/handoff/pkg/action"
)

// MaxNoteLength bounds the note an agent may attach to a call.
const MaxNoteLength = 2000

// MaxConversationLength bounds the conversation argument (characters).
const MaxConversationLength = 200

// Descriptions of the two tool arguments; the same text in MCP and OpenAI.
const (
	conversationDescription = "The customer's conversation in Wati: their WhatsApp phone number in international " +
		"format (+14155552671 or 14155552671), or Channel:Phone when the business has several WhatsApp numbers " +
		"(Support:14155552671); a 24-character Wati conversation id works for handoffs to a user or back to the bot, " +
		"not for team or chatbot handoffs. Use the number of the customer you are talking to."
	noteDescription = "Optional: one or two sentences on why the conversation is handed off, for the record. " +
		"Wati offers no API for internal notes, so the note is NOT shown in Wati: it is kept in handoff's audit " +
		"log and returned in the result. Do not put secrets or payment data in it."
)

// MaxReasonLength and MaxSummaryLength bound the reason and summary
// arguments (they may be written to a contact custom param: Wati values
// stay short).
const (
	MaxReasonLength  = 300
	MaxSummaryLength = 1000
)

const (
	reasonDescription = "Why the conversation is handed over, in one short sentence a person taking over understands " +
		"(\"disputes the charge of order 1042\"). This action puts it in what it writes to Wati (the " +
		"contact's custom params or the message the customer gets), so no secrets or payment data."
	summaryDescription = "What the conversation was about so far, in two or three sentences, so the person taking over " +
		"does not have to ask the customer again. This action puts it in what it writes to Wati; no secrets or payment data."
)

// InputSchema is the arguments of a plain handoff tool:
// {conversation: string, note?: string}, nothing else.
func InputSchema() *jsonschema.Schema { return InputSchemaFor(nil) }

// InputSchemaFor is the arguments of one action's tool: conversation and
// note, plus reason and summary (required) when the action's file uses
// {{reason}} or {{summary}} in its context params or message.
func InputSchemaFor(a *action.Action) *jsonschema.Schema {
	s := &jsonschema.Schema{
		Type: "object",
		Properties: map[string]*jsonschema.Schema{
			"conversation": {Type: "string", Description: conversationDescription, MinLength: jsonschema.Ptr(1), MaxLength: jsonschema.Ptr(MaxConversationLength)},
			"note":         {Type: "string", Description: noteDescription, MaxLength: jsonschema.Ptr(MaxNoteLength)},
		},
		PropertyOrder:        []string{"conversation"},
		Required:             []string{"conversation"},
		AdditionalProperties: &jsonschema.Schema{Not: &jsonschema.Schema{}},
	}
	for _, f := range []struct {
		name, desc string
		max        int
	}{{"reason", reasonDescription, MaxReasonLength}, {"summary", summaryDescription, MaxSummaryLength}} {
		if a != nil && a.Uses(f.name) {
			s.Properties[f.name] = &jsonschema.Schema{Type: "string", Description: f.desc, MinLength: jsonschema.Ptr(1), MaxLength: jsonschema.Ptr(f.max)}
			s.PropertyOrder = append(s.PropertyOrder, f.name)
			s.Required = append(s.Required, f.name)
		}
	}
	s.PropertyOrder = append(s.PropertyOrder, "note")
	return s
}

// OutputSchema describes the structured result of a call: the fields of
// `handoff assign --json` plus note, summary and hint. Other fields may be
// added later, so it does not forbid them.
func OutputSchema() *jsonschema.Schema {
	str := func(d string) *jsonschema.Schema { return &jsonschema.Schema{Type: "string", Description: d} }
	return &jsonschema.Schema{
		Type: "object",
		Properties: map[string]*jsonschema.Schema{
			"action":          str("the action that ran"),
			"account":         str("the Wati account that performed it"),
			"target":          str("the conversation, normalised"),
			"assignee":        str("who owns the conversation now (or would, in a dry run)"),
			"api":             str("Wati API version used: v3 or v1"),
			"requests":        {Type: "array", Description: "the HTTP requests sent (or, in a dry run, that would be sent); the token is redacted", Items: &jsonschema.Schema{Type: "object"}},
			"ok":              {Type: "boolean", Description: "true when the handoff happened (or, in a dry run, would be attempted)"},
			"outcome":         {Type: "string", Description: "assigned, partial (handed off, but a later step such as the message failed), dry-run, failed, not-sent (never left: cancelled first), unknown, or skipped (reason repeat: this action already went to the conversation within the repeat window)", Enum: []any{"assigned", "partial", "dry-run", "failed", "not-sent", "unknown", "skipped"}},
			"error":           str("why it failed, when it failed"),
			"duration_ms":     {Type: "integer", Description: "time taken"},
			"replaced_teams":  {Type: "array", Description: "teams the contact was removed from (team handoffs replace the contact's teams)", Items: &jsonschema.Schema{Type: "string"}},
			"steps":           {Type: "array", Description: "each step of the action in the order it ran (assign, status, context, message): step, outcome (done, sent, skipped, failed, unknown, dry-run, not-run), detail, error, calls, requests", Items: &jsonschema.Schema{Type: "object"}},
			"assignees_tried": {Type: "array", Description: "with fallbacks: each assignee tried, whether it took the conversation (took) or could not (cannot, with the reason)", Items: &jsonschema.Schema{Type: "object"}},
			"calls":           {Type: "integer", Description: "requests sent to Wati by this call (they count against the workspace's monthly API quota)"},
			"planned_calls":   {Type: "integer", Description: "dry run: the requests a real call would make"},
			"note":            str("the note given with the call, as recorded"),
			"summary":         str("what happened and what to do next, in one paragraph"),
			"hint":            str("what a person should do to fix a failure"),
		},
		PropertyOrder: []string{"action", "account", "target", "assignee", "api", "requests", "ok", "outcome", "error", "duration_ms", "replaced_teams", "steps", "assignees_tried", "calls", "planned_calls", "note", "summary", "hint"},
		Required:      []string{"action", "ok", "outcome", "summary"},
	}
}

// Does says, for an agent, what calling the action's tool does.
func Does(a *action.Action) string {
	const stop = "; once it succeeds, stop replying to this customer"
	as := a.Assignee
	switch as.Type {
	case action.Team:
		if as.KeepTeams {
			return "Adds the conversation's contact to the " + as.Team + " team in Wati (keeping its other teams)" + stop + ": the team carries on in the same chat."
		}
		return "Assigns the conversation to the " + as.Team + " team in Wati (this replaces the contact's other teams)" + stop + ": the team carries on in the same chat."
	case action.User:
		return "Assigns the conversation to the Wati operator " + as.Email + stop + ": they carry on in the same chat."
	case action.Bot:
		if as.BotID != "" {
			return "Starts the Wati chatbot " + botName(as) + " on the conversation" + stop + ": the chatbot carries on. Call it once per conversation: every call runs the flow again."
		}
		return "Hands the conversation back to the Wati workspace's bot operator" + stop + ": the bot carries on in the same chat."
	}
	return "Hands the conversation off in Wati" + stop + "."
}

func botName(as action.Assignee) string {
	if as.BotName != "" {
		return "\"" + as.BotName + "\""
	}
	return as.BotID
}

// ReadOnlyDoes says what a call of a read-only server sends to Wati: team
// actions read the contact (to name the teams a real call would replace or
// keep), the others send nothing.
func ReadOnlyDoes(a *action.Action) string {
	if a.Assignee.Type == action.Team {
		return "calls are dry runs; nothing is changed in Wati. A call reads the contact's current teams (one GET /contacts request) and sends nothing else."
	}
	return "calls are dry runs; nothing is sent to Wati."
}

// Description is the tool's description: the intent (when to call it),
// then what it does.
func Description(a *action.Action, readOnly bool) string {
	intent := strings.TrimSpace(a.Intent)
	if intent != "" && !strings.HasSuffix(intent, ".") && !strings.HasSuffix(intent, "?") && !strings.HasSuffix(intent, "!") {
		intent += "."
	}
	d := "Use when: " + intent + "\n\n" + Does(a)
	if more := doesExtras(a); more != "" {
		d += "\n\n" + more
	}
	if readOnly {
		d += "\n\n(Read-only server: " + ReadOnlyDoes(a) + ")"
	}
	return d
}

// Title is a short display name: "Hand off to the Billing team".
func Title(a *action.Action) string {
	as := a.Assignee
	if as.Type == action.Bot && as.BotID != "" {
		return "Start chatbot " + botName(as)
	}
	return "Hand off to " + as.Describe()
}

// Annotations tells a client what a call does to the world:
//
//   - team: destructive (the contact's whole team set is replaced) and
//     idempotent (the same call twice leaves the same teams); with keep_teams
//     it only adds a team, so it is not destructive;
//   - user and bot operator: idempotent, not destructive (the owner changes,
//     nothing is deleted; calling again changes nothing more);
//   - bot with a chatbot id: neither destructive nor idempotent (every call
//     starts the flow again, sending its messages again);
//   - all: open world (they act on Wati and reach a real customer);
//   - read-only servers: read-only, since calls are dry runs.
func Annotations(a *action.Action, readOnly bool) *sdk.ToolAnnotations {
	an := &sdk.ToolAnnotations{Title: Title(a), OpenWorldHint: jsonschema.Ptr(true)}
	as := a.Assignee
	switch {
	case as.Type == action.Team:
		an.DestructiveHint = jsonschema.Ptr(!as.KeepTeams)
		an.IdempotentHint = true
	case as.Type == action.Bot && as.BotID != "":
		an.DestructiveHint = jsonschema.Ptr(false)
		an.IdempotentHint = false
	default:
		an.DestructiveHint = jsonschema.Ptr(false)
		an.IdempotentHint = true
	}
	if readOnly {
		an.ReadOnlyHint = true
		an.DestructiveHint = jsonschema.Ptr(false)
		an.IdempotentHint = true
	}
	return an
}

// Tool is the MCP tool definition of one action.
func Tool(a *action.Action, readOnly bool) *sdk.Tool {
	return &sdk.Tool{
		Name:         a.Name,
		Title:        Title(a),
		Description:  Description(a, readOnly),
		InputSchema:  InputSchemaFor(a),
		OutputSchema: OutputSchema(),
		Annotations:  Annotations(a, readOnly),
	}
}

// OpenAITool is an OpenAI function-calling tool definition (Chat Completions
// `tools` array).
type OpenAITool struct {
	Type     string         `json:"type"`
	Function OpenAIFunction `json:"function"`
}

// OpenAIFunction is the function inside an OpenAITool.
type OpenAIFunction struct {
	Name        string             `json:"name"`
	Description string             `json:"description"`
	Parameters  *jsonschema.Schema `json:"parameters"`
}

// OpenAITools renders the actions as OpenAI function definitions, with the
// same names, descriptions and parameters as the MCP tools.
func OpenAITools(actions []*action.Action) []OpenAITool {
	out := make([]OpenAITool, 0, len(actions))
	for _, a := range actions {
		out = append(out, OpenAITool{Type: "function", Function: OpenAIFunction{
			Name:        a.Name,
			Description: Description(a, false),
			Parameters:  InputSchemaFor(a),
		}})
	}
	return out
}

// checkName reports whether an action name can be a tool name (MCP and
// OpenAI both allow letters, digits, '_' and '-', up to 64 characters).
func checkName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("name %q cannot be a tool name (1 to 64 characters)", name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return fmt.Errorf("name %q cannot be a tool name (letters, digits, _ and - only)", name)
		}
	}
	return nil
}

// doesExtras says what the optional sections add, for an agent: who else
// may take the conversation, what the customer is told, what is written
// for the person taking over, and which arguments to fill.
func doesExtras(a *action.Action) string {
	x := a.Ext()
	var parts []string
	if len(x.Fallback) > 0 {
		names := make([]string, len(x.Fallback))
		for i, f := range x.Fallback {
			names[i] = f.Describe()
		}
		parts = append(parts, "If "+a.Assignee.Describe()+" cannot take it, it goes to "+strings.Join(names, ", then ")+"; the result says who took it.")
	}
	if m := x.Message; m != nil {
		switch {
		case m.Text != "" && m.Template != nil:
			parts = append(parts, "The customer is told in the chat that a person is coming (a template message when the 24-hour window is closed): do not tell them yourself.")
		case m.Text != "":
			parts = append(parts, "The customer is told in the chat that a person is coming (when the 24-hour window is open): do not tell them yourself.")
		default:
			parts = append(parts, "The customer is sent a template message saying a person is coming: do not tell them yourself.")
		}
	}
	if len(x.Context) > 0 {
		names := make([]string, len(x.Context))
		for i, p := range x.Context {
			names[i] = p.Name
		}
		parts = append(parts, "For the person taking over, the contact's "+strings.Join(names, ", ")+" are set in Wati.")
	}
	var need []string
	for _, n := range []string{"reason", "summary"} {
		if a.Uses(n) {
			need = append(need, n)
		}
	}
	if len(need) > 0 {
		parts = append(parts, "Give "+strings.Join(need, " and ")+": this action uses them.")
	}
	if x.Status != "" {
		parts = append(parts, "The conversation is then marked "+x.Status+".")
	}
	return strings.Join(parts, " ")
}
