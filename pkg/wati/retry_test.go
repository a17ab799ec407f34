package wati_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/sandbox"
	"github.com/handoff-dev/handoff/pkg/wati"
)

func TestRetryAfterSecondsIsHonoured(t *testing.T) {
	t.Parallel()
	sc := newScripted(t, status(429, "Retry-After", "1"), ok)
	c := newClient(t, wati.Config{BaseURL: sc.URL})
	t0 := time.Now()
	if err := c.AssignOperator(context.Background(), tg("14155552671"), nil); err != nil {
		t.Fatal(err)
	}
	// resty would clamp this to its max wait; the client waits what Wati asked
	if d := time.Since(t0); d < time.Second || d > 3*time.Second {
		t.Fatalf("waited %v, want about 1s", d)
	}
	if sc.count() != 2 {
		t.Fatalf("%d requests", sc.count())
	}
	r := c.Requests()
	if len(r) != 2 || r[0].Status != 429 || r[1].Status != 200 {
		t.Fatalf("recorded %+v", r)
	}
}

func TestRetryAfterHTTPDateIsHonoured(t *testing.T) {
	t.Parallel()
	var first time.Time
	sc := newScripted(t, func(w http.ResponseWriter, r *http.Request) {
		first = time.Now()
		// two seconds ahead, at one-second resolution: waits between 1 and 2s
		w.Header().Set("Retry-After", first.Add(2*time.Second).UTC().Format(http.TimeFormat))
		w.WriteHeader(429)
	}, ok)
	c := newClient(t, wati.Config{BaseURL: sc.URL})
	if err := c.AssignTeams(context.Background(), tg("14155552671"), []string{"Billing"}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(first); d < 900*time.Millisecond || d > 3*time.Second {
		t.Fatalf("waited %v after the 429, want 1 to 2s", d)
	}
}

func TestRetryAfterBeyondTheCapStopsAtOnce(t *testing.T) {
	sc := newScripted(t, status(429, "Retry-After", "3600"))
	c := newClient(t, wati.Config{BaseURL: sc.URL, MaxRetryAfter: 2 * time.Second})
	t0 := time.Now()
	err := c.AssignOperator(context.Background(), tg("14155552671"), nil)
	we := asError(t, err)
	if we.Kind != wati.KindRateLimited || we.ExitCode() != 6 || we.RetryAfter != time.Hour || !strings.Contains(we.Hint(), "wait 1h0m0s") {
		t.Fatalf("%v (retry after %v, hint %q)", err, we.RetryAfter, we.Hint())
	}
	if time.Since(t0) > time.Second || sc.count() != 1 {
		t.Fatalf("took %v and %d requests: a monthly quota must not be waited for", time.Since(t0), sc.count())
	}
}

func TestRetryAfterBeyondTheDeadlineStopsAtOnce(t *testing.T) {
	sc := newScripted(t, status(429, "Retry-After", "5"))
	c := newClient(t, wati.Config{BaseURL: sc.URL, Deadline: 500 * time.Millisecond})
	t0 := time.Now()
	we := asError(t, c.AssignOperator(context.Background(), tg("14155552671"), nil))
	if we.Kind != wati.KindRateLimited || time.Since(t0) > 400*time.Millisecond || sc.count() != 1 {
		t.Fatalf("%v after %v and %d requests", we, time.Since(t0), sc.count())
	}
}

func TestRateLimitedAfterAllAttempts(t *testing.T) {
	// no Retry-After: jittered exponential backoff, then a typed error (resty
	// would return a nil error with the last 429)
	sc := newScripted(t, status(429))
	c := newClient(t, wati.Config{BaseURL: sc.URL, MaxAttempts: 4})
	err := c.AssignOperator(context.Background(), tg("14155552671"), nil)
	we := asError(t, err)
	if we.Kind != wati.KindRateLimited || we.Attempts != 4 || sc.count() != 4 || cmdutil.ExitCodeOf(err) != 6 {
		t.Fatalf("%v, attempts %d, %d requests", err, we.Attempts, sc.count())
	}
	if !strings.Contains(err.Error(), "after 4 attempts") {
		t.Fatal(err)
	}
}

func TestIdempotentWritesRetry5xx(t *testing.T) {
	for _, code := range []int{500, 502, 503, 504} {
		sc := newScripted(t, status(code), status(code), ok)
		c := newClient(t, wati.Config{BaseURL: sc.URL})
		if err := c.AssignOperator(context.Background(), tg("14155552671"), ptr("maria@acme.com")); err != nil {
			t.Fatalf("%d: %v", code, err)
		}
		if sc.count() != 3 {
			t.Fatalf("%d: %d requests, want 3", code, sc.count())
		}
	}
	// all attempts fail: unavailable, safe to retry (exit 6)
	sc := newScripted(t, status(503))
	err := newClient(t, wati.Config{BaseURL: sc.URL, MaxAttempts: 3}).UpdateStatus(context.Background(), tg("14155552671"), "open")
	we := asError(t, err)
	if we.Kind != wati.KindUnavailable || we.ExitCode() != 6 || sc.count() != 3 || !strings.Contains(we.Hint(), "safe to run") {
		t.Fatalf("%v (%d requests)", err, sc.count())
	}
	// v1's assign POSTs are idempotent too
	sc = newScripted(t, status(502), ok)
	if err := newClient(t, wati.Config{BaseURL: sc.URL, API: "v1", TenantID: "1"}).AssignTeams(context.Background(), tg("14155552671"), []string{"A"}); err != nil || sc.count() != 2 {
		t.Fatalf("%v (%d requests)", err, sc.count())
	}
}

func TestReadsRetryTimeouts(t *testing.T) {
	var n atomic.Int32
	sc := newScripted(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			sleepCtx(r, 300*time.Millisecond) // longer than the per-attempt timeout
		}
		w.Write([]byte(`{"channels":[]}`))
	})
	c := newClient(t, wati.Config{BaseURL: sc.URL, RequestTimeout: 100 * time.Millisecond})
	if _, err := c.ListChannels(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := c.Requests()
	if len(r) != 2 || r[0].Error != "timed out" || r[0].Status != 0 || r[1].Status != 200 {
		t.Fatalf("recorded %+v", r)
	}
}

