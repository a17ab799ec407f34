package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

type routeParams struct {
	tenant string // v1 only, "" on the per-tenant form /api/v1/...
	target string // v3 {target}, unescaped
}

type apiRequest struct {
	r      *http.Request
	body   []byte
	params routeParams
}

type route struct {
	method string
	path   []string // segments; "{target}" matches one segment
	v1     bool
	tenant bool
	write  bool
	scopes []string // any one; nil = any valid token (Wati documents none)
	stub   bool     // a spec operation the sandbox does not implement (404)
	handle func(s *Server, w http.ResponseWriter, r *apiRequest)
}

// Scopes from wati-api.md's table.
var (
	scopesV3Operator = []string{"api", "conversationsv3:write", "wati_integration:write"}
	scopesV3Status   = []string{"api", "conversationsv3:write"}
	scopesV3Teams    = []string{"api", "contactsv3:write"}
	scopesV3Chatbot  = []string{"api", "chatbotsv3:write"}
	scopesV3Chatbots = []string{"api", "chatbotsv3:read", "chatbotsv3:write"}
	scopesV1Conv     = []string{"api", "wati_integration:write", "conversations:write"}
)

// routes are tried in order: a literal segment before a {param} in the same
// place (contacts/count before contacts/{target}).
var routes = []*route{
	{method: "PUT", path: seg("api/ext/v3/conversations/{target}/operator"), write: true, scopes: scopesV3Operator, handle: (*Server).v3Operator},
	{method: "PUT", path: seg("api/ext/v3/conversations/{target}/status"), write: true, scopes: scopesV3Status, handle: (*Server).v3Status},
	{method: "GET", path: seg("api/ext/v3/conversations/{target}/messages"), handle: (*Server).v3Messages},
	{method: "POST", path: seg("api/ext/v3/chatbots/start"), write: true, scopes: scopesV3Chatbot, handle: (*Server).v3StartChatbot},
	{method: "GET", path: seg("api/ext/v3/chatbots"), scopes: scopesV3Chatbots, handle: (*Server).v3Chatbots},
	{method: "PUT", path: seg("api/ext/v3/contacts/teams"), write: true, scopes: scopesV3Teams, handle: (*Server).v3Teams},
	{method: "GET", path: seg("api/ext/v3/contacts/count"), handle: (*Server).v3ContactCount},
	{method: "GET", path: seg("api/ext/v3/contacts/{target}"), handle: (*Server).v3Contact},
	{method: "GET", path: seg("api/ext/v3/contacts"), handle: (*Server).v3Contacts},
	{method: "GET", path: seg("api/ext/v3/channels"), handle: (*Server).v3Channels},
	// A whole handoff's routes (messages.go).
	{method: "POST", path: seg("api/ext/v3/conversations/messages/text"), write: true, handle: (*Server).v3SendText},
	{method: "POST", path: seg("api/ext/v3/messageTemplates/send"), write: true, handle: (*Server).v3SendTemplate},
	{method: "GET", path: seg("api/ext/v3/messageTemplates"), handle: (*Server).v3Templates},
	{method: "PUT", path: seg("api/ext/v3/contacts"), write: true, handle: (*Server).v3UpdateContacts},

	// The spec's other operations: answered 404, as a route Wati does not
	// serve, never taken for another route nor answered 405.
	{method: "GET", path: seg("api/ext/v3/broadcasts"), stub: true, handle: notImplemented},
	{method: "GET", path: seg("api/ext/v3/broadcasts/overview"), stub: true, handle: notImplemented},
	{method: "GET", path: seg("api/ext/v3/broadcasts/{broadcast_id}"), stub: true, handle: notImplemented},
	{method: "GET", path: seg("api/ext/v3/broadcasts/{broadcast_id}/recipients"), stub: true, handle: notImplemented},
	{method: "POST", path: seg("api/ext/v3/contacts"), stub: true, handle: notImplemented},
	{method: "POST", path: seg("api/ext/v3/conversations/messages/file"), stub: true, handle: notImplemented},
	{method: "POST", path: seg("api/ext/v3/conversations/messages/fileViaUrl"), stub: true, handle: notImplemented},
	{method: "POST", path: seg("api/ext/v3/conversations/messages/interactive"), stub: true, handle: notImplemented},
	{method: "GET", path: seg("api/ext/v3/conversations/messages/file/{message_id}"), stub: true, handle: notImplemented},
	{method: "GET", path: seg("api/ext/v3/messageTemplates/{template_id}"), stub: true, handle: notImplemented},
	{method: "POST", path: seg("api/ext/v3/messageTemplates/schedule"), stub: true, handle: notImplemented},

	{method: "POST", path: seg("api/v1/assignOperator"), v1: true, write: true, scopes: scopesV1Conv, handle: (*Server).v1AssignOperator},
	{method: "POST", path: seg("api/v1/assignTeam"), v1: true, write: true, handle: (*Server).v1AssignTeam},
	{method: "POST", path: seg("api/v1/chatbots/start"), v1: true, write: true, handle: (*Server).v1StartChatbot},
	{method: "GET", path: seg("api/v1/chatbots"), v1: true, handle: (*Server).v1Chatbots},
	{method: "POST", path: seg("api/v1/updateChatStatus"), v1: true, write: true, scopes: scopesV1Conv, handle: (*Server).v1UpdateStatus},
}

