package wati

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Retries are done here rather than by resty's retry loop, whose traps
// (design.md) do not fit Wati: it clamps Retry-After to its max wait instead
// of honouring it, any retry condition switches off its retry on network
// errors, it retries POST (a chatbot start would run twice), and after the
// last attempt it returns a nil error with the 429. resty sends each attempt.
//
// The policy:
//   - 429: retried for every call (a 429 is a refusal: nothing happened),
//     after Retry-After (seconds or an HTTP date) when given, honoured fully up
//     to MaxRetryAfter; a longer one stops at once with KindRateLimited.
//   - 500, 502, 503, 504, timeouts and connection errors: retried for reads
//     and idempotent writes (the PUTs and v1's assign/status POSTs) with
//     jittered exponential backoff. For a chatbot start (once) they end the
//     call with KindOutcomeUnknown, except errors raised before anything was
//     sent (dial: connection refused, name resolution), which are retried.
//   - every call is bounded by MaxAttempts and by Deadline (all attempts and
//     waits); each attempt by RequestTimeout. A wait that would overrun the
//     deadline is not started.
//   - cancelling the context stops at once with an error wrapping
//     context.Canceled.
func (c *Client) retry(ctx context.Context, cl call, fullURL string, hdr http.Header, body []byte) (*response, error) {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Deadline)
	defer cancel()

	var last *Error
	for attempt := 1; ; attempt++ {
		resp, err := c.attempt(ctx, cl, fullURL, hdr, body, attempt)
		if err == nil {
			return resp, nil
		}
		var werr *Error
		if !errors.As(err, &werr) {
			return nil, err // cancelled
		}
		werr.Attempts = attempt
		if c.cfg.Account != "" {
			werr.Account = c.cfg.Account
			werr.TokenFrom = c.cfg.TokenSource
		}
		if !isRetryable(werr) {
			return nil, werr
		}
		last = werr
		if attempt >= c.cfg.MaxAttempts {
			return nil, last
		}
		wait := c.backoff(attempt)
		if werr.RetryAfter > 0 {
			if werr.RetryAfter > c.cfg.MaxRetryAfter {
				return nil, last // Wati asked for longer than we will wait
			}
			wait = werr.RetryAfter
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return nil, last // the deadline would pass while waiting
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			if parent.Err() != nil && errors.Is(parent.Err(), context.Canceled) {
				return nil, cancelled(cl.op, parent.Err(), false)
			}
			return nil, last
		}
	}
}

func isRetryable(e *Error) bool { return errors.Is(e.Err, errRetry) }

var errRetry = errors.New("retryable")

// retryErr wraps cause so that isRetryable sees it and errors.Is still finds cause.
func retryErr(cause error) error {
	if cause == nil {
		return errRetry
	}
	return errors.Join(errRetry, cause)
}

