package sandbox

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Assignee is who holds a conversation: an operator (by email), the
// workspace's bot operator (type bot), or a chatbot (flow) that was started.
type Assignee struct {
	Type        string `json:"type" yaml:"type"` // operator | bot | chatbot
	Email       string `json:"email,omitempty" yaml:"email"`
	Name        string `json:"name,omitempty" yaml:"-"`
	ChatbotID   string `json:"chatbot_id,omitempty" yaml:"chatbot_id"`
	ChatbotName string `json:"chatbot_name,omitempty" yaml:"-"`
}

type operator struct {
	id, email, name string
}

type chatbot struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Created string `json:"created"`
}

type channel struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Platform string `json:"channel"` // Wati's "channel" field is the platform: "Whatsapp"
	Number   string `json:"-"`
	Default  bool   `json:"-"` // not listed by GET channels
}

// platformWhatsApp is the platform of every sandbox channel, spelt as in
// Wati's spec example.
const platformWhatsApp = "Whatsapp"

type message struct {
	ID             string `json:"id"`
	Created        string `json:"created"`
	ConversationID string `json:"conversation_id"`
	EventType      string `json:"event_type"`
	Type           string `json:"type,omitempty"`
	Text           string `json:"text"`
	Owner          bool   `json:"owner"`
	OperatorName   string `json:"operator_name,omitempty"`
	AssignedID     string `json:"assigned_id,omitempty"`
}

type contact struct {
	id, phone, name string
	teams           []string
	params          []SeedParam
	convs           []*conversation
	created         time.Time
	updated         time.Time
}

type conversation struct {
	id       string
	contact  *contact
	channel  *channel
	status   string
	assignee *Assignee
	starts   int
	messages []message // oldest first
	pending  *pendingReply
	closed   bool // the 24-hour window is closed
	texts    int  // session messages sent through the API
	tmpls    int  // templates sent through the API
}

// workspace is the sandbox's state; Server guards it with a mutex.
type workspace struct {
	teams     map[string]bool
	operators map[string]*operator // lower-case email
	opList    []*operator          // in seed order
	chatbots  []*chatbot
	botByID   map[string]*chatbot
	channels  []*channel
	chanByKey map[string]*channel // lower-case name, and number
	contacts  []*contact
	byPhone   map[string]*contact
	byID      map[string]*contact
	convByID  map[string]*conversation
	tokens    map[string][]string // extra tokens → scopes
	templates []*template
	planBots  map[string]string // chatbot id → the plan it needs
	msgSeq    int
	now       func() time.Time
	replies   *replies // human replies after an assignment (replies.go)
	replySeq  int
}

var seedTime = time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)

// derivedID makes a stable 24-hex id from a name.
func derivedID(kind, key string) string {
	sum := sha1.Sum([]byte(kind + ":" + key))
	return hex.EncodeToString(sum[:12])
}

