package prompt

import (
	"errors"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// The forms drawn on a terminal are our own small Bubble Tea models, not
// huh's fields (huh stays for line mode). huh v1 drew them in a viewport
// sized once, before the validation line existed, so that line pushed the
// input out of view; its lists scrolled the cursor to the top row on every
// key, hiding the options above; Esc while filtering cancelled the form;
// Ctrl+E without an editor hung. These models keep what a person needs in
// view at any terminal size: the frame is laid out for the terminal's width
// and height on every draw.

// styles are the few looks of a frame. With colour: the terminal's own 16
// colours, which follow its light or dark theme by themselves, so the
// terminal is never asked for its background. Without (NO_COLOR): bold,
// faint and reverse only, which NO_COLOR allows.
type styles struct {
	bar, title, desc, ok, bad, help, placeholder, cursor, chosen, dim lipgloss.Style
}

func newStyles(out io.Writer, colour bool) styles {
	r := lipgloss.NewRenderer(out)
	r.SetColorProfile(termenv.ANSI)
	r.SetHasDarkBackground(true) // set, so never asked
	s := r.NewStyle
	st := styles{
		bar:         s(),
		title:       s().Bold(true),
		desc:        s(),
		ok:          s(),
		bad:         s().Bold(true),
		help:        s().Faint(true),
		placeholder: s().Faint(true),
		cursor:      s().Reverse(true),
		chosen:      s().Bold(true),
		dim:         s().Faint(true),
	}
	if colour {
		st.bar = s().Foreground(lipgloss.Color("5"))
		st.title = s().Bold(true).Foreground(lipgloss.Color("6"))
		st.ok = s().Foreground(lipgloss.Color("2"))
		st.bad = s().Foreground(lipgloss.Color("1"))
		st.chosen = s().Bold(true).Foreground(lipgloss.Color("2"))
	}
	return st
}

// Default terminal size until Bubble Tea reports the real one.
const defaultCols, defaultRows = 80, 24

// keepAbove is how many rows a frame leaves to the lines above it, which
// say which action and step it is about.
const keepAbove = 2

// frame lays out one question: a bar down the left of the title, the
// description, the body (input line or list), the status line; then a blank
// line and the keys. Every line fits the width (word-wrapped, or cut with …
// for list rows), and the whole fits the height: what gives way first is
// the description, never the input line or the status.
type frame struct {
	st            styles
	width, height int
}

func (f frame) size() (int, int) {
	w, h := f.width, f.height
	if w <= 0 {
		w = defaultCols
	}
	if h <= 0 {
		h = defaultRows
	}
	return w, h
}

// inner is the width left of a line after the bar ("┃ ").
func (f frame) inner() int {
	w, _ := f.size()
	return max(10, w-2)
}

// wrapped word-wraps text to the inner width, one string per line.
func (f frame) wrapped(text string) []string {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	var out []string
	for _, para := range strings.Split(text, "\n") {
		out = append(out, wrapLine(para, f.inner(), "")...)
	}
	return out
}

// wrapLine word-wraps one line to width columns. Continuation lines keep
// the line's own indent plus more; a word longer than a line is cut, so no
// line is ever wider than width.
//
// A line laid out in columns ("  2. account   acme ...": a label, two or
// more spaces, text) continues under its text instead.
func wrapLine(line string, width int, more string) []string {
	body := strings.TrimLeft(line, " ")
	first := line[:len(line)-len(body)] // kept whole at the start
	next := first + more                // starts each further line
	if m := hangRe.FindStringIndex(line); m != nil && utf8.RuneCountInString(line[:m[1]]) < width/2 {
		first, body = line[:m[1]], line[m[1]:]
		next = strings.Repeat(" ", utf8.RuneCountInString(first))
	}
	if len(next) >= width/2 {
		next = ""
	}
	var out []string
	cur, col := first, utf8.RuneCountInString(first)
	start := true
	for _, word := range strings.Fields(body) {
		for {
			n := utf8.RuneCountInString(word)
			switch {
			case start && col+n <= width:
				cur += word
				col += n
			case !start && col+1+n <= width:
				cur += " " + word
				col += 1 + n
			case start:
				// Longer than a whole line: cut it.
				r := []rune(word)
				k := max(1, width-col)
				out = append(out, cur+string(r[:k]))
				cur, col = next, len(next)
				word = string(r[k:])
				continue
			default:
				out = append(out, cur)
				cur, col, start = next, len(next), true
				continue
			}
			break
		}
		start = false
	}
	return append(out, cur)
}

// hangRe finds a label column: text, then two or more spaces, then text.
var hangRe = regexp.MustCompile(`^ *\S+(?: \S+)? {2,}`)

// fixedLines is how many lines a frame takes besides its body.
func (f frame) fixedLines(title, desc, status []string) int {
	return len(title) + len(desc) + len(status) + 2 // blank line and keys
}

// render joins the parts; body lines are already styled and fit the width.
func (f frame) render(title, desc, body, status []string, keys string) string {
	_, h := f.size()
	room := h - keepAbove - len(title) - len(body) - len(status) - 2
	if room < len(desc) {
		if room < 0 {
			room = 0
		}
		desc = desc[len(desc)-room:]
	}
	var b strings.Builder
	bar := f.st.bar.Render("┃") + " "
	line := func(s string) { b.WriteString(bar + s + "\n") }
	for _, l := range title {
		line(f.st.title.Render(l))
	}
	for _, l := range desc {
		line(f.st.desc.Render(l))
	}
	for _, l := range body {
		line(l)
	}
	for _, l := range status {
		line(l)
	}
	b.WriteString("\n")
	b.WriteString(f.st.help.Render(cut(keys, f.inner()+2)))
	return b.String()
}

// statusLines styles a check result ("✓ looks good" / "✗ ...") over as many
// lines as the width needs.
func (f frame) statusLines(msg string, good bool) []string {
	if msg == "" {
		return nil
	}
	style := f.st.bad
	if good {
		style = f.st.ok
	}
	lines := wrapLine(msg, f.inner(), "  ")
	for i, l := range lines {
		lines[i] = style.Render(l)
	}
	return lines
}

// cut shortens s to at most n columns, ending with … when cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	if n <= 1 {
		return "…"
	}
	return string(r[:n-1]) + "…"
}

