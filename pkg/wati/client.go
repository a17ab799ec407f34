package wati

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/handoff-dev/handoff/pkg/redact"
)

// Defaults of Config's zero values.
const (
	DefaultRequestTimeout = 15 * time.Second
	DefaultDeadline       = 60 * time.Second
	DefaultMaxAttempts    = 5
	DefaultMaxRetryAfter  = 60 * time.Second
	DefaultRetryBaseWait  = 250 * time.Millisecond
	DefaultRetryMaxWait   = 8 * time.Second

	// Redacted replaces the token wherever a request is shown.
	Redacted = redact.Mask

	// maxMessage caps Wati's text (an error message, a body) in an error:
	// the token is masked first, then control characters escaped, then the
	// text cut (see pkg/redact).
	maxMessage = 200

	maxKeptRequests = 1000    // Requests() keeps the most recent ones
	maxResponseBody = 4 << 20 // bigger answers are refused, not buffered
)

// Client talks to one Wati account. It is safe for concurrent use.
type Client struct {
	cfg    Config
	base   *url.URL
	token  string // without "Bearer "
	red    *redact.Redactor
	rc     *resty.Client
	jitter func(time.Duration) time.Duration

	mu   sync.Mutex
	reqs []Request
}

// New builds a client; it checks the configuration but sends nothing.
func New(cfg Config) (*Client, error) {
	if cfg.API == "" {
		cfg.API = "v3"
	}
	cfg.API = strings.ToLower(cfg.API)
	if cfg.API != "v3" && cfg.API != "v1" {
		return nil, &Error{Kind: KindInvalid, Op: "wati client", Msg: fmt.Sprintf("api %q is not v3 or v1", cfg.API)}
	}
	base, err := checkBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, &Error{Kind: KindInvalid, Op: "wati client", Msg: err.Error()}
	}
	if strings.ContainsAny(cfg.TenantID, "/?#% ") {
		return nil, &Error{Kind: KindInvalid, Op: "wati client", Msg: fmt.Sprintf("tenant id %q has characters a path segment cannot hold", cfg.TenantID)}
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "handoff"
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.Deadline <= 0 {
		cfg.Deadline = DefaultDeadline
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.MaxRetryAfter <= 0 {
		cfg.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if cfg.RetryBaseWait <= 0 {
		cfg.RetryBaseWait = DefaultRetryBaseWait
	}
	if cfg.RetryMaxWait <= 0 {
		cfg.RetryMaxWait = DefaultRetryMaxWait
	}
	if cfg.RetryMaxWait < cfg.RetryBaseWait {
		cfg.RetryMaxWait = cfg.RetryBaseWait
	}

	hc := cfg.HTTPClient
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 64
		tr.MaxIdleConns = 128
		hc = &http.Client{Transport: tr}
	} else {
		cp := *hc
		hc = &cp
	}
	// Follow no redirect: the token must never reach another origin, and a
	// redirect from an API host means the endpoint is wrong anyway.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	hc.Timeout = 0 // per-attempt timeouts come from the context
	withTestTransport(hc)

	rc := resty.NewWithClient(hc).
		SetLogger(nopLogger{}).
		SetDisableWarn(true).
		SetRetryCount(0). // retries are ours: see retry.go for why not resty's
		SetResponseBodyLimit(maxResponseBody)

	return &Client{
		cfg:    cfg,
		base:   base,
		token:  StripBearer(cfg.Token),
		red:    redact.New(StripBearer(cfg.Token)),
		rc:     rc,
		jitter: fullJitter,
	}, nil
}

// API is "v3" or "v1".
func (c *Client) API() string { return c.cfg.API }

// BaseURL is the account's origin (and path prefix, if any).
func (c *Client) BaseURL() string { return strings.TrimSuffix(c.base.String(), "/") }

// StripBearer removes a pasted "Bearer " prefix and surrounding space.
func StripBearer(token string) string {
	t := strings.TrimSpace(token)
	for {
		if len(t) >= 7 && strings.EqualFold(t[:7], "bearer ") {
			t = strings.TrimSpace(t[7:])
			continue
		}
		return t
	}
}

func checkBaseURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, errors.New("no endpoint URL")
	}
	u, err := parseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("endpoint %q is not a URL", raw)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("endpoint %q must start with https://", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("endpoint %q has no host", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("endpoint %q must be a plain origin (no user, query or fragment)", raw)
	}
	if u.Scheme == "http" && !IsLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("endpoint %q must use https:// (plain http is only for loopback addresses such as the sandbox)", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// IsLoopbackHost reports whether host is localhost, 127.0.0.0/8 or ::1.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

func parseURL(s string) (*url.URL, error) { return url.Parse(s) }

type nopLogger struct{}

func (nopLogger) Errorf(string, ...any) {}
func (nopLogger) Warnf(string, ...any)  {}
func (nopLogger) Debugf(string, ...any) {}

// ----- recording -----

// Requests returns the requests this client recorded, oldest first: writes
// held back by dry-run (Status 0) and every attempt actually sent, with its
// status. The token is redacted. Only the most recent 1000 are kept; use
// RecordRequests to collect the requests of one call.
func (c *Client) Requests() []Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	kept := c.reqs
	if len(kept) > maxKeptRequests {
		kept = kept[len(kept)-maxKeptRequests:]
	}
	out := make([]Request, len(kept))
	copy(out, kept)
	return out
}

type recorderKey struct{}

type recorder struct {
	mu     sync.Mutex
	reqs   []Request
	parent *recorder // an enclosing RecordRequests also collects them
}

// RecordRequests returns a context under which every request a Client
// records is also collected, and a function returning what was collected.
// Use one per handoff, so that concurrent handoffs on one client keep their
// requests apart (nested ones, one per step, also feed the enclosing one):
//
//	ctx, reqs := wati.RecordRequests(ctx)
//	err := c.AssignOperator(ctx, t, &email)
//	result.Requests = reqs()
func RecordRequests(ctx context.Context) (context.Context, func() []Request) {
	parent, _ := ctx.Value(recorderKey{}).(*recorder)
	r := &recorder{parent: parent}
	return context.WithValue(ctx, recorderKey{}, r), func() []Request {
		r.mu.Lock()
		defer r.mu.Unlock()
		out := make([]Request, len(r.reqs))
		copy(out, r.reqs)
		return out
	}
}

func (c *Client) record(ctx context.Context, r Request) {
	c.mu.Lock()
	if len(c.reqs) >= 2*maxKeptRequests { // trim now and then, not on every request
		c.reqs = append([]Request(nil), c.reqs[len(c.reqs)-maxKeptRequests:]...)
	}
	c.reqs = append(c.reqs, r)
	c.mu.Unlock()
	rec, _ := ctx.Value(recorderKey{}).(*recorder)
	for ; rec != nil; rec = rec.parent {
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, r)
		rec.mu.Unlock()
	}
}

