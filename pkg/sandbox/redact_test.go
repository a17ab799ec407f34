package sandbox_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/handoff-dev/handoff/pkg/redact/redacttest"
	"github.com/handoff-dev/handoff/pkg/sandbox"
)

// The request log keeps at most 1 MiB + 1 of a body: a token straddling
// that cut leaves its first characters, which are masked too.
func TestRequestLogMasksATokenCutByTheBodyLimit(t *testing.T) {
	var logBuf bytes.Buffer
	var mu sync.Mutex
	s := start(t, sandbox.Options{Log: lockedWriter{&mu, &logBuf}})
	const limit = 1<<20 + 1 // what the sandbox reads of a body
	for _, keep := range []int{4, 9, len("sandbox-token") - 1} {
		body := strings.Repeat("x", limit-keep) + "sandbox-token" + `"}`
		send(t, s, "PUT", v3+"/conversations/14155552671/operator", jsonType, body, auth)
	}
	a := send(t, s, "GET", "/_sandbox/requests", "", "", "")
	mu.Lock()
	logged := logBuf.String()
	mu.Unlock()
	for name, text := range map[string]string{"GET /_sandbox/requests": a.body, "stderr log": logged} {
		if l := redacttest.Leaked(text, "sandbox-token"); l != "" {
			i := strings.Index(text, l)
			t.Errorf("%s shows %q of the token: %q", name, l, text[max(0, i-80):min(len(text), i+80)])
		}
	}
	if !strings.Contains(a.body, "xxxx***REDACTED***") {
		t.Errorf("the cut part of the token is not masked where it was: %.200s", a.body[len(a.body)-200:])
	}
}
