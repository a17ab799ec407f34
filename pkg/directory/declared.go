package directory

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/handoff-dev/handoff/pkg/action"
)

// DeclaredFile is the name of the declared directory in the actions folder.
// It starts with a dot so that nothing that reads the folder's *.yaml files
// as actions (validate, action list, mcp) takes it for one, and no action
// (whose name is a slug) can be saved over it.
const DeclaredFile = ".directory.yaml"

const declaredHeader = `Teams and users handoff actions may be assigned to, declared by hand
because Wati offers no list of them. Commit this file beside the actions so
that everyone configuring handoffs picks from one list. Edit it by hand or
with: handoff directory add team NAME | user EMAIL --name "Display Name"`

// DeclaredPath is .directory.yaml in the actions folder.
func (s *Service) DeclaredPath() string { return filepath.Join(s.actionsDir, DeclaredFile) }

// Declared returns the declared teams and users (none when the file does not exist).
func (s *Service) Declared() ([]Entry, error) {
	_, entries, err := s.loadDeclared()
	return entries, err
}

// loadDeclared parses .directory.yaml into its node tree and its entries.
func (s *Service) loadDeclared() (*yaml.Node, []Entry, error) {
	path := s.DeclaredPath()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, errorf(exitConfig, "", "reading %s: %v", path, err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, errorf(exitConfig, "Fix the YAML in that file.", "%s: %v", path, err)
	}
	if len(doc.Content) != 1 {
		return nil, nil, nil
	}
	root := doc.Content[0]
	bad := func(n *yaml.Node, format string, a ...any) error {
		a = append([]any{path, n.Line, n.Column}, a...)
		return errorf(exitConfig, "Fix that line of "+DeclaredFile+", or edit it with handoff directory add/remove.", "%s:%d:%d: "+format, a...)
	}
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return &doc, nil, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, nil, bad(root, "the file must be a mapping with teams: and users:")
	}
	var out []Entry
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			continue
		}
		switch k.Value {
		case "teams":
			if v.Kind != yaml.SequenceNode {
				return nil, nil, bad(v, "teams must be a list of team names")
			}
			for _, it := range v.Content {
				name := ""
				switch {
				case it.Kind == yaml.ScalarNode:
					name = it.Value
				case it.Kind == yaml.MappingNode:
					for j := 0; j+1 < len(it.Content); j += 2 {
						if it.Content[j].Value != "name" {
							return nil, nil, bad(it.Content[j], "unknown field %q in a team (only name)", it.Content[j].Value)
						}
						name = it.Content[j+1].Value
					}
				default:
					return nil, nil, bad(it, "a team is a name")
				}
				if err := action.CheckTeam(name); err != nil {
					return nil, nil, bad(it, "%v", err)
				}
				out = append(out, Entry{Kind: KindTeam, Name: name, Source: SourceDeclared})
			}
		case "users":
			if v.Kind != yaml.SequenceNode {
				return nil, nil, bad(v, "users must be a list of {email, name}")
			}
			for _, it := range v.Content {
				e := Entry{Kind: KindUser, Source: SourceDeclared}
				switch it.Kind {
				case yaml.ScalarNode:
					e.Email = it.Value
				case yaml.MappingNode:
					for j := 0; j+1 < len(it.Content); j += 2 {
						switch it.Content[j].Value {
						case "email":
							e.Email = it.Content[j+1].Value
						case "name":
							e.Name = it.Content[j+1].Value
						default:
							return nil, nil, bad(it.Content[j], "unknown field %q in a user (email, name)", it.Content[j].Value)
						}
					}
				default:
					return nil, nil, bad(it, "a user is {email, name}")
				}
				if err := action.CheckEmail(e.Email); err != nil {
					return nil, nil, bad(it, "%v", err)
				}
				out = append(out, e)
			}
		default:
			return nil, nil, bad(k, "unknown key %q (teams, users)", k.Value)
		}
	}
	return &doc, out, nil
}

