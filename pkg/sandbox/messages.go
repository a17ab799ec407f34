package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"
)

// The routes a whole handoff uses beyond the assignment, as wati-api.json
// describes them: a session text (refused when the conversation's 24-hour
// window is closed), a template send (accepted whatever the window), the
// template list, and contact custom params.

// SeedTemplate is a message template of the workspace.
type SeedTemplate struct {
	Name     string   `yaml:"name"`
	Status   string   `yaml:"status"` // APPROVED, PENDING, REJECTED
	Category string   `yaml:"category"`
	Body     string   `yaml:"body"`
	Params   []string `yaml:"params"` // parameter names the body uses
}

type template struct {
	id   string
	seed SeedTemplate
}

func (s *Seed) checkExtras() []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	names := map[string]bool{}
	for _, t := range s.Templates {
		if t.Name == "" || strings.ToLower(t.Name) != t.Name || strings.ContainsAny(t.Name, " -") {
			bad("templates: name %q must be lower-case letters, digits and _", t.Name)
		}
		if names[t.Name] {
			bad("templates: %s listed twice", t.Name)
		}
		names[t.Name] = true
		switch t.Status {
		case "APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED":
		default:
			bad("templates: %s: status %q is not APPROVED, PENDING, REJECTED, PAUSED or DISABLED", t.Name, t.Status)
		}
	}
	for _, c := range s.Contacts {
		for _, v := range c.Conversations {
			switch v.Window {
			case "", "open", "closed":
			default:
				bad("contacts: %s: window %q is not open or closed", c.Phone, v.Window)
			}
		}
	}
	return errs
}

func (ws *workspace) seedExtras(s *Seed) {
	ws.planBots = map[string]string{}
	for _, b := range s.Chatbots {
		if b.RequiresPlan != "" {
			ws.planBots[b.ID] = b.RequiresPlan
		}
	}
	for _, t := range s.Templates {
		ws.templates = append(ws.templates, &template{id: derivedID("template", t.Name), seed: t})
	}
	for _, c := range s.Contacts {
		for _, sv := range c.Conversations {
			if v := ws.convByID[sv.ID]; v != nil {
				v.closed = sv.Window == "closed"
			}
		}
	}
}

func (ws *workspace) templateByName(name string) *template {
	for _, t := range ws.templates {
		if t.seed.Name == name {
			return t
		}
	}
	return nil
}

