package validate

// --online and an action's message template: it must exist in the account
// and be approved, with the parameters the template uses.

import (
	"context"
	"strings"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// RuleTemplateExists: message.template.name is an approved template of the account.
const RuleTemplateExists = "template-exists"

// templateFacts is the account's template list, read once when a file needs it.
type templateFacts struct {
	list []wati.Template
	err  string
}

func (f *accountFacts) templates(ctx context.Context) *templateFacts {
	f.tmplMu.Lock()
	defer f.tmplMu.Unlock()
	if f.tmpls != nil {
		return f.tmpls
	}
	t := &templateFacts{}
	if f.client == nil {
		t.err = "no Wati client"
	} else if list, err := f.client.ListTemplates(ctx); err != nil {
		t.err = err.Error()
	} else {
		t.list = list
	}
	f.tmpls = t
	return t
}

func (o *onlineChecker) templateDiags(ctx context.Context, a *action.Action, f *accountFacts, at atFunc) []action.Diagnostic {
	m := a.Ext().Message
	if m == nil || m.Template == nil || m.Template.Name == "" {
		return nil
	}
	name := m.Template.Name
	tf := f.templates(ctx)
	if tf.err != "" {
		return []action.Diagnostic{at("message.template.name", name, action.SeverityWarning, RuleTemplateExists,
			"template not checked: the template list of %q could not be read (%s)", a.Account, tf.err)}
	}
	var found *wati.Template
	var names []string
	for i, t := range tf.list {
		if t.Name == name {
			found = &tf.list[i]
		}
		if t.Approved() {
			names = append(names, t.Name)
		}
	}
	if found == nil {
		hint := "no approved template"
		if len(names) > 0 {
			hint = "approved: " + strings.Join(names, ", ")
		}
		return []action.Diagnostic{at("message.template.name", name, action.SeverityError, RuleTemplateExists,
			"template %q is not among the message templates of account %q (%s)", name, a.Account, hint)}
	}
	if !found.Approved() {
		return []action.Diagnostic{at("message.template.name", name, action.SeverityError, RuleTemplateExists,
			"template %q is %s in account %q, not approved: Wati refuses to send it until WhatsApp approves it", name, strings.ToLower(found.Status), a.Account)}
	}
	var out []action.Diagnostic
	for _, p := range found.CustomParams {
		if _, ok := m.Template.Params.Get(p.Name); !ok && p.Name != "" {
			out = append(out, at("message.template.name", name, action.SeverityError, RuleTemplateExists,
				"template %q uses the parameter %s, which message.template.params does not give", name, p.Name))
		}
	}
	return out
}
