package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
)

// State is a snapshot of what handoffs change: each contact's teams, each
// conversation's status and assignee, and chatbot starts.
type State struct {
	Contacts []ContactState `json:"contacts"`
	// ChatbotStarts counts chatbot starts per contact phone (only non-zero).
	ChatbotStarts map[string]int `json:"chatbot_starts"`
}

// ContactState is one contact in a State.
type ContactState struct {
	WaID          string              `json:"wa_id"`
	Name          string              `json:"name"`
	Teams         []string            `json:"teams"`
	CustomParams  []SeedParam         `json:"custom_params,omitempty"`
	Conversations []ConversationState `json:"conversations"`
}

// ConversationState is one conversation in a State.
type ConversationState struct {
	ID            string    `json:"id"`
	Channel       string    `json:"channel"`
	Status        string    `json:"status"`
	Assignee      *Assignee `json:"assignee"` // nil: unassigned
	ChatbotStarts int       `json:"chatbot_starts"`
	Window        string    `json:"window,omitempty"`         // "closed" when the 24-hour window is
	TextsSent     int       `json:"texts_sent,omitempty"`     // session messages sent through the API
	TemplatesSent int       `json:"templates_sent,omitempty"` // templates sent through the API
}

// State returns a snapshot; with phones, only those contacts.
func (s *Server) State(phones ...string) State {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ws.settleAll()
	st := State{Contacts: []ContactState{}, ChatbotStarts: map[string]int{}}
	add := func(c *contact) {
		cs := ContactState{WaID: c.phone, Name: c.name, Teams: append([]string{}, c.teams...), Conversations: []ConversationState{},
			CustomParams: append([]SeedParam(nil), c.params...)}
		for _, v := range c.convs {
			var a *Assignee
			if v.assignee != nil {
				cp := *v.assignee
				a = &cp
			}
			cv := ConversationState{ID: v.id, Channel: v.channel.Name, Status: v.status, Assignee: a, ChatbotStarts: v.starts,
				TextsSent: v.texts, TemplatesSent: v.tmpls}
			if v.closed {
				cv.Window = "closed"
			}
			cs.Conversations = append(cs.Conversations, cv)
			if v.starts > 0 {
				st.ChatbotStarts[c.phone] += v.starts
			}
		}
		st.Contacts = append(st.Contacts, cs)
	}
	if len(phones) == 0 {
		for _, c := range s.ws.contacts {
			add(c)
		}
		return st
	}
	for _, p := range phones {
		if c := s.ws.byPhone[p]; c != nil {
			add(c)
		}
	}
	return st
}

// Contact returns one contact's state.
func (s *Server) Contact(phone string) (ContactState, bool) {
	st := s.State(phone)
	if len(st.Contacts) == 0 {
		return ContactState{}, false
	}
	return st.Contacts[0], true
}

// ChatbotStarts counts the chatbot starts of a target, in Wati's target
// forms: a phone counts every conversation of the contact; a conversation id
// or Channel:Phone counts that conversation (or channel) only.
func (s *Server) ChatbotStarts(target string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	pt, f := s.ws.parseTarget(target)
	if f != nil {
		return 0
	}
	if pt.id != "" {
		if v := s.ws.convByID[pt.id]; v != nil {
			return v.starts
		}
		if c := s.ws.byID[pt.id]; c != nil {
			return totalStarts(c, pt.channel)
		}
		return 0
	}
	c := s.ws.byPhone[pt.phone]
	if c == nil {
		return 0
	}
	return totalStarts(c, pt.channel)
}

func totalStarts(c *contact, ch *channel) int {
	n := 0
	for _, v := range c.convs {
		if ch == nil || v.channel == ch {
			n += v.starts
		}
	}
	return n
}

// MarshalJSON renders the state with one contact per line, so that a test
// can match a contact's whole state with one regular expression.
func (st State) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("{\n  \"contacts\": [")
	for i, c := range st.Contacts {
		line, err := json.Marshal(c)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n    ")
		b.Write(line)
	}
	if len(st.Contacts) > 0 {
		b.WriteString("\n  ")
	}
	b.WriteString("],\n  \"chatbot_starts\": ")
	starts, err := json.Marshal(st.ChatbotStarts) // map keys are sorted by encoding/json
	if err != nil {
		return nil, err
	}
	b.Write(starts)
	b.WriteString("\n}")
	return b.Bytes(), nil
}

// serveInspect answers GET /_sandbox/state[?contact=PHONE...] and
// GET /_sandbox/requests[?path=SUBSTRING]. They need no token and show none.
func (s *Server) serveInspect(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		writeError(w, http.StatusMethodNotAllowed, "Method "+r.Method+" is not allowed here")
		return
	}
	switch r.URL.Path {
	case "/_sandbox/state":
		b, _ := s.State(r.URL.Query()["contact"]...).MarshalJSON()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(append(b, '\n'))
	case "/_sandbox/requests":
		sub := r.URL.Query().Get("path")
		var b bytes.Buffer
		b.WriteString("[")
		n := 0
		for _, e := range s.Requests() {
			if sub != "" && !strings.Contains(e.Path, sub) {
				continue
			}
			line, _ := json.Marshal(e)
			if n > 0 {
				b.WriteByte(',')
			}
			b.WriteString("\n  ")
			b.Write(line)
			n++
		}
		if n > 0 {
			b.WriteString("\n")
		}
		b.WriteString("]\n")
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(b.Bytes())
	default:
		writeError(w, http.StatusNotFound, "No route "+r.URL.Path+" (try /_sandbox/state or /_sandbox/requests)")
	}
}