// attempt sends one request and maps its answer. A nil error means 2xx.
func (c *Client) attempt(ctx context.Context, cl call, fullURL string, hdr http.Header, body []byte, n int) (*response, error) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()

	req := c.rc.R().SetContext(actx)
	for k, v := range hdr {
		req.SetHeader(k, v[0])
	}
	if body != nil {
		req.SetBody(body)
	}
	c.debugRequest(cl.method, fullURL, hdr, body, n)
	start := time.Now()
	rresp, err := req.Execute(cl.method, fullURL)
	elapsed := time.Since(start)

	rec := Request{Method: cl.method, URL: fullURL, Header: redactedHeader(hdr), Body: string(body)}
	base := &Error{Op: cl.op, Method: cl.method, URL: fullURL, Scopes: cl.scopes}

	if err != nil {
		rec.Error = c.serverText(netErrorText(err))
		c.record(ctx, rec)
		c.debugError(rec.Error, elapsed)
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
			// the caller cancelled (the deadline context only adds DeadlineExceeded)
			return nil, cancelled(cl.op, ctx.Err(), cl.write && !surelyNotSent(err))
		}
		base.Err = err
		base.Msg = rec.Error
		if surelyNotSent(err) {
			base.Kind = KindUnavailable
			base.Err = retryErr(err)
			return nil, base
		}
		if cl.once {
			base.Kind = KindOutcomeUnknown
			base.Msg = "no answer (" + rec.Error + "); " + cl.unknownText()
			return nil, base
		}
		base.Kind = KindUnavailable
		base.Err = retryErr(err)
		return nil, base
	}

	status := rresp.StatusCode()
	rb := rresp.Body()
	rec.Status = status
	c.record(ctx, rec)
	c.debugResponse(rresp.RawResponse, rb, elapsed)
	base.Status = status

	switch {
	case status >= 200 && status < 300:
		return &response{status: status, body: rb}, nil
	case status >= 300 && status < 400:
		base.Kind = KindRedirect
		base.Location = c.red.Line(rresp.Header().Get("Location"), 2048)
		return nil, base
	case status == http.StatusTooManyRequests:
		base.Kind = KindRateLimited
		base.RetryAfter = parseRetryAfter(rresp.Header().Get("Retry-After"), time.Now())
		base.Msg = c.errorMessage(rb)
		base.Err = retryErr(nil)
		return nil, base
	case status >= 500:
		base.Msg = c.errorMessage(rb)
		if cl.once {
			base.Kind = KindOutcomeUnknown
			if base.Msg == "" {
				base.Msg = http.StatusText(status)
			}
			base.Msg += "; " + cl.unknownText()
			return nil, base
		}
		base.Kind = KindUnavailable
		switch status {
		case 500, 502, 503, 504:
			base.RetryAfter = parseRetryAfter(rresp.Header().Get("Retry-After"), time.Now())
			base.Err = retryErr(nil)
		}
		return nil, base
	case status == http.StatusUnauthorized:
		base.Kind = KindUnauthorized
		base.Msg = c.errorMessage(rb)
	case status == http.StatusForbidden:
		base.Kind = KindForbidden
		base.Msg = c.errorMessage(rb)
	case status == http.StatusNotFound:
		base.Kind = KindNotFound
		base.Msg = c.errorMessage(rb)
	case status == http.StatusConflict:
		base.Kind = KindConflict
		base.Msg = c.errorMessage(rb)
	default:
		base.Kind = KindBadRequest
		base.Msg = c.errorMessage(rb)
		if base.Msg == "" {
			base.Msg = http.StatusText(status)
		}
	}
	return nil, base
}

// errorMessage extracts Wati's message from an error body: v3's
// {"code","message","timestamp"} (message may be null), v1's info, or plain
// text (401 and 403 may have no JSON at all). It never fails.
func (c *Client) errorMessage(b []byte) string {
	b = []byte(strings.TrimSpace(string(b)))
	if len(b) == 0 {
		return ""
	}
	var v struct {
		Message *string         `json:"message"`
		Info    json.RawMessage `json:"info"`
		Error   *string         `json:"error"`
		Title   *string         `json:"title"`
	}
	if b[0] == '{' && json.Unmarshal(b, &v) == nil {
		switch {
		case v.Message != nil && *v.Message != "":
			return c.serverText(*v.Message)
		case infoText(v.Info) != "":
			return c.serverText(infoText(v.Info))
		case v.Error != nil && *v.Error != "":
			return c.serverText(*v.Error)
		case v.Title != nil && *v.Title != "":
			return c.serverText(*v.Title)
		}
		return ""
	}
	if b[0] == '<' { // an HTML error page says nothing useful in one line
		return ""
	}
	return c.snippet(b)
}

// parseRetryAfter reads Retry-After as delay-seconds or an HTTP date.
// It returns 0 when absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// backoff is the wait after attempt n (1-based) failed: exponential from
// RetryBaseWait, capped at RetryMaxWait, with full jitter on the upper half.
func (c *Client) backoff(n int) time.Duration {
	d := c.cfg.RetryBaseWait
	for i := 1; i < n && d < c.cfg.RetryMaxWait; i++ {
		d *= 2
	}
	if d > c.cfg.RetryMaxWait {
		d = c.cfg.RetryMaxWait
	}
	return c.jitter(d)
}

// fullJitter returns a duration in [d/2, d].
func fullJitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// surelyNotSent reports whether err happened before any byte of the request
// left: the connection was never made (refused, unreachable, dial timeout) or
// the name did not resolve.
func surelyNotSent(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return false
}

func netErrorText(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	}
	var ue *url.Error // repeats method and URL; keep the cause
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err.Error()
	}
	return err.Error()
}

// cancelled is the error of a call stopped by its context: it wraps
// context.Canceled (exit 130) and says whether a write may have gone out.
func cancelled(op string, cause error, inFlight bool) error {
	return &CancelledError{Op: op, InFlight: inFlight, Err: cause}
}