// decodeStrict reads a JSON body into v, refusing unknown fields (Wati's
// schemas say additionalProperties: false), as strictBody does for flat ones.
func decodeStrict(w http.ResponseWriter, r *apiRequest, v any) bool {
	ct := r.r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || !jsonMediaType(mt) {
		writeError(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json (or application/json-patch+json, text/json, application/*+json)")
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil || dec.More() {
		msg := "The request body is not a valid JSON object"
		if err != nil && strings.Contains(err.Error(), "unknown field") {
			msg = "Unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
		}
		writeError(w, http.StatusBadRequest, msg)
		return false
	}
	return true
}

type eventJSON struct {
	ID             string `json:"id"`
	Created        string `json:"created"`
	ConversationID string `json:"conversation_id"`
	EventType      string `json:"event_type"`
}

func (s *Server) v3SendText(w http.ResponseWriter, r *apiRequest) {
	m, ok := strictBody(w, r, map[string]fieldKind{"target": kString, "text": kString})
	if !ok {
		return
	}
	text := str(m["text"])
	if strings.TrimSpace(text) == "" {
		writeError(w, http.StatusBadRequest, "text must not be empty")
		return
	}
	if len([]rune(text)) > 4096 {
		writeError(w, http.StatusBadRequest, "text is longer than 4096 characters")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, f := s.ws.conversationFor(str(m["target"]), conversationForms)
	if f != nil {
		writeError(w, f.status, f.msg)
		return
	}
	if v.closed {
		writeError(w, http.StatusBadRequest, "The 24-hour customer service window of this conversation is closed: send a template message instead")
		return
	}
	v.texts++
	now := s.ws.now()
	s.ws.addMessage(v, message{EventType: "message", Text: text, Owner: true}, now)
	v.contact.updated = now
	last := v.messages[len(v.messages)-1]
	writeJSON(w, http.StatusOK, map[string]any{"message": eventJSON{ID: last.ID, Created: last.Created, ConversationID: v.id, EventType: "message"}})
}

func (s *Server) v3SendTemplate(w http.ResponseWriter, r *apiRequest) {
	var req struct {
		Channel       *string `json:"channel"`
		TemplateName  *string `json:"template_name"`
		BroadcastName *string `json:"broadcast_name"`
		Recipients    *[]struct {
			PhoneNumber    *string `json:"phone_number"`
			LocalMessageID *string `json:"local_message_id"`
			CustomParams   []struct {
				Name  *string `json:"name"`
				Value *string `json:"value"`
			} `json:"custom_params"`
		} `json:"recipients"`
	}
	if !decodeStrict(w, r, &req) {
		return
	}
	switch {
	case req.TemplateName == nil || *req.TemplateName == "":
		writeError(w, http.StatusBadRequest, "The field \"template_name\" is required")
		return
	case req.BroadcastName == nil || *req.BroadcastName == "":
		writeError(w, http.StatusBadRequest, "The field \"broadcast_name\" is required")
		return
	case req.Recipients == nil || len(*req.Recipients) == 0 || len(*req.Recipients) > 10000:
		writeError(w, http.StatusBadRequest, "recipients must hold 1 to 10,000 items")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.ws.templateByName(*req.TemplateName)
	if t == nil {
		writeError(w, http.StatusBadRequest, "Template "+*req.TemplateName+" not found")
		return
	}
	if t.seed.Status != "APPROVED" {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Template %s is not approved (status %s)", t.seed.Name, t.seed.Status))
		return
	}
	var ch *channel
	if req.Channel != nil && *req.Channel != "" {
		if ch = s.ws.chanByKey[strings.ToLower(*req.Channel)]; ch == nil {
			writeError(w, http.StatusBadRequest, "Channel "+*req.Channel+" not found")
			return
		}
	}
	type result struct {
		LocalMessageID *string  `json:"local_message_id"`
		PhoneNumber    string   `json:"phone_number"`
		Errors         []string `json:"errors"`
	}
	out := []result{}
	failed := 0
	now := s.ws.now()
	for _, rc := range *req.Recipients {
		res := result{LocalMessageID: rc.LocalMessageID, Errors: []string{}}
		if rc.PhoneNumber != nil {
			res.PhoneNumber = *rc.PhoneNumber
		}
		given := map[string]bool{}
		for _, p := range rc.CustomParams {
			if p.Name != nil && p.Value != nil && strings.TrimSpace(*p.Value) != "" {
				given[*p.Name] = true
			}
		}
		c := s.ws.byPhone[res.PhoneNumber]
		switch {
		case !isPhone(res.PhoneNumber):
			res.Errors = append(res.Errors, "Invalid phone number format.")
		case c == nil:
			res.Errors = append(res.Errors, "Contact "+res.PhoneNumber+" not found.")
		}
		for _, name := range t.seed.Params {
			if !given[name] {
				res.Errors = append(res.Errors, "Missing value for the template parameter "+name+".")
			}
		}
		if len(res.Errors) == 0 {
			if v, f := pickConversation(c, ch); f == nil {
				v.tmpls++
				s.ws.addMessage(v, message{EventType: "broadcast", Text: "Template " + t.seed.Name, Owner: true}, now)
			}
		} else {
			failed++
		}
		out = append(out, res)
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": failed == 0, "broadcast_id": derivedID("broadcast", *req.BroadcastName+now.String()), "recipients": out})
}

type templateJSON struct {
	ID           string      `json:"id"`
	Name         string      `json:"name"`
	Category     string      `json:"category"`
	Status       string      `json:"status"`
	Type         string      `json:"type"`
	Body         string      `json:"body"`
	BodyOriginal string      `json:"body_original"`
	CustomParams []SeedParam `json:"custom_params"`
	LastModified string      `json:"last_modified"`
}

func (s *Server) v3Templates(w http.ResponseWriter, r *apiRequest) {
	page, size, ok := paging(w, r.r.URL.Query())
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	all := make([]templateJSON, len(s.ws.templates))
	for i, t := range s.ws.templates {
		ps := make([]SeedParam, len(t.seed.Params))
		for j, p := range t.seed.Params {
			ps[j] = SeedParam{Name: p, Value: p}
		}
		cat := t.seed.Category
		if cat == "" {
			cat = "UTILITY"
		}
		all[i] = templateJSON{ID: t.id, Name: t.seed.Name, Category: cat, Status: t.seed.Status, Type: "TEXT",
			Body: t.seed.Body, BodyOriginal: t.seed.Body, CustomParams: ps, LastModified: seedTime.Format(time.RFC3339)}
	}
	writeJSON(w, http.StatusOK, map[string]any{"templates": pageOf(all, page, size), "page_number": page, "page_size": size, "total": len(all)})
}

func (s *Server) v3UpdateContacts(w http.ResponseWriter, r *apiRequest) {
	var req struct {
		Contacts *[]struct {
			Target       *string `json:"target"`
			CustomParams *[]struct {
				Name  *string `json:"name"`
				Value *string `json:"value"`
			} `json:"customParams"`
		} `json:"contacts"`
	}
	if !decodeStrict(w, r, &req) {
		return
	}
	if req.Contacts == nil || len(*req.Contacts) == 0 {
		writeError(w, http.StatusBadRequest, "contacts must hold at least one contact")
		return
	}
	for _, c := range *req.Contacts {
		if c.Target == nil || *c.Target == "" {
			writeError(w, http.StatusBadRequest, "The field \"target\" is required")
			return
		}
		if c.CustomParams != nil {
			for _, p := range *c.CustomParams {
				if p.Name == nil || p.Value == nil || strings.TrimSpace(*p.Name) == "" {
					writeError(w, http.StatusBadRequest, "A custom param needs a name and a value")
					return
				}
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Resolve every target first: one unknown target changes nothing.
	var found []*contact
	for _, rc := range *req.Contacts {
		c, f := s.ws.contactFor(*rc.Target, contactForms)
		if f != nil {
			writeError(w, f.status, f.msg)
			return
		}
		found = append(found, c)
	}
	out := []contactJSON{}
	now := s.ws.now()
	for i, rc := range *req.Contacts {
		c := found[i]
		if rc.CustomParams != nil {
			for _, p := range *rc.CustomParams {
				c.setParam(*p.Name, *p.Value)
			}
		}
		c.updated = now
		out = append(out, c.json())
	}
	writeJSON(w, http.StatusOK, map[string]any{"contact_list": out})
}

func (c *contact) setParam(name, value string) {
	c.params = append([]SeedParam(nil), c.params...) // the seed's slice stays as it was
	for i := range c.params {
		if c.params[i].Name == name {
			c.params[i].Value = value
			return
		}
	}
	c.params = append(c.params, SeedParam{Name: name, Value: value})
}

// TemplateSends counts the templates sent to a phone (every conversation).
func (s *Server) TemplateSends(phone string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.ws.byPhone[phone]
	if c == nil {
		return 0
	}
	n := 0
	for _, v := range c.convs {
		n += v.tmpls
	}
	return n
}