func newWorkspace(s *Seed, generate int, now func() time.Time) (*workspace, error) {
	ws := &workspace{
		teams:     map[string]bool{},
		operators: map[string]*operator{},
		botByID:   map[string]*chatbot{},
		chanByKey: map[string]*channel{},
		byPhone:   map[string]*contact{},
		byID:      map[string]*contact{},
		convByID:  map[string]*conversation{},
		tokens:    map[string][]string{},
		now:       now,
	}
	for _, t := range s.Teams {
		ws.teams[t] = true
	}
	for _, o := range s.Operators {
		op := &operator{id: derivedID("operator", strings.ToLower(o.Email)), email: o.Email, name: o.Name}
		ws.operators[strings.ToLower(o.Email)] = op
		ws.opList = append(ws.opList, op)
	}
	for _, b := range s.Chatbots {
		cb := &chatbot{ID: b.ID, Name: b.Name, Created: b.Created}
		if cb.Created == "" {
			cb.Created = seedTime.Format(time.RFC3339)
		}
		ws.chatbots = append(ws.chatbots, cb)
		ws.botByID[cb.ID] = cb
	}
	marked := false
	for _, c := range s.Channels {
		marked = marked || c.Default
	}
	for i, c := range s.Channels {
		ch := &channel{ID: c.ID, Name: c.Name, Platform: platformWhatsApp, Number: c.Number, Default: c.Default || !marked && i == 0}
		if ch.ID == "" {
			ch.ID = derivedID("channel", c.Name)
		}
		ws.channels = append(ws.channels, ch)
		ws.chanByKey[strings.ToLower(c.Name)] = ch
		ws.chanByKey[c.Number] = ch
	}
	for _, t := range s.Tokens {
		ws.tokens[t.Token] = t.Scopes
	}
	for _, sc := range s.Contacts {
		c := &contact{id: sc.ID, phone: sc.Phone, name: sc.Name, teams: append([]string{}, sc.Teams...),
			params: sc.CustomParams, created: seedTime, updated: seedTime}
		if c.id == "" {
			c.id = derivedID("contact", sc.Phone)
		}
		for _, sv := range sc.Conversations {
			v := &conversation{id: sv.ID, contact: c, channel: ws.chanByKey[strings.ToLower(sv.Channel)], status: sv.Status}
			if a := sv.Assignee; a != nil {
				cp := *a
				switch cp.Type {
				case "operator":
					op := ws.operators[strings.ToLower(cp.Email)]
					cp.Email, cp.Name = op.email, op.name
				case "chatbot":
					cp.ChatbotName = ws.botByID[cp.ChatbotID].Name
				}
				v.assignee = &cp
			}
			for _, m := range sv.Messages {
				ws.addMessage(v, message{EventType: "message", Text: m.Text, Owner: m.Owner}, seedTime)
			}
			c.convs = append(c.convs, v)
			ws.convByID[v.id] = v
		}
		ws.addContact(c)
	}
	ws.seedExtras(s)
	if generate > 0 {
		if len(ws.channels) == 0 {
			return nil, fmt.Errorf("--generate-contacts needs at least one channel in the seed")
		}
		ch := ws.channels[0]
		for i := 0; i < generate; i++ {
			phone := strconv.FormatInt(15550000000+int64(i), 10)
			if ws.byPhone[phone] != nil {
				continue
			}
			c := &contact{id: fmt.Sprintf("c0ffee%018x", i), phone: phone, name: fmt.Sprintf("Generated %d", i),
				teams: []string{}, created: seedTime, updated: seedTime}
			v := &conversation{id: fmt.Sprintf("beef00%018x", i), contact: c, channel: ch, status: "open"}
			c.convs = []*conversation{v}
			ws.convByID[v.id] = v
			ws.addContact(c)
		}
	}
	return ws, nil
}

func (ws *workspace) addContact(c *contact) {
	ws.contacts = append(ws.contacts, c)
	ws.byPhone[c.phone] = c
	ws.byID[c.id] = c
}

func (ws *workspace) addMessage(v *conversation, m message, at time.Time) {
	ws.settle(v, at) // a reply due before this event comes first
	ws.msgSeq++
	m.ID = fmt.Sprintf("3e55a9e0%016x", ws.msgSeq)
	m.ConversationID = v.id
	m.Created = at.UTC().Format(createdLayout)
	// Every event carries the operator who holds the conversation when it
	// happens (MessageDto's assigned_id), none while the bot has it.
	if m.AssignedID == "" && v.assignee != nil && v.assignee.Type == "operator" {
		if op := ws.operators[strings.ToLower(v.assignee.Email)]; op != nil {
			m.AssignedID = op.id
		}
	}
	if len(v.messages) >= maxMessages { // a long benchmark must not grow memory
		n := copy(v.messages, v.messages[len(v.messages)-maxMessages+1:])
		v.messages = v.messages[:n]
	}
	v.messages = append(v.messages, m)
}

const maxMessages = 200

// createdLayout is RFC 3339 with milliseconds, as Wati's created values
// carry a fraction of a second.
const createdLayout = "2006-01-02T15:04:05.000Z07:00"

// ----- target resolution, as Wati's {target} works -----

// failure is an answer other than success: an HTTP status and a message.
type failure struct {
	status int
	msg    string
}

func fail(status int, format string, a ...any) *failure {
	return &failure{status: status, msg: fmt.Sprintf(format, a...)}
}

// parsedTarget is a v3 target string taken apart.
type parsedTarget struct {
	phone   string
	channel *channel
	id      string // 24 hex: a conversation or a contact id
}

