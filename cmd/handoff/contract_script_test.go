package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/handoff-dev/handoff/pkg/wati"
	"github.com/handoff-dev/handoff/pkg/wati/watitest"
)

// envFakeDrop names a query parameter that the binary's Wati client drops
// from every request, before the contract check sees it: a test-only fake
// of a client that breaks the spec (TestAContractViolationFailsTheScript).
const envFakeDrop = "HANDOFF_TEST_FAKE_DROP_QUERY"

// installContractChecks, in the binary run by a script: check every
// request against Wati's spec, violations to $WATITEST_CONTRACT_LOG.
func installContractChecks() {
	c := watitest.InstallFromEnv()
	drop := os.Getenv(envFakeDrop)
	if c == nil || drop == "" {
		return
	}
	wati.SetTestTransport(func(next http.RoundTripper) http.RoundTripper {
		return dropQuery{drop, watitest.Transport(c, next)}
	})
}

type dropQuery struct {
	name string
	next http.RoundTripper
}

func (d dropQuery) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	q := r.URL.Query()
	q.Del(d.name)
	r.URL.RawQuery = q.Encode()
	return d.next.RoundTrip(r)
}

// A script whose binary sends a request the spec refuses fails, although
// every one of its own assertions holds: here `handoff account test` with a
// client that drops page_size (the sandbox answers 400, which the script
// expects; the contract check still fails it).
func TestAContractViolationFailsTheScript(t *testing.T) {
	dir := t.TempDir()
	script := `sandbox-start
stdin $WATI_TOKEN_FILE
exec handoff account add sandbox --endpoint $WATI_URL --with-token
env ` + envFakeDrop + `=page_size
! exec handoff account test sandbox
stderr 'page_size'
`
	if err := os.WriteFile(filepath.Join(dir, "violation.txtar"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	ft := &fakeT{}
	ft.run(func() { testscript.RunT(ft, scriptParams(t, dir)) })
	got := ft.fatals()
	if !strings.Contains(got, "exchanges that broke Wati's contract") ||
		!strings.Contains(got, `GET /api/ext/v3/channels`) || !strings.Contains(got, `parameter "page_size" in query has an error: value is required but missing`) {
		t.Fatalf("the script did not fail on the violation; failures:\n%s", got)
	}
	// and the same script with an honest client passes
	clean := strings.Replace(script, "env "+envFakeDrop+"=page_size\n! exec", "exec", 1)
	clean = strings.Replace(clean, "stderr 'page_size'\n", "stdout 'accepted the token'\n", 1)
	if err := os.WriteFile(filepath.Join(dir, "violation.txtar"), []byte(clean), 0o644); err != nil {
		t.Fatal(err)
	}
	ft = &fakeT{}
	ft.run(func() { testscript.RunT(ft, scriptParams(t, dir)) })
	if got := ft.fatals(); got != "" {
		t.Fatalf("the honest script failed:\n%s", got)
	}
}

// fakeT is a testscript.T that records failures instead of failing the test.
type fakeT struct {
	mu  sync.Mutex
	msg []string
}

func (f *fakeT) run(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
}

func (f *fakeT) fatals() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.msg, "\n")
}

func (f *fakeT) Skip(a ...any) { runtime.Goexit() }
func (f *fakeT) Fatal(a ...any) {
	f.mu.Lock()
	for _, x := range a {
		if s, ok := x.(string); ok {
			f.msg = append(f.msg, s)
		} else {
			f.msg = append(f.msg, fmtAny(x))
		}
	}
	f.mu.Unlock()
	runtime.Goexit()
}
func (f *fakeT) Parallel()     {}
func (f *fakeT) Log(a ...any)  {}
func (f *fakeT) FailNow()      { f.Fatal("FailNow") }
func (f *fakeT) Verbose() bool { return false }
func (f *fakeT) Run(name string, fn func(testscript.T)) {
	f.run(func() { fn(f) })
}

func fmtAny(x any) string { return fmt.Sprint(x) }
