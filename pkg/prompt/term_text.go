package prompt

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"
	tea "github.com/charmbracelet/bubbletea"
)

// textModel is a multi-line question: Enter submits, Alt+Enter or Ctrl+J
// adds a line, Ctrl+E opens the text in an editor.
type textModel struct {
	frame
	q      Text
	ta     textarea.Model
	getenv func(string) string
	status string
	good   bool
	note   string // what happened with the editor, shown with the status
	// editing names the editor while it runs: the frame shrinks to one line
	// before the editor takes the terminal, so that no stale frame is left
	// behind however the editor leaves the cursor.
	editing string
	done    bool
	err     error
}

func newTextModel(st styles, q Text, getenv func(string) string) *textModel {
	ta := textarea.New()
	ta.ShowLineNumbers = false
	ta.Prompt = ""
	ta.CharLimit = 0
	ta.Placeholder = placeholderText(q.Placeholder)
	plain := textarea.Style{Base: st.desc, Text: st.desc, Placeholder: st.placeholder,
		CursorLine: st.desc, EndOfBuffer: st.dim, Prompt: st.desc, LineNumber: st.dim, CursorLineNumber: st.dim}
	ta.FocusedStyle, ta.BlurredStyle = plain, plain
	ta.Cursor.Style = st.cursor
	ta.Cursor.TextStyle = st.desc
	ta.Cursor.SetMode(cursor.CursorStatic)
	ta.EndOfBufferCharacter = ' '
	ta.KeyMap.InsertNewline = key.NewBinding(key.WithKeys("alt+enter", "ctrl+j"))
	ta.SetHeight(4)
	ta.SetValue(q.Default)
	ta.Focus()
	if getenv == nil {
		getenv = os.Getenv
	}
	m := &textModel{frame: frame{st: st}, q: q, ta: ta, getenv: getenv}
	m.check(false)
	return m
}

func (m *textModel) check(enter bool) bool {
	var ok bool
	m.status, m.good, ok = checkAnswer(m.ta.Value(), m.q.Validate, m.q.Example, enter, false)
	return ok
}

// editorDone carries the edited text back from the editor.
type editorDone struct {
	text string
	err  error
	note string
}

func (m *textModel) Init() tea.Cmd { return nil }

func (m *textModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m, nil
	case editorDone:
		m.editing = ""
		m.note = msg.note
		if msg.err != nil {
			m.note = "✗ " + msg.err.Error()
		} else {
			m.ta.SetValue(strings.TrimRight(msg.text, "\r\n"))
		}
		m.check(false)
		return m, nil
	case tea.KeyMsg:
		m.note = ""
		switch {
		case isCancel(msg):
			m.err, m.done = errCancelled, true
			return m, tea.Quit
		case msg.Type == tea.KeyEnter && !msg.Alt:
			if m.check(true) {
				m.done = true
				return m, tea.Quit
			}
			return m, nil
		case msg.Type == tea.KeyCtrlE:
			return m, m.openEditor()
		}
	}
	var cmd tea.Cmd
	m.ta, cmd = m.ta.Update(msg)
	m.check(false)
	return m, cmd
}

// openEditor runs $VISUAL or $EDITOR on the text, else vi or nano; with
// none of them, it says so and the form goes on.
func (m *textModel) openEditor() tea.Cmd {
	path, args, note, err := findEditor(m.getenv)
	if err != nil {
		m.note = "✗ " + err.Error()
		return nil
	}
	f, err := os.CreateTemp("", "handoff-intent-*.txt")
	if err != nil {
		m.note = "✗ cannot open an editor: " + err.Error()
		return nil
	}
	name := f.Name()
	_, werr := f.WriteString(m.ta.Value() + "\n")
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(name)
		m.note = "✗ cannot open an editor: " + werr.Error()
		return nil
	}
	cmd := exec.Command(path, append(args, name)...)
	m.editing = path
	return tea.ExecProcess(cmd, func(err error) tea.Msg {
		defer os.Remove(name)
		if err != nil {
			return editorDone{err: fmt.Errorf("the editor %s failed (%v); the text is as it was", path, err)}
		}
		b, err := os.ReadFile(name)
		if err != nil {
			return editorDone{err: err}
		}
		return editorDone{text: string(b), note: note}
	})
}

// findEditor returns the editor to run: $VISUAL, then $EDITOR (a command
// line), then vi, then nano. note says when a named one was not found.
func findEditor(getenv func(string) string) (path string, args []string, note string, err error) {
	var missing []string
	for _, v := range []string{"VISUAL", "EDITOR"} {
		f := strings.Fields(getenv(v))
		if len(f) == 0 {
			continue
		}
		if p, err := exec.LookPath(f[0]); err == nil {
			return p, f[1:], "", nil
		}
		missing = append(missing, fmt.Sprintf("$%s (%s)", v, f[0]))
	}
	for _, name := range []string{"vi", "nano"} {
		if p, err := exec.LookPath(name); err == nil {
			if len(missing) > 0 {
				note = fmt.Sprintf("%s not found: edited with %s", strings.Join(missing, " and "), name)
			}
			return p, nil, note, nil
		}
	}
	what := "$EDITOR is not set"
	if len(missing) > 0 {
		what = strings.Join(missing, " and ") + " not found"
	}
	return "", nil, "", errors.New(what + ", and neither vi nor nano is installed: type the text here, or set EDITOR")
}

func (m *textModel) View() string {
	if m.done {
		return ""
	}
	if m.editing != "" {
		return m.st.bar.Render("┃") + " " + m.st.dim.Render("Editing the intent in "+m.editing+"…")
	}
	m.ta.SetWidth(m.inner())
	title := m.wrapped(m.q.Title)
	desc := m.wrapped(m.q.Description)
	status := m.statusLines(m.status, m.good)
	if m.note != "" {
		status = append(status, m.statusLines(m.note, !strings.HasPrefix(m.note, "✗"))...)
	}
	body := strings.Split(m.ta.View(), "\n")
	return m.render(title, desc, body, status, "enter submit • alt+enter/ctrl+j new line • ctrl+e editor • esc cancel")
}

func (m *textModel) result() error { return m.err }

func (m *textModel) value() string { return strings.TrimSpace(m.ta.Value()) }
