package wati

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Debug output (HANDOFF_DEBUG=api): each request and response, written to
// Config.Debug in one Write each so that concurrent calls do not interleave
// within a block. The Authorization header is shown redacted and the token is
// scrubbed from everything else (a server could echo it). resty's own debug
// log and curl rendering are never used: they print the token.

const debugBodyLimit = 4096

func (c *Client) debugRequest(method, fullURL string, h http.Header, body []byte, attempt int) {
	if c.cfg.Debug == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s", method, fullURL)
	if attempt > 1 {
		fmt.Fprintf(&b, " (attempt %d)", attempt)
	}
	b.WriteByte('\n')
	writeHeaders(&b, "> ", redactedHeader(h))
	if len(body) > 0 {
		b.WriteString("> \n")
		b.WriteString(c.indentBody("> ", body))
	}
	c.writeDebug(b.String())
}

func (c *Client) debugDryRun(r Request) {
	if c.cfg.Debug == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s (dry-run: not sent)\n", r.Method, r.URL)
	writeHeaders(&b, "> ", r.Header)
	if r.Body != "" {
		b.WriteString("> \n")
		b.WriteString(c.indentBody("> ", []byte(r.Body)))
	}
	c.writeDebug(b.String())
}

func (c *Client) debugResponse(resp *http.Response, body []byte, elapsed time.Duration) {
	if c.cfg.Debug == nil || resp == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "< %s %s (%s)\n", resp.Proto, resp.Status, elapsed.Round(time.Millisecond))
	h := make(map[string]string, len(resp.Header))
	for k, v := range resp.Header {
		if strings.EqualFold(k, "Set-Cookie") || strings.EqualFold(k, "Authorization") {
			h[k] = Redacted
			continue
		}
		h[k] = c.red.Line(strings.Join(v, ", "), debugBodyLimit)
	}
	writeHeaders(&b, "< ", h)
	if len(body) > 0 {
		b.WriteString("< \n")
		b.WriteString(c.indentBody("< ", body))
	}
	c.writeDebug(b.String())
}

func (c *Client) debugError(msg string, elapsed time.Duration) {
	if c.cfg.Debug == nil {
		return
	}
	c.writeDebug(fmt.Sprintf("< no answer: %s (%s)\n", msg, elapsed.Round(time.Millisecond)))
}

func (c *Client) writeDebug(s string) {
	_, _ = c.cfg.Debug.Write([]byte(c.redact(s) + "\n"))
}

func writeHeaders(b *strings.Builder, prefix string, h map[string]string) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(b, "%s%s: %s\n", prefix, k, h[k])
	}
}

// indentBody shows a body: token masked first, control characters escaped,
// then cut to debugBodyLimit characters (see pkg/redact for why that order).
func (c *Client) indentBody(prefix string, body []byte) string {
	s := c.red.Block(string(body), debugBodyLimit)
	if strings.HasSuffix(s, "…") {
		s += fmt.Sprintf(" (%d bytes in all)", len(body))
	}
	s = strings.TrimRight(s, "\n")
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix) + "\n"
}