// Target forms, as Wati's spec lists them per route.
type targetForms int

const (
	formConversationID   targetForms = 1 << iota // 685bd235e6119686e693a093
	formContactID                                // the contact's id (24 hex too)
	formPhone                                    // 14155552671
	formChannelPhone                             // Support:14155552671, 85200000000:14155552671
	formChannelContactID                         // Support:<contact id>

	// conversations/{target}/operator, /status, /messages
	conversationForms = formConversationID | formPhone | formChannelPhone
	// contacts/{target}, contacts/teams
	contactForms = formContactID | formPhone | formChannelPhone
	// chatbots/start
	chatbotForms = formContactID | formPhone | formChannelPhone | formChannelContactID
	// v1's target parameter (not in the spec): every form
	anyForm = conversationForms | chatbotForms
)

func (ws *workspace) parseTarget(s string) (parsedTarget, *failure) {
	if isHexID(s) {
		return parsedTarget{id: s}, nil
	}
	if name, rest, ok := strings.Cut(s, ":"); ok {
		var pt parsedTarget
		switch {
		case isPhone(rest):
			pt.phone = rest
		case isHexID(rest):
			pt.id = rest
		default:
			return parsedTarget{}, fail(http.StatusBadRequest, "Invalid target")
		}
		if pt.channel = ws.chanByKey[strings.ToLower(name)]; pt.channel == nil {
			return parsedTarget{}, fail(http.StatusNotFound, "Channel %s not found", name)
		}
		return pt, nil
	}
	if isPhone(s) {
		return parsedTarget{phone: s}, nil
	}
	return parsedTarget{}, fail(http.StatusBadRequest, "Invalid target")
}

// contactOf finds the contact a parsed target names, within the forms
// allowed. A 24-hex id that is not of an allowed kind is not found, as Wati
// looks it up only among the kinds its route takes.
func (ws *workspace) contactOf(pt parsedTarget, forms targetForms) (*contact, *failure) {
	switch {
	case pt.id != "" && pt.channel != nil && forms&formChannelContactID == 0:
		return nil, fail(http.StatusBadRequest, "Invalid target: Channel:ContactId is not taken here")
	case pt.id != "":
		if c := ws.byID[pt.id]; c != nil && forms&(formContactID|formChannelContactID) != 0 {
			return c, nil
		}
		return nil, fail(http.StatusNotFound, "Contact not found")
	}
	c := ws.byPhone[pt.phone]
	if c == nil {
		return nil, fail(http.StatusNotFound, "Contact not found")
	}
	return c, nil
}

// contactFor resolves a target on a contact route (contact-level: no 409).
func (ws *workspace) contactFor(s string, forms targetForms) (*contact, *failure) {
	pt, f := ws.parseTarget(s)
	if f != nil {
		return nil, f
	}
	return ws.contactOf(pt, forms)
}

func isOpen(v *conversation) bool { return v.status == "open" || v.status == "pending" }

// conversationFor resolves a target to one conversation: a conversation id
// directly (where the route takes one); a phone or contact id to the
// contact's most recent open conversation (409 when open on several
// channels); Channel:Phone or Channel:ContactId to the most recent
// conversation on that channel.
func (ws *workspace) conversationFor(s string, forms targetForms) (*conversation, *failure) {
	pt, f := ws.parseTarget(s)
	if f != nil {
		return nil, f
	}
	if pt.id != "" && pt.channel == nil && forms&formConversationID != 0 {
		if v := ws.convByID[pt.id]; v != nil {
			return v, nil
		}
		if forms&formContactID == 0 {
			return nil, fail(http.StatusNotFound, "Conversation not found")
		}
	}
	c, f := ws.contactOf(pt, forms)
	if f != nil {
		return nil, f
	}
	return pickConversation(c, pt.channel)
}

