package prompt

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"golang.org/x/term"

	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

// ErrEndOfInput is returned in line mode when the input ends before a
// question was answered: nothing is assumed, nothing is saved.
var ErrEndOfInput = fmt.Errorf("input ended before every question was answered: %w", ErrAborted)

// HuhPrompter asks questions with huh forms on stderr: full-screen-less
// Bubble Tea forms on a terminal, line prompts in accessible mode
// (HANDOFF_ACCESSIBLE=1 or TERM=dumb). Only build it when
// IOStreams.CanPrompt() is true: Bubble Tea opens /dev/tty otherwise.
type HuhPrompter struct {
	ctx        context.Context
	in         io.Reader
	out        io.Writer
	accessible bool
	progress   bool
	lines      *lineReader
	theme      *huh.Theme
	keymap     *huh.KeyMap
	styles     styles              // the terminal forms' looks
	getenv     func(string) string // $EDITOR and friends
}

// NewHuh returns the prompter for the command's streams. ctx cancels a
// question in progress (SIGINT, SIGTERM).
func NewHuh(ctx context.Context, ios *cmdutil.IOStreams) *HuhPrompter {
	p := &HuhPrompter{
		ctx:        ctx,
		in:         ios.In,
		out:        ios.ErrOut,
		accessible: ios.Accessible(),
		progress:   ios.ShowProgress() && !ios.Accessible(),
	}
	if p.accessible {
		// One shared line reader: huh builds a new bufio.Scanner per field,
		// which would swallow the answers to the next questions.
		p.lines = newLineReader(ios.In)
	}
	// Line mode (huh) is plain text. lipgloss must never ask the terminal
	// for its background colour (a terminal that does not answer costs 5 s):
	// say it is dark, which only the line mode's unused theme would read.
	lipgloss.SetHasDarkBackground(true)
	lipgloss.SetColorProfile(termenv.Ascii)
	p.theme = huh.ThemeBase()
	p.styles = newStyles(ios.ErrOut, ios.ColorEnabled())
	p.getenv = ios.Getenv
	km := huh.NewDefaultKeyMap()
	km.Quit = key.NewBinding(key.WithKeys("ctrl+c", "esc"), key.WithHelp("esc", "cancel"))
	p.keymap = km
	return p
}

func (p *HuhPrompter) form(field huh.Field) *huh.Form {
	f := huh.NewForm(huh.NewGroup(field)).
		WithTheme(p.theme).
		WithKeyMap(p.keymap).
		WithShowHelp(true).
		WithAccessible(p.accessible).
		WithOutput(p.out)
	if p.accessible {
		f = f.WithInput(p.lines)
	} else if p.in != nil {
		f = f.WithInput(p.in)
	}
	return f
}

