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
	if ios.ColorEnabled() {
		p.theme = huh.ThemeCharm() // adaptive colours: light and dark terminals
	} else {
		// No colour (NO_COLOR, not a terminal, TERM=dumb): plain theme and
		// no ANSI colour at all; and no background query to the terminal.
		lipgloss.SetColorProfile(termenv.Ascii)
		lipgloss.SetHasDarkBackground(true)
		p.theme = huh.ThemeBase()
	}
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
	fmt.Fprintln(p.out, Wrap(label+": "+answer, 80, "  "))
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

// liveCheck shows the validation result under the description as the person
// types (Bubble Tea mode only; line mode checks on Enter). huh evaluates it
// on another goroutine, hence the locked value.
func liveCheck(desc string, validate func(string) error, value *liveValue) func() string {
	return func() string {
		v := strings.TrimSpace(value.Get())
		if validate == nil || v == "" {
			return desc
		}
		msg := "✓ looks good"
		if err := validate(v); err != nil {
			msg = "✗ " + err.Error()
		}
		if desc == "" {
			return msg
		}
		return desc + "\n" + msg
	}
}

// liveValue is a field's value that a description function may read from
// another goroutine. shadow is only touched on the form's own goroutine
// (Set, and huh hashing the binding to see whether it changed).
type liveValue struct {
	mu     sync.Mutex
	v      string
	shadow string
}

func (l *liveValue) Get() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.v
}

func (l *liveValue) Set(s string) {
	l.mu.Lock()
	l.v = s
	l.mu.Unlock()
	l.shadow = s
}

func orNoop(v func(string) error) func(string) error {
	if v == nil {
		return func(string) error { return nil }
	}
	return v
}

// Input asks for one line.
func (p *HuhPrompter) Input(q Input) (string, error) {
	if q.Secret && p.accessible {
		return p.secretLine(q)
	}
	validate := orNoop(q.Validate)
	value := q.Default
	live := &liveValue{v: q.Default, shadow: q.Default}
	in := huh.NewInput().Title(q.Title).Placeholder(q.Placeholder).
		Validate(func(s string) error { return validate(strings.TrimSpace(s)) })
	switch {
	case p.accessible:
		fmt.Fprint(p.out, accessibleIntro(q.Description))
		in = in.Value(&value)
	case q.Secret:
		in = in.EchoMode(huh.EchoModePassword).Description(q.Description).Value(&value)
	default:
		in = in.Accessor(live).DescriptionFunc(liveCheck(q.Description, q.Validate, live), &live.shadow)
	}
	if err := p.run(p.form(in)); err != nil {
		return "", err
	}
	if !p.accessible && !q.Secret {
		value = live.Get()
	}
	value = strings.TrimSpace(value)
	if q.Secret {
		p.echo(q.Title, strings.Repeat("•", min(len(value), 8)))
	} else {
		p.echo(q.Title, value)
	}
	return value, nil
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
	validate := orNoop(q.Validate)
	value := q.Default
	live := &liveValue{v: q.Default, shadow: q.Default}
	t := huh.NewText().Title(q.Title).Placeholder(q.Placeholder).Lines(4).
		Validate(func(s string) error { return validate(strings.TrimSpace(s)) })
	if p.accessible {
		fmt.Fprint(p.out, accessibleIntro(q.Description))
		t = t.Value(&value)
	} else {
		t = t.Accessor(live).DescriptionFunc(liveCheck(q.Description, q.Validate, live), &live.shadow)
	}
	if err := p.run(p.form(t)); err != nil {
		return "", err
	}
	if !p.accessible {
		value = live.Get()
	}
	value = strings.TrimSpace(value)
	p.echo(q.Title, value)
	return value, nil
}

// Select asks for one option.
func (p *HuhPrompter) Select(q Select) (string, error) {
	if len(q.Options) == 0 {
		return "", errors.New("nothing to choose from")
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
	desc := q.Description
	if q.Filter && !p.accessible {
		desc = strings.TrimSpace(desc + "\nType / to filter, Enter to choose.")
	}
	s := huh.NewSelect[string]().Title(q.Title).Description(desc).Options(opts...).
		Height(min(len(opts)+2, 12)).Value(&value)
	if p.accessible {
		fmt.Fprint(p.out, accessibleIntro(q.Description))
	}
	if err := p.run(p.form(s)); err != nil {
		return "", err
	}
	for _, o := range q.Options {
		if o.Value == value {
			p.echo(q.Title, o.Label)
			return value, nil
		}
	}
	return "", fmt.Errorf("no such option %q", value)
}

// Say prints a line for the person on stderr, wrapped at 80 columns.
func (p *HuhPrompter) Say(format string, a ...any) {
	fmt.Fprintln(p.out, wrapLines(fmt.Sprintf(format, a...), 80))
}

// wrapLines wraps each line longer than width, its continuation lines
// indented two more than the line itself.
func wrapLines(s string, width int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if utf8.RuneCountInString(l) <= width {
			continue
		}
		body := strings.TrimLeft(l, " ")
		indent := l[:len(l)-len(body)]
		lines[i] = indent + Wrap(body, width-len(indent), strings.Repeat(" ", len(indent)+2))
	}
	return strings.Join(lines, "\n")
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