// The documented case: a chatbot start answered 5xx is "outcome unknown",
// and exactly one request reached the server.
func TestChatbotStartAfter5xxIsOutcomeUnknown(t *testing.T) {
	for _, fs := range []int{0, 500, 503} { // 0: the sandbox picks 500 or 503
		s := startSandbox(t, sandbox.Options{FailRate: 1, FailStatus: fs})
		c := v3(t, s)
		err := c.StartChatbot(context.Background(), tg("14155552671"), "607f1f77bcf86cd799439011")
		we := asError(t, err)
		if we.Kind != wati.KindOutcomeUnknown || we.ExitCode() != 7 || cmdutil.ExitCodeOf(err) != 7 {
			t.Fatalf("fail status %d: %v", fs, err)
		}
		if !strings.Contains(we.Hint(), "Check the conversation in Wati") {
			t.Fatal(we.Hint())
		}
		if n := s.CountRequests("POST", "/api/ext/v3/chatbots/start"); n != 1 {
			t.Fatalf("fail status %d: the sandbox received %d chatbot starts, want exactly 1", fs, n)
		}
		if n := s.ChatbotStarts("14155552671"); n > 1 {
			t.Fatalf("started %d times", n)
		}
	}
	// v1 too
	s := startSandbox(t, sandbox.Options{FailRate: 1, FailStatus: 500})
	err := v1(t, s).StartChatbot(context.Background(), tg("14155552671"), "607f1f77bcf86cd799439011")
	if asError(t, err).Kind != wati.KindOutcomeUnknown || s.CountRequests("POST", "/100001/api/v1/chatbots/start") != 1 {
		t.Fatalf("%v, %d requests", err, s.CountRequests("POST", "/100001/api/v1/chatbots/start"))
	}
	if s.ChatbotStarts("14155552671") != 1 {
		t.Fatal("the sandbox's 500 applies the change: the start happened though the answer was lost")
	}
}

func TestChatbotStartAfterTimeoutIsOutcomeUnknown(t *testing.T) {
	sc := newScripted(t, func(w http.ResponseWriter, r *http.Request) { sleepCtx(r, 300*time.Millisecond) })
	c := newClient(t, wati.Config{BaseURL: sc.URL, RequestTimeout: 80 * time.Millisecond})
	err := c.StartChatbot(context.Background(), tg("14155552671"), "607f1f77bcf86cd799439011")
	we := asError(t, err)
	if we.Kind != wati.KindOutcomeUnknown || !strings.Contains(err.Error(), "timed out") || sc.count() != 1 {
		t.Fatalf("%v (%d requests)", err, sc.count())
	}
}

func TestChatbotStartRetries429(t *testing.T) {
	// a 429 is a refusal: nothing started, so sending again is safe
	var n atomic.Int32
	sc := newScripted(t, status(429, "Retry-After", "0"), func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Write([]byte(`{"result":true}`))
	})
	if err := newClient(t, wati.Config{BaseURL: sc.URL}).StartChatbot(context.Background(), tg("14155552671"), "607f1f77bcf86cd799439011"); err != nil {
		t.Fatal(err)
	}
	if sc.count() != 2 || n.Load() != 1 {
		t.Fatalf("%d requests, %d starts", sc.count(), n.Load())
	}
}

