package action

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Reading the optional sections with positions. Every value gets a field
// path, as the three steps do: "status", "context.handoff_reason",
// "message.text", "message.template.name", "message.template.params.name",
// "fallback.1.team" (1-based, as people count).

var messageFields = []fieldSpec{
	{"text", kString, false},
	{"template", kExtra, false},
}

var templateFields = []fieldSpec{
	{"name", kString, true},
	{"params", kExtra, false},
}

func (d *Document) ext() *Extras {
	if d.Action.Extras == nil {
		d.Action.Extras = &Extras{}
	}
	return d.Action.Extras
}

// readExtra reads one optional section (or a part of one) at path.
func (d *Document) readExtra(path string, k, val *yaml.Node) []Diagnostic {
	var diags []Diagnostic
	errAt := func(n *yaml.Node, rule, format string, a ...any) {
		diags = append(diags, d.diag(n, SeverityError, rule, fmt.Sprintf(format, a...)))
	}
	f := field{key: k, value: val}
	switch path {
	case "status":
		s, ok := scalarString(val)
		if !ok {
			errAt(val, RuleType, "status must be text (open or pending), not %s", describeNode(val))
			break
		}
		f.typed = true
		d.ext().Status = s
	case "context", "message.template.params":
		if val.Kind != yaml.MappingNode {
			errAt(val, RuleType, "%s must be a mapping of name: value lines, not %s", path, describeNode(val))
			break
		}
		f.typed = true
		ps := Params{}
		diags = append(diags, d.readParams(path, val, &ps)...)
		if path == "context" {
			d.ext().Context = ps
		} else if m := d.ext().Message; m != nil && m.Template != nil {
			m.Template.Params = ps
		}
	case "message":
		if val.Kind != yaml.MappingNode {
			errAt(val, RuleType, "message must be a mapping with text and/or template, not %s", describeNode(val))
			break
		}
		f.typed = true
		d.ext().Message = &Message{}
		d.fields[path] = f
		return append(diags, d.readMapping(val, "message.", messageFields)...)
	case "message.template":
		if val.Kind != yaml.MappingNode {
			errAt(val, RuleType, "message.template must be a mapping with name and params, not %s", describeNode(val))
			break
		}
		f.typed = true
		if m := d.ext().Message; m != nil {
			m.Template = &Template{}
		}
		d.fields[path] = f
		return append(diags, d.readMapping(val, "message.template.", templateFields)...)
	case "fallback":
		if val.Kind != yaml.SequenceNode {
			errAt(val, RuleType, "fallback must be a list of assignees (- type: team ...), not %s", describeNode(val))
			break
		}
		f.typed = true
		x := d.ext()
		x.Fallback = []Assignee{}
		d.fields[path] = f
		for i, item := range val.Content {
			item = resolve(item)
			p := "fallback." + strconv.Itoa(i+1)
			x.Fallback = append(x.Fallback, Assignee{})
			if item.Kind != yaml.MappingNode {
				errAt(item, RuleType, "%s must be a mapping with a type and its fields, not %s", p, describeNode(item))
				continue
			}
			d.fields[p] = field{key: item, value: item, typed: true}
			diags = append(diags, d.readMapping(item, p+".", assigneeFields)...)
		}
		return diags
	}
	d.fields[path] = f
	return diags
}

// readParams reads a mapping of names to text values, in order.
func (d *Document) readParams(path string, m *yaml.Node, out *Params) []Diagnostic {
	var diags []Diagnostic
	errAt := func(n *yaml.Node, rule, format string, a ...any) {
		diags = append(diags, d.diag(n, SeverityError, rule, fmt.Sprintf(format, a...)))
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := resolve(m.Content[i]), resolve(m.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			errAt(k, RuleType, "a key must be a plain name, not %s", describeNode(k))
			continue
		}
		name := k.Value
		p := path + "." + name
		if first, dup := seen[name]; dup {
			errAt(k, RuleDuplicateKey, "%s is set twice (first on line %d); keep one", p, first.Line)
			continue
		}
		seen[name] = k
		if err := CheckParamName(path, name); err != nil {
			var fe *FieldError
			rule := RuleParamName
			if ok := asFieldError(err, &fe); ok {
				rule = fe.Rule
			}
			errAt(k, rule, "%s", err.Error())
			continue
		}
		s, ok := scalarString(v)
		if !ok {
			if v.Kind == yaml.ScalarNode && !isNull(v) && !LooksLikeSecret(v.Value) {
				errAt(v, RuleType, "%s must be text, not %s; put it in quotes: %q", p, describeNode(v), v.Value)
			} else {
				errAt(v, RuleType, "%s must be text, not %s", p, describeNode(v))
			}
			d.fields[p] = field{key: k, value: v}
			continue
		}
		*out = append(*out, Param{Name: name, Value: s})
		d.fields[p] = field{key: k, value: v, typed: true}
	}
	return diags
}

func asFieldError(err error, fe **FieldError) bool {
	e, ok := err.(*FieldError)
	if ok {
		*fe = e
	}
	return ok
}

// setExtraString stores a text value of an optional section.
func (d *Document) setExtraString(path, s string) bool {
	switch path {
	case "message.text":
		if m := d.ext().Message; m != nil {
			m.Text = s
		}
		return true
	case "message.template.name":
		if m := d.ext().Message; m != nil && m.Template != nil {
			m.Template.Name = s
		}
		return true
	}
	if a, name, ok := d.fallbackField(path); ok {
		setAssigneeString(a, name, s)
		return true
	}
	return false
}

func (d *Document) setBool(path string, b bool) {
	if a, name, ok := d.fallbackField(path); ok {
		if name == "keep_teams" {
			a.KeepTeams = b
		}
		return
	}
	if path == "assignee.keep_teams" {
		d.Action.Assignee.KeepTeams = b
	}
}

// fallbackField finds the assignee of "fallback.N.field".
func (d *Document) fallbackField(path string) (*Assignee, string, bool) {
	rest, ok := strings.CutPrefix(path, "fallback.")
	if !ok {
		return nil, "", false
	}
	num, name, ok := strings.Cut(rest, ".")
	n, err := strconv.Atoi(num)
	x := d.Action.Extras
	if !ok || err != nil || x == nil || n < 1 || n > len(x.Fallback) {
		return nil, "", false
	}
	return &x.Fallback[n-1], name, true
}
