// Package wati is the Wati REST client (v3 and v1) built on resty: typed
// errors, retries, redaction. It never prints except to the debug writer.
//
// Every operation of wati-api.md that a handoff needs is a method of Client,
// in its v3 form by default and its v1 form for accounts with api: v1.
// Failures are *Error values whose Kind maps to design.md's exit codes
// (ExitCode) and that carry a hint (Hint); a cancelled context surfaces as
// context.Canceled. The token is sent only to Config.BaseURL's origin, never
// across a redirect, and never appears in a recorded request, an error or the
// debug output. docs/wati-client.md has the details.
package wati

import (
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// Config configures one client, for one account.
type Config struct {
	BaseURL        string        // origin, e.g. https://live-mt-server.wati.io or http://127.0.0.1:8089
	API            string        // "v3" (default) or "v1"
	TenantID       string        // v1 only; empty when the host implies it
	Token          string        // with or without "Bearer "
	Channel        string        // default channel name or number, optional
	UserAgent      string        // "handoff/<version>"
	RequestTimeout time.Duration // per attempt; 0 = 15s
	Deadline       time.Duration // all attempts of one call; 0 = 60s
	MaxAttempts    int           // 0 = 5
	MaxRetryAfter  time.Duration // cap on an honoured Retry-After; 0 = 60s
	Debug          io.Writer     // HANDOFF_DEBUG=api: requests and responses, token redacted
	DryRun         bool          // writes are recorded, not sent

	// Added by the implementation; all optional.
	Account       string        // account name, used in hints ("handoff account add NAME ...")
	TokenSource   string        // where the token came from ("env HANDOFF_TOKEN_X", "credentials.yaml"), for the 401 hint
	RetryBaseWait time.Duration // first backoff; 0 = 250ms (tests use a few ms)
	RetryMaxWait  time.Duration // cap of one backoff (not of Retry-After); 0 = 8s
	HTTPClient    *http.Client  // transport to use; its redirect policy and timeout are overridden
}

// Request is one HTTP request as it is (or would be) sent, token redacted.
type Request struct {
	Method string            `json:"method"`
	URL    string            `json:"url"`
	Header map[string]string `json:"header,omitempty"`
	Body   string            `json:"body,omitempty"`
	Status int               `json:"status,omitempty"` // 0 when not sent or not answered
	Error  string            `json:"error,omitempty"`  // sent but no answer: why (timeout, reset, ...)
}

// Contact is a Wati contact (fields the tool reads).
type Contact struct {
	ID            string        `json:"id"`
	WaID          string        `json:"wa_id"`
	Name          string        `json:"name"`
	Phone         string        `json:"phone"`
	Teams         []string      `json:"teams"`
	ChannelID     string        `json:"channel_id"`
	ContactStatus string        `json:"contact_status"`
	CustomParams  []CustomParam `json:"custom_params"`
}

// CustomParam is one of a contact's custom attributes.
type CustomParam struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// UnmarshalJSON accepts a value of any JSON scalar type (seen as numbers
// and booleans in the wild) and keeps it as text.
func (p *CustomParam) UnmarshalJSON(b []byte) error {
	var v struct {
		Name  string          `json:"name"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	p.Name = v.Name
	p.Value = ""
	if len(v.Value) == 0 || string(v.Value) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(v.Value, &s); err == nil {
		p.Value = s
		return nil
	}
	p.Value = string(v.Value) // 42, true, ...
	return nil
}

// ContactPage is one page of the contact list.
type ContactPage struct {
	Contacts   []Contact
	PageNumber int
	PageSize   int
}

// Chatbot is a Wati chatbot (flow).
type Chatbot struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Created string `json:"created"`
}

// Channel is one of the workspace's channels (connected numbers) other
// than the default one, which Wati does not list.
type Channel struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Channel string `json:"channel"` // the platform, e.g. "Whatsapp" (not the number)
}

// Message is one entry of a conversation's message list.
type Message struct {
	ID             string `json:"id"`
	Created        string `json:"created"`
	ConversationID string `json:"conversation_id"`
	EventType      string `json:"event_type"`
	Text           string `json:"text"`
	Owner          bool   `json:"owner"`
	OperatorName   string `json:"operator_name"`
	AssignedID     string `json:"assigned_id"`
	// Also documented by Wati's MessageDto (wati-api.json); all nullable.
	Type     string `json:"type"`      // message type (text, image, ...)
	BotType  string `json:"bot_type"`  // set when a bot sent it
	TicketID string `json:"ticket_id"` // the ticket (assignment period) it belongs to
}

// Operations the Client offers (signatures are the contract):
//
//	func New(cfg Config) (*Client, error)
//	func (c *Client) API() string
//	func (c *Client) AssignOperator(ctx context.Context, t Target, email *string) error   // nil email: bot operator
//	func (c *Client) StartChatbot(ctx context.Context, t Target, chatbotID string) error
//	func (c *Client) AssignTeams(ctx context.Context, t Target, teams []string) error
//	func (c *Client) GetContact(ctx context.Context, t Target) (*Contact, error)
//	func (c *Client) ListContacts(ctx context.Context, page, size int) (*ContactPage, error)
//	func (c *Client) ListChatbots(ctx context.Context) ([]Chatbot, error)           // all pages
//	func (c *Client) ListChannels(ctx context.Context) ([]Channel, error)           // all pages
//	func (c *Client) ListMessages(ctx context.Context, t Target, page, size int) ([]Message, error)
//	func (c *Client) UpdateStatus(ctx context.Context, t Target, status string) error
//	func (c *Client) Requests() []Request   // requests recorded (dry-run) or sent, token redacted
//	func RecordRequests(ctx) (context.Context, func() []Request) // the requests of one call
//
// Target:
//
//	type Target struct{ Phone, ConversationID, Channel, ContactID string }
//	func ParseTarget(s string) (Target, error)  // error is *TargetError (exit 2)
//	func (t Target) For(use Use) error          // the forms a route takes (UseConversation, UseContact, UseChatbot)
//	func (t Target) String() string         // normalised form
//
// Errors: *Error with a Kind; (*Error).ExitCode() gives design.md's exit code.
