package action

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/handoff-dev/handoff/pkg/textutil"
)

// The optional sections of an action file, after the three steps (intent,
// account, assignee). A version 1 file without them is what it always was.
//
//	fallback:   further assignees, tried in order when the assignee cannot
//	            take the conversation (unknown team, chatbot not found or
//	            refused by the plan)
//	status:     the conversation's status after the handoff: open or pending
//	context:    contact custom params written at handoff (handoff_reason: "{{reason}}")
//	message:    what the customer is told: a session text inside the 24-hour
//	            window, a named approved template outside it (or nothing)
//
// They run in this fixed order, after the assignment: see StepOrder.

// Extras are the optional sections. A nil *Extras means none.
type Extras struct {
	Fallback []Assignee `yaml:"fallback,omitempty" json:"fallback,omitempty"`
	Status   string     `yaml:"status,omitempty" json:"status,omitempty"`
	Context  Params     `yaml:"context,omitempty" json:"context,omitempty"`
	Message  *Message   `yaml:"message,omitempty" json:"message,omitempty"`
}

// Message is what the customer is told at handoff.
type Message struct {
	// Text is a session message, sent when the 24-hour window is open.
	Text string `yaml:"text,omitempty" json:"text,omitempty"`
	// Template is sent when the window is closed (Wati refuses the text),
	// or always when there is no text. Without it, a closed window means
	// no message.
	Template *Template `yaml:"template,omitempty" json:"template,omitempty"`
}

// Template is an approved Wati message template and its parameters.
type Template struct {
	Name   string `yaml:"name" json:"name"`
	Params Params `yaml:"params,omitempty" json:"params,omitempty"`
}

// Param is one name and value (a contact custom param, a template parameter).
// The value may hold placeholders: {{reason}}.
type Param struct {
	Name  string
	Value string
}

// Params keep the order of the file; in JSON they are one object.
type Params []Param

