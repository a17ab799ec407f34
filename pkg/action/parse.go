package action

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/handoff-dev/handoff/pkg/textutil"
)

// Loader limits.
const (
	// MaxFileSize is the largest action file read (1 MiB).
	MaxFileSize = 1 << 20
	// MaxExpandedNodes bounds the YAML nodes a document may expand to
	// through aliases (a "billion laughs" file is refused, fast).
	MaxExpandedNodes = 1000
)

// Severity of a diagnostic.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Diagnostic is one finding in one file. Lines and columns are 1-based;
// columns count characters (Unicode code points).
type Diagnostic struct {
	File      string   `json:"file"`
	Line      int      `json:"line"`
	Column    int      `json:"column"`
	EndLine   int      `json:"end_line"`
	EndColumn int      `json:"end_column"`
	Severity  Severity `json:"severity"`
	Rule      string   `json:"rule"`
	Message   string   `json:"message"`
}

func (d Diagnostic) String() string {
	return fmt.Sprintf("%s:%d:%d: %s: %s [%s]", d.File, d.Line, d.Column, d.Severity, d.Message, d.Rule)
}

// SortDiagnostics orders diagnostics by file, position, rule and message.
func SortDiagnostics(ds []Diagnostic) {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Message < b.Message
	})
}

// HasErrors reports whether any diagnostic is an error.
func HasErrors(ds []Diagnostic) bool {
	for _, d := range ds {
		if d.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Document is one parsed action file: the action as far as it could be
// read, and where each field sits in the file.
type Document struct {
	File   string
	Source []byte
	// Action holds every field that was present with the right type; nil
	// when the file is not a YAML mapping at all.
	Action *Action

	doc    *yaml.Node // the document node; nil when the YAML was unusable
	root   *yaml.Node // its top mapping
	fields map[string]field
	lines  []int // byte offset of each line's start
	// pos replaces fields once the node tree is dropped (compact).
	pos map[string][4]int
}

// compact drops the YAML node tree, keeping the action, the source and each
// field's range: what reports and later checks need, in a fraction of the
// memory (validate may hold thousands of documents).
func (d *Document) compact() {
	if d.fields == nil {
		return
	}
	d.pos = make(map[string][4]int, len(d.fields))
	for k, f := range d.fields {
		el, ec := d.end(f.value)
		d.pos[k] = [4]int{f.value.Line, f.value.Column, el, ec}
	}
	d.doc, d.root, d.fields = nil, nil, nil
}

// fieldRange is the range of a field's value (zeros when absent).
func (d *Document) fieldRange(path string) [4]int {
	if f, ok := d.fields[path]; ok {
		el, ec := d.end(f.value)
		return [4]int{f.value.Line, f.value.Column, el, ec}
	}
	return d.pos[path]
}

// field is where a known field was found; typed reports that its value had
// the right type (so that value checks apply).
type field struct {
	key, value *yaml.Node
	typed      bool
}

// Found reports whether the field ("intent", "assignee.team") is present.
func (d *Document) Found(path string) bool {
	if _, ok := d.fields[path]; ok {
		return true
	}
	_, ok := d.pos[path]
	return ok
}

// Position returns the line and column of a field's value (or 0, 0).
func (d *Document) Position(path string) (line, col int) {
	r := d.fieldRange(path)
	return r[0], r[1]
}

// Line returns the text of a 1-based line, without its line break.
func (d *Document) Line(n int) string {
	if n < 1 || n > len(d.lines) {
		return ""
	}
	start := d.lines[n-1]
	end := len(d.Source)
	if n < len(d.lines) {
		end = d.lines[n]
	}
	return trimBreak(string(d.Source[start:end]))
}

var yamlLineRe = lazyRegexp(`^yaml: line (\d+): (.*)$`)

// Parse reads one action file strictly: unknown fields, wrong types, missing
// required fields, duplicate keys and excessive aliases are diagnostics with
// positions. It never fails: what is wrong is in the diagnostics, and the
// document holds what could be read. Field value rules are in Validate.
func Parse(file string, data []byte) (*Document, []Diagnostic) {
	d := &Document{File: file, Source: data, fields: map[string]field{}}
	var diags []Diagnostic
	errAt := func(line, col int, rule, format string, a ...any) {
		diags = append(diags, Diagnostic{File: file, Line: line, Column: col, EndLine: line, EndColumn: col,
			Severity: SeverityError, Rule: rule, Message: fmt.Sprintf(format, a...)})
	}
	if len(data) > MaxFileSize {
		errAt(1, 1, RuleTooLarge, "file is larger than 1 MiB, the limit for an action file")
		return d, diags
	}
	if bytes.HasPrefix(data, []byte{0xFE, 0xFF}) || bytes.HasPrefix(data, []byte{0xFF, 0xFE}) {
		errAt(1, 1, RuleEncoding, "file is UTF-16; save it as UTF-8")
		return d, diags
	}
	d.lines = lineStarts(data)
	if i := bytes.IndexByte(data, 0); i >= 0 {
		l, c := d.offsetPos(i)
		errAt(l, c, RuleBinary, "file is binary (NUL byte), not a YAML action file")
		return d, diags
	}
	if !utf8.Valid(data) {
		i := firstInvalidUTF8(data)
		l, c := d.offsetPos(i)
		errAt(l, c, RuleEncoding, "file is not valid UTF-8 (byte 0x%02x); save it as UTF-8", data[i])
		return d, diags
	}

	var doc yaml.Node
	if !bytes.Contains(data, []byte("---")) && !bytes.Contains(data, []byte("...")) {
		// Without a document marker there is one document at most: the
		// faster whole-input parser will do.
		if err := yaml.Unmarshal(data, &doc); err != nil {
			l, msg := yamlErrorLine(err)
			errAt(l, 1, RuleSyntax, "not valid YAML: %s", msg)
			return d, diags
		}
		if doc.Kind == 0 {
			errAt(1, 1, RuleEmpty, "file is empty: an action needs version, name, intent, account and assignee")
			return d, diags
		}
	} else {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				errAt(1, 1, RuleEmpty, "file is empty: an action needs version, name, intent, account and assignee")
				return d, diags
			}
			l, msg := yamlErrorLine(err)
			errAt(l, 1, RuleSyntax, "not valid YAML: %s", msg)
			return d, diags
		}
		var next yaml.Node
		if err := dec.Decode(&next); err == nil {
			errAt(next.Line, next.Column, RuleMultiDoc, "file holds more than one YAML document (---): put each action in its own file")
		} else if !errors.Is(err, io.EOF) {
			l, msg := yamlErrorLine(err)
			errAt(l, 1, RuleSyntax, "not valid YAML: %s", msg)
		}
	}
	d.doc = &doc

	// Aliases: refuse documents that expand past the bound or refer to
	// themselves (only a file with a "*" can hold an alias).
	if bytes.IndexByte(data, '*') >= 0 {
		if n, bad := expandedSize(&doc); bad != nil {
			if n < 0 {
				errAt(bad.Line, bad.Column, RuleAliasLimit, "alias *%s refers to the value that contains it", bad.Value)
			} else {
				errAt(bad.Line, bad.Column, RuleAliasLimit, "aliases expand this file by more than %d YAML nodes; write the values out", MaxExpandedNodes)
			}
			d.doc = nil
			return d, diags
		}
	}

	// Secrets in comments are beyond the schema: it never sees comments.
	diags = append(diags, d.commentSecrets()...)

	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	root = resolve(root)
	if root.Kind != yaml.MappingNode {
		errAt(root.Line, root.Column, RuleType, "an action file is a YAML mapping (key: value lines), not %s", describeNode(root))
		return d, diags
	}
	d.root = root
	d.Action = &Action{}
	diags = append(diags, d.readMapping(root, "", topFields)...)
	return d, diags
}

