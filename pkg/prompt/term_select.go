package prompt

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
)

// selectModel is a list to choose from. The list shows as many options as
// the terminal has room for; a longer one scrolls only as far as the cursor
// needs, and says how many options are above and below. / filters it; Esc
// while filtering clears the filter (Esc otherwise cancels).
type selectModel struct {
	frame
	q         Select
	shown     []int // indexes into q.Options that pass the filter
	cursor    int   // index into shown
	offset    int   // first row of shown in view
	filtering bool
	filter    []rune
	placed    bool // the first window was laid out
	done      bool
	err       error
}

func newSelectModel(st styles, q Select) *selectModel {
	m := &selectModel{frame: frame{st: st}, q: q}
	m.refilter()
	m.selectValue(q.Default)
	return m
}

// refilter applies the filter, keeping the highlighted option when it
// still matches, else highlighting the first match.
func (m *selectModel) refilter() {
	cur := -1
	if m.cursor < len(m.shown) {
		cur = m.shown[m.cursor]
	}
	m.cursor = 0
	m.shown = m.shown[:0]
	f := strings.ToLower(string(m.filter))
	for i, o := range m.q.Options {
		if f == "" || strings.Contains(strings.ToLower(o.Label), f) {
			if i == cur {
				m.cursor = len(m.shown)
			}
			m.shown = append(m.shown, i)
		}
	}
}

// Value is the chosen option's value.
func (m *selectModel) value() string {
	if len(m.shown) == 0 {
		return ""
	}
	return m.q.Options[m.shown[m.cursor]].Value
}

func (m *selectModel) Init() tea.Cmd { return nil }

func (m *selectModel) move(d int) {
	if len(m.shown) == 0 {
		return
	}
	m.cursor = (m.cursor + d + len(m.shown)) % len(m.shown)
}

func (m *selectModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case tea.KeyMsg:
		switch {
		case msg.Type == tea.KeyCtrlC:
			m.err, m.done = errCancelled, true
			return m, tea.Quit
		case msg.Type == tea.KeyEsc && m.filtering:
			m.filtering, m.filter = false, nil
			m.refilter()
		case msg.Type == tea.KeyEsc:
			m.err, m.done = errCancelled, true
			return m, tea.Quit
		case isEnter(msg):
			if len(m.shown) > 0 {
				m.done = true
				return m, tea.Quit
			}
		case msg.Type == tea.KeyUp, msg.Type == tea.KeyCtrlP, !m.filtering && msg.String() == "k", msg.Type == tea.KeyShiftTab:
			m.move(-1)
		case msg.Type == tea.KeyDown, msg.Type == tea.KeyCtrlN, !m.filtering && msg.String() == "j", msg.Type == tea.KeyTab:
			m.move(1)
		case msg.Type == tea.KeyHome, !m.filtering && msg.String() == "g":
			m.cursor = 0
		case msg.Type == tea.KeyEnd, !m.filtering && msg.String() == "G":
			m.cursor = max(0, len(m.shown)-1)
		case msg.Type == tea.KeyPgUp:
			m.cursor = max(0, m.cursor-m.rows())
		case msg.Type == tea.KeyPgDown:
			m.cursor = min(max(0, len(m.shown)-1), m.cursor+m.rows())
		case !m.filtering && msg.String() == "/":
			m.filtering = true
		case m.filtering && (msg.Type == tea.KeyBackspace || msg.Type == tea.KeyCtrlH):
			if len(m.filter) > 0 {
				m.filter = m.filter[:len(m.filter)-1]
				m.refilter()
			}
		case m.filtering && msg.Type == tea.KeyCtrlU:
			m.filter = nil
			m.refilter()
		case m.filtering && (msg.Type == tea.KeyRunes || msg.Type == tea.KeySpace):
			m.filter = append(m.filter, msg.Runes...)
			if msg.Type == tea.KeySpace && len(msg.Runes) == 0 {
				m.filter = append(m.filter, ' ')
			}
			m.refilter()
		}
	}
	return m, nil
}

func (m *selectModel) selectValue(v string) {
	for i, idx := range m.shown {
		if m.q.Options[idx].Value == v {
			m.cursor = i
		}
	}
}

// layout is the frame's parts but the list, and how many rows the list may
// take.
func (m *selectModel) layout() (title, desc []string, keys string, room int) {
	title = m.wrapped(m.q.Title)
	desc = m.wrapped(m.q.Description)
	keys = "↑/↓ move • / filter • enter choose • esc cancel"
	if m.filtering {
		keys = "type to filter • ↑/↓ move • enter choose • esc clear filter"
	}
	_, h := m.size()
	extra := 0
	if m.filtering {
		extra = 1
	}
	room = h - keepAbove - m.fixedLines(title, nil, nil) - extra
	// The description gives way to the list, down to three rows.
	if room-len(desc) < min(3, len(m.q.Options)) {
		keep := max(0, room-min(3, len(m.q.Options)))
		desc = desc[len(desc)-min(len(desc), keep):]
	}
	return title, desc, keys, room - len(desc)
}

// rows is how many options are in view at once.
func (m *selectModel) rows() int {
	_, _, _, room := m.layout()
	if len(m.shown) <= room {
		return len(m.shown)
	}
	return max(1, room-2) // two lines say what is above and below
}

// place scrolls as little as needed to keep the cursor in view; the first
// time, it centres the cursor so that the options above it show too.
func (m *selectModel) place(rows int) {
	n := len(m.shown)
	if rows >= n {
		m.offset = 0
		return
	}
	if !m.placed {
		m.offset = m.cursor - (rows-1)/2
		m.placed = true
	}
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+rows {
		m.offset = m.cursor - rows + 1
	}
	m.offset = max(0, min(m.offset, n-rows))
}

func (m *selectModel) View() string {
	if m.done {
		return ""
	}
	title, desc, keys, _ := m.layout()
	rows := m.rows()
	m.place(rows)
	var body []string
	if m.filtering {
		body = append(body, m.st.chosen.Render("/ ")+string(m.filter)+m.st.cursor.Render(" "))
	}
	scrolls := rows < len(m.shown)
	if scrolls {
		above := ""
		if m.offset > 0 {
			above = fmt.Sprintf("  ↑ %d more above", m.offset)
		}
		body = append(body, m.st.dim.Render(above))
	}
	width := m.inner() - 2
	for i := m.offset; i < m.offset+rows && i < len(m.shown); i++ {
		label := cut(m.q.Options[m.shown[i]].Label, width)
		if i == m.cursor {
			body = append(body, m.st.chosen.Render("> "+label))
		} else {
			body = append(body, "  "+label)
		}
	}
	if len(m.shown) == 0 {
		body = append(body, m.st.dim.Render(fmt.Sprintf("  nothing matches %q (esc clears the filter)", string(m.filter))))
	}
	if scrolls {
		below := ""
		if rest := len(m.shown) - m.offset - rows; rest > 0 {
			below = fmt.Sprintf("  ↓ %d more below", rest)
		}
		body = append(body, m.st.dim.Render(below))
	}
	return m.render(title, desc, body, nil, keys)
}

func (m *selectModel) result() error { return m.err }
