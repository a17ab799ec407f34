// Package sandbox is a local Wati-compatible server for demos, tests and
// benchmarks. It serves the v3 and v1 routes of wati-api.md that handoff
// uses, with Wati's status codes and bodies, from an in-memory workspace
// seeded from YAML, and lets tests inspect what changed
// (GET /_sandbox/state) and what was asked (GET /_sandbox/requests).
//
// It is safe for concurrent use and never logs the token.
package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/handoff-dev/handoff/pkg/redact"
)

// Defaults of Options.
const (
	DefaultToken    = "sandbox-token"
	DefaultTenantID = "100001"
	DefaultAddr     = "127.0.0.1:8089"
	DefaultLogLimit = 10000

	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
)

// Options configure a sandbox. The zero value serves the default seed with
// the default token and tenant, without faults.
type Options struct {
	Token            string        // the main token (scope "api"); "" = DefaultToken
	TenantID         string        // v1 tenant; "" = DefaultTenantID
	Seed             *Seed         // nil = DefaultSeed()
	GenerateContacts int           // adds contacts 15550000000+i, i in [0, N)
	Latency          time.Duration // delay before every API answer
	FailRate         float64       // fraction of writes answered 500 or 503
	FailStatus       int           // 0: 500 or 503 at random; else always this status
	RateLimit        int           // API requests per second before 429; 0 = none
	LogLimit         int           // request log entries kept; 0 = DefaultLogLimit, <0 = none
	Log              io.Writer     // one line per request; nil = silent
	RandSeed         uint64        // fault injection randomness; 0 = from the clock
	Now              func() time.Time

	// Human replies (replies.go): after an assignment to an operator or a
	// team, a person replies ReplyAfter later (± ReplyJitter, a fraction),
	// except for the share Unanswered of assignments. 0: nobody replies.
	ReplyAfter  time.Duration
	ReplyJitter float64
	Unanswered  float64
	// ReadHeaderTimeout bounds reading a request's headers, ReadTimeout the
	// whole request with its body, IdleTimeout a kept-alive connection's
	// wait for the next request: a slow or stalled client is cut off, not
	// kept forever. 0 = the defaults below.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	IdleTimeout       time.Duration
	// Wrap, when set, wraps the server's handler once Started (tests: for
	// example watitest.Handler, which checks every exchange against Wati's
	// OpenAPI description).
	Wrap func(http.Handler) http.Handler
}

// Server is one sandbox.
type Server struct {
	opts Options

	mu sync.Mutex
	ws *workspace

	logMu   sync.Mutex
	log     []LoggedRequest // ring buffer
	logNext int
	logSeq  int64

	rndMu sync.Mutex
	rnd   *rand.Rand

	secrets []string // every token, longest first, scrubbed from the log

	rateMu  sync.Mutex
	rateSec int64
	rateN   int

	closing chan struct{}
	hs      *http.Server
	ln      net.Listener
	url     string
	serveWG sync.WaitGroup
	close   sync.Once
}