type fieldKind int

const (
	kString fieldKind = iota
	kVersion
	kBool
	kMapping
	kExtra // an optional section: read by readExtra (extras_parse.go)
)

type fieldSpec struct {
	name string
	kind fieldKind
	req  bool
}

var topFields = []fieldSpec{
	{"version", kVersion, true},
	{"name", kString, true},
	{"intent", kString, true},
	{"account", kString, true},
	{"assignee", kMapping, true},
	{"fallback", kExtra, false},
	{"status", kExtra, false},
	{"context", kExtra, false},
	{"message", kExtra, false},
}

var assigneeFields = []fieldSpec{
	{"type", kString, true},
	{"team", kString, false},
	{"email", kString, false},
	{"bot_id", kString, false},
	{"bot_name", kString, false},
	{"keep_teams", kBool, false},
}

// secretKeyRe matches keys that name a credential.
var secretKeyRe = lazyRegexp(`(?i)token|passw(or)?d|secret|authori[sz]ation|api[-_]?key|bearer|credential|private[-_]?key`)

func (d *Document) readMapping(m *yaml.Node, prefix string, specs []fieldSpec) []Diagnostic {
	var diags []Diagnostic
	errAt := func(n *yaml.Node, rule, format string, a ...any) {
		diags = append(diags, d.diag(n, SeverityError, rule, fmt.Sprintf(format, a...)))
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := resolve(m.Content[i]), m.Content[i+1]
		key := k.Value
		if k.Kind != yaml.ScalarNode {
			errAt(k, RuleType, "a key must be a plain name, not %s", describeNode(k))
			continue
		}
		path := prefix + key
		if LooksLikeSecret(key) {
			errAt(k, RuleNoSecrets, "a key looks like a token: %s", secretHint)
			continue
		}
		if first, dup := seen[key]; dup {
			errAt(k, RuleDuplicateKey, "%s is set twice (first on line %d); keep one", path, first.Line)
			continue
		}
		seen[key] = k
		var spec *fieldSpec
		for j := range specs {
			if specs[j].name == key {
				spec = &specs[j]
			}
		}
		if spec == nil {
			if secretKeyRe().MatchString(key) {
				errAt(k, RuleNoSecrets, "%s looks like a secret: %s", path, secretHint)
			} else {
				errAt(k, RuleUnknownField, "unknown field %s%s", path, suggest(key, specs))
			}
			continue
		}
		val := resolve(v)
		f := field{key: k, value: val}
		switch spec.kind {
		case kExtra:
			diags = append(diags, d.readExtra(path, k, val)...)
			continue
		case kMapping:
			if val.Kind != yaml.MappingNode {
				errAt(val, RuleType, "%s must be a mapping with a type and its fields, not %s", path, describeNode(val))
				break
			}
			f.typed = true
			d.fields[path] = f
			diags = append(diags, d.readMapping(val, path+".", assigneeFields)...)
			continue
		case kVersion:
			n, ok := scalarNumber(val)
			if !ok {
				errAt(val, RuleType, "%s must be a number (1), not %s", path, describeNode(val))
				break
			}
			f.typed = true
			d.Action.Version = n
		case kBool:
			b, ok := scalarBool(val)
			if !ok {
				errAt(val, RuleType, "%s must be true or false, not %s", path, describeNode(val))
				break
			}
			f.typed = true
			d.setBool(path, b)
		case kString:
			s, ok := scalarString(val)
			if !ok {
				if val.Kind == yaml.ScalarNode && !isNull(val) && !LooksLikeSecret(val.Value) {
					errAt(val, RuleType, "%s must be text, not %s; put it in quotes: %q", path, describeNode(val), val.Value)
				} else {
					errAt(val, RuleType, "%s must be text, not %s", path, describeNode(val))
				}
				break
			}
			f.typed = true
			d.setString(path, s)
		}
		d.fields[path] = f
	}
	for _, s := range specs {
		if _, ok := seen[s.name]; !ok && s.req {
			at := m
			if prefix != "" {
				at = d.fields[strings.TrimSuffix(prefix, ".")].key
			}
			errAt(at, RuleRequired, "missing required field %s%s", prefix+s.name, requiredHint(prefix+s.name))
		}
	}
	return diags
}