// MarshalJSON writes {"name": "value", ...} in order.
func (p Params) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range p {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(kv.Name)
		v, _ := json.Marshal(kv.Value)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Get returns the value of name.
func (p Params) Get(name string) (string, bool) {
	for _, kv := range p {
		if kv.Name == name {
			return kv.Value, true
		}
	}
	return "", false
}

// Step names, in the order they run. The assignment always comes first, so
// that a message never promises a person who was not assigned.
const (
	StepAssign  = "assign"
	StepStatus  = "status"
	StepContext = "context"
	StepMessage = "message"
)

// StepOrder is the fixed order of a handoff's steps.
var StepOrder = []string{StepAssign, StepStatus, StepContext, StepMessage}

// Statuses an action may leave the conversation in. solved and block would
// end the conversation the handoff just gave to someone: not offered.
var ExtraStatuses = []string{"open", "pending"}

// Limits of the optional sections.
const (
	MaxFallbacks     = 5
	MaxContextParams = 20
	MaxTemplParams   = 20
	MessageMaxLen    = 4096 // WhatsApp's limit for a text message
	ParamValueMaxLen = 1000
	ParamNameMaxLen  = 64
	TemplateMaxLen   = 512
)

// Patterns shared with the JSON Schema.
const (
	// ParamNamePattern: a custom param or template parameter name.
	ParamNamePattern = `^[A-Za-z0-9_]{1,64}$`
	// TemplateNamePattern: WhatsApp template names are lower-case letters,
	// digits and underscores.
	TemplateNamePattern = `^[a-z0-9_]{1,512}$`
	// PlaceholderTextPattern: every {{...}} in a text is a known placeholder.
	PlaceholderTextPattern = `^([^{]|\{[^{]|\{\{ *(name|reason|summary|action|assignee|target|now) *\}\})*\{?$`
)

var (
	paramNameRe       = lazyRegexp(ParamNamePattern)
	templateNameRe    = lazyRegexp(TemplateNamePattern)
	placeholderTextRe = lazyRegexp(PlaceholderTextPattern)
	placeholderRefRe  = lazyRegexp(`\{\{([^{}]*)\}\}`)
)

// Placeholders are the values a text may use, and where each comes from.
var Placeholders = []struct{ Name, From string }{
	{"name", "the customer's name: the batch row's name column, else the Wati contact's name"},
	{"reason", "why the conversation is handed off: the MCP call's reason, the batch row's reason column, or --var reason=..."},
	{"summary", "what the conversation was about: the MCP call's summary, the batch row's summary column, or --var summary=..."},
	{"action", "the action's name"},
	{"assignee", "who took the conversation (after any fallback)"},
	{"target", "the conversation, normalised"},
	{"now", "the time of the handoff (RFC 3339, UTC)"},
}

// PlaceholderNames lists the known placeholders.
func PlaceholderNames() []string {
	out := make([]string, len(Placeholders))
	for i, p := range Placeholders {
		out[i] = p.Name
	}
	return out
}

func knownPlaceholder(name string) bool {
	for _, p := range Placeholders {
		if p.Name == name {
			return true
		}
	}
	return false
}

// Rule ids of the optional sections.
const (
	RuleMessage     = "message"
	RuleTemplate    = "template-name"
	RuleParamName   = "param-name"
	RulePlaceholder = "placeholder"
	RuleStatus      = "status"
	RuleFallback    = "fallback"
)

func init() {
	RuleDescriptions[RuleMessage] = "A message has a non-blank text (at most 4096 characters) and/or a template."
	RuleDescriptions[RuleTemplate] = "A template name is a WhatsApp template name: lower-case letters, digits and _."
	RuleDescriptions[RuleParamName] = "Context and template parameter names are letters, digits and _ (1 to 64), each once."
	RuleDescriptions[RulePlaceholder] = "Every {{placeholder}} is one handoff knows: " + strings.Join(PlaceholderNames(), ", ") + "."
	RuleDescriptions[RuleStatus] = "status is open or pending."
	RuleDescriptions[RuleFallback] = "fallback is a list of 1 to 5 assignees, each different from the assignee and from each other."
}

// PlaceholderError is an unknown or malformed placeholder in a text.
type PlaceholderError struct {
	Field  string
	Ref    string // as written, "{{nmae}}"
	Offset int    // rune offset of Ref in the text
}

func (e *PlaceholderError) Error() string {
	name := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(e.Ref, "{{"), "}}"))
	hint := ""
	if s := closestName(name, PlaceholderNames()); s != "" {
		hint = fmt.Sprintf(" (did you mean {{%s}}?)", s)
	}
	if strings.HasPrefix(e.Ref, "{{") && strings.HasSuffix(e.Ref, "}}") {
		return fmt.Sprintf("%s uses the unknown placeholder %s%s; known: %s", e.Field, e.Ref, hint, placeholderList())
	}
	return fmt.Sprintf("%s has an unclosed placeholder %q: write {{name}}; known: %s", e.Field, e.Ref, placeholderList())
}

func placeholderList() string {
	names := PlaceholderNames()
	for i, n := range names {
		names[i] = "{{" + n + "}}"
	}
	return strings.Join(names, ", ")
}

