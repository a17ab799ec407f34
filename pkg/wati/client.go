package wati

import (
	"context"
	"errors"
)

// Client talks to one Wati account.
type Client struct {
	cfg Config
}

// New builds a client; it checks the configuration but sends nothing.
func New(cfg Config) (*Client, error) {
	if cfg.API == "" {
		cfg.API = "v3"
	}
	return &Client{cfg: cfg}, nil
}

// API is "v3" or "v1".
func (c *Client) API() string { return c.cfg.API }

// ----- contract stubs: replaced by the implementation (issue 3) -----

var errTODO = errors.New("not implemented yet")

func (c *Client) AssignOperator(ctx context.Context, t Target, email *string) error  { return errTODO }
func (c *Client) StartChatbot(ctx context.Context, t Target, chatbotID string) error { return errTODO }
func (c *Client) AssignTeams(ctx context.Context, t Target, teams []string) error    { return errTODO }
func (c *Client) GetContact(ctx context.Context, t Target) (*Contact, error)         { return nil, errTODO }
func (c *Client) ListContacts(ctx context.Context, page, size int) (*ContactPage, error) {
	return nil, errTODO
}
func (c *Client) ListChatbots(ctx context.Context) ([]Chatbot, error) { return nil, errTODO }
func (c *Client) ListChannels(ctx context.Context) ([]Channel, error) { return nil, errTODO }
func (c *Client) ListMessages(ctx context.Context, t Target, page, size int) ([]Message, error) {
	return nil, errTODO
}
func (c *Client) UpdateStatus(ctx context.Context, t Target, status string) error { return errTODO }
func (c *Client) Requests() []Request                                             { return nil }

// Target is where a handoff goes: a phone, a conversation id or Channel:Phone.
type Target struct {
	Phone, ConversationID, Channel string
}

func ParseTarget(s string) (Target, error) { return Target{Phone: s}, errTODO }
func (t Target) String() string            { return t.Phone }