func requiredHint(path string) string {
	switch path {
	case "version":
		return " (version: 1)"
	case "name":
		return ": a lower-case slug equal to the file name, such as escalate-billing"
	case "intent":
		return ": say when the AI agent should hand the conversation over"
	case "account":
		return ": the name of a connected Wati account"
	case "assignee":
		return ": the team, user or bot that takes the conversation"
	case "assignee.type":
		return " (team, user or bot)"
	}
	if strings.HasPrefix(path, "fallback.") && strings.HasSuffix(path, ".type") {
		return " (team, user or bot)"
	}
	return ""
}

func (d *Document) setString(path, s string) {
	a := d.Action
	if d.setExtraString(path, s) {
		return
	}
	switch path {
	case "name":
		a.Name = s
	case "intent":
		a.Intent = s
	case "account":
		a.Account = s
	default:
		if name, ok := strings.CutPrefix(path, "assignee."); ok {
			setAssigneeString(&a.Assignee, name, s)
		}
	}
}

// setAssigneeString sets one text field of an assignee (the main one or a
// fallback's) by its YAML key.
func setAssigneeString(a *Assignee, name, s string) {
	switch name {
	case "type":
		a.Type = AssigneeType(s)
	case "team":
		a.Team = s
	case "email":
		a.Email = s
	case "bot_id":
		a.BotID = s
	case "bot_name":
		a.BotName = s
	}
}

