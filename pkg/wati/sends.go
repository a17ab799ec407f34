package wati

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// The routes of a whole handoff beyond the assignment (wati-api.json):
//
//	POST /api/ext/v3/conversations/messages/text  {"target", "text"}            a session message
//	POST /api/ext/v3/messageTemplates/send        {"template_name", "broadcast_name",
//	                                               "recipients": [{"phone_number", "local_message_id",
//	                                               "custom_params": [{"name", "value"}]}], "channel"?}
//	GET  /api/ext/v3/messageTemplates?page_number=&page_size=   → {"templates": [...]}
//	PUT  /api/ext/v3/contacts                     {"contacts": [{"target", "customParams": [{"name", "value"}]}]}
//
// Sending a message or a template is not idempotent (the customer would
// read it twice): like a chatbot start, it is resent only when the request
// surely never left this machine; otherwise the error is KindOutcomeUnknown.
// Wati documents no v1 route for these in what this client follows
// (wati-api.md): on v1 accounts they are KindUnsupported.

// Template is a message template as listed by Wati.
type Template struct {
	ID           string          `json:"id"`
	Name         string          `json:"name"`
	Status       string          `json:"status"` // APPROVED, PENDING, REJECTED, ...
	Category     string          `json:"category"`
	CustomParams []TemplateParam `json:"custom_params"`
}

// TemplateParam is a template parameter (a name and, when sending, a value).
type TemplateParam struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Approved reports whether Wati lets the template be sent.
func (t Template) Approved() bool { return strings.EqualFold(t.Status, "APPROVED") }

// SendText sends a session message. Outside the 24-hour window Wati refuses
// it: IsWindowClosed(err) tells that refusal apart.
func (c *Client) SendText(ctx context.Context, t Target, text string) error {
	t = c.conversationTarget(t)
	op := "v3 send text"
	if c.v1() {
		return c.unsupported("v1 send text", "send a session message")
	}
	if err := c.checkTarget(op, t, UseConversation); err != nil {
		return err
	}
	if strings.TrimSpace(text) == "" {
		return &Error{Kind: KindInvalid, Op: op, Msg: "the message text is blank"}
	}
	cl := call{op: op, method: http.MethodPost, path: v3Prefix + "/conversations/messages/text",
		body: struct {
			Target string `json:"target"`
			Text   string `json:"text"`
		}{t.String(), text}, write: true, once: true, unknown: "the message may or may not have been sent"}
	resp, err := c.do(ctx, cl)
	if err != nil || resp.dryRun {
		return err
	}
	// {"message": {...}} (the sent event); a v1-style {"result": false} is a refusal.
	var v struct {
		Result *bool           `json:"result"`
		Info   json.RawMessage `json:"info"`
	}
	if len(strings.TrimSpace(string(resp.body))) > 0 {
		if err := c.decode(cl, resp, &v); err != nil {
			return err
		}
	}
	if v.Result != nil && !*v.Result {
		msg := infoText(v.Info)
		if msg == "" {
			msg = "no reason given"
		}
		return &Error{Kind: KindRejected, Op: op, Status: resp.status, Msg: c.redact(msg)}
	}
	return nil
}

// SendTemplate sends an approved template to the target's phone. localID
// (optional) is echoed by Wati in webhooks; broadcast names the send in
// Wati's broadcast list. A conversation id cannot be a template's
// recipient: Wati sends templates to phone numbers.
func (c *Client) SendTemplate(ctx context.Context, t Target, name string, params []TemplateParam, broadcast, localID string) error {
	op := "v3 send template"
	if c.v1() {
		return c.unsupported("v1 send template", "send a template message")
	}
	t = c.conversationTarget(t)
	if t.Phone == "" {
		return &Error{Kind: KindInvalid, Op: op, Msg: "a template is sent to a phone number, and the conversation was given by its id: give it as a phone or Channel:Phone"}
	}
	if strings.TrimSpace(name) == "" {
		return &Error{Kind: KindInvalid, Op: op, Msg: "no template name"}
	}
	if strings.TrimSpace(broadcast) == "" {
		broadcast = name
	}
	type recipient struct {
		PhoneNumber    string          `json:"phone_number"`
		LocalMessageID string          `json:"local_message_id,omitempty"`
		CustomParams   []TemplateParam `json:"custom_params,omitempty"`
	}
	type body struct {
		Channel       string      `json:"channel,omitempty"`
		TemplateName  string      `json:"template_name"`
		BroadcastName string      `json:"broadcast_name"`
		Recipients    []recipient `json:"recipients"`
	}
	cl := call{op: op, method: http.MethodPost, path: v3Prefix + "/messageTemplates/send",
		body: body{Channel: t.Channel, TemplateName: name, BroadcastName: broadcast,
			Recipients: []recipient{{PhoneNumber: t.Phone, LocalMessageID: localID, CustomParams: params}}},
		write: true, once: true, unknown: "the template may or may not have been sent"}
	resp, err := c.do(ctx, cl)
	if err != nil || resp.dryRun {
		return err
	}
	var v struct {
		Success    *bool   `json:"success"`
		Error      *string `json:"error"`
		Recipients []struct {
			Errors []string `json:"errors"`
		} `json:"recipients"`
	}
	if err := c.decode(cl, resp, &v); err != nil {
		return err
	}
	var why []string
	if v.Error != nil && *v.Error != "" {
		why = append(why, *v.Error)
	}
	for _, r := range v.Recipients {
		why = append(why, r.Errors...)
	}
	if (v.Success != nil && !*v.Success) || len(why) > 0 {
		msg := strings.Join(why, "; ")
		if msg == "" {
			msg = "success: false, no reason given"
		}
		return &Error{Kind: KindRejected, Op: op, Status: resp.status, Msg: c.redact(msg)}
	}
	return nil
}