func pickConversation(c *contact, ch *channel) (*conversation, *failure) {
	var open, any []*conversation
	for _, v := range c.convs {
		if ch != nil && v.channel != ch {
			continue
		}
		any = append(any, v)
		if isOpen(v) {
			open = append(open, v)
		}
	}
	if len(any) == 0 {
		if ch != nil {
			return nil, fail(http.StatusNotFound, "No conversation with %s on channel %s", c.phone, ch.Name)
		}
		return nil, fail(http.StatusNotFound, "No conversation with %s", c.phone)
	}
	if len(open) == 0 {
		return any[len(any)-1], nil
	}
	if ch == nil {
		chans := map[*channel]bool{}
		for _, v := range open {
			chans[v.channel] = true
		}
		if len(chans) > 1 {
			var names []string
			for _, v := range c.convs {
				if isOpen(v) && !contains(names, v.channel.Name) {
					names = append(names, v.channel.Name)
				}
			}
			return nil, fail(http.StatusConflict, "Contact %s has open conversations on several channels (%s); give the channel as Channel:Phone", c.phone, strings.Join(names, ", "))
		}
	}
	return open[len(open)-1], nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ----- changes -----

func (ws *workspace) assignOperator(v *conversation, email *string) *failure {
	now := ws.now()
	if email == nil {
		ws.settle(v, now)
		v.assignee = &Assignee{Type: "bot"}
		v.pending = nil
		ws.addMessage(v, message{EventType: "ticket", Text: "Assigned to the bot"}, now)
	} else {
		op := ws.operators[strings.ToLower(*email)]
		if op == nil {
			return fail(http.StatusNotFound, "Operator %s not found", *email)
		}
		ws.settle(v, now)
		v.assignee = &Assignee{Type: "operator", Email: op.email, Name: op.name}
		ws.addMessage(v, message{EventType: "ticket", Text: "Assigned to " + op.name, OperatorName: op.name, AssignedID: op.id}, now)
		ws.scheduleReply(v, op)
	}
	v.contact.updated = now
	return nil
}

func (ws *workspace) startChatbot(v *conversation, id string) *failure {
	b := ws.botByID[id]
	if b == nil {
		return fail(http.StatusNotFound, "Chatbot %s not found", id)
	}
	if plan := ws.planBots[id]; plan != "" {
		return fail(http.StatusForbidden, "Chatbot %s needs the %s plan: upgrade the workspace's plan to start it", b.Name, plan)
	}
	now := ws.now()
	ws.settle(v, now)
	v.assignee = &Assignee{Type: "chatbot", ChatbotID: b.ID, ChatbotName: b.Name}
	v.pending = nil
	v.starts++
	ws.addMessage(v, message{EventType: "chatbot", Text: "Chatbot " + b.Name + " started"}, now)
	v.contact.updated = now
	return nil
}

func (ws *workspace) setTeams(c *contact, teams []string) *failure {
	for _, t := range teams {
		if !ws.teams[t] {
			return fail(http.StatusNotFound, "Team %s not found", t)
		}
	}
	c.teams = dedupe(teams)
	c.updated = ws.now()
	if v := teamConversation(c); v != nil {
		ws.settle(v, c.updated)
		ws.scheduleReply(v, nil)
	}
	return nil
}

func dedupe(list []string) []string {
	out := []string{}
	for _, s := range list {
		if !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func (ws *workspace) setStatus(v *conversation, status string) {
	v.status = status
	now := ws.now()
	ws.addMessage(v, message{EventType: "ticket", Text: "Status changed to " + status}, now)
	v.contact.updated = now
}

// ----- JSON views -----

type contactJSON struct {
	ID            string      `json:"id"`
	WaID          string      `json:"wa_id"`
	Name          string      `json:"name"`
	Phone         string      `json:"phone"`
	Teams         []string    `json:"teams"`
	CustomParams  []SeedParam `json:"custom_params"`
	ChannelID     string      `json:"channel_id"`
	ContactStatus string      `json:"contact_status"`
	Created       string      `json:"created"`
	LastUpdated   string      `json:"last_updated"`
}

func (c *contact) json() contactJSON {
	j := contactJSON{ID: c.id, WaID: c.phone, Name: c.name, Phone: c.phone, Teams: append([]string{}, c.teams...),
		CustomParams: c.params, ContactStatus: "VALID",
		Created: c.created.Format(time.RFC3339), LastUpdated: c.updated.UTC().Format(time.RFC3339)}
	if j.CustomParams == nil {
		j.CustomParams = []SeedParam{}
	}
	if len(c.convs) > 0 {
		j.ChannelID = c.convs[len(c.convs)-1].channel.ID
	}
	return j
}