// suggest offers the closest known field for a misspelt one.
func suggest(key string, specs []fieldSpec) string {
	best, bestD := "", 3
	for _, s := range specs {
		if dd := textutil.EditDistance(strings.ToLower(key), s.name); dd < bestD {
			best, bestD = s.name, dd
		}
	}
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.name
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %s?)", best)
	}
	return " (known: " + strings.Join(names, ", ") + ")"
}

// resolve follows aliases (bounded: expandedSize has already refused cycles).
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// scalarValue decodes a scalar the way yaml.v3 does, with fast paths for
// the usual tags, so that validation and the JSON Schema see one value.
func scalarValue(n *yaml.Node) (any, bool) {
	if n.Kind != yaml.ScalarNode {
		return nil, false
	}
	switch n.ShortTag() {
	case "!!str", "!!timestamp":
		// A date is text, as in YAML 1.2 (and the editors that read the schema).
		return n.Value, true
	case "!!null":
		return nil, true
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

func scalarString(n *yaml.Node) (string, bool) {
	v, ok := scalarValue(n)
	s, isStr := v.(string)
	return s, ok && isStr
}

func scalarBool(n *yaml.Node) (bool, bool) {
	v, ok := scalarValue(n)
	b, isBool := v.(bool)
	return b, ok && isBool
}

// scalarNumber accepts an integer, or a float with an integral value
// (JSON, and so the schema, cannot tell 1 from 1.0).
func scalarNumber(n *yaml.Node) (int, bool) {
	v, ok := scalarValue(n)
	if !ok {
		return 0, false
	}
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), true
	case uint64: // too large for int64: some number, not 1
		return -1, true
	case float64:
		if x == float64(int64(x)) && x > -1<<31 && x < 1<<31 {
			return int(x), true
		}
		return -1, true // a fraction, NaN or huge: some number, not 1
	}
	return 0, false
}

func isNull(n *yaml.Node) bool {
	v, ok := scalarValue(n)
	return ok && v == nil
}

func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.DocumentNode:
		return "a document"
	case yaml.AliasNode:
		return "an alias"
	}
	v, _ := scalarValue(n)
	switch v.(type) {
	case nil:
		return "an empty value"
	case string:
		return "text"
	case bool:
		return "a boolean"
	case int, int64, uint64:
		return "an integer"
	case float64:
		return "a number"
	}
	return "a " + strings.TrimPrefix(n.ShortTag(), "!!") + " value"
}

// expandedSize counts the nodes that aliases add to the document when it
// is expanded (each alias adds its target's expanded size; sizes are
// memoised, so this is linear in the file). It returns (-1, alias) for an
// alias inside its own anchor and (n, alias) for the alias that pushes the
// count past MaxExpandedNodes.
func expandedSize(doc *yaml.Node) (int, *yaml.Node) {
	const cap = MaxExpandedNodes + 1
	memo := map[*yaml.Node]int{}
	extra := 0
	var visit func(n *yaml.Node) (int, *yaml.Node)
	visit = func(n *yaml.Node) (int, *yaml.Node) {
		if s, ok := memo[n]; ok {
			if s < 0 {
				return -1, n
			}
			return s, nil
		}
		memo[n] = -1 // in progress: meeting it again is a cycle
		size := 1
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			s, bad := visit(n.Alias)
			if bad != nil {
				if s < 0 {
					return -1, n
				}
				return s, bad
			}
			size = s
			if extra = min(extra+s, cap); extra >= cap {
				return extra, n
			}
		}
		for _, c := range n.Content {
			s, bad := visit(c)
			if bad != nil {
				return s, bad
			}
			size = min(size+s, cap)
		}
		memo[n] = size
		return size, nil
	}
	_, bad := visit(doc)
	return extra, bad
}

