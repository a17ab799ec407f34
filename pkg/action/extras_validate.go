package action

import (
	"errors"
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"
)

// RuleFallbackDuplicate: a fallback repeats the assignee or another fallback.
const RuleFallbackDuplicate = "fallback-duplicate"

func init() {
	RulesBeyondSchema[RuleFallbackDuplicate] = "the schema cannot compare list items with the assignee"
	RuleDescriptions[RuleFallbackDuplicate] = "No fallback repeats the assignee or another fallback."
}

// ruleOf is the rule of a field check's error (type when it names none).
func ruleOf(err error) string {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Rule
	}
	return RuleType
}

// validateExtras applies the value rules of the optional sections.
func (d *Document) validateExtras() []Diagnostic {
	x := d.Action.Extras
	if x == nil {
		return nil
	}
	var diags []Diagnostic
	typed := func(path string) bool { f, ok := d.fields[path]; return ok && f.typed }
	add := func(path string, err error) {
		if err != nil {
			diags = append(diags, d.textDiag(path, ruleOf(err), err))
		}
	}
	if typed("status") {
		add("status", CheckStatus(x.Status))
	}
	if typed("context") {
		diags = append(diags, d.validateParams("context", x.Context, MaxContextParams, true)...)
	}
	if typed("message") {
		if !d.Found("message.text") && !d.Found("message.template") {
			diags = append(diags, d.diag(d.fields["message"].key, SeverityError, RuleRequired,
				"message needs text (a session message), template (an approved template), or both"))
		}
		if typed("message.text") {
			add("message.text", CheckMessageText(x.Message.Text))
		}
		if typed("message.template.name") {
			add("message.template.name", CheckTemplateName(x.Message.Template.Name))
		}
		if typed("message.template.params") && x.Message.Template != nil {
			diags = append(diags, d.validateParams("message.template.params", x.Message.Template.Params, MaxTemplParams, false)...)
		}
	}
	if typed("fallback") {
		fb := d.fields["fallback"]
		switch n := len(x.Fallback); {
		case n == 0:
			diags = append(diags, d.diag(fb.value, SeverityError, RuleFallback, "fallback is empty: list further assignees (- type: team ...), or leave fallback out"))
		case n > MaxFallbacks:
			diags = append(diags, d.diag(fb.value, SeverityError, RuleFallback, fmt.Sprintf("fallback lists %d assignees; at most %d", n, MaxFallbacks)))
		}
		seen := []Assignee{}
		if typed("assignee.type") && CheckAssigneeType(string(d.Action.Assignee.Type)) == nil {
			seen = append(seen, d.Action.Assignee)
		}
		for i, a := range x.Fallback {
			p := "fallback." + strconv.Itoa(i+1)
			if !d.Found(p) {
				continue // not a mapping: reported by Parse
			}
			if !d.Found(p + ".type") {
				continue // reported by Parse as missing
			}
			if !typed(p + ".type") {
				continue
			}
			if err := CheckAssigneeType(string(a.Type)); err != nil {
				add(p+".type", err)
				continue
			}
			diags = append(diags, d.validateAssignee(p, a)...)
			for _, s := range seen {
				if sameAssignee(s, a) {
					diags = append(diags, d.diag(d.fields[p].value, SeverityError, RuleFallbackDuplicate,
						fmt.Sprintf("%s is %s again: a fallback must be another assignee", p, a.Describe())))
					break
				}
			}
			seen = append(seen, a)
		}
	}
	return diags
}

func (d *Document) validateParams(path string, ps Params, max int, needOne bool) []Diagnostic {
	var diags []Diagnostic
	f := d.fields[path]
	if len(f.value.Content) == 0 && needOne {
		diags = append(diags, d.diag(f.value, SeverityError, RuleParamName, fmt.Sprintf("%s is empty: list name: value lines, or leave %s out", path, path)))
	}
	if n := len(f.value.Content) / 2; n > max {
		diags = append(diags, d.diag(f.value, SeverityError, RuleParamName, fmt.Sprintf("%s has %d parameters; at most %d", path, n, max)))
	}
	for _, p := range ps {
		fp := path + "." + p.Name
		if err := CheckParamValue(fp, p.Value); err != nil {
			diags = append(diags, d.textDiag(fp, ruleOf(err), err))
		}
	}
	return diags
}

// textDiag reports err on the value at path; a placeholder error points at
// the placeholder itself when the value is on one line.
func (d *Document) textDiag(path, rule string, err error) Diagnostic {
	f := d.fields[path]
	dg := d.diag(f.value, SeverityError, rule, err.Error())
	if rule != RulePlaceholder {
		return dg
	}
	s, _ := scalarString(f.value)
	pe := findBadPlaceholder(path, s)
	if f.value.Kind != yaml.ScalarNode || f.value.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return dg
	}
	line := []rune(d.Line(f.value.Line))
	shift := 0
	if f.value.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		shift = 1
	}
	col := f.value.Column + shift + pe.Offset
	ref := []rune(pe.Ref)
	// Only when the text reads as written at that place (no escapes before it).
	if col-1 >= 0 && col-1+len(ref) <= len(line) && string(line[col-1:col-1+len(ref)]) == pe.Ref {
		dg.Line, dg.Column, dg.EndLine, dg.EndColumn = f.value.Line, col, f.value.Line, col+len(ref)
	}
	return dg
}