// run runs one form and maps the ways it can end.
func (p *HuhPrompter) run(f *huh.Form) error {
	if err := p.ctx.Err(); err != nil {
		return ErrAborted
	}
	if !p.accessible {
		err := f.RunWithContext(p.ctx)
		switch {
		case p.ctx.Err() != nil, errors.Is(err, huh.ErrUserAborted), errors.Is(err, huh.ErrTimeout):
			return ErrAborted
		case err != nil:
			return err
		}
		return nil
	}
	// Line mode blocks in a read that a signal cannot interrupt: run the
	// form aside and give up on it when the context ends.
	done := make(chan error, 1)
	go func() {
		defer func() {
			// huh's numbered select indexes with the last (invalid) answer
			// when the input ends after it.
			if r := recover(); r != nil {
				done <- fmt.Errorf("line prompt failed: %v", r)
			}
		}()
		done <- f.Run()
	}()
	select {
	case <-p.ctx.Done():
		return ErrAborted
	case err := <-done:
		if p.lines.wasStarved() {
			// huh took the end of input for an answer (a default, or the
			// last refused one).
			return ErrEndOfInput
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// echo leaves the answer on screen: a finished Bubble Tea form erases itself.
func (p *HuhPrompter) echo(title, answer string) {
	if p.accessible {
		return
	}
	label := strings.TrimSpace(title)
	if i := strings.Index(label, ": "); i > 0 {
		label = label[:i]
	}
	label = strings.TrimRight(label, ":?")
	fmt.Fprintln(p.out, wrapLines(label+": "+answer, p.width()))
}

// Wrap breaks text into lines of at most width columns at spaces; lines
// after the first start with indent. Newlines in text are kept.
func Wrap(text string, width int, indent string) string {
	var b strings.Builder
	col := 0
	for i, para := range strings.Split(text, "\n") {
		if i > 0 {
			b.WriteString("\n" + indent)
			col = len(indent)
		}
		for j, word := range strings.Fields(para) {
			n := utf8.RuneCountInString(word)
			if j > 0 && col+1+n > width {
				b.WriteString("\n" + indent)
				col = len(indent)
			} else if j > 0 {
				b.WriteByte(' ')
				col++
			}
			b.WriteString(word)
			col += n
		}
	}
	return b.String()
}

func orNoop(v func(string) error) func(string) error {
	if v == nil {
		return func(string) error { return nil }
	}
	return v
}

// Input asks for one line.
func (p *HuhPrompter) Input(q Input) (string, error) {
	if !p.accessible {
		m := newInputModel(p.styles, q)
		if err := p.runModel(m); err != nil {
			return "", err
		}
		value := m.value()
		if q.Secret {
			p.echo(q.Title, strings.Repeat("•", min(len(value), 8)))
		} else {
			p.echo(q.Title, value)
		}
		return value, nil
	}
	if q.Secret {
		return p.secretLine(q)
	}
	validate := orNoop(q.Validate)
	value := q.Default
	in := huh.NewInput().Title(q.Title).Placeholder(placeholderText(q.Placeholder)).
		Validate(func(s string) error { return validate(strings.TrimSpace(s)) })
	fmt.Fprint(p.out, accessibleIntro(q.Description))
	in = in.Value(&value)
	if err := p.run(p.form(in)); err != nil {
		return "", err
	}
	return strings.TrimSpace(value), nil
}

func accessibleIntro(desc string) string {
	if desc == "" {
		return ""
	}
	return desc + "\n"
}

// secretLine reads a token in line mode: not echoed on a terminal, one line
// from a pipe.
func (p *HuhPrompter) secretLine(q Input) (string, error) {
	validate := orNoop(q.Validate)
	if q.Description != "" {
		fmt.Fprintln(p.out, q.Description)
	}
	for {
		fmt.Fprintf(p.out, "%s ", q.Title)
		var (
			value string
			err   error
		)
		if f, ok := p.in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			var b []byte
			b, err = term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(p.out)
			value = string(b)
		} else {
			value, err = p.lines.readLine()
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return "", ErrEndOfInput
			}
			return "", err
		}
		value = strings.TrimSpace(value)
		if err := validate(value); err != nil {
			fmt.Fprintln(p.out, err)
			continue
		}
		return value, nil
	}
}

// Text asks for several lines (Enter goes on, Alt+Enter or Ctrl+J adds a line).
func (p *HuhPrompter) Text(q Text) (string, error) {
	if !p.accessible {
		m := newTextModel(p.styles, q, p.getenv)
		if err := p.runModel(m); err != nil {
			return "", err
		}
		value := m.value()
		p.echo(q.Title, value)
		return value, nil
	}
	validate := orNoop(q.Validate)
	value := q.Default
	t := huh.NewText().Title(q.Title).Placeholder(q.Placeholder).Lines(4).
		Validate(func(s string) error { return validate(strings.TrimSpace(s)) })
	fmt.Fprint(p.out, accessibleIntro(q.Description))
	t = t.Value(&value)
	if err := p.run(p.form(t)); err != nil {
		return "", err
	}
	return strings.TrimSpace(value), nil
}

// Select asks for one option.
func (p *HuhPrompter) Select(q Select) (string, error) {
	if len(q.Options) == 0 {
		return "", errors.New("nothing to choose from")
	}
	if !p.accessible {
		m := newSelectModel(p.styles, q)
		if err := p.runModel(m); err != nil {
			return "", err
		}
		value := m.value()
		for _, o := range q.Options {
			if o.Value == value {
				p.echo(q.Title, o.Label)
			}
		}
		return value, nil
	}
	value := q.Options[0].Value
	for _, o := range q.Options {
		if o.Value == q.Default {
			value = q.Default
		}
	}
	opts := make([]huh.Option[string], len(q.Options))
	for i, o := range q.Options {
		opts[i] = huh.NewOption(o.Label, o.Value)
	}
	s := huh.NewSelect[string]().Title(q.Title).Description(q.Description).Options(opts...).Value(&value)
	fmt.Fprint(p.out, accessibleIntro(q.Description))
	if err := p.run(p.form(s)); err != nil {
		return "", err
	}
	for _, o := range q.Options {
		if o.Value == value {
			return value, nil
		}
	}
	return "", fmt.Errorf("no such option %q", value)
}

// Say prints a line for the person on stderr, wrapped at word boundaries
// to the terminal's width (80 columns when it is not a terminal).
func (p *HuhPrompter) Say(format string, a ...any) {
	fmt.Fprintln(p.out, wrapLines(fmt.Sprintf(format, a...), p.width()))
}

// width is the terminal's width, read each time (it can be resized).
func (p *HuhPrompter) width() int {
	if w, ok := termWidth(p.out); ok {
		return w
	}
	return defaultCols
}

func termWidth(out io.Writer) (int, bool) {
	if f, ok := out.(*os.File); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 20 {
			return w, true
		}
	}
	return 0, false
}