// commentSecrets finds tokens pasted into comments.
func (d *Document) commentSecrets() []Diagnostic {
	var out []Diagnostic
	seen := map[string]bool{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		for _, c := range []string{n.HeadComment, n.LineComment, n.FootComment} {
			if c == "" || !LooksLikeSecret(c) {
				continue
			}
			for _, m := range secretValueRe().FindAllString(c, -1) {
				if seen[m] {
					continue
				}
				seen[m] = true
				i := bytes.Index(d.Source, []byte(m))
				l, col := 1, 1
				if i >= 0 {
					l, col = d.offsetPos(i)
				}
				out = append(out, Diagnostic{File: d.File, Line: l, Column: col, EndLine: l, EndColumn: col + utf8.RuneCountInString(m),
					Severity: SeverityError, Rule: RuleSecretInComment,
					Message: "a comment holds what looks like a token: remove it (and revoke it if it was ever committed); " + secretHint})
			}
		}
		if n.Kind == yaml.AliasNode {
			return
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(d.doc)
	return out
}

func yamlErrorLine(err error) (int, string) {
	msg := err.Error()
	if m := yamlLineRe().FindStringSubmatch(msg); m != nil {
		l, _ := strconv.Atoi(m[1])
		return l, m[2]
	}
	return 1, strings.TrimPrefix(msg, "yaml: ")
}

// lineStarts finds where lines start, with YAML's line breaks: \n, \r\n,
// a lone \r, and NEL, LS and PS (as yaml.v3 counts them).
func lineStarts(b []byte) []int {
	starts := make([]int, 1, 16)
	for i := 0; i < len(b); i++ {
		next := -1
		switch c := b[i]; {
		case c == '\n':
			next = i + 1
		case c == '\r':
			next = i + 1
			if next < len(b) && b[next] == '\n' {
				next++
				i++
			}
		case c == 0xC2 && i+1 < len(b) && b[i+1] == 0x85:
			next = i + 2
			i++
		case c == 0xE2 && i+2 < len(b) && b[i+1] == 0x80 && (b[i+2] == 0xA8 || b[i+2] == 0xA9):
			next = i + 3
			i += 2
		}
		if next > 0 && next < len(b) {
			starts = append(starts, next)
		}
	}
	return starts
}

// trimBreak drops a line's break characters.
func trimBreak(s string) string {
	for {
		switch {
		case strings.HasSuffix(s, "\n"), strings.HasSuffix(s, "\r"):
			s = s[:len(s)-1]
		case strings.HasSuffix(s, "\u0085"):
			s = s[:len(s)-2]
		case strings.HasSuffix(s, "\u2028"), strings.HasSuffix(s, "\u2029"):
			s = s[:len(s)-3]
		default:
			return s
		}
	}
}

// offsetPos turns a byte offset into a 1-based line and character column.
func (d *Document) offsetPos(off int) (int, int) {
	l := sort.Search(len(d.lines), func(i int) bool { return d.lines[i] > off })
	start := d.lines[l-1]
	return l, utf8.RuneCount(d.Source[start:off]) + 1
}

// lineOffset returns the byte offset of a 1-based line and character column.
func (d *Document) lineOffset(line, col int) int {
	if line < 1 || line > len(d.lines) {
		return len(d.Source)
	}
	off := d.lines[line-1]
	for c := 1; c < col && off < len(d.Source) && d.Source[off] != '\n' && d.Source[off] != '\r'; c++ {
		_, w := utf8.DecodeRune(d.Source[off:])
		off += w
	}
	return off
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, w := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && w <= 1 {
			return i
		}
		i += w
	}
	return 0
}

// diag builds a diagnostic that spans node n.
func (d *Document) diag(n *yaml.Node, sev Severity, rule, msg string) Diagnostic {
	el, ec := d.end(n)
	return Diagnostic{File: d.File, Line: n.Line, Column: n.Column, EndLine: el, EndColumn: ec,
		Severity: sev, Rule: rule, Message: msg}
}

// end finds where a node ends on its first line: the closing quote of a
// quoted scalar, the last character of a plain one, the end of the line for
// block scalars and collections. The end column is exclusive.
func (d *Document) end(n *yaml.Node) (int, int) {
	line := n.Line
	text := []rune(d.Line(line))
	start := n.Column - 1
	if start < 0 || start > len(text) {
		return line, n.Column
	}
	rest := text[start:]
	eol := n.Column + utf8.RuneCountInString(strings.TrimRight(string(rest), " \t"))
	if n.Kind != yaml.ScalarNode {
		return line, n.Column + 1
	}
	switch n.Style {
	case yaml.DoubleQuotedStyle:
		for i := 1; i < len(rest); i++ {
			if rest[i] == '\\' {
				i++
				continue
			}
			if rest[i] == '"' {
				return line, n.Column + i + 1
			}
		}
		return line, eol
	case yaml.SingleQuotedStyle:
		for i := 1; i < len(rest); i++ {
			if rest[i] == '\'' {
				if i+1 < len(rest) && rest[i+1] == '\'' {
					i++
					continue
				}
				return line, n.Column + i + 1
			}
		}
		return line, eol
	case yaml.LiteralStyle, yaml.FoldedStyle:
		return line, eol
	}
	if !strings.Contains(n.Value, "\n") {
		w := utf8.RuneCountInString(n.Value)
		if w <= len(rest) && string(rest[:w]) == n.Value {
			return line, n.Column + w
		}
	}
	return line, eol
}
