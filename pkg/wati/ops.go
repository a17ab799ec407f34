package wati

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Scopes a token needs for each documented operation (any one of them
// passes), from wati-api.md. Operations missing here have no documented
// scope; "api" covers every documented call.
var (
	ScopesV3AssignOperator = []string{"api", "conversationsv3:write", "wati_integration:write"}
	ScopesV3UpdateStatus   = []string{"api", "conversationsv3:write"}
	ScopesV3AssignTeams    = []string{"api", "contactsv3:write"}
	ScopesV3StartChatbot   = []string{"api", "chatbotsv3:write"}
	ScopesV3ListChatbots   = []string{"api", "chatbotsv3:read"}
	ScopesV1Conversation   = []string{"api", "wati_integration:write", "conversations:write"} // assignOperator, updateChatStatus
)

// Statuses UpdateStatus accepts (v3 spelling; v1 sends them upper-case).
var Statuses = []string{"open", "pending", "solved", "block"}

// ValidStatus reports whether s (already lower-cased) is one of Statuses.
func ValidStatus(s string) bool { return slices.Contains(Statuses, s) }

const (
	v3Prefix    = "/api/ext/v3"
	maxPageSize = 100
	maxTeams    = 100
	maxPages    = 1000 // readPages stops there whatever the server says
)

func (c *Client) v1Path(route string) string {
	p := ""
	if c.cfg.TenantID != "" {
		p = "/" + url.PathEscape(c.cfg.TenantID)
	}
	return p + "/api/v1/" + route
}

func (c *Client) v1() bool { return c.cfg.API == "v1" }

func (c *Client) conversationTarget(t Target) Target { return t.WithChannel(c.cfg.Channel) }

func (c *Client) checkTarget(op string, t Target, use Use) error {
	if t.Phone == "" && t.ConversationID == "" && t.ContactID == "" {
		return &Error{Kind: KindInvalid, Op: op, Msg: "no target"}
	}
	if err := t.For(use); err != nil {
		var te *TargetError
		errors.As(err, &te)
		return &Error{Kind: KindInvalid, Op: op, Msg: te.Error(), Err: err}
	}
	return nil
}

func (c *Client) unsupported(op, what string) error {
	return &Error{Kind: KindUnsupported, Op: op, Msg: "Wati's v1 API documents no route to " + what}
}

// AssignOperator hands the conversation to the operator with this email,
// or to the workspace's bot operator when email is nil.
//
//	v3: PUT /api/ext/v3/conversations/{target}/operator {"assignee_email": email|null}
//	v1: POST /{tenant}/api/v1/assignOperator?email=...&whatsappNumber=... (no email: bot)
func (c *Client) AssignOperator(ctx context.Context, t Target, email *string) error {
	t = c.conversationTarget(t)
	op := "v3 assign operator"
	if c.v1() {
		op = "v1 assignOperator"
	}
	if err := c.checkTarget(op, t, UseConversation); err != nil {
		return err
	}
	if email != nil {
		e := strings.TrimSpace(*email)
		if e == "" || !strings.Contains(e, "@") || strings.ContainsAny(e, " \t\r\n") {
			return &Error{Kind: KindInvalid, Op: op, Msg: fmt.Sprintf("%q is not an email address", *email)}
		}
		email = &e
	}
	var cl call
	if c.v1() {
		q := url.Values{}
		if email != nil {
			q.Set("email", *email)
		}
		t.V1Query(q)
		cl = call{op: op, scopes: ScopesV1Conversation, method: http.MethodPost, path: c.v1Path("assignOperator"), query: q, write: true}
	} else {
		cl = call{op: op, scopes: ScopesV3AssignOperator, method: http.MethodPut,
			path: v3Prefix + "/conversations/" + t.PathSegment() + "/operator",
			body: struct {
				AssigneeEmail *string `json:"assignee_email"`
			}{email}, write: true}
	}
	resp, err := c.do(ctx, cl)
	if err != nil {
		return err
	}
	return c.checkResult(cl, resp)
}

// StartChatbot starts a Wati chatbot (flow) in the conversation. It is not
// idempotent: it is sent again only when an attempt surely never left this
// machine; after a timeout or a 5xx the error is KindOutcomeUnknown.
//
//	v3: POST /api/ext/v3/chatbots/start {"target": ..., "chatbot_id": ...}
//	v1: POST /{tenant}/api/v1/chatbots/start?whatsappNumber=...&chatbotId=...
func (c *Client) StartChatbot(ctx context.Context, t Target, chatbotID string) error {
	t = c.conversationTarget(t)
	op := "v3 start chatbot"
	if c.v1() {
		op = "v1 chatbots/start"
	}
	if err := c.checkTarget(op, t, UseChatbot); err != nil {
		return err
	}
	chatbotID = strings.TrimSpace(chatbotID)
	if chatbotID == "" {
		return &Error{Kind: KindInvalid, Op: op, Msg: "no chatbot id"}
	}
	var cl call
	if c.v1() {
		q := url.Values{}
		t.V1Query(q)
		q.Set("chatbotId", chatbotID)
		cl = call{op: op, method: http.MethodPost, path: c.v1Path("chatbots/start"), query: q, write: true, once: true}
	} else {
		cl = call{op: op, scopes: ScopesV3StartChatbot, method: http.MethodPost, path: v3Prefix + "/chatbots/start",
			body: struct {
				Target    string `json:"target"`
				ChatbotID string `json:"chatbot_id"`
			}{t.String(), chatbotID}, write: true, once: true}
	}
	resp, err := c.do(ctx, cl)
	if err != nil {
		return err
	}
	return c.checkResult(cl, resp)
}

// AssignTeams sets the contact's teams (names, 1 to 100). Wati REPLACES the
// contact's whole team set; to keep the current teams, read them first with
// GetContact and pass the union (see MergeTeams).
//
//	v3: PUT /api/ext/v3/contacts/teams {"target": ..., "teams": [...]}
//	v1: POST /{tenant}/api/v1/assignTeam?teams=A&teams=B&whatsappNumber=...
func (c *Client) AssignTeams(ctx context.Context, t Target, teams []string) error {
	op := "v3 assign teams"
	if c.v1() {
		op = "v1 assignTeam"
	}
	if err := c.checkTarget(op, t, UseContact); err != nil {
		return err
	}
	clean, err := cleanTeams(teams)
	if err != nil {
		return &Error{Kind: KindInvalid, Op: op, Msg: err.Error()}
	}
	var cl call
	if c.v1() {
		q := url.Values{}
		t.V1Query(q)
		q["teams"] = clean
		cl = call{op: op, method: http.MethodPost, path: c.v1Path("assignTeam"), query: q, write: true}
	} else {
		cl = call{op: op, scopes: ScopesV3AssignTeams, method: http.MethodPut, path: v3Prefix + "/contacts/teams",
			body: struct {
				Target string   `json:"target"`
				Teams  []string `json:"teams"`
			}{t.String(), clean}, write: true}
	}
	resp, err := c.do(ctx, cl)
	if err != nil {
		return err
	}
	return c.checkResult(cl, resp)
}

func cleanTeams(teams []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, name := range teams {
		n := strings.TrimSpace(name)
		if n == "" {
			return nil, fmt.Errorf("a team name is blank")
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	switch {
	case len(out) == 0:
		return nil, fmt.Errorf("no team given (1 to %d)", maxTeams)
	case len(out) > maxTeams:
		return nil, fmt.Errorf("%d teams given, Wati takes at most %d", len(out), maxTeams)
	}
	return out, nil
}

// MergeTeams returns current followed by the names of add not already in it:
// what to send to keep a contact's teams while adding others.
func MergeTeams(current, add []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, list := range [][]string{current, add} {
		for _, n := range list {
			n = strings.TrimSpace(n)
			if n != "" && !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}

// GetContact reads one contact (teams included).
//
//	v3: GET /api/ext/v3/contacts/{target}
func (c *Client) GetContact(ctx context.Context, t Target) (*Contact, error) {
	op := "v3 get contact"
	if c.v1() {
		return nil, c.unsupported("v1 get contact", "read one contact")
	}
	if err := c.checkTarget(op, t, UseContact); err != nil {
		return nil, err
	}
	cl := call{op: op, method: http.MethodGet, path: v3Prefix + "/contacts/" + t.PathSegment()}
	resp, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	if err := c.decode(cl, resp, &raw); err != nil {
		return nil, err
	}
	body := resp.body
	if inner, ok := raw["contact"]; ok && len(inner) > 0 && inner[0] == '{' {
		body = inner // tolerate {"contact": {...}}
	}
	var ct Contact
	if err := c.decode(cl, &response{status: resp.status, body: body}, &ct); err != nil {
		return nil, err
	}
	if ct.ID == "" && ct.WaID == "" && ct.Phone == "" {
		return nil, c.missing(cl, resp, "contact")
	}
	if ct.Teams == nil {
		ct.Teams = []string{}
	}
	return &ct, nil
}

func checkPage(op string, page, size int) error {
	if page < 1 {
		return &Error{Kind: KindInvalid, Op: op, Msg: fmt.Sprintf("page number %d: pages start at 1", page)}
	}
	if size < 1 || size > maxPageSize {
		return &Error{Kind: KindInvalid, Op: op, Msg: fmt.Sprintf("page size %d: Wati takes 1 to %d", size, maxPageSize)}
	}
	return nil
}

func pageQuery(page, size int) url.Values {
	return url.Values{"page_number": {strconv.Itoa(page)}, "page_size": {strconv.Itoa(size)}}
}

// ListContacts reads one page of contacts (1-based, size 1 to 100).
//
//	v3: GET /api/ext/v3/contacts?page_number=&page_size=
func (c *Client) ListContacts(ctx context.Context, page, size int) (*ContactPage, error) {
	op := "v3 list contacts"
	if c.v1() {
		return nil, c.unsupported("v1 list contacts", "list contacts")
	}
	if err := checkPage(op, page, size); err != nil {
		return nil, err
	}
	cl := call{op: op, method: http.MethodGet, path: v3Prefix + "/contacts", query: pageQuery(page, size)}
	resp, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	var v struct {
		ContactList *[]Contact `json:"contact_list"`
		Contacts    *[]Contact `json:"contacts"`
		PageNumber  int        `json:"page_number"`
		PageSize    int        `json:"page_size"`
	}
	if err := c.decode(cl, resp, &v); err != nil {
		return nil, err
	}
	// contact_list may be null or absent (the spec makes it nullable):
	// no contacts on this page.
	out := &ContactPage{PageNumber: page, PageSize: size, Contacts: []Contact{}}
	switch {
	case v.ContactList != nil:
		out.Contacts = *v.ContactList
	case v.Contacts != nil:
		out.Contacts = *v.Contacts
	}
	if out.Contacts == nil {
		out.Contacts = []Contact{}
	}
	if v.PageNumber > 0 {
		out.PageNumber = v.PageNumber
	}
	if v.PageSize > 0 {
		out.PageSize = v.PageSize
	}
	for i := range out.Contacts {
		if out.Contacts[i].Teams == nil {
			out.Contacts[i].Teams = []string{}
		}
	}
	return out, nil
}

// ListChatbots reads every chatbot, page after page (100 a page).
//
//	v3: GET /api/ext/v3/chatbots?page_number=N&page_size=100 → {"chatbot_list": [...]}
//	v1: GET /{tenant}/api/v1/chatbots → [...]
func (c *Client) ListChatbots(ctx context.Context) ([]Chatbot, error) {
	if c.v1() {
		cl := call{op: "v1 chatbots", method: http.MethodGet, path: c.v1Path("chatbots")}
		resp, err := c.do(ctx, cl)
		if err != nil {
			return nil, err
		}
		b := bytes.TrimSpace(resp.body)
		var list []Chatbot
		if len(b) > 0 && b[0] == '{' {
			if err := c.checkResult(cl, resp); err != nil {
				return nil, err
			}
			var v struct {
				List *[]Chatbot `json:"chatbot_list"`
			}
			if err := c.decode(cl, resp, &v); err != nil {
				return nil, err
			}
			if v.List == nil || *v.List == nil {
				return []Chatbot{}, nil
			}
			return *v.List, nil
		}
		if err := c.decode(cl, resp, &list); err != nil {
			return nil, err
		}
		if list == nil {
			list = []Chatbot{}
		}
		return list, nil
	}
	return readPages(ctx, c, "v3 list chatbots", ScopesV3ListChatbots, "/chatbots", "chatbot_list", func(b Chatbot) string { return b.ID })
}

// readPages reads every page of a paged v3 list: page_number from 1,
// page_size 100 (both required by the spec), until a short page. A list
// field that is null or absent is an empty page (the spec makes the lists
// nullable). A page with nothing new means the server ignores page_number:
// it stops there rather than loop; maxPages bounds it whatever the server says.
func readPages[T any](ctx context.Context, c *Client, op string, scopes []string, path, field string, key func(T) string) ([]T, error) {
	all := []T{}
	seen := map[string]bool{}
	for page := 1; page <= maxPages; page++ {
		cl := call{op: op, scopes: scopes, method: http.MethodGet, path: v3Prefix + path, query: pageQuery(page, maxPageSize)}
		resp, err := c.do(ctx, cl)
		if err != nil {
			return nil, err
		}
		var v map[string]json.RawMessage
		if err := c.decode(cl, resp, &v); err != nil {
			return nil, err
		}
		var list []T
		if raw, ok := v[field]; ok {
			if err := c.decode(cl, &response{status: resp.status, body: raw}, &list); err != nil {
				return nil, err
			}
		}
		fresh := 0
		for _, item := range list {
			if k := key(item); !seen[k] {
				seen[k] = true
				all = append(all, item)
				fresh++
			}
		}
		if len(list) < maxPageSize || fresh == 0 {
			break
		}
	}
	return all, nil
}

// ListChannels reads the workspace's channels, every page. Wati does not
// list the default channel, and a channel's Channel field is its platform
// ("Whatsapp"), not its number.
//
//	v3: GET /api/ext/v3/channels?page_number=N&page_size=100 → {"channels": [...]}
func (c *Client) ListChannels(ctx context.Context) ([]Channel, error) {
	if c.v1() {
		return nil, c.unsupported("v1 list channels", "list channels")
	}
	return readPages(ctx, c, "v3 list channels", nil, "/channels", "channels", func(ch Channel) string { return ch.ID + "\x00" + ch.Name })
}

// ListMessages reads one page of a conversation's messages.
//
//	v3: GET /api/ext/v3/conversations/{target}/messages?page_number=&page_size=
func (c *Client) ListMessages(ctx context.Context, t Target, page, size int) ([]Message, error) {
	t = c.conversationTarget(t)
	op := "v3 list messages"
	if c.v1() {
		return nil, c.unsupported("v1 list messages", "list a conversation's messages")
	}
	if err := c.checkTarget(op, t, UseConversation); err != nil {
		return nil, err
	}
	if err := checkPage(op, page, size); err != nil {
		return nil, err
	}
	cl := call{op: op, method: http.MethodGet, path: v3Prefix + "/conversations/" + t.PathSegment() + "/messages", query: pageQuery(page, size)}
	resp, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	var v struct {
		List []Message `json:"message_list"`
	}
	if err := c.decode(cl, resp, &v); err != nil {
		return nil, err
	}
	if v.List == nil { // null or absent: no messages on this page
		v.List = []Message{}
	}
	return v.List, nil
}

// UpdateStatus sets the conversation's status: open, pending, solved or block.
//
//	v3: PUT /api/ext/v3/conversations/{target}/status {"new_status": "solved"}
//	v1: POST /{tenant}/api/v1/updateChatStatus?whatsappNumber=...&ticketStatus=SOLVED
func (c *Client) UpdateStatus(ctx context.Context, t Target, status string) error {
	t = c.conversationTarget(t)
	op := "v3 update status"
	if c.v1() {
		op = "v1 updateChatStatus"
	}
	if err := c.checkTarget(op, t, UseConversation); err != nil {
		return err
	}
	s := strings.ToLower(strings.TrimSpace(status))
	if !ValidStatus(s) {
		return &Error{Kind: KindInvalid, Op: op, Msg: fmt.Sprintf("status %q is not one of %s", status, strings.Join(Statuses, ", "))}
	}
	var cl call
	if c.v1() {
		q := url.Values{}
		t.V1Query(q)
		q.Set("ticketStatus", strings.ToUpper(s))
		cl = call{op: op, scopes: ScopesV1Conversation, method: http.MethodPost, path: c.v1Path("updateChatStatus"), query: q, write: true}
	} else {
		cl = call{op: op, scopes: ScopesV3UpdateStatus, method: http.MethodPut,
			path: v3Prefix + "/conversations/" + t.PathSegment() + "/status",
			body: struct {
				NewStatus string `json:"new_status"`
			}{s}, write: true}
	}
	resp, err := c.do(ctx, cl)
	if err != nil {
		return err
	}
	return c.checkResult(cl, resp)
}
