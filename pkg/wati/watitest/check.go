package watitest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"

	"github.com/handoff-dev/handoff/pkg/sandbox"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// Reporter receives violations; *testing.T is one.
type Reporter interface {
	Errorf(format string, args ...any)
}

// Transport returns a RoundTripper that checks every request against the
// spec (CheckRequest) before passing it to next (nil: http.DefaultTransport)
// and reports each violation to rep. The request is sent either way, so that
// the test sees what the server makes of it.
func Transport(rep Reporter, next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &transport{rep: rep, next: next}
}

type transport struct {
	rep  Reporter
	next http.RoundTripper
}

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
		r2 := r.Clone(r.Context())
		r2.Body = io.NopCloser(bytes.NewReader(b))
		r2.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		r = r2
	}
	if _, err := CheckRequest(r, body); err != nil {
		t.rep.Errorf("Wati contract: the client sent a request the spec refuses: %v", err)
	}
	return t.next.RoundTrip(r)
}

// Handler wraps a server (the sandbox) so that every exchange is checked:
// a request the spec refuses must be refused (a 4xx); a request the spec
// accepts must get an answer the spec documents for its status. Violations
// go to rep.
func Handler(rep Reporter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
		if err != nil {
			http.Error(w, "unreadable body", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		kind, _ := Classify(r.URL.Path)
		if kind == KindV1 || kind == KindSandbox {
			next.ServeHTTP(w, r)
			return
		}
		checked, reqErr := CheckRequest(r, body)
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		var re *RequestError
		switch {
		case errors.As(reqErr, &re) && re.Undocumented:
			// a server may ignore what the spec does not document
		case reqErr != nil:
			if !refused(status, re) {
				rep.Errorf("Wati contract: the server answered %d to a request the spec refuses: %v", status, reqErr)
			}
			return
		}
		if checked == nil {
			return
		}
		if err := CheckResponse(checked, status, rec.Header(), rec.body.Bytes()); err != nil {
			rep.Errorf("Wati contract: %s %s: %v", r.Method, r.URL.RequestURI(), err)
		}
	})
}

// refused: the answer to an invalid request is a refusal. 429 and 5xx are
// not judged (rate limits and injected faults come before validation).
func refused(status int, re *RequestError) bool {
	switch {
	case status == http.StatusTooManyRequests || status >= 500:
		return true
	case re != nil && errors.Is(re.Err, ErrNoOperation):
		return status == 401 || status == 404 || status == 405
	default:
		return status >= 400 && status < 500
	}
}

type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.body.Len() < 8<<20 {
		r.body.Write(b)
	}
	return r.ResponseWriter.Write(b)
}

// Collector is a Reporter that keeps what it is told (and appends each line
// to File when set, for a test that runs the binary as a child process).
type Collector struct {
	File string

	mu   sync.Mutex
	list []string
}

func (c *Collector) Errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.list = append(c.list, msg)
	if c.File != "" {
		if f, err := os.OpenFile(c.File, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err == nil {
			_, _ = fmt.Fprintln(f, msg)
			_ = f.Close()
		}
	}
}

// Violations returns what was reported so far.
func (c *Collector) Violations() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.list...)
}

// Install makes every wati.Client built from now on check its requests, and
// every sandbox.Server started from now on check its exchanges, reporting to
// rep. It returns a function that removes both hooks.
func Install(rep Reporter) (uninstall func()) {
	wati.SetTestTransport(func(next http.RoundTripper) http.RoundTripper { return Transport(rep, next) })
	sandbox.SetTestHandler(func(next http.Handler) http.Handler { return Handler(rep, next) })
	return func() {
		wati.SetTestTransport(nil)
		sandbox.SetTestHandler(nil)
	}
}

// EnvLog names a file where a child process (the handoff binary run by a
// testscript) appends the violations it sees; InstallFromEnv reads it.
const EnvLog = "WATITEST_CONTRACT_LOG"

// InstallFromEnv installs the checks with a Collector appending to the file
// named by $WATITEST_CONTRACT_LOG, when it is set, and returns it (nil when
// not set).
func InstallFromEnv() *Collector {
	f := os.Getenv(EnvLog)
	if f == "" {
		return nil
	}
	c := &Collector{File: f}
	Install(c)
	return c
}

// Main runs a package's tests with the checks installed (Install) and fails
// the run when any exchange broke the contract, listing them:
//
//	func TestMain(m *testing.M) { os.Exit(watitest.Main(m)) }
func Main(m interface{ Run() int }) int { return M(m).Run() }

// M wraps a package's tests so that Run installs the checks, runs them and
// fails when an exchange broke the contract: for a TestMain that hands m to
// another wrapper, e.g. mcptest.Main(watitest.M(m)).
func M(m interface{ Run() int }) interface{ Run() int } { return checkedM{m} }

type checkedM struct{ m interface{ Run() int } }

func (w checkedM) Run() int {
	m := w.m
	c := &Collector{}
	uninstall := Install(c)
	code := m.Run()
	uninstall()
	if v := c.Violations(); len(v) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d exchange(s) broke Wati's contract (pkg/wati/watitest):\n", len(v))
		for _, s := range v {
			fmt.Fprintln(os.Stderr, "  "+s)
		}
		if code == 0 {
			code = 1
		}
	}
	return code
}