// ListTemplates reads every message template, page after page.
func (c *Client) ListTemplates(ctx context.Context) ([]Template, error) {
	if c.v1() {
		return nil, c.unsupported("v1 list templates", "list message templates")
	}
	var all []Template
	seen := map[string]bool{}
	for page := 1; page <= maxPages; page++ {
		cl := call{op: "v3 list templates", method: http.MethodGet, path: v3Prefix + "/messageTemplates", query: pageQuery(page, maxPageSize)}
		resp, err := c.do(ctx, cl)
		if err != nil {
			return nil, err
		}
		var v struct {
			Templates *[]Template `json:"templates"`
		}
		if err := c.decode(cl, resp, &v); err != nil {
			return nil, err
		}
		if v.Templates == nil {
			break // null: none (the list fields of the spec may be null)
		}
		fresh := 0
		for _, tp := range *v.Templates {
			key := tp.ID + "\x00" + tp.Name
			if !seen[key] {
				seen[key] = true
				all = append(all, tp)
				fresh++
			}
		}
		if len(*v.Templates) < maxPageSize || fresh == 0 {
			break
		}
	}
	if all == nil {
		all = []Template{}
	}
	return all, nil
}

// UpdateContactParams writes custom params of the target's contact (other
// params are left as they are). It is an idempotent PUT.
func (c *Client) UpdateContactParams(ctx context.Context, t Target, params []CustomParam) error {
	op := "v3 update contact"
	if c.v1() {
		return c.unsupported("v1 update contact", "update a contact's custom params")
	}
	if err := c.checkTarget(op, t, UseContact); err != nil {
		return err
	}
	if len(params) == 0 {
		return &Error{Kind: KindInvalid, Op: op, Msg: "no custom param to write"}
	}
	type contact struct {
		Target       string        `json:"target"`
		CustomParams []CustomParam `json:"customParams"`
	}
	cl := call{op: op, method: http.MethodPut, path: v3Prefix + "/contacts",
		body: struct {
			Contacts []contact `json:"contacts"`
		}{[]contact{{Target: t.String(), CustomParams: params}}}, write: true}
	resp, err := c.do(ctx, cl)
	if err != nil || resp.dryRun {
		return err
	}
	var v struct {
		List *[]json.RawMessage `json:"contact_list"`
	}
	if err := c.decode(cl, resp, &v); err != nil {
		return err
	}
	if v.List != nil && len(*v.List) == 0 {
		return &Error{Kind: KindNotFound, Op: op, Status: resp.status, Msg: "Wati updated no contact for " + t.String()}
	}
	return nil
}

// IsWindowClosed reports whether err is Wati refusing a session message
// because the customer's 24-hour window is closed. Wati's spec gives no
// code for it: a 400 (or result:false) whose message speaks of the 24-hour
// window, an expired or closed session, or a template is taken as that.
func IsWindowClosed(err error) bool {
	var we *Error
	if !errors.As(err, &we) || (we.Kind != KindBadRequest && we.Kind != KindRejected) {
		return false
	}
	m := strings.ToLower(we.Msg)
	switch {
	case strings.Contains(m, "24") && (strings.Contains(m, "hour") || strings.Contains(m, "window")):
		return true
	case strings.Contains(m, "window") && (strings.Contains(m, "closed") || strings.Contains(m, "expired")):
		return true
	case strings.Contains(m, "session") && (strings.Contains(m, "expired") || strings.Contains(m, "closed")):
		return true
	case strings.Contains(m, "ticket") && strings.Contains(m, "expired"):
		return true
	}
	return false
}

// PlanRefused reports whether err is a 403 that names the plan (Wati's
// chatbot routes are "Pro plan"): the call cannot work on this workspace,
// whatever the token.
func PlanRefused(err error) bool {
	var we *Error
	if !errors.As(err, &we) || we.Kind != KindForbidden {
		return false
	}
	m := strings.ToLower(we.Msg)
	return strings.Contains(m, "plan") || strings.Contains(m, "upgrade") || strings.Contains(m, "subscription")
}
