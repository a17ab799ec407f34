package prompt

import (
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
)

// inputModel is a one-line question: the input line stays where it is, and
// the check of what is typed shows on the line below it.
type inputModel struct {
	frame
	q      Input
	ti     textinput.Model
	status string // the check shown under the input
	good   bool
	done   bool
	err    error
}

func newInputModel(st styles, q Input) *inputModel {
	ti := textinput.New()
	ti.Prompt = "> "
	ti.SetValue(q.Default)
	ti.CursorEnd()
	ti.Placeholder = placeholderText(q.Placeholder)
	ti.PromptStyle = st.chosen
	ti.TextStyle = st.desc
	ti.PlaceholderStyle = st.placeholder
	ti.Cursor.Style = st.cursor
	ti.Cursor.TextStyle = st.desc
	ti.Cursor.SetMode(cursor.CursorStatic)
	if q.Secret {
		ti.EchoMode = textinput.EchoPassword
		ti.EchoCharacter = '•'
	}
	ti.Focus()
	m := &inputModel{frame: frame{st: st}, q: q, ti: ti}
	m.check(false)
	return m
}

// placeholderText makes a placeholder read as an example, not as a value.
func placeholderText(p string) string {
	p = strings.TrimSpace(p)
	if p == "" || strings.HasPrefix(p, "e.g.") {
		return p
	}
	return "e.g. " + p
}

// check updates the status line (see checkAnswer).
func (m *inputModel) check(enter bool) bool {
	var ok bool
	m.status, m.good, ok = checkAnswer(m.ti.Value(), m.q.Validate, m.q.Example, enter, m.q.Secret)
	return ok
}

// checkAnswer checks what is typed as the person types it: the status
// line, whether it reads as good, and whether the answer may be taken. An
// empty answer is only judged on Enter, where it says what a valid one
// looks like; a secret is checked on Enter only, and never called good.
func checkAnswer(value string, validate func(string) error, example string, enter, secret bool) (status string, good, ok bool) {
	v := strings.TrimSpace(value)
	if validate == nil {
		return "", false, true
	}
	if v == "" {
		err := validate(v)
		if err == nil {
			return "", false, true
		}
		if enter {
			return "✗ " + emptyMessage(example, err), false, false
		}
		return "", false, false
	}
	if secret && !enter {
		return "", false, true
	}
	if err := validate(v); err != nil {
		return "✗ " + err.Error(), false, false
	}
	if secret {
		return "", false, true
	}
	return "✓ looks good", true, true
}

// emptyMessage is what Enter on an empty field says: what a valid answer
// looks like when the question knows, else the check's own words.
func emptyMessage(example string, err error) string {
	if example != "" {
		return "nothing typed yet: enter " + example
	}
	return err.Error()
}

func (m *inputModel) Init() tea.Cmd { return nil }

func (m *inputModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m, nil
	case tea.KeyMsg:
		switch {
		case isCancel(msg):
			m.err, m.done = errCancelled, true
			return m, tea.Quit
		case isEnter(msg):
			if m.check(true) {
				m.done = true
				return m, tea.Quit
			}
			return m, nil
		}
	}
	var cmd tea.Cmd
	m.ti, cmd = m.ti.Update(msg)
	m.check(false)
	return m, cmd
}

func (m *inputModel) View() string {
	if m.done {
		return ""
	}
	m.ti.Width = max(1, m.inner()-3) // "> " and the cursor
	title := m.wrapped(m.q.Title)
	desc := m.wrapped(m.q.Description)
	status := m.statusLines(m.status, m.good)
	return m.render(title, desc, []string{m.ti.View()}, status, "enter submit • esc cancel")
}

func (m *inputModel) result() error { return m.err }

func (m *inputModel) value() string { return strings.TrimSpace(m.ti.Value()) }