func closestName(key string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := textutil.EditDistance(strings.ToLower(key), n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// CheckPlaceholders checks that every {{...}} in s is a known placeholder.
// The error is a *PlaceholderError (with the offending text's offset) wrapped
// in a *FieldError of rule placeholder.
func CheckPlaceholders(field, s string) error {
	if !strings.Contains(s, "{{") || placeholderTextRe().MatchString(s) {
		return nil
	}
	return &FieldError{Field: field, Rule: RulePlaceholder, Reason: findBadPlaceholder(field, s).Error()}
}

func findBadPlaceholder(field, s string) *PlaceholderError {
	bad := func(at, end int) *PlaceholderError {
		return &PlaceholderError{Field: field, Ref: s[at:end], Offset: utf8.RuneCountInString(s[:at])}
	}
	for i := 0; ; {
		k := strings.Index(s[i:], "{{")
		if k < 0 {
			break
		}
		at := i + k
		if loc := placeholderRefRe().FindStringIndex(s[at:]); loc != nil && loc[0] == 0 {
			ref := s[at : at+loc[1]]
			inner := ref[2 : len(ref)-2]
			if knownPlaceholder(strings.Trim(inner, " ")) {
				i = at + loc[1]
				continue
			}
			return bad(at, at+loc[1])
		}
		// Unclosed, or a brace inside: show a few characters from there.
		end := min(len(s), at+20)
		for end < len(s) && !utf8.RuneStart(s[end]) {
			end++
		}
		return bad(at, end)
	}
	return bad(0, min(len(s), len(s)))
}

// Expand replaces the placeholders of s with values (missing ones: "").
func Expand(s string, values map[string]string) string {
	if !strings.Contains(s, "{{") {
		return s
	}
	return placeholderRefRe().ReplaceAllStringFunc(s, func(ref string) string {
		name := strings.Trim(ref[2:len(ref)-2], " ")
		if knownPlaceholder(name) {
			return values[name]
		}
		return ref
	})
}

// UsedPlaceholders lists the placeholders the action's texts use, in the
// order of Placeholders.
func (a *Action) UsedPlaceholders() []string {
	if a.Extras == nil {
		return nil
	}
	var texts []string
	for _, p := range a.Extras.Context {
		texts = append(texts, p.Value)
	}
	if m := a.Extras.Message; m != nil {
		texts = append(texts, m.Text)
		if m.Template != nil {
			for _, p := range m.Template.Params {
				texts = append(texts, p.Value)
			}
		}
	}
	used := map[string]bool{}
	for _, t := range texts {
		for _, m := range placeholderRefRe().FindAllString(t, -1) {
			used[strings.Trim(m[2:len(m)-2], " ")] = true
		}
	}
	var out []string
	for _, p := range Placeholders {
		if used[p.Name] {
			out = append(out, p.Name)
		}
	}
	return out
}

// Uses reports whether the action's texts use placeholder name.
func (a *Action) Uses(name string) bool {
	for _, n := range a.UsedPlaceholders() {
		if n == name {
			return true
		}
	}
	return false
}

// ----- field checks (shared by validation, configure and the schema test) -----

// CheckStatus checks the status after a handoff: open or pending.
func CheckStatus(s string) error {
	if err := checkSecret("status", s); err != nil {
		return err
	}
	for _, v := range ExtraStatuses {
		if s == v {
			return nil
		}
	}
	return fieldErr("status", RuleStatus, "status %q is not open or pending (leave status out to leave the conversation's status alone)", s)
}

// CheckMessageText checks a session message text.
func CheckMessageText(s string) error {
	if err := checkSecret("message.text", s); err != nil {
		return err
	}
	if !nonBlankRe().MatchString(s) {
		return fieldErr("message.text", RuleMessage, "message.text is blank: write what the customer is told, or leave text out")
	}
	if err := checkLen("message.text", s, MessageMaxLen); err != nil {
		return err
	}
	return CheckPlaceholders("message.text", s)
}

// CheckTemplateName checks a WhatsApp template name.
func CheckTemplateName(s string) error {
	if err := checkSecret("message.template.name", s); err != nil {
		return err
	}
	if templateNameRe().MatchString(s) {
		return nil
	}
	return fieldErr("message.template.name", RuleTemplate,
		"template name %q is not a WhatsApp template name (lower-case letters, digits and _, such as handoff_notice)", s)
}

// CheckParamName checks a context or template parameter name.
func CheckParamName(field, s string) error {
	if LooksLikeSecret(s) || secretKeyRe().MatchString(s) {
		return fieldErr(field, RuleNoSecrets, "%s: the name %q looks like a secret: %s", field, s, secretHint)
	}
	if paramNameRe().MatchString(s) {
		return nil
	}
	return fieldErr(field, RuleParamName, "%s: %q is not a parameter name (letters, digits and _, 1 to %d, such as handoff_reason)", field, s, ParamNameMaxLen)
}

// CheckParamValue checks a context or template parameter value.
func CheckParamValue(field, s string) error {
	if err := checkSecret(field, s); err != nil {
		return err
	}
	if err := checkLen(field, s, ParamValueMaxLen); err != nil {
		return err
	}
	return CheckPlaceholders(field, s)
}

// CheckExtras checks the optional sections as a whole, without positions.
func (x *Extras) Check(main Assignee) error {
	if x == nil {
		return nil
	}
	if x.Status != "" {
		if err := CheckStatus(x.Status); err != nil {
			return err
		}
	}
	if err := checkParams("context", x.Context, MaxContextParams, true); err != nil {
		return err
	}
	if m := x.Message; m != nil {
		if m.Text == "" && m.Template == nil {
			return fieldErr("message", RuleMessage, "message needs a text, a template, or both")
		}
		if m.Text != "" {
			if err := CheckMessageText(m.Text); err != nil {
				return err
			}
		}
		if t := m.Template; t != nil {
			if err := CheckTemplateName(t.Name); err != nil {
				return err
			}
			if err := checkParams("message.template.params", t.Params, MaxTemplParams, false); err != nil {
				return err
			}
		}
	}
	if len(x.Fallback) > MaxFallbacks {
		return fieldErr("fallback", RuleFallback, "fallback lists %d assignees; at most %d", len(x.Fallback), MaxFallbacks)
	}
	if x.Fallback != nil && len(x.Fallback) == 0 {
		return fieldErr("fallback", RuleFallback, "fallback is empty: list further assignees, or leave fallback out")
	}
	seen := []Assignee{main}
	for i, f := range x.Fallback {
		if err := CheckAssignee(f); err != nil {
			return fmt.Errorf("fallback %d: %w", i+1, err)
		}
		for _, s := range seen {
			if sameAssignee(s, f) {
				return fieldErr("fallback", RuleFallback, "fallback %d is %s again: each fallback must be another assignee", i+1, f.Describe())
			}
		}
		seen = append(seen, f)
	}
	return nil
}

func checkParams(field string, ps Params, max int, needOne bool) error {
	if ps == nil {
		return nil
	}
	if len(ps) == 0 && needOne {
		return fieldErr(field, RuleParamName, "%s is empty: list name: value pairs, or leave %s out", field, field)
	}
	if len(ps) > max {
		return fieldErr(field, RuleParamName, "%s has %d parameters; at most %d", field, len(ps), max)
	}
	seen := map[string]bool{}
	for _, p := range ps {
		if err := CheckParamName(field, p.Name); err != nil {
			return err
		}
		if seen[p.Name] {
			return fieldErr(field, RuleParamName, "%s: %s is set twice", field, p.Name)
		}
		seen[p.Name] = true
		if err := CheckParamValue(field+"."+p.Name, p.Value); err != nil {
			return err
		}
	}
	return nil
}

// sameAssignee: the same team (any case), the same email (any case), the same
// chatbot, or both the bot operator.
func sameAssignee(a, b Assignee) bool {
	if a.Type != b.Type {
		return false
	}
	switch a.Type {
	case Team:
		return strings.EqualFold(strings.TrimSpace(a.Team), strings.TrimSpace(b.Team))
	case User:
		return strings.EqualFold(a.Email, b.Email)
	case Bot:
		return strings.EqualFold(a.BotID, b.BotID)
	}
	return false
}

// Equal reports whether two actions are the same, optional sections included.
func (a *Action) Equal(b *Action) bool {
	if a == nil || b == nil {
		return a == b
	}
	x, y := *a, *b
	xe, ye := x.Extras, y.Extras
	x.Extras, y.Extras = nil, nil
	if x != y {
		return false
	}
	return xe.empty() && ye.empty() || reflect.DeepEqual(xe.normal(), ye.normal())
}

func (x *Extras) empty() bool {
	return x == nil || (x.Fallback == nil && x.Status == "" && x.Context == nil && x.Message == nil)
}

func (x *Extras) normal() Extras {
	if x == nil {
		return Extras{}
	}
	return *x
}

// HasExtras reports whether the action uses any optional section.
func (a *Action) HasExtras() bool { return !a.Extras.empty() }

// Ext returns the optional sections, never nil.
func (a *Action) Ext() *Extras {
	if a.Extras == nil {
		return &Extras{}
	}
	return a.Extras
}

// Steps lists the steps the action runs, in order.
func (a *Action) Steps() []string {
	out := []string{StepAssign}
	x := a.Ext()
	if x.Status != "" {
		out = append(out, StepStatus)
	}
	if len(x.Context) > 0 {
		out = append(out, StepContext)
	}
	if x.Message != nil {
		out = append(out, StepMessage)
	}
	return out
}

// Assignees lists the assignee then the fallbacks, in the order tried.
func (a *Action) Assignees() []Assignee {
	return append([]Assignee{a.Assignee}, a.Ext().Fallback...)
}