// redact removes the token (and any part of it) from text shown to a person.
func (c *Client) redact(s string) string { return c.red.String(s) }

// serverText is Wati's text made fit for one line of an error: token
// masked, control characters escaped, then cut to maxMessage characters.
func (c *Client) serverText(s string) string { return c.red.Line(strings.TrimSpace(s), maxMessage) }

// ----- one call -----

// call describes one Wati operation.
type call struct {
	op     string
	scopes []string
	method string
	path   string     // escaped, after the base path
	query  url.Values // may be nil
	body   any        // marshalled to JSON when non-nil
	write  bool       // held back by dry-run
	once   bool       // not idempotent: resent only when surely never sent
	// unknown says what may or may not have happened when a once call
	// gets no answer ("" = a chatbot start).
	unknown string
}

func (cl call) unknownText() string {
	if cl.unknown != "" {
		return cl.unknown
	}
	return "the chatbot may or may not have started"
}

func (c *Client) urlFor(path string, q url.Values) string {
	u := *c.base
	u.RawPath = ""
	u.Path = ""
	s := u.String() + c.base.EscapedPath() + path
	if len(q) > 0 {
		s += "?" + q.Encode()
	}
	return s
}

func (c *Client) headers(hasBody bool) http.Header {
	h := http.Header{}
	if c.token != "" {
		h.Set("Authorization", "Bearer "+c.token)
	}
	h.Set("Accept", "application/json")
	h.Set("User-Agent", c.cfg.UserAgent)
	if hasBody {
		h.Set("Content-Type", "application/json")
	}
	return h
}

