package action

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Render writes a new action file: a schema line for editors (pointing at
// action.schema.json beside the file), then the fields in their usual order;
// a long intent is folded over several lines.
func Render(a *Action) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(Modeline + "\n")
	fmt.Fprintf(&b, "version: %d\n", a.Version)
	b.WriteString("name: " + renderScalar(a.Name, 0, 0) + "\n")
	b.WriteString("intent: " + renderScalar(a.Intent, yaml.FoldedStyle, 0) + "\n")
	b.WriteString("account: " + renderScalar(a.Account, 0, 0) + "\n")
	b.WriteString("assignee:\n")
	b.WriteString(renderAssignee(a.Assignee, 2))
	b.WriteString(renderExtras(a.Extras))
	out := b.Bytes()
	// Never write what does not read back as the same action.
	d, diags := Parse("", out)
	if HasErrors(diags) || d.Action == nil || !d.Action.Equal(a) {
		return nil, fmt.Errorf("internal error: the rendered action does not read back the same")
	}
	return out, nil
}

func renderAssignee(a Assignee, indent int) string {
	pad := strings.Repeat(" ", indent)
	var b strings.Builder
	for _, kv := range assigneeValues(a) {
		b.WriteString(pad + kv[0] + ": " + kv[1] + "\n")
	}
	return b.String()
}

// assigneeValues lists the fields an assignee writes, rendered, in order.
func assigneeValues(a Assignee) [][2]string {
	out := [][2]string{{"type", renderScalar(string(a.Type), 0, 0)}}
	switch a.Type {
	case Team:
		out = append(out, [2]string{"team", renderScalar(a.Team, 0, 0)})
		if a.KeepTeams {
			out = append(out, [2]string{"keep_teams", "true"})
		}
	case User:
		out = append(out, [2]string{"email", renderScalar(a.Email, 0, 0)})
	case Bot:
		if a.BotID != "" {
			out = append(out, [2]string{"bot_id", renderScalar(a.BotID, 0, 0)})
		}
		if a.BotName != "" {
			out = append(out, [2]string{"bot_name", renderScalar(a.BotName, 0, 0)})
		}
	}
	return out
}

const foldWidth = 88

// renderScalar renders a string value as it follows "key: " at the given
// indentation of the key, in the wanted style when YAML allows it.
// Continuation lines are indented for a key at column indent+1.
func renderScalar(v string, style yaml.Style, indent int) string {
	pad := strings.Repeat(" ", indent)
	if style == yaml.FoldedStyle && foldable(v) {
		var b strings.Builder
		b.WriteString(">-")
		width := 0
		for _, w := range strings.Split(v, " ") {
			if width == 0 || width+1+utf8.RuneCountInString(w) > foldWidth-indent-2 {
				b.WriteString("\n" + pad + "  " + w)
				width = utf8.RuneCountInString(w)
				continue
			}
			b.WriteString(" " + w)
			width += 1 + utf8.RuneCountInString(w)
		}
		return b.String()
	}
	if style == yaml.FoldedStyle {
		style = 0
	}
	m := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: "k"},
		{Kind: yaml.ScalarNode, Tag: "!!str", Style: style, Value: v},
	}}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return fmt.Sprintf("%q", v) // a JSON string is a YAML double-quoted scalar
	}
	_ = enc.Close()
	s := strings.TrimSuffix(strings.TrimPrefix(b.String(), "k: "), "\n")
	return strings.ReplaceAll(s, "\n", "\n"+pad)
}

