package action

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// Options tune validation to where it runs.
type Options struct {
	// KnownAccounts are the accounts configured on this machine. Nil or
	// empty means none is configured: an action's account then gets a
	// warning saying it could not be checked.
	KnownAccounts []string
	// CheckFileName requires name to equal the file name without
	// .yaml/.yml (never checked for stdin, "-").
	CheckFileName bool
}

// Check parses and validates one file; diagnostics are sorted by position.
func Check(file string, data []byte, opts Options) (*Document, []Diagnostic) {
	d, diags := Parse(file, data)
	diags = append(diags, Validate(d, opts)...)
	SortDiagnostics(diags)
	return d, diags
}

// Rules beyond the JSON Schema: the schema sees one document as JSON, so it
// cannot know file names, configured accounts, comments, YAML syntax or
// encodings. Every other rule is expressed in docs/action.schema.json.
var RulesBeyondSchema = map[string]string{
	RuleNameMatchesFile: "the schema does not know the file name",
	RuleAccountKnown:    "the schema does not know which accounts are configured",
	RuleSecretInComment: "the schema never sees YAML comments",
	RuleReadError:       "reading the file happens before any schema",
	RuleTooLarge:        "a size limit of the loader",
	RuleBinary:          "the file is not text",
	RuleEncoding:        "the file is not UTF-8",
	RuleSyntax:          "the file is not YAML",
	RuleEmpty:           "an empty file is not a document",
	RuleMultiDoc:        "the schema checks one document",
	RuleAliasLimit:      "a bound of the loader",
	RuleDuplicateKey:    "JSON objects cannot hold a key twice",
	RuleDuplicateName:   "the schema sees one file at a time",
}

// Validate applies the value rules to a parsed document: version, name
// (and file name), intent, account, the assignee's per-type fields, and
// secrets anywhere. Fields with a wrong type were reported by Parse and are
// skipped here.
func Validate(d *Document, opts Options) []Diagnostic {
	if d == nil || d.root == nil || d.Action == nil {
		return nil
	}
	var diags []Diagnostic
	a := d.Action
	add := func(path string, err error) {
		if err == nil {
			return
		}
		diags = append(diags, d.diag(d.fields[path].value, SeverityError, ruleOf(err), err.Error()))
	}
	typed := func(path string) bool { f, ok := d.fields[path]; return ok && f.typed }

	if typed("version") && a.Version != 1 {
		add("version", fieldErr("version", RuleVersion, "version is %s; this handoff reads version 1", d.fields["version"].value.Value))
	}
	if typed("name") {
		if err := CheckName(a.Name); err != nil {
			add("name", err)
		} else if opts.CheckFileName && d.File != "" && d.File != "-" {
			base := filepath.Base(d.File)
			stem := strings.TrimSuffix(strings.TrimSuffix(base, ".yaml"), ".yml")
			if stem != a.Name {
				add("name", fieldErr("name", RuleNameMatchesFile,
					"name %q does not match the file name %s: rename the file to %s.yaml or set name: %s", a.Name, base, a.Name, safeName(stem)))
			}
		}
	}
	if typed("intent") {
		add("intent", CheckIntent(a.Intent))
	}
	if typed("account") {
		if err := CheckAccount(a.Account); err != nil {
			add("account", err)
		} else if len(opts.KnownAccounts) == 0 {
			diags = append(diags, d.diag(d.fields["account"].value, SeverityWarning, RuleAccountKnown,
				fmt.Sprintf("account %q could not be checked: no accounts are configured here (handoff account add %s --endpoint URL)", a.Account, a.Account)))
		} else {
			add("account", CheckAccountKnown(a.Account, opts.KnownAccounts))
		}
	}
	if typed("assignee.type") {
		if err := CheckAssigneeType(string(a.Assignee.Type)); err != nil {
			add("assignee.type", err)
		} else {
			diags = append(diags, d.validateAssignee("assignee", a.Assignee)...)
		}
	}
	diags = append(diags, d.validateExtras()...)
	diags = append(diags, d.otherSecrets()...)
	return diags
}

// belongs lists the assignee fields each type takes.
var belongs = map[AssigneeType][]string{
	Team: {"team", "keep_teams"},
	User: {"email"},
	Bot:  {"bot_id", "bot_name"},
}

// validateAssignee checks the assignee at prefix ("assignee", "fallback.2").
func (d *Document) validateAssignee(prefix string, a Assignee) []Diagnostic {
	var diags []Diagnostic
	add := func(path string, err error) {
		if err != nil {
			var fe *FieldError
			errors.As(err, &fe)
			diags = append(diags, d.diag(d.fields[path].value, SeverityError, fe.Rule, err.Error()))
		}
	}
	typed := func(name string) bool { f, ok := d.fields[prefix+"."+name]; return ok && f.typed }
	own := belongs[a.Type]
	for _, name := range []string{"team", "keep_teams", "email", "bot_id", "bot_name"} {
		f, ok := d.fields[prefix+"."+name]
		if !ok || contains(own, name) {
			continue
		}
		diags = append(diags, d.diag(f.key, SeverityError, RuleAssigneeField,
			fmt.Sprintf("%s does not belong to a %s assignee (a %s takes %s): remove it", name, a.Type, a.Type, takes(a.Type))))
	}
	need := func(name, why string) {
		if !d.Found(prefix + "." + name) {
			diags = append(diags, d.diag(d.fields[prefix].key, SeverityError, RuleRequired,
				fmt.Sprintf("missing required field %s.%s: %s", prefix, name, why)))
		}
	}
	switch a.Type {
	case Team:
		need("team", "a team assignee needs the Wati team name")
		if typed("team") {
			add(prefix+".team", CheckTeam(a.Team))
		}
	case User:
		need("email", "a user assignee needs the operator's email address")
		if typed("email") {
			add(prefix+".email", CheckEmail(a.Email))
		}
	case Bot:
		if typed("bot_id") {
			add(prefix+".bot_id", CheckBotID(a.BotID))
		}
		if typed("bot_name") {
			add(prefix+".bot_name", CheckBotName(a.BotName))
		}
	}
	return diags
}

func takes(t AssigneeType) string {
	switch t {
	case Team:
		return "team and optionally keep_teams"
	case User:
		return "email"
	}
	return "optionally bot_id and bot_name"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// otherSecrets reports token-looking values outside the known text fields
// (which their field checks already cover).
func (d *Document) otherSecrets() []Diagnostic {
	checked := map[*yaml.Node]bool{}
	for _, f := range d.fields {
		if f.typed {
			checked[f.value] = true
		}
	}
	var out []Diagnostic
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.AliasNode {
			return
		}
		if n.Kind == yaml.ScalarNode && !checked[n] && LooksLikeSecret(n.Value) {
			out = append(out, d.diag(n, SeverityError, RuleNoSecrets, "this value looks like a token: "+secretHint))
		}
		// Keys of the top mapping and the assignee were checked by Parse.
		keysDone := n == d.root || (d.Found("assignee") && n == d.fields["assignee"].value)
		for i, c := range n.Content {
			if keysDone && n.Kind == yaml.MappingNode && i%2 == 0 {
				continue
			}
			walk(c)
		}
	}
	walk(d.root)
	return out
}

func safeName(s string) string {
	if CheckName(s) == nil {
		return s
	}
	if slug := Slugify(s); slug != "" {
		return slug
	}
	return "NAME"
}