// New builds a sandbox from opts; Start serves it.
func New(opts Options) (*Server, error) {
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if strings.ContainsAny(opts.Token, " \t\r\n") {
		return nil, errors.New("the token must not contain spaces")
	}
	if opts.TenantID == "" {
		opts.TenantID = DefaultTenantID
	}
	if strings.ContainsAny(opts.TenantID, "/?#% ") {
		return nil, fmt.Errorf("tenant id %q cannot be a path segment", opts.TenantID)
	}
	if opts.FailRate < 0 || opts.FailRate > 1 {
		return nil, fmt.Errorf("fail rate %v is not between 0 and 1", opts.FailRate)
	}
	if opts.ReplyAfter < 0 || opts.ReplyJitter < 0 || opts.ReplyJitter > 1 || opts.Unanswered < 0 || opts.Unanswered > 1 {
		return nil, errors.New("the reply delay cannot be negative; its jitter and the unanswered share are between 0 and 1")
	}
	if opts.RateLimit < 0 || opts.GenerateContacts < 0 || opts.Latency < 0 {
		return nil, errors.New("rate limit, generated contacts and latency cannot be negative")
	}
	if opts.ReadHeaderTimeout < 0 || opts.ReadTimeout < 0 || opts.IdleTimeout < 0 {
		return nil, errors.New("read and idle timeouts cannot be negative")
	}
	if opts.GenerateContacts > 10_000_000 {
		return nil, errors.New("at most 10000000 generated contacts")
	}
	if opts.LogLimit == 0 {
		opts.LogLimit = DefaultLogLimit
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	seed := opts.Seed
	if seed == nil {
		seed = DefaultSeed()
	} else if err := seed.check(); err != nil {
		return nil, err
	}
	ws, err := newWorkspace(seed, opts.GenerateContacts, opts.Now)
	if err != nil {
		return nil, err
	}
	if _, clash := ws.tokens[opts.Token]; clash {
		return nil, errors.New("the main token is also listed in the seed's tokens")
	}
	rs := opts.RandSeed
	if rs == 0 {
		rs = uint64(time.Now().UnixNano())
	}
	secrets := []string{opts.Token}
	for t := range ws.tokens {
		secrets = append(secrets, t)
	}
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	srv := &Server{opts: opts, ws: ws, secrets: secrets, rnd: rand.New(rand.NewPCG(rs, rs^0x9e3779b97f4a7c15)), closing: make(chan struct{})}
	ws.replies = &replies{after: opts.ReplyAfter, jitter: opts.ReplyJitter, unanswered: opts.Unanswered, roll: srv.roll}
	return srv, nil
}

// Token is the main token; TenantID the v1 tenant.
func (s *Server) Token() string    { return s.opts.Token }
func (s *Server) TenantID() string { return s.opts.TenantID }

// Start listens on addr ("127.0.0.1:0" picks a free port) and serves in the
// background until Close.
func (s *Server) Start(addr string) error {
	if addr == "" {
		addr = DefaultAddr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.ln = ln
	s.url = "http://" + ln.Addr().String()
	s.hs = &http.Server{
		Handler:           s.handler(),
		ReadHeaderTimeout: orDefault(s.opts.ReadHeaderTimeout, DefaultReadHeaderTimeout),
		ReadTimeout:       orDefault(s.opts.ReadTimeout, DefaultReadTimeout),
		IdleTimeout:       orDefault(s.opts.IdleTimeout, DefaultIdleTimeout),
	}
	s.serveWG.Add(1)
	go func() {
		defer s.serveWG.Done()
		_ = s.hs.Serve(ln)
	}()
	return nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// URL is the base URL once started, e.g. http://127.0.0.1:8089.
func (s *Server) URL() string { return s.url }

// Close stops serving: requests in flight get up to two seconds to finish.
func (s *Server) Close() error {
	var err error
	s.close.Do(func() {
		close(s.closing)
		if s.hs == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err = s.hs.Shutdown(ctx); err != nil {
			err = s.hs.Close()
		}
		s.serveWG.Wait()
	})
	return err
}

// ----- request log -----

// LoggedRequest is one entry of GET /_sandbox/requests. The token is never
// kept: Auth says only whether it was right.
type LoggedRequest struct {
	Seq      int64   `json:"seq"`
	Time     string  `json:"time"`
	Method   string  `json:"method"`
	Path     string  `json:"path"`
	Query    string  `json:"query,omitempty"`
	Body     string  `json:"body,omitempty"`
	Auth     string  `json:"auth"` // ok | missing | wrong
	Status   int     `json:"status"`
	Fault    string  `json:"fault,omitempty"` // injected: "500 (applied)", "503", "429"
	Duration float64 `json:"duration_ms"`
}

func (s *Server) logRequest(e LoggedRequest) {
	if s.opts.Log != nil {
		fault := ""
		if e.Fault != "" {
			fault = " [fault " + e.Fault + "]"
		}
		q := ""
		if e.Query != "" {
			q = "?" + e.Query
		}
		fmt.Fprintf(s.opts.Log, "%s %s%s → %d (%.1fms)%s\n", e.Method, e.Path, q, e.Status, e.Duration, fault)
	}
	if s.opts.LogLimit < 0 {
		return
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	s.logSeq++
	e.Seq = s.logSeq
	if len(s.log) < s.opts.LogLimit {
		s.log = append(s.log, e)
		return
	}
	s.log[s.logNext] = e
	s.logNext = (s.logNext + 1) % s.opts.LogLimit
}

// Requests returns the request log, oldest first.
func (s *Server) Requests() []LoggedRequest {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	out := make([]LoggedRequest, 0, len(s.log))
	out = append(out, s.log[s.logNext:]...)
	out = append(out, s.log[:s.logNext]...)
	return out
}

// CountRequests counts logged requests with this method and path.
func (s *Server) CountRequests(method, path string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// ----- serving -----

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// discardWriter runs a handler whose answer is replaced (an injected 500
// after the change was applied).
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

const maxBody = 1 << 20

// ServeHTTP answers one request: inspection routes, then auth, rate limit,
// routing (404/405), scopes (403), injected faults and the route itself.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sandbox/") {
		s.serveInspect(w, r)
		return
	}
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	body, readErr := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	entry := LoggedRequest{Time: s.opts.Now().UTC().Format(time.RFC3339Nano), Method: r.Method, Path: s.scrub(r.URL.Path),
		Query: s.scrub(r.URL.RawQuery), Body: s.scrub(string(body))}
	defer func() {
		entry.Status = sw.status
		entry.Duration = float64(time.Since(start).Microseconds()) / 1000
		s.logRequest(entry)
	}()

	if s.opts.Latency > 0 {
		t := time.NewTimer(s.opts.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		case <-s.closing:
			t.Stop()
		}
	}

	scopes, auth := s.authenticate(r)
	entry.Auth = auth
	if auth != "ok" {
		// 401 has no defined body; the sandbox sends none (v1: plain text for a wrong tenant).
		sw.Header().Set("WWW-Authenticate", `Bearer realm="wati"`)
		sw.WriteHeader(http.StatusUnauthorized)
		return
	}
	if wait, ok := s.allowRate(); !ok {
		entry.Fault = "429"
		sw.Header().Set("Retry-After", strconv.Itoa(wait))
		sw.WriteHeader(http.StatusTooManyRequests)
		return
	}

	rt, params, allow := s.route(r)
	if rt == nil {
		if len(allow) > 0 {
			sw.Header().Set("Allow", strings.Join(allow, ", "))
			writeError(sw, http.StatusMethodNotAllowed, "Method "+r.Method+" is not allowed here")
			return
		}
		writeError(sw, http.StatusNotFound, "No route "+r.URL.Path)
		return
	}
	if rt.tenant && params.tenant != "" && params.tenant != s.opts.TenantID {
		sw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		sw.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(sw, "The token does not belong to tenant "+params.tenant)
		return
	}
	if len(rt.scopes) > 0 && !anyScope(scopes, rt.scopes) {
		if rt.v1 {
			sw.Header().Set("Content-Type", "text/plain; charset=utf-8")
			sw.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(sw, "Forbidden")
			return
		}
		writeError(sw, http.StatusForbidden, "The token lacks the scope for this call (any of: "+strings.Join(rt.scopes, ", ")+")")
		return
	}
	if readErr != nil || len(body) > maxBody {
		writeError(sw, http.StatusBadRequest, "Request body too large or unreadable")
		return
	}
	req := &apiRequest{r: r, body: body, params: params}
	if rt.write && s.opts.FailRate > 0 && s.roll() < s.opts.FailRate {
		status := s.opts.FailStatus
		if status == 0 {
			status = http.StatusInternalServerError
			if s.roll() < 0.5 {
				status = http.StatusServiceUnavailable
			}
		}
		if status == http.StatusInternalServerError {
			// The change happens, the answer is lost: Wati's "outcome unknown".
			rt.handle(s, &discardWriter{h: http.Header{}}, req)
			entry.Fault = "500 (applied)"
			writeError(sw, status, "Internal server error")
			return
		}
		entry.Fault = strconv.Itoa(status)
		writeError(sw, status, http.StatusText(status))
		return
	}
	rt.handle(s, sw, req)
}

func (s *Server) roll() float64 {
	s.rndMu.Lock()
	defer s.rndMu.Unlock()
	return s.rnd.Float64()
}

// scrub removes every token (and any part of one, as left by the body
// limit's cut) from anything kept in the log.
func (s *Server) scrub(v string) string {
	if v == "" {
		return v
	}
	return redact.New(s.secrets...).String(v)
}

// authenticate checks "Authorization: Bearer TOKEN" (scheme case-insensitive,
// exactly one "Bearer").
func (s *Server) authenticate(r *http.Request) (scopes []string, result string) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, "missing"
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" || strings.Contains(tok, " ") {
		return nil, "wrong"
	}
	if tok == s.opts.Token {
		return []string{"api"}, "ok"
	}
	if sc, ok := s.ws.tokens[tok]; ok {
		return sc, "ok"
	}
	return nil, "wrong"
}

func anyScope(have, need []string) bool {
	for _, h := range have {
		for _, n := range need {
			if h == n {
				return true
			}
		}
	}
	return false
}

// allowRate counts API requests in the current second.
func (s *Server) allowRate() (retryAfter int, ok bool) {
	if s.opts.RateLimit <= 0 {
		return 0, true
	}
	now := s.opts.Now()
	sec := now.Unix()
	s.rateMu.Lock()
	defer s.rateMu.Unlock()
	if sec != s.rateSec {
		s.rateSec, s.rateN = sec, 0
	}
	s.rateN++
	if s.rateN > s.opts.RateLimit {
		return 1, false
	}
	return 0, true
}

// ----- answers -----

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"code":500,"message":"encoding failed"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeError writes v3's error body: {"code": N, "message": "...", "timestamp": "..."}.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"code": status, "message": msg, "timestamp": time.Now().UTC().Format(time.RFC3339)})
}

func writeResult(w http.ResponseWriter) { writeJSON(w, http.StatusOK, map[string]bool{"result": true}) }