// foldable: a folded block scalar reproduces v exactly when v is printable
// words separated by single spaces.
func foldable(v string) bool {
	if v == "" || strings.Join(strings.Fields(v), " ") != v {
		return false
	}
	for _, r := range v {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// Editor changes the values of one action file while leaving every other
// byte as it was: comments, key order, quoting, blank lines. When a value
// cannot be changed in place (a flow mapping, an alias), the file is
// re-encoded from its node tree, which still keeps comments and key order.
type Editor struct {
	path string
	orig []byte
	src  []byte
	crlf bool
}

// NewEditor starts editing the file's content. The file must be a readable
// YAML mapping (invalid values are fine: editing may fix them).
func NewEditor(path string, data []byte) (*Editor, error) {
	d, diags := Parse(path, data)
	if d.root == nil {
		return nil, invalid(stem(path), path, diags)
	}
	return &Editor{path: path, orig: data, src: append([]byte(nil), data...), crlf: bytes.Contains(data, []byte("\r\n"))}, nil
}

// Action returns the action as the file now reads (fields that could not
// be read are zero).
func (e *Editor) Action() Action {
	d, _ := Parse(e.path, e.src)
	if d.Action == nil {
		return Action{}
	}
	return *d.Action
}

// Bytes returns the edited file content.
func (e *Editor) Bytes() []byte { return e.src }

// Changed reports whether any byte changed.
func (e *Editor) Changed() bool { return !bytes.Equal(e.src, e.orig) }

// SetIntent replaces the intent, keeping its style (a folded intent stays folded).
func (e *Editor) SetIntent(s string) error {
	if err := CheckIntent(s); err != nil {
		return err
	}
	return e.set("intent", s, func(a *Action) { a.Intent = s })
}

// SetAccount replaces the account.
func (e *Editor) SetAccount(s string) error {
	if err := CheckAccount(s); err != nil {
		return err
	}
	return e.set("account", s, func(a *Action) { a.Account = s })
}

// SetAssignee replaces the assignee: the type and its fields are set, fields
// the new type does not take are removed, the others are left alone.
func (e *Editor) SetAssignee(a Assignee) error {
	if err := CheckAssignee(a); err != nil {
		return err
	}
	want := e.Action()
	for i, f := range want.Ext().Fallback {
		if sameAssignee(f, a) {
			return fieldErr("assignee", RuleFallbackDuplicate, "%s is already fallback %d of this action: remove it from fallback first, or pick another assignee", a.Describe(), i+1)
		}
	}
	want.Assignee = a
	before := e.src
	if err := e.setAssigneeInPlace(a); err == nil && e.reads(want) {
		return nil
	}
	e.src = before
	return e.reencode(want)
}

// set changes one top-level string field in place, or re-encodes.
func (e *Editor) set(path, value string, apply func(*Action)) error {
	want := e.Action()
	apply(&want)
	before := e.src
	if err := e.setScalar(path, value); err == nil && e.reads(want) {
		return nil
	}
	e.src = before
	return e.reencode(want)
}

// reads reports whether the edited source parses to want (ignoring fields
// the edit did not touch that were unreadable before).
func (e *Editor) reads(want Action) bool {
	d, diags := Parse(e.path, e.src)
	for _, dg := range diags {
		if dg.Rule == RuleSyntax || dg.Rule == RuleDuplicateKey || dg.Rule == RuleMultiDoc {
			return false
		}
	}
	return d.Action != nil && d.Action.Equal(&want)
}

func (e *Editor) nl() string {
	if e.crlf {
		return "\r\n"
	}
	return "\n"
}

// setScalar replaces (or adds) the scalar at path ("intent", "assignee.team").
func (e *Editor) setScalar(path, value string) error {
	d, _ := Parse(e.path, e.src)
	f, ok := d.fields[path]
	if !ok {
		return e.insert(d, path, renderScalar(value, 0, indentOf(d, path)))
	}
	if f.key.Column < 1 || f.value.Kind != yaml.ScalarNode || f.value.Anchor != "" || d.isAliased(f.value) {
		return errNotInPlace
	}
	start, end, ok := d.scalarSpan(f.key, f.value)
	if !ok {
		return errNotInPlace
	}
	style := f.value.Style & (yaml.DoubleQuotedStyle | yaml.SingleQuotedStyle | yaml.LiteralStyle | yaml.FoldedStyle)
	text := renderScalar(value, style, f.key.Column-1)
	e.splice(start, end, text)
	return nil
}

var errNotInPlace = fmt.Errorf("cannot edit in place")

func (e *Editor) splice(start, end int, text string) {
	if e.crlf {
		text = strings.ReplaceAll(text, "\n", "\r\n")
	}
	out := make([]byte, 0, len(e.src)-(end-start)+len(text))
	out = append(out, e.src[:start]...)
	out = append(out, text...)
	out = append(out, e.src[end:]...)
	e.src = out
}

// isAliased reports whether some alias points at n (changing n would change
// it there too).
func (d *Document) isAliased(n *yaml.Node) bool {
	found := false
	var walk func(x *yaml.Node)
	walk = func(x *yaml.Node) {
		if x.Kind == yaml.AliasNode && x.Alias == n {
			found = true
		}
		for _, c := range x.Content {
			walk(c)
		}
	}
	walk(d.doc)
	return found
}

// scalarSpan returns the byte range of a scalar value in the source.
func (d *Document) scalarSpan(key, n *yaml.Node) (int, int, bool) {
	if n.Line == key.Line && n.Column <= key.Column {
		return 0, 0, false
	}
	start := d.lineOffset(n.Line, n.Column)
	src := d.Source
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		if start >= len(src) || src[start] != '"' {
			return 0, 0, false
		}
		for i := start + 1; i < len(src); i++ {
			switch src[i] {
			case '\\':
				i++
			case '"':
				return start, i + 1, true
			}
		}
		return 0, 0, false
	case n.Style&yaml.SingleQuotedStyle != 0:
		if start >= len(src) || src[start] != '\'' {
			return 0, 0, false
		}
		for i := start + 1; i < len(src); i++ {
			if src[i] == '\'' {
				if i+1 < len(src) && src[i+1] == '\'' {
					i++
					continue
				}
				return start, i + 1, true
			}
		}
		return 0, 0, false
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		// The block runs over the following lines indented deeper than the key.
		keyIndent := key.Column - 1
		last := d.lineEnd(n.Line)
		for l := n.Line + 1; l <= len(d.lines); l++ {
			text := d.Line(l)
			if strings.TrimSpace(text) == "" {
				continue
			}
			if indentWidth(text) <= keyIndent {
				break
			}
			last = d.lineEnd(l)
		}
		return start, last, true
	case n.Style == 0 || n.Style == yaml.TaggedStyle:
		if n.Style == yaml.TaggedStyle || strings.ContainsAny(n.Value, "\n") {
			return 0, 0, false
		}
		if start+len(n.Value) <= len(src) && string(src[start:start+len(n.Value)]) == n.Value {
			return start, start + len(n.Value), true
		}
	}
	return 0, 0, false
}

// lineEnd is the byte offset of the end of a line's content (before \r\n).
func (d *Document) lineEnd(line int) int {
	return d.lineOffset(line, 1) + len(d.Line(line))
}

func indentWidth(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }

// indentOf is the key indentation for a new field at path.
func indentOf(d *Document, path string) int {
	if !strings.HasPrefix(path, "assignee.") {
		return 0
	}
	af, ok := d.fields["assignee"]
	if !ok {
		return 2
	}
	a := af.value
	if len(a.Content) > 0 {
		return a.Content[0].Column - 1
	}
	return d.fields["assignee"].key.Column - 1 + 2
}

// insert adds "key: value" at the end of the top mapping or of the
// assignee's block mapping.
func (e *Editor) insert(d *Document, path, text string) error {
	name := path
	parent := d.root
	if strings.HasPrefix(path, "assignee.") {
		af, ok := d.fields["assignee"]
		if !ok || af.value.Kind != yaml.MappingNode || af.value.Style&yaml.FlowStyle != 0 || len(af.value.Content) == 0 {
			return errNotInPlace
		}
		parent = af.value
		name = strings.TrimPrefix(path, "assignee.")
	}
	if parent.Style&yaml.FlowStyle != 0 || len(parent.Content) == 0 {
		return errNotInPlace
	}
	indent := parent.Content[0].Column - 1
	// After the last line that belongs to the mapping's last entry.
	lastLine := d.lastLine(parent)
	at := d.lineEnd(lastLine)
	e.splice(at, at, "\n"+strings.Repeat(" ", indent)+name+": "+text)
	return nil
}

// lastLine is the last source line of a mapping's content: its last node,
// and after it the lines indented deeper than the mapping's keys (the rest
// of a block or multi-line scalar), not counting blank lines at the end.
func (d *Document) lastLine(n *yaml.Node) int {
	last := n.Line
	var walk func(x *yaml.Node)
	walk = func(x *yaml.Node) {
		last = max(last, x.Line)
		for _, c := range x.Content {
			walk(c)
		}
	}
	walk(n)
	for l := last + 1; l <= len(d.lines); l++ {
		t := d.Line(l)
		if strings.TrimSpace(t) == "" {
			continue
		}
		if indentWidth(t) <= n.Column-1 {
			break
		}
		last = l
	}
	return last
}

// remove deletes the line(s) of field path (key and scalar value).
func (e *Editor) remove(path string) error {
	d, _ := Parse(e.path, e.src)
	f, ok := d.fields[path]
	if !ok {
		return nil
	}
	if f.value.Kind != yaml.ScalarNode || f.value.Anchor != "" || d.isAliased(f.value) {
		return errNotInPlace
	}
	// The key must start its line.
	if line := []rune(d.Line(f.key.Line)); f.key.Column-1 > len(line) || strings.TrimSpace(string(line[:f.key.Column-1])) != "" {
		return errNotInPlace
	}
	_, end, ok := d.scalarSpan(f.key, f.value)
	if !ok {
		return errNotInPlace
	}
	endLine, _ := d.offsetPos(end)
	start, stop := d.lineOffset(f.key.Line, 1), d.fullLineEnd(endLine)
	// A line is removed with its own line break. Only an unterminated last
	// line has none: then the break before it goes, so that the file still
	// ends the way it did (with or without a final line break).
	if !d.hasBreak(endLine) && f.key.Line > 1 {
		start = d.lineEnd(f.key.Line - 1)
	}
	e.splice(start, stop, "")
	return nil
}

// fullLineEnd is the byte offset just after a line's line break (the end of
// the source for the last line, whether or not it has a break).
func (d *Document) fullLineEnd(line int) int {
	if line < len(d.lines) {
		return d.lines[line]
	}
	return len(d.Source)
}

// hasBreak reports whether a line ends with a line break. Every line but
// the last does; the last does when the file ends with one (lineStarts does
// not count the empty "line" after a final break).
func (d *Document) hasBreak(line int) bool {
	return d.fullLineEnd(line) > d.lineEnd(line)
}

func (e *Editor) setAssigneeInPlace(a Assignee) error {
	d, _ := Parse(e.path, e.src)
	af, ok := d.fields["assignee"]
	if !ok || af.value.Kind != yaml.MappingNode || af.value.Style&yaml.FlowStyle != 0 || len(af.value.Content) == 0 || d.isAliased(af.value) {
		return errNotInPlace
	}
	want := map[string]string{}
	for _, kv := range assigneeValues(a) {
		want[kv[0]] = kv[1]
	}
	// keep_teams: false stays as written on a team assignee.
	if a.Type == Team && !a.KeepTeams && d.Found("assignee.keep_teams") {
		want["keep_teams"] = "false"
	}
	for _, name := range []string{"team", "keep_teams", "email", "bot_id", "bot_name"} {
		if _, keep := want[name]; !keep {
			if err := e.remove("assignee." + name); err != nil {
				return err
			}
		}
	}
	for _, name := range []string{"type", "team", "keep_teams", "email", "bot_id", "bot_name"} {
		if _, ok := want[name]; !ok {
			continue
		}
		var err error
		switch name {
		case "type":
			err = e.setScalar("assignee.type", string(a.Type))
		case "team":
			err = e.setScalar("assignee.team", a.Team)
		case "email":
			err = e.setScalar("assignee.email", a.Email)
		case "bot_id":
			err = e.setScalar("assignee.bot_id", a.BotID)
		case "bot_name":
			err = e.setScalar("assignee.bot_name", a.BotName)
		case "keep_teams":
			err = e.setBool("assignee.keep_teams", a.KeepTeams)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (e *Editor) setBool(path string, v bool) error {
	d, _ := Parse(e.path, e.src)
	f, ok := d.fields[path]
	text := fmt.Sprint(v)
	if !ok {
		return e.insert(d, path, text)
	}
	if b, isBool := scalarBool(f.value); isBool && b == v {
		return nil
	}
	start, end, ok := d.scalarSpan(f.key, f.value)
	if !ok || f.value.Style != 0 {
		return errNotInPlace
	}
	e.splice(start, end, text)
	return nil
}

// reencode is the fallback: set the values on the node tree and encode it
// again (comments and key order survive; spacing may not).
func (e *Editor) reencode(want Action) error {
	d, _ := Parse(e.path, e.orig)
	if d.root == nil {
		return &Error{Code: exitConfig, Err: fmt.Errorf("%s is not a YAML mapping; nothing was written", e.path)}
	}
	setKey(d.root, "intent", strNode(want.Intent, yaml.FoldedStyle))
	setKey(d.root, "account", strNode(want.Account, 0))
	as := &yaml.Node{Kind: yaml.MappingNode}
	if old := getKey(d.root, "assignee"); old != nil && old.Kind == yaml.MappingNode {
		as.HeadComment, as.LineComment, as.FootComment = old.HeadComment, old.LineComment, old.FootComment
	}
	for _, kv := range assigneeValues(want.Assignee) {
		var v *yaml.Node
		switch kv[0] {
		case "keep_teams":
			v = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"}
		case "type":
			v = strNode(string(want.Assignee.Type), 0)
		case "team":
			v = strNode(want.Assignee.Team, 0)
		case "email":
			v = strNode(want.Assignee.Email, 0)
		case "bot_id":
			v = strNode(want.Assignee.BotID, 0)
		case "bot_name":
			v = strNode(want.Assignee.BotName, 0)
		}
		as.Content = append(as.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: kv[0]}, v)
	}
	setKey(d.root, "assignee", as)
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(d.doc); err != nil {
		return &Error{Code: exitFailure, Err: fmt.Errorf("re-encoding %s: %w", e.path, err)}
	}
	_ = enc.Close()
	e.src = b.Bytes()
	if e.crlf {
		e.src = bytes.ReplaceAll(e.src, []byte("\n"), []byte("\r\n"))
	}
	// The encoder always ends with one line break; the file keeps the end
	// it had (none, or blank lines) unless that would change a value.
	if tail := finalBreaks(e.orig); tail != finalBreaks(e.src) {
		encoded := e.src
		e.src = append([]byte(trimBreak(string(e.src))), tail...)
		if !e.reads(want) {
			e.src = encoded
		}
	}
	if !e.reads(want) {
		e.src = e.orig
		return &Error{Code: exitFailure, Err: fmt.Errorf("could not edit %s safely; nothing was written", e.path),
			Tip: "Edit the file by hand, then run: handoff validate " + e.path}
	}
	return nil
}

// finalBreaks is the run of line breaks the content ends with ("" if none).
func finalBreaks(b []byte) string { return string(b[len(trimBreak(string(b))):]) }

func strNode(v string, style yaml.Style) *yaml.Node {
	if style == yaml.FoldedStyle && utf8.RuneCountInString(v) <= 60 {
		style = 0
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Style: style, Value: v}
}

func getKey(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// setKey replaces the value of key (keeping the old value's comments), or
// appends the pair.
func setKey(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			old := m.Content[i+1]
			if v.Kind == yaml.ScalarNode && old.Kind == yaml.ScalarNode && old.Value == v.Value && old.Tag == v.Tag {
				return
			}
			if v.HeadComment == "" {
				v.HeadComment = old.HeadComment
			}
			if v.LineComment == "" {
				v.LineComment = old.LineComment
			}
			if v.FootComment == "" {
				v.FootComment = old.FootComment
			}
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}