func seg(p string) []string { return strings.Split(p, "/") }

// route finds the route of r; when the path matches only under other
// methods, allow lists them (405).
func (s *Server) route(r *http.Request) (*route, routeParams, []string) {
	raw := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	parts := make([]string, len(raw))
	for i, p := range raw {
		u, err := url.PathUnescape(p)
		if err != nil {
			return nil, routeParams{}, nil
		}
		parts[i] = u
	}
	var allow []string
	var stub *route
	var stubParams routeParams
	for _, rt := range routes {
		p, ok := match(rt, parts)
		if !ok {
			continue
		}
		if rt.method == r.Method {
			if !rt.stub {
				return rt, p, nil
			}
			if stub == nil { // an implemented route, wherever it is listed, wins
				stub, stubParams = rt, p
			}
			continue
		}
		if !contains(allow, rt.method) {
			allow = append(allow, rt.method)
		}
	}
	if stub != nil {
		return stub, stubParams, nil
	}
	return nil, routeParams{}, allow
}

func match(rt *route, parts []string) (routeParams, bool) {
	var p routeParams
	if rt.v1 && len(parts) == len(rt.path)+1 && parts[0] != "api" {
		p.tenant = parts[0]
		parts = parts[1:]
	}
	if len(parts) != len(rt.path) {
		return p, false
	}
	for i, want := range rt.path {
		if strings.HasPrefix(want, "{") {
			if parts[i] == "" {
				return p, false
			}
			if want == "{target}" {
				p.target = parts[i]
			}
			continue
		}
		if parts[i] != want {
			return p, false
		}
	}
	return p, true
}

func init() {
	for _, rt := range routes {
		rt.tenant = rt.v1
	}
}

// ----- strict JSON bodies (v3) -----

type fieldKind int

const (
	kString fieldKind = iota
	kStringOrNull
	kStringList
)