// Declare adds a team (Name) or a user (Email, optional Name) to
// .directory.yaml, keeping the file's comments and order. Declaring what is
// already there does nothing, except that a user's display name is updated.
func (s *Service) Declare(e Entry) error {
	switch e.Kind {
	case KindTeam:
		e.Name = strings.TrimSpace(e.Name)
		if err := action.CheckTeam(e.Name); err != nil {
			return errorf(exitUsage, "", "%v", err)
		}
	case KindUser:
		e.Email = strings.TrimSpace(e.Email)
		e.Name = strings.TrimSpace(e.Name)
		if err := action.CheckEmail(e.Email); err != nil {
			return errorf(exitUsage, "", "%v", err)
		}
	default:
		return errorf(exitUsage, "Bots come from Wati's chatbot list: run handoff directory sync.", "only teams and users can be declared, not %q", e.Kind)
	}
	doc, _, err := s.loadDeclared()
	if err != nil {
		return err
	}
	if doc == nil || doc.Content[0].Kind != yaml.MappingNode {
		doc = &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map", HeadComment: declaredHeader}}}
	}
	root := doc.Content[0]
	key := "teams"
	if e.Kind == KindUser {
		key = "users"
	}
	seq := seqChild(root, key)
	for _, it := range seq.Content {
		if e.Kind == KindTeam && itemName(it) == e.Name {
			return nil
		}
		if e.Kind == KindUser && strings.EqualFold(itemField(it, "email"), e.Email) {
			if e.Name == "" || itemField(it, "name") == e.Name {
				return nil
			}
			if it.Kind == yaml.ScalarNode {
				*it = *userNode(it.Value, e.Name)
			} else {
				setField(it, "name", e.Name)
			}
			return s.writeDeclared(doc)
		}
	}
	if e.Kind == KindTeam {
		seq.Content = append(seq.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: e.Name})
	} else {
		seq.Content = append(seq.Content, userNode(e.Email, e.Name))
	}
	return s.writeDeclared(doc)
}

// Undeclare removes a declared team (key: its name) or user (key: its
// email, any case). Removing what is not declared is a not-found error.
func (s *Service) Undeclare(k Kind, key string) error {
	if k != KindTeam && k != KindUser {
		return errorf(exitUsage, "", "only declared teams and users can be removed, not %q", k)
	}
	doc, entries, err := s.loadDeclared()
	if err != nil {
		return err
	}
	notFound := func() error {
		var names []string
		for _, e := range entries {
			if e.Kind == k {
				names = append(names, e.Key())
			}
		}
		tip := "Nothing of that kind is declared in " + s.DeclaredPath() + "."
		if len(names) > 0 {
			tip = "Declared: " + strings.Join(names, ", ") + "."
		}
		return errorf(exitNotFound, tip, "%s %q is not declared in %s", k, key, DeclaredFile)
	}
	if doc == nil || doc.Content[0].Kind != yaml.MappingNode {
		return notFound()
	}
	name := "teams"
	if k == KindUser {
		name = "users"
	}
	seq := mapGet(doc.Content[0], name)
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return notFound()
	}
	for i, it := range seq.Content {
		if (k == KindTeam && itemName(it) == key) || (k == KindUser && strings.EqualFold(itemField(it, "email"), key)) {
			seq.Content = append(seq.Content[:i], seq.Content[i+1:]...)
			return s.writeDeclared(doc)
		}
	}
	return notFound()
}

func (s *Service) writeDeclared(doc *yaml.Node) error {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	enc.Close()
	perm := fs.FileMode(0o644)
	if fi, err := os.Stat(s.DeclaredPath()); err == nil {
		perm = fi.Mode().Perm()
	}
	if err := writeFileAtomic(s.DeclaredPath(), buf.Bytes(), perm); err != nil {
		return errorf(exitConfig, "Check --dir (env HANDOFF_DIR).", "writing %s: %v", s.DeclaredPath(), err)
	}
	return nil
}

func mapGet(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// seqChild returns the sequence under key, creating it (block style) when absent or null.
func seqChild(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			v := m.Content[i+1]
			if v.Kind != yaml.SequenceNode {
				m.Content[i+1] = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", LineComment: v.LineComment}
			}
			return m.Content[i+1]
		}
	}
	seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, seq)
	return seq
}

func itemName(it *yaml.Node) string {
	if it.Kind == yaml.ScalarNode {
		return it.Value
	}
	return itemField(it, "name")
}

func itemField(it *yaml.Node, field string) string {
	if it.Kind == yaml.ScalarNode {
		if field == "email" {
			return it.Value
		}
		return ""
	}
	if v := mapGet(it, field); v != nil {
		return v.Value
	}
	return ""
}

func setField(it *yaml.Node, field, value string) {
	if v := mapGet(it, field); v != nil {
		v.Value, v.Tag, v.Style = value, "!!str", 0
		return
	}
	it.Content = append(it.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: field},
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value})
}

func userNode(email, name string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	setField(n, "email", email)
	if name != "" {
		setField(n, "name", name)
	}
	return n
}