// A connection that was never made is retried, even for a chatbot start:
// the first dial fails, the second reaches the sandbox, one start happens.
func TestChatbotStartRetriesDialErrors(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	var dials atomic.Int32
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) == 1 {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connect: connection refused")}
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	c := newClient(t, wati.Config{BaseURL: s.URL(), HTTPClient: &http.Client{Transport: tr}})
	if err := c.StartChatbot(context.Background(), tg("14155552671"), "607f1f77bcf86cd799439011"); err != nil {
		t.Fatal(err)
	}
	if s.ChatbotStarts("14155552671") != 1 || dials.Load() != 2 {
		t.Fatalf("starts %d, dials %d", s.ChatbotStarts("14155552671"), dials.Load())
	}
	r := c.Requests()
	if len(r) != 2 || !strings.Contains(r[0].Error, "connection refused") || r[1].Status != 200 {
		t.Fatalf("recorded %+v", r)
	}
}

func TestConnectionRefusedEverywhere(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c := newClient(t, wati.Config{BaseURL: "http://" + addr, MaxAttempts: 3})
	err = c.StartChatbot(context.Background(), tg("14155552671"), "607f1f77bcf86cd799439011")
	we := asError(t, err)
	if we.Kind != wati.KindUnavailable || we.Attempts != 3 || we.ExitCode() != 6 || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("%v (attempts %d)", err, we.Attempts)
	}
}

func TestNameResolutionFailureIsRetriedAndUnavailable(t *testing.T) {
	c := newClient(t, wati.Config{BaseURL: "https://no-such-host.invalid", MaxAttempts: 2})
	err := c.StartChatbot(context.Background(), tg("14155552671"), "607f1f77bcf86cd799439011")
	we := asError(t, err)
	if we.Kind != wati.KindUnavailable || we.Attempts != 2 {
		t.Fatalf("%v (attempts %d)", err, we.Attempts)
	}
}

func TestDeadlineBoundsAllAttempts(t *testing.T) {
	sc := newScripted(t, status(503))
	c := newClient(t, wati.Config{BaseURL: sc.URL, MaxAttempts: 1000, Deadline: 300 * time.Millisecond,
		RetryBaseWait: 20 * time.Millisecond, RetryMaxWait: 40 * time.Millisecond})
	t0 := time.Now()
	we := asError(t, c.AssignOperator(context.Background(), tg("14155552671"), nil))
	if d := time.Since(t0); d > 600*time.Millisecond {
		t.Fatalf("took %v with a 300ms deadline", d)
	}
	if we.Kind != wati.KindUnavailable || we.Attempts < 3 {
		t.Fatalf("%v after %d attempts", we, we.Attempts)
	}
}

func TestCancelStopsAtOnce(t *testing.T) {
	t.Parallel()
	// cancelled while waiting for a retry
	sc := newScripted(t, status(429, "Retry-After", "30"))
	c := newClient(t, wati.Config{BaseURL: sc.URL})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	t0 := time.Now()
	err := c.AssignOperator(ctx, tg("14155552671"), nil)
	if !errors.Is(err, context.Canceled) || cmdutil.ExitCodeOf(err) != 130 || time.Since(t0) > time.Second {
		t.Fatalf("%v (exit %d) after %v", err, cmdutil.ExitCodeOf(err), time.Since(t0))
	}

	// cancelled while the request is in flight: the write may have gone out
	slow := newScripted(t, func(w http.ResponseWriter, r *http.Request) { sleepCtx(r, 2*time.Second) })
	c = newClient(t, wati.Config{BaseURL: slow.URL})
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	t0 = time.Now()
	err = c.StartChatbot(ctx, tg("14155552671"), "607f1f77bcf86cd799439011")
	if !errors.Is(err, context.Canceled) || cmdutil.ExitCodeOf(err) != 130 || time.Since(t0) > time.Second {
		t.Fatalf("%v after %v", err, time.Since(t0))
	}
	if !strings.Contains(err.Error(), "Wati may have received it") || slow.count() != 1 {
		t.Fatalf("%v (%d requests)", err, slow.count())
	}

	// already cancelled: nothing is sent
	none := newScripted(t, ok)
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if err := newClient(t, wati.Config{BaseURL: none.URL}).AssignOperator(ctx, tg("14155552671"), nil); !errors.Is(err, context.Canceled) || none.count() != 0 {
		t.Fatalf("%v (%d requests)", err, none.count())
	}
}

// The sandbox's --rate-limit and a client going faster: every call succeeds,
// some after a 429 and its Retry-After.
func TestRateLimitedSandbox(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("waits for a Retry-After second")
	}
	s := startSandbox(t, sandbox.Options{RateLimit: 3, GenerateContacts: 5})
	c := v3(t, s)
	for i := 0; i < 5; i++ {
		if err := c.AssignOperator(context.Background(), tg("1555000000"+string(rune('0'+i))), nil); err != nil {
			t.Fatal(err)
		}
	}
	saw429 := false
	for _, r := range c.Requests() {
		saw429 = saw429 || r.Status == 429
	}
	if !saw429 {
		t.Fatal("the sandbox never answered 429")
	}
}

// sleepCtx sleeps d or until the client goes away.
func sleepCtx(r *http.Request, d time.Duration) {
	select {
	case <-r.Context().Done():
	case <-time.After(d):
	}
}
