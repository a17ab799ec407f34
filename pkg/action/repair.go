package action

import (
	"fmt"
	"strings"
)

// PartOf returns the top-level field a diagnostic is about ("intent",
// "account", "assignee", "name", "version", or an unknown key), or "" when
// it is about the file as a whole (syntax, encoding, not a mapping).
func (d *Document) PartOf(dg Diagnostic) string {
	if dg.Rule == RuleRequired {
		if f, ok := strings.CutPrefix(dg.Message, "missing required field "); ok {
			f, _, _ = strings.Cut(f, ":")
			f, _, _ = strings.Cut(f, ".")
			return strings.TrimSpace(f)
		}
	}
	if d.root == nil {
		return ""
	}
	for i := 0; i+1 < len(d.root.Content); i += 2 {
		k, v := d.root.Content[i], d.root.Content[i+1]
		if dg.Line >= k.Line && dg.Line <= d.lastLine(v) {
			return k.Value
		}
	}
	return ""
}

// Broken is a part of a file that fails validation, with its first error.
type Broken struct {
	Part       string
	Diagnostic Diagnostic
}

// LoadForEdit reads an action whose parts (top-level fields: "intent",
// "account", "assignee") are about to be rewritten. A file whose errors all
// lie in those parts loads: the action as far as it could be read, and the
// parts that are broken (to be asked again, not prefilled). An error
// anywhere else is an error with exit code 3 that points at handoff
// validate: editing these parts would not make the file valid.
func (s *Store) LoadForEdit(name string, parts ...string) (*Action, []Broken, error) {
	path, data, err := s.read(name)
	if err != nil {
		return nil, nil, err
	}
	d, diags := Check(path, data, Options{CheckFileName: true})
	if !HasErrors(diags) {
		return d.Action, nil, nil
	}
	editing := map[string]bool{}
	for _, p := range parts {
		editing[p] = true
	}
	var broken []Broken
	seen := map[string]bool{}
	for _, dg := range diags {
		if dg.Severity != SeverityError {
			continue
		}
		part := d.PartOf(dg)
		if d.Action == nil || !editing[part] {
			e := invalid(name, path, []Diagnostic{dg})
			e.(*Error).Err = fmt.Errorf("%w %s: line %d: %s; %s", ErrInvalid, path, dg.Line, dg.Message, outside(parts))
			e.(*Error).Diagnostics = diags
			return nil, nil, e
		}
		if !seen[part] {
			seen[part] = true
			broken = append(broken, Broken{Part: part, Diagnostic: dg})
		}
	}
	return d.Action, broken, nil
}

// outside says why an error elsewhere stops the edit.
func outside(parts []string) string {
	if len(parts) == 0 {
		return "fix the file first"
	}
	return "this edit rewrites only " + strings.Join(parts, ", ") + ", so fix the file first"
}
