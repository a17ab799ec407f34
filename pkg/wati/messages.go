package wati

// Account is the account name the client was built for ("" when none was given).
func (c *Client) Account() string { return c.cfg.Account }