func redactedHeader(h http.Header) map[string]string {
	m := make(map[string]string, len(h))
	for k, v := range h {
		if strings.EqualFold(k, "Authorization") {
			m[k] = "Bearer " + Redacted
			continue
		}
		m[k] = strings.Join(v, ", ")
	}
	return m
}

func marshalBody(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// response is a successful (2xx) answer.
type response struct {
	status int
	body   []byte
	dryRun bool
}

// do runs one call: dry-run, retries, error mapping. See retry.go.
func (c *Client) do(ctx context.Context, cl call) (*response, error) {
	if err := ctx.Err(); err != nil {
		return nil, cancelled(cl.op, err, false)
	}
	var body []byte
	if cl.body != nil {
		b, err := marshalBody(cl.body)
		if err != nil {
			return nil, &Error{Kind: KindInvalid, Op: cl.op, Msg: err.Error()}
		}
		body = b
	}
	fullURL := c.urlFor(cl.path, cl.query)
	hdr := c.headers(body != nil)
	if cl.write && c.cfg.DryRun {
		r := Request{Method: cl.method, URL: fullURL, Header: redactedHeader(hdr), Body: string(body)}
		c.record(ctx, r)
		c.debugDryRun(r)
		return &response{dryRun: true}, nil
	}
	return c.retry(ctx, cl, fullURL, hdr, body)
}

// result is Wati's {"result": bool, "info": "..."} (and v3's message).
type result struct {
	Result  *bool           `json:"result"`
	Info    json.RawMessage `json:"info"`
	Message *string         `json:"message"`
}

// checkResult accepts a write's answer: an empty body or JSON without
// "result" is taken as success (v1 bodies are not documented); result:false
// is a Rejected error carrying Wati's info; anything not JSON is Malformed.
func (c *Client) checkResult(cl call, resp *response) error {
	if resp.dryRun {
		return nil
	}
	b := bytes.TrimSpace(resp.body)
	if len(b) == 0 {
		return nil
	}
	var r result
	if err := json.Unmarshal(b, &r); err != nil {
		return &Error{Kind: KindMalformed, Op: cl.op, Status: resp.status, Msg: "answer is not JSON: " + c.snippet(b), Err: err}
	}
	if r.Result != nil && !*r.Result {
		msg := infoText(r.Info)
		if msg == "" && r.Message != nil {
			msg = *r.Message
		}
		if msg == "" {
			msg = "no reason given"
		}
		return &Error{Kind: KindRejected, Op: cl.op, Status: resp.status, Msg: c.serverText(msg)}
	}
	return nil
}

// infoText renders v1's "info", which clients have seen as a string or an object.
func infoText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

func (c *Client) snippet(b []byte) string { return c.serverText(string(b)) }

// decode reads a read's JSON answer into v, or returns a Malformed error.
// missing is the error for an answer that decodes but lacks a field the call needs.
func (c *Client) missing(cl call, resp *response, what string) error {
	return &Error{Kind: KindMalformed, Op: cl.op, Status: resp.status, Msg: "the answer has no " + what + ": " + c.snippet(resp.body)}
}

func (c *Client) decode(cl call, resp *response, v any) error {
	if err := json.Unmarshal(resp.body, v); err != nil {
		return &Error{Kind: KindMalformed, Op: cl.op, Status: resp.status, Msg: "cannot read the answer: " + c.snippet(resp.body), Err: err}
	}
	return nil
}