// strictBody decodes a JSON object with exactly the given fields: missing,
// extra or ill-typed fields are a 400, as Wati's schemas say
// (additionalProperties: false).
func strictBody(w http.ResponseWriter, r *apiRequest, fields map[string]fieldKind) (map[string]json.RawMessage, bool) {
	ct := r.r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || !jsonMediaType(mt) {
		writeError(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json (or application/json-patch+json, text/json, application/*+json)")
		return nil, false
	}
	if len(bytes.TrimSpace(r.body)) == 0 {
		writeError(w, http.StatusBadRequest, "A request body is required")
		return nil, false
	}
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(r.body))
	if err := dec.Decode(&m); err != nil || m == nil || dec.More() {
		writeError(w, http.StatusBadRequest, "The request body is not a JSON object")
		return nil, false
	}
	for k := range m {
		if _, ok := fields[k]; !ok {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("Unknown field %q", k))
			return nil, false
		}
	}
	for k, kind := range fields {
		v, ok := m[k]
		if !ok {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("The field %q is required", k))
			return nil, false
		}
		var okType bool
		switch kind {
		case kString:
			var s string
			okType = json.Unmarshal(v, &s) == nil && string(v) != "null"
		case kStringOrNull:
			var s *string
			okType = json.Unmarshal(v, &s) == nil
		case kStringList:
			var l []string
			okType = json.Unmarshal(v, &l) == nil && string(v) != "null"
		}
		if !okType {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("The field %q has the wrong type", k))
			return nil, false
		}
	}
	return m, true
}

func str(raw json.RawMessage) string {
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// paging reads page_number and page_size, both required by Wati's spec
// (int32; the sandbox, like Wati's docs, takes pages from 1 and sizes 1 to
// 100). A missing or bad one is a 400.
func paging(w http.ResponseWriter, q url.Values) (page, size int, ok bool) {
	for _, f := range []struct {
		name string
		dst  *int
		max  int
	}{{"page_number", &page, 1<<31 - 1}, {"page_size", &size, maxPageSize}} {
		vs := q[f.name]
		if len(vs) == 0 || vs[0] == "" {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("The %s field is required.", f.name))
			return 0, 0, false
		}
		n, err := strconv.ParseInt(vs[0], 10, 32)
		if err != nil || len(vs) > 1 || n < 1 || n > int64(f.max) {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("The %s field must be a whole number from 1 to %d.", f.name, f.max))
			return 0, 0, false
		}
		*f.dst = int(n)
	}
	return page, size, true
}

// maxPageSize is the spec's "max 100" of every page_size.
const maxPageSize = 100

func pageOf[T any](list []T, page, size int) []T {
	start := (page - 1) * size
	if start >= len(list) || start < 0 {
		return []T{}
	}
	end := start + size
	if end > len(list) {
		end = len(list)
	}
	return list[start:end]
}

// ----- v3 -----

func (s *Server) v3Operator(w http.ResponseWriter, r *apiRequest) {
	m, ok := strictBody(w, r, map[string]fieldKind{"assignee_email": kStringOrNull})
	if !ok {
		return
	}
	var email *string
	_ = json.Unmarshal(m["assignee_email"], &email)
	if email != nil && !strings.Contains(*email, "@") {
		writeError(w, http.StatusBadRequest, "Invalid assignee_email")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, f := s.ws.conversationFor(r.params.target, conversationForms)
	if f == nil {
		f = s.ws.assignOperator(v, email)
	}
	if f != nil {
		writeError(w, f.status, f.msg)
		return
	}
	writeResult(w)
}

func (s *Server) v3Status(w http.ResponseWriter, r *apiRequest) {
	m, ok := strictBody(w, r, map[string]fieldKind{"new_status": kString})
	if !ok {
		return
	}
	st := str(m["new_status"])
	switch st {
	case "open", "pending", "solved", "block":
	default:
		writeError(w, http.StatusBadRequest, "new_status must be open, pending, solved or block")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, f := s.ws.conversationFor(r.params.target, conversationForms)
	if f != nil {
		writeError(w, f.status, f.msg)
		return
	}
	s.ws.setStatus(v, st)
	writeResult(w)
}

func (s *Server) v3Messages(w http.ResponseWriter, r *apiRequest) {
	page, size, ok := paging(w, r.r.URL.Query())
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, f := s.ws.conversationFor(r.params.target, conversationForms)
	if f != nil {
		writeError(w, f.status, f.msg)
		return
	}
	s.ws.settle(v, s.ws.now())
	newest := make([]message, len(v.messages))
	for i, m := range v.messages {
		newest[len(v.messages)-1-i] = m
	}
	writeJSON(w, http.StatusOK, map[string]any{"message_list": pageOf(newest, page, size), "page_number": page, "page_size": size})
}

func (s *Server) v3StartChatbot(w http.ResponseWriter, r *apiRequest) {
	m, ok := strictBody(w, r, map[string]fieldKind{"target": kString, "chatbot_id": kString})
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := str(m["chatbot_id"])
	if s.ws.botByID[id] == nil {
		writeError(w, http.StatusNotFound, "Chatbot "+id+" not found")
		return
	}
	v, f := s.ws.conversationFor(str(m["target"]), chatbotForms)
	if f == nil {
		f = s.ws.startChatbot(v, id)
	}
	if f != nil {
		writeError(w, f.status, f.msg)
		return
	}
	writeResult(w)
}

func (s *Server) v3Chatbots(w http.ResponseWriter, r *apiRequest) {
	page, size, ok := paging(w, r.r.URL.Query())
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"chatbot_list": pageOf(s.ws.chatbots, page, size), "page_number": page, "page_size": size})
}

func (s *Server) v3Teams(w http.ResponseWriter, r *apiRequest) {
	m, ok := strictBody(w, r, map[string]fieldKind{"target": kString, "teams": kStringList})
	if !ok {
		return
	}
	var teams []string
	_ = json.Unmarshal(m["teams"], &teams)
	if len(teams) < 1 || len(teams) > 100 {
		writeError(w, http.StatusBadRequest, "teams must hold 1 to 100 names")
		return
	}
	for _, t := range teams {
		if strings.TrimSpace(t) == "" {
			writeError(w, http.StatusBadRequest, "A team name is blank")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, f := s.ws.contactFor(str(m["target"]), contactForms)
	if f == nil {
		f = s.ws.setTeams(c, teams)
	}
	if f != nil {
		writeError(w, f.status, f.msg)
		return
	}
	writeResult(w)
}

func (s *Server) v3Contact(w http.ResponseWriter, r *apiRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, f := s.ws.contactFor(r.params.target, contactForms)
	if f != nil {
		writeError(w, f.status, f.msg)
		return
	}
	writeJSON(w, http.StatusOK, c.json())
}

func (s *Server) v3Contacts(w http.ResponseWriter, r *apiRequest) {
	page, size, ok := paging(w, r.r.URL.Query())
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	list := pageOf(s.ws.contacts, page, size)
	out := make([]contactJSON, len(list))
	for i, c := range list {
		out[i] = c.json()
	}
	writeJSON(w, http.StatusOK, map[string]any{"contact_list": out, "page_number": page, "page_size": size})
}

// v3Channels lists the channels but the default one, a page at a time.
func (s *Server) v3Channels(w http.ResponseWriter, r *apiRequest) {
	page, size, ok := paging(w, r.r.URL.Query())
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []*channel{}
	for _, ch := range s.ws.channels {
		if !ch.Default {
			list = append(list, ch)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"channels": pageOf(list, page, size)})
}

// ----- v1: parameters in the query string; business failures are HTTP 200
// with {"result": false, "info": "..."} -----

// v1Query checks the query string: only the known parameters, each once
// (teams may repeat), and no body.
func v1Query(w http.ResponseWriter, r *apiRequest, known ...string) (url.Values, bool) {
	if len(bytes.TrimSpace(r.body)) > 0 {
		writeError(w, http.StatusBadRequest, "v1 parameters belong in the query string, not the body")
		return nil, false
	}
	q, err := url.ParseQuery(r.r.URL.RawQuery)
	if err != nil {
		writeError(w, http.StatusBadRequest, "Unreadable query string")
		return nil, false
	}
	for k, vs := range q {
		if !contains(known, k) {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("Unknown parameter %q", k))
			return nil, false
		}
		if len(vs) > 1 && k != "teams" {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("The parameter %q is given twice", k))
			return nil, false
		}
	}
	return q, true
}

func v1Fail(w http.ResponseWriter, info string) {
	writeJSON(w, http.StatusOK, map[string]any{"result": false, "info": info})
}

func v1OK(w http.ResponseWriter, info string) {
	writeJSON(w, http.StatusOK, map[string]any{"result": true, "info": info})
}

var v1TargetParams = []string{"whatsappNumber", "target", "channelPhoneNumber"}

// v1Conversation resolves whatsappNumber / target / channelPhoneNumber.
// A missing number and target is a 400; the rest are result:false.
func (s *Server) v1Conversation(w http.ResponseWriter, q url.Values) (*conversation, bool) {
	num, tgt, chn := q.Get("whatsappNumber"), q.Get("target"), q.Get("channelPhoneNumber")
	if num == "" && tgt == "" {
		writeError(w, http.StatusBadRequest, "whatsappNumber or target is required")
		return nil, false
	}
	if tgt == "" && !isPhone(num) {
		writeError(w, http.StatusBadRequest, "whatsappNumber must be an international number, digits only")
		return nil, false
	}
	if chn != "" && !isPhone(chn) {
		writeError(w, http.StatusBadRequest, "channelPhoneNumber must be an international number, digits only")
		return nil, false
	}
	var v *conversation
	var f *failure
	switch {
	case tgt != "":
		v, f = s.ws.conversationFor(tgt, anyForm)
	default:
		c := s.ws.byPhone[num]
		if c == nil {
			v1Fail(w, "Contact "+num+" not found")
			return nil, false
		}
		var ch *channel
		if chn != "" {
			if ch = s.ws.chanByKey[chn]; ch == nil {
				v1Fail(w, "Channel "+chn+" not found")
				return nil, false
			}
		}
		v, f = pickConversation(c, ch)
	}
	if f != nil {
		if f.status == http.StatusBadRequest {
			writeError(w, f.status, f.msg)
			return nil, false
		}
		v1Fail(w, f.msg)
		return nil, false
	}
	return v, true
}

// v1Contact resolves the contact of a contact-level call (teams): no
// conversation is picked, so several open channels are no conflict.
func (s *Server) v1Contact(w http.ResponseWriter, q url.Values) (*contact, bool) {
	num, tgt, chn := q.Get("whatsappNumber"), q.Get("target"), q.Get("channelPhoneNumber")
	if num == "" && tgt == "" {
		writeError(w, http.StatusBadRequest, "whatsappNumber or target is required")
		return nil, false
	}
	if tgt == "" && !isPhone(num) || chn != "" && !isPhone(chn) {
		writeError(w, http.StatusBadRequest, "whatsappNumber and channelPhoneNumber must be international numbers, digits only")
		return nil, false
	}
	if chn != "" && s.ws.chanByKey[chn] == nil {
		v1Fail(w, "Channel "+chn+" not found")
		return nil, false
	}
	var c *contact
	var f *failure
	if tgt != "" {
		c, f = s.ws.contactFor(tgt, anyForm)
	} else if c = s.ws.byPhone[num]; c == nil {
		f = fail(http.StatusNotFound, "Contact %s not found", num)
	}
	if f != nil {
		if f.status == http.StatusBadRequest {
			writeError(w, f.status, f.msg)
		} else {
			v1Fail(w, f.msg)
		}
		return nil, false
	}
	return c, true
}

func (s *Server) v1AssignOperator(w http.ResponseWriter, r *apiRequest) {
	q, ok := v1Query(w, r, append([]string{"email"}, v1TargetParams...)...)
	if !ok {
		return
	}
	var email *string
	if q.Has("email") {
		e := q.Get("email")
		if !strings.Contains(e, "@") {
			writeError(w, http.StatusBadRequest, "Invalid email")
			return
		}
		email = &e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.v1Conversation(w, q)
	if !ok {
		return
	}
	if f := s.ws.assignOperator(v, email); f != nil {
		v1Fail(w, f.msg)
		return
	}
	if email == nil {
		v1OK(w, "Assigned to the bot")
		return
	}
	v1OK(w, "Operator assigned")
}

func (s *Server) v1AssignTeam(w http.ResponseWriter, r *apiRequest) {
	q, ok := v1Query(w, r, append([]string{"teams"}, v1TargetParams...)...)
	if !ok {
		return
	}
	teams := q["teams"]
	if len(teams) == 0 || len(teams) > 100 {
		writeError(w, http.StatusBadRequest, "teams must hold 1 to 100 names")
		return
	}
	for _, t := range teams {
		if strings.TrimSpace(t) == "" {
			writeError(w, http.StatusBadRequest, "A team name is blank")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.v1Contact(w, q)
	if !ok {
		return
	}
	if f := s.ws.setTeams(c, teams); f != nil {
		v1Fail(w, f.msg)
		return
	}
	v1OK(w, "Teams assigned")
}

func (s *Server) v1StartChatbot(w http.ResponseWriter, r *apiRequest) {
	q, ok := v1Query(w, r, append([]string{"chatbotId"}, v1TargetParams...)...)
	if !ok {
		return
	}
	id := q.Get("chatbotId")
	if id == "" {
		writeError(w, http.StatusBadRequest, "chatbotId is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.v1Conversation(w, q)
	if !ok {
		return
	}
	if f := s.ws.startChatbot(v, id); f != nil {
		v1Fail(w, f.msg)
		return
	}
	v1OK(w, "Chatbot started")
}

func (s *Server) v1Chatbots(w http.ResponseWriter, r *apiRequest) {
	if _, ok := v1Query(w, r); !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.ws.chatbots
	if list == nil {
		list = []*chatbot{}
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) v1UpdateStatus(w http.ResponseWriter, r *apiRequest) {
	q, ok := v1Query(w, r, append([]string{"ticketStatus"}, v1TargetParams...)...)
	if !ok {
		return
	}
	st := q.Get("ticketStatus")
	switch st {
	case "OPEN", "PENDING", "SOLVED", "BLOCK":
	default:
		writeError(w, http.StatusBadRequest, "ticketStatus must be OPEN, PENDING, SOLVED or BLOCK")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.v1Conversation(w, q)
	if !ok {
		return
	}
	s.ws.setStatus(v, strings.ToLower(st))
	v1OK(w, "Status updated")
}