// WrapFor wraps s at word boundaries to out's width when out is a
// terminal (continuation lines indented), and leaves it as it is otherwise
// (a log or a pipe keeps one line per message).
func WrapFor(out io.Writer, s string) string {
	if w, ok := termWidth(out); ok {
		return wrapLines(s, w)
	}
	return s
}

// wrapLines wraps each line longer than width at word boundaries, its
// continuation lines indented two more than the line itself.
func wrapLines(s string, width int) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if utf8.RuneCountInString(l) <= width {
			out = append(out, l)
			continue
		}
		out = append(out, wrapLine(l, width, "  ")...)
	}
	return strings.Join(out, "\n")
}

// Wait runs fn with a spinner on stderr (a plain line in accessible mode or
// when stderr is no terminal). A result within 150 ms shows no spinner.
func (p *HuhPrompter) Wait(title string, fn func() error) error {
	if !p.progress {
		fmt.Fprintf(p.out, "%s…\n", title)
		return fn()
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		frames := []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}
		t := time.NewTimer(150 * time.Millisecond)
		defer t.Stop()
		shown := false
		for i := 0; ; i++ {
			select {
			case <-stop:
				if shown {
					fmt.Fprint(p.out, "\r\x1b[K")
				}
				return
			case <-t.C:
				shown = true
				fmt.Fprintf(p.out, "\r%s %s…", frames[i%len(frames)], title)
				t.Reset(100 * time.Millisecond)
			}
		}
	}()
	err := fn()
	close(stop)
	wg.Wait()
	return err
}

// lineReader hands out at most one line per Read, from one buffered reader
// shared by every form, so that no form reads ahead into the next answer.
// A last line without a newline gets one, so that a form that asks for more
// input than there is can be told apart: starved.
type lineReader struct {
	mu      sync.Mutex
	br      *bufio.Reader
	pending []byte
	starved bool // a Read found no more input
}

func newLineReader(r io.Reader) *lineReader {
	if r == nil {
		r = strings.NewReader("")
	}
	return &lineReader{br: bufio.NewReader(r)}
}

func (l *lineReader) Read(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.pending) == 0 {
		line, err := l.br.ReadBytes('\n')
		if len(line) == 0 {
			if err == nil || errors.Is(err, io.EOF) {
				l.starved = true
				err = io.EOF
			}
			return 0, err
		}
		if line[len(line)-1] != '\n' {
			line = append(line, '\n')
		}
		l.pending = line
	}
	n := copy(b, l.pending)
	l.pending = l.pending[n:]
	return n, nil
}

// readLine returns the next line without its newline.
func (l *lineReader) readLine() (string, error) {
	var sb strings.Builder
	buf := make([]byte, 256)
	for {
		n, err := l.Read(buf)
		sb.Write(buf[:n])
		if s := sb.String(); strings.HasSuffix(s, "\n") {
			return strings.TrimRight(s, "\r\n"), nil
		}
		if err != nil {
			return "", err
		}
	}
}

// wasStarved reports whether a form asked for input after the end.
func (l *lineReader) wasStarved() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.starved
}
