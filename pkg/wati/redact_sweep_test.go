package wati_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/handoff-dev/handoff/pkg/redact/redacttest"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// sweepToken is 22 characters, as in the review that found 21 of them on
// stderr, from an alphabet the padding does not use.
const sweepToken = "Tk9QRz7WmA3bC5dE1fG2hJ"

func leakedPart(s string) string { return redacttest.Leaked(s, sweepToken) }

// hostile answers every request with what answer() says: a server that
// echoes the token (it received it in the Authorization header).
type hostile struct {
	mu     sync.Mutex
	answer func(w http.ResponseWriter)
}

func (h *hostile) set(f func(w http.ResponseWriter)) { h.mu.Lock(); h.answer = f; h.mu.Unlock() }

func (h *hostile) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	f := h.answer
	h.mu.Unlock()
	f(w)
}

func pad(n int) string { return strings.Repeat("x", n) }

func jsonString(s string) string { b, _ := json.Marshal(s); return string(b) }

// Every place where the client cuts Wati's text (errors at 200 characters,
// debug bodies and headers at 4096) is swept with the token at every
// position where it straddles the cut, and some before and after: no part
// of the token reaches the error text or the debug trace.
func TestTokenSweptAcrossEveryCut(t *testing.T) {
	h := &hostile{}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	var debug syncBuffer
	c := newClient(t, wati.Config{BaseURL: srv.URL, Token: "Bearer " + sweepToken, Debug: &debug, MaxAttempts: 1})
	v1c := newClient(t, wati.Config{BaseURL: srv.URL, Token: sweepToken, API: "v1", TenantID: "1", Debug: &debug, MaxAttempts: 1})
	ctx := context.Background()
	email := "maria@acme.com"
	assign := func(c *wati.Client) func() error {
		return func() error { return c.AssignOperator(ctx, tg("14155552671"), &email) }
	}
	read := func() error { _, err := c.GetContact(ctx, tg("14155552671")); return err }

	const msgCut, debugCut = 200, 4096
	paths := []struct {
		name  string
		cut   int
		call  func() error
		reply func(p int) func(w http.ResponseWriter)
	}{
		{"v3 message", msgCut, assign(c), func(p int) func(http.ResponseWriter) {
			return func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(400)
				fmt.Fprintf(w, `{"code":400,"message":%s}`, jsonString(pad(p)+sweepToken+" is not valid"))
			}
		}},
		{"plain text body", msgCut, assign(c), func(p int) func(http.ResponseWriter) {
			return func(w http.ResponseWriter) {
				w.WriteHeader(403)
				fmt.Fprint(w, pad(p)+sweepToken+" forbidden")
			}
		}},
		{"v1 info", msgCut, assign(v1c), func(p int) func(http.ResponseWriter) {
			return func(w http.ResponseWriter) {
				fmt.Fprintf(w, `{"result":false,"info":%s}`, jsonString(pad(p)+sweepToken))
			}
		}},
		{"unreadable answer", msgCut, read, func(p int) func(http.ResponseWriter) {
			return func(w http.ResponseWriter) { fmt.Fprint(w, pad(p)+sweepToken+"}") }
		}},
		{"debug body", debugCut, assign(c), func(p int) func(http.ResponseWriter) {
			return func(w http.ResponseWriter) {
				w.WriteHeader(400)
				fmt.Fprint(w, pad(p)+sweepToken+" trailing text")
			}
		}},
		{"debug header", debugCut, assign(c), func(p int) func(http.ResponseWriter) {
			return func(w http.ResponseWriter) {
				w.Header().Set("X-Echo", pad(p)+sweepToken)
				w.WriteHeader(400)
			}
		}},
		{"redirect location", 2048, assign(c), func(p int) func(http.ResponseWriter) {
			return func(w http.ResponseWriter) {
				w.Header().Set("Location", "https://elsewhere.example/"+pad(p)+sweepToken)
				w.WriteHeader(302)
			}
		}},
	}
	for _, path := range paths {
		t.Run(path.name, func(t *testing.T) {
			// the prefix of the error ("v3 assign operator: ... (400): ")
			// moves the cut in the message; sweep wide enough to cover it
			from := max(0, path.cut-len(sweepToken)-60)
			for p := from; p <= path.cut+5; p++ {
				debug.Reset()
				h.set(path.reply(p))
				err := path.call()
				if err == nil {
					t.Fatalf("token at %d: no error", p)
				}
				var we *wati.Error
				if !errors.As(err, &we) {
					t.Fatalf("token at %d: %T %v", p, err, err)
				}
				for what, text := range map[string]string{"error": err.Error(), "location": we.Location, "debug": debug.String()} {
					if l := leakedPart(text); l != "" {
						t.Fatalf("token at %d: the %s shows %q of the token:\n%s", p, what, l, text)
					}
				}
				if !strings.Contains(debug.String(), "Authorization: Bearer "+wati.Redacted) {
					t.Fatalf("token at %d: no redacted request in the debug trace:\n%s", p, debug.String())
				}
				if n := len([]rune(we.Msg)); n > msgCut+60 {
					t.Fatalf("token at %d: message of %d characters", p, n)
				}
			}
		})
	}
}

// Wati's text reaches an error escaped and capped: a terminal gets no
// escape sequence, no CR that rewrites the line, no 3 MB line.
func TestServerTextEscapedAndCapped(t *testing.T) {
	h := &hostile{}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c := newClient(t, wati.Config{BaseURL: srv.URL, MaxAttempts: 1})
	email := "maria@acme.com"
	for name, body := range map[string]string{
		"json":  `{"message":"\u001b[2J\u001b]0;pwned\u0007 bad\r\nrequest` + strings.Repeat("!", 3<<20) + `"}`,
		"plain": "\x1b[2J\x1b]0;pwned\x07 bad\r\nrequest" + strings.Repeat("!", 3<<20),
	} {
		h.set(func(w http.ResponseWriter) { w.WriteHeader(400); fmt.Fprint(w, body) })
		err := c.AssignOperator(context.Background(), tg("14155552671"), &email)
		msg := err.Error()
		if strings.ContainsAny(msg, "\x1b\x07\r\n") {
			t.Errorf("%s: raw control characters: %q", name, msg)
		}
		if !strings.Contains(msg, `\x1b[2J\x1b]0;pwned\x07 bad  request!`) {
			t.Errorf("%s: Wati's text not shown escaped: %.120q", name, msg)
		}
		if len(msg) > 400 {
			t.Errorf("%s: %d bytes of error", name, len(msg))
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
func (s *syncBuffer) Reset()         { s.mu.Lock(); s.b.Reset(); s.mu.Unlock() }
