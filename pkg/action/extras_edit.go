package action

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// extraKeys are the top-level keys of the optional sections, in the order
// they are written.
var extraKeys = []string{"fallback", "status", "context", "message"}

// renderExtras writes the optional sections as YAML ("" when none).
func renderExtras(x *Extras) string {
	if x.empty() {
		return ""
	}
	var b strings.Builder
	if len(x.Fallback) > 0 {
		b.WriteString("fallback:\n")
		for _, a := range x.Fallback {
			for i, kv := range assigneeValues(a) {
				lead := "    "
				if i == 0 {
					lead = "  - "
				}
				b.WriteString(lead + kv[0] + ": " + kv[1] + "\n")
			}
		}
	}
	if x.Status != "" {
		b.WriteString("status: " + renderScalar(x.Status, 0, 0) + "\n")
	}
	if len(x.Context) > 0 {
		b.WriteString("context:\n")
		b.WriteString(renderParams(x.Context, 2))
	}
	if m := x.Message; m != nil {
		b.WriteString("message:\n")
		if m.Text != "" {
			b.WriteString("  text: " + renderScalar(m.Text, 0, 2) + "\n")
		}
		if t := m.Template; t != nil {
			b.WriteString("  template:\n")
			b.WriteString("    name: " + renderScalar(t.Name, 0, 4) + "\n")
			if len(t.Params) > 0 {
				b.WriteString("    params:\n")
				b.WriteString(renderParams(t.Params, 6))
			}
		}
	}
	return b.String()
}

func renderParams(ps Params, indent int) string {
	pad := strings.Repeat(" ", indent)
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(pad + p.Name + ": " + renderScalar(p.Value, 0, indent) + "\n")
	}
	return b.String()
}

// SetExtras replaces the optional sections with x (nil removes them all).
// The three steps, their comments and their formatting are left as they
// are: the old sections are cut out and the new ones written at the end.
func (e *Editor) SetExtras(x *Extras) error {
	want := e.Action()
	if err := x.Check(want.Assignee); err != nil {
		return err
	}
	if x.empty() {
		x = nil
	}
	want.Extras = x
	before := e.src
	if err := e.replaceExtras(x); err == nil && e.reads(want) {
		return nil
	}
	e.src = before
	if err := e.reencodeExtras(x); err == nil && e.reads(want) {
		return nil
	}
	e.src = e.orig
	return &Error{Code: exitFailure, Err: fmt.Errorf("could not edit %s safely; nothing was written", e.path),
		Tip: "Edit the file by hand, then run: handoff validate " + e.path}
}

// replaceExtras cuts the lines of each top-level optional section (a block
// starting at column 1) and appends the rendered sections.
func (e *Editor) replaceExtras(x *Extras) error {
	d, _ := Parse(e.path, e.src)
	if d.root == nil || d.root.Style&yaml.FlowStyle != 0 {
		return errNotInPlace
	}
	type span struct{ from, to int } // lines, inclusive
	var cuts []span
	for i := 0; i+1 < len(d.root.Content); i += 2 {
		k, v := d.root.Content[i], d.root.Content[i+1]
		if !contains(extraKeys, k.Value) {
			continue
		}
		if k.Column != 1 || v.Anchor != "" || d.isAliased(v) {
			return errNotInPlace
		}
		last := k.Line
		if v.Line > k.Line || v.Kind != yaml.ScalarNode || v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			last = max(last, d.lastLine(&yaml.Node{Kind: yaml.MappingNode, Line: k.Line, Column: k.Column, Content: []*yaml.Node{v}}))
		} else if v.Line == k.Line {
			_, end, ok := d.scalarSpan(k, v)
			if !ok {
				return errNotInPlace
			}
			last, _ = d.offsetPos(max(end-1, 0))
		}
		cuts = append(cuts, span{k.Line, last})
	}
	sort.Slice(cuts, func(i, j int) bool { return cuts[i].from > cuts[j].from })
	src := e.src
	for _, c := range cuts {
		start := d.lineOffset(c.from, 1)
		end := len(src)
		if c.to < len(d.lines) {
			end = d.lines[c.to]
		}
		src = append(append([]byte(nil), src[:start]...), src[end:]...)
	}
	nl := "\n"
	if e.crlf {
		nl = "\r\n"
	}
	tail := finalBreaks(src)
	body := trimBreak(string(src))
	add := renderExtras(x)
	if add != "" {
		if e.crlf {
			add = strings.ReplaceAll(add, "\n", "\r\n")
		}
		body += nl + strings.TrimSuffix(add, nl)
	}
	if tail == "" {
		tail = nl
	}
	e.src = []byte(body + tail)
	return nil
}

// reencodeExtras sets the sections on the node tree and encodes it.
func (e *Editor) reencodeExtras(x *Extras) error {
	d, _ := Parse(e.path, e.src)
	if d.root == nil {
		return errNotInPlace
	}
	var fresh yaml.Node
	if add := renderExtras(x); add != "" {
		if err := yaml.Unmarshal([]byte(add), &fresh); err != nil {
			return err
		}
	}
	var content []*yaml.Node
	for i := 0; i+1 < len(d.root.Content); i += 2 {
		if !contains(extraKeys, d.root.Content[i].Value) {
			content = append(content, d.root.Content[i], d.root.Content[i+1])
		}
	}
	if len(fresh.Content) == 1 {
		content = append(content, fresh.Content[0].Content...)
	}
	d.root.Content = content
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(d.doc); err != nil {
		return err
	}
	_ = enc.Close()
	e.src = b.Bytes()
	if e.crlf {
		e.src = bytes.ReplaceAll(e.src, []byte("\n"), []byte("\r\n"))
	}
	return nil
}