// errCancelled is how a model says the person cancelled (Esc, Ctrl-C).
var errCancelled = errors.New("cancelled")

// model is what every form model gives its runner.
type model interface {
	tea.Model
	result() error // nil: answered; errCancelled: cancelled
}

// runModel runs one form on the terminal.
func (p *HuhPrompter) runModel(m model) error {
	if err := p.ctx.Err(); err != nil {
		return ErrAborted
	}
	opts := []tea.ProgramOption{tea.WithOutput(p.out), tea.WithContext(p.ctx)}
	if p.in != nil {
		opts = append(opts, tea.WithInput(p.in))
	}
	final, err := tea.NewProgram(m, opts...).Run()
	switch {
	case p.ctx.Err() != nil, errors.Is(err, tea.ErrInterrupted), errors.Is(err, tea.ErrProgramKilled):
		return ErrAborted
	case err != nil:
		return err
	}
	if fm, ok := final.(model); ok && errors.Is(fm.result(), errCancelled) {
		return ErrAborted
	}
	return nil
}

// isEnter: Enter, and Ctrl+J, which is what Enter sends when it was typed
// before the form took the terminal (the terminal was still turning \r
// into \n).
func isEnter(k tea.KeyMsg) bool {
	return k.Type == tea.KeyEnter || k.Type == tea.KeyCtrlJ
}

func isCancel(k tea.KeyMsg) bool {
	return k.Type == tea.KeyCtrlC || k.Type == tea.KeyEsc
}
