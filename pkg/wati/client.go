package wati

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
