package mcp

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handoff-dev/handoff/pkg/handoff"
	"github.com/handoff-dev/handoff/pkg/mcp/mcptest"
	"github.com/handoff-dev/handoff/pkg/wati/watitest"
)

// rawSession is a server on StdioTransport fed raw lines, as a client (or a
// broken one) writes them on its stdin.
type rawSession struct {
	t    *testing.T
	in   *io.PipeWriter
	out  chan map[string]any
	done chan error
	logs *strings.Builder
	mu   *sync.Mutex
}

const initLine = `{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`

func startRaw(t *testing.T, s *Server, max int) *rawSession {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	rs := &rawSession{t: t, in: inW, out: make(chan map[string]any, 64), done: make(chan error, 1), logs: &strings.Builder{}, mu: &sync.Mutex{}}
	tr := &StdioTransport{In: inR, Out: outW, MaxMessage: max, Logf: func(f string, a ...any) {
		rs.mu.Lock()
		defer rs.mu.Unlock()
		fmt.Fprintf(rs.logs, f+"\n", a...)
	}}
	go func() {
		err := s.Run(context.Background(), tr)
		outW.Close()
		rs.done <- err
	}()
	go func() {
		sc := bufio.NewScanner(outR)
		sc.Buffer(make([]byte, 1<<20), 8<<20)
		for sc.Scan() {
			var m map[string]any
			if strings.HasPrefix(sc.Text(), "[") {
				var batch []any
				if err := json.Unmarshal(sc.Bytes(), &batch); err != nil {
					t.Errorf("stdout line is not JSON: %q", sc.Text())
				}
				rs.out <- map[string]any{"jsonrpc": "2.0", "batch": batch}
				continue
			}
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Errorf("stdout line is not JSON: %q", sc.Text())
				continue
			}
			if m["jsonrpc"] != "2.0" {
				t.Errorf("stdout line is not JSON-RPC 2.0: %q", sc.Text())
			}
			rs.out <- m
		}
		close(rs.out)
	}()
	t.Cleanup(func() { inW.Close() })
	return rs
}

func (rs *rawSession) send(lines ...string) {
	rs.t.Helper()
	for _, l := range lines {
		if _, err := io.WriteString(rs.in, l+"\n"); err != nil {
			rs.t.Fatalf("writing %q: %v", l, err)
		}
	}
}

// next returns the next message the server wrote.
func (rs *rawSession) next() map[string]any {
	rs.t.Helper()
	select {
	case m, ok := <-rs.out:
		if !ok {
			rs.t.Fatal("the server's stdout ended")
		}
		return m
	case <-time.After(10 * time.Second):
		rs.t.Fatal("no answer within 10s")
	}
	return nil
}

func errCode(m map[string]any) (code float64, msg string) {
	e, _ := m["error"].(map[string]any)
	if e == nil {
		return 0, ""
	}
	c, _ := e["code"].(float64)
	s, _ := e["message"].(string)
	return c, s
}

// Each malformed line gets its JSON-RPC error answer and the session goes on.
func TestMalformedLinesAreAnsweredAndTheSessionGoesOn(t *testing.T) {
	s := newServer(t, Options{Load: staticLoader(teamAction), Runner: &fakeRunner{}})
	rs := startRaw(t, s, 0)
	rs.send(initLine)
	if m := rs.next(); m["id"] != "init" || m["result"] == nil {
		t.Fatalf("initialize: %v", m)
	}
	rs.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	for _, tc := range []struct {
		line string
		id   any
		code float64
	}{
		{`{not json`, nil, -32700},
		{`{"jsonrpc":"2.0","id":1,"method":"ping"`, nil, -32700}, // cut short
		{`{"id":7,"method":"ping"}`, 7.0, -32600},                // no jsonrpc
		{`{"jsonrpc":"1.0","id":"x","method":"ping"}`, "x", -32600},
		{`[]`, nil, -32600},
		{`42`, nil, -32600},
		{`"ping"`, nil, -32600},
		{`{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}`, nil, -32600},
		{`{"jsonrpc":"2.0","id":null,"method":"ping"}`, nil, -32600},
		{`{"jsonrpc":"2.0","id":8,"method":"tools/call","params":"escalate-billing"}`, 8.0, -32600},
		{`{"jsonrpc":"2.0","id":9}`, 9.0, -32600},
		{`[{"jsonrpc":"2.0","id":10,"method":"ping"}]`, nil, -32600}, // no batches in 2025-06-18
	} {
		rs.send(tc.line)
		m := rs.next()
		code, msg := errCode(m)
		if code != tc.code || m["id"] != tc.id {
			t.Errorf("%s: answer %v, want code %v id %v", tc.line, m, tc.code, tc.id)
		}
		if strings.Contains(msg, tc.line) && len(tc.line) > 4 {
			t.Errorf("%s: the answer echoes the input: %q", tc.line, msg)
		}
		// The session is still up: a ping is answered.
		rs.send(`{"jsonrpc":"2.0","id":"p","method":"ping"}`)
		if m := rs.next(); m["id"] != "p" || m["result"] == nil {
			t.Fatalf("after %s, ping: %v", tc.line, m)
		}
	}
	// And tools still work.
	rs.send(`{"jsonrpc":"2.0","id":"c","method":"tools/call","params":{"name":"escalate-billing","arguments":{"conversation":"14155552671"}}}`)
	if m := rs.next(); m["id"] != "c" || m["result"] == nil {
		t.Fatalf("tools/call after the bad lines: %v", m)
	}
	rs.in.Close()
	if err := <-rs.done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

// Before initialize, calls get a JSON-RPC code (-32600), not 0; ping works.
func TestCallsBeforeInitializeGetAProperCode(t *testing.T) {
	s := newServer(t, Options{Load: staticLoader(teamAction), Runner: &fakeRunner{}})
	rs := startRaw(t, s, 0)
	rs.send(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
	if code, msg := errCode(rs.next()); code != -32600 || !strings.Contains(msg, "initialize first") {
		t.Errorf("tools/list before initialize: %v %q", code, msg)
	}
	rs.send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"escalate-billing","arguments":{"conversation":"1"}}}`)
	if code, _ := errCode(rs.next()); code != -32600 {
		t.Errorf("tools/call before initialize: code %v", code)
	}
	rs.send(`{"jsonrpc":"2.0","id":3,"method":"ping"}`)
	if m := rs.next(); m["result"] == nil {
		t.Errorf("ping before initialize: %v", m)
	}
	rs.send(initLine)
	if m := rs.next(); m["id"] != "init" || m["result"] == nil {
		t.Fatalf("initialize: %v", m)
	}
	rs.send(`{"jsonrpc":"2.0","id":4,"method":"tools/list"}`)
	if m := rs.next(); m["id"] != 4.0 || m["result"] == nil {
		t.Errorf("tools/list after initialize: %v", m)
	}
}

// Batches stay available to clients of protocol 2025-03-26, which has them.
func TestBatchesUnder20250326(t *testing.T) {
	s := newServer(t, Options{Load: staticLoader(teamAction), Runner: &fakeRunner{}})
	rs := startRaw(t, s, 0)
	rs.send(strings.Replace(initLine, "2025-06-18", "2025-03-26", 1))
	rs.next()
	rs.send(`[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}]`)
	if m := rs.next(); len(m["batch"].([]any)) != 2 {
		t.Errorf("batch answer %v", m)
	}
	// A batch with a bad member is refused whole, and the session goes on.
	rs.send(`[{"jsonrpc":"2.0","id":3,"method":"ping"},{"id":4}]`)
	if code, _ := errCode(rs.next()); code != -32600 {
		t.Errorf("bad batch: code %v", code)
	}
	rs.send(`{"jsonrpc":"2.0","id":5,"method":"ping"}`)
	if m := rs.next(); m["id"] != 5.0 {
		t.Errorf("ping after the batches: %v", m)
	}
}

// At the end of the input the calls in flight finish and are answered
// before the server exits; nothing is cancelled.
func TestEndOfInputFinishesCallsInFlight(t *testing.T) {
	release := make(chan struct{})
	var ctxErr error
	r := &fakeRunner{answer: func(c Call) handoff.Result {
		<-release
		return handoff.Result{Action: c.Action.Name, Target: c.Conversation, OK: true, Outcome: "assigned"}
	}}
	wrapped := RunnerFunc(func(ctx context.Context, c Call) handoff.Result {
		res := r.Run(ctx, c)
		ctxErr = ctx.Err()
		return res
	})
	s := newServer(t, Options{Load: staticLoader(teamAction), Runner: wrapped})
	rs := startRaw(t, s, 0)
	rs.send(initLine)
	rs.next()
	rs.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":"call","method":"tools/call","params":{"name":"escalate-billing","arguments":{"conversation":"14155552671"}}}`)
	rs.in.Close() // the client is gone, the call is running
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-rs.done:
		t.Fatalf("the server exited (%v) with a call in flight", err)
	default:
	}
	close(release)
	m := rs.next()
	if m["id"] != "call" || m["result"] == nil {
		t.Fatalf("the call's answer: %v", m)
	}
	res := m["result"].(map[string]any)
	if sc, _ := res["structuredContent"].(map[string]any); sc["outcome"] != "assigned" {
		t.Errorf("result %v", res)
	}
	select {
	case err := <-rs.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the server did not exit after answering")
	}
	if ctxErr != nil {
		t.Errorf("the call's context was cancelled: %v", ctxErr)
	}
}

// A message over the limit is refused with its id, without being echoed or
// held in memory; an argument over its own limit is refused by size.
func TestOversizeInputIsRefusedWithoutEcho(t *testing.T) {
	r := &fakeRunner{}
	s := newServer(t, Options{Load: staticLoader(teamAction), Runner: r})
	rs := startRaw(t, s, 0)
	rs.send(initLine)
	rs.next()
	rs.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)

	line := []byte(`{"jsonrpc":"2.0","id":"big","method":"tools/call","params":{"name":"escalate-billing","arguments":{"conversation":"14155552671","note":"` +
		strings.Repeat("A", 10<<20) + `"}}}` + "\n") // 10 MB
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := rs.in.Write(line); err != nil {
		t.Fatal(err)
	}
	m := rs.next()
	runtime.ReadMemStats(&after)
	code, msg := errCode(m)
	if m["id"] != "big" || code != -32600 || !strings.Contains(msg, fmt.Sprint(MaxMessageBytes)) {
		t.Errorf("10 MB message: %v", m)
	}
	if b, _ := json.Marshal(m); len(b) > 1000 {
		t.Errorf("the refusal is %d bytes long", len(b))
	}
	// The server read at most MaxMessageBytes of it (plus buffers), not 10 MB.
	grew := after.TotalAlloc - before.TotalAlloc
	t.Logf("reading a 10 MB message allocated %.1f MB", float64(grew)/(1<<20))
	if grew > 6<<20 {
		t.Errorf("reading a 10 MB message allocated %d MB", grew>>20)
	}

	// Within the message limit, over the argument limits: a tool error that
	// gives sizes, not the argument.
	for _, args := range []string{
		`{"conversation":"` + strings.Repeat("9", 5000) + `"}`,
		`{"conversation":"14155552671","note":"` + strings.Repeat("n", 50000) + `"}`,
	} {
		rs.send(`{"jsonrpc":"2.0","id":"arg","method":"tools/call","params":{"name":"escalate-billing","arguments":` + args + `}}`)
		m := rs.next()
		b, _ := json.Marshal(m)
		if len(b) > 3000 || !strings.Contains(string(b), "too long") || !strings.Contains(string(b), `"isError":true`) {
			t.Errorf("over-long argument: %d bytes: %.300s", len(b), b)
		}
	}
	if len(r.Calls()) != 0 {
		t.Errorf("the runner was called: %+v", r.Calls())
	}
	rs.send(`{"jsonrpc":"2.0","id":"p","method":"ping"}`)
	if m := rs.next(); m["id"] != "p" {
		t.Errorf("ping after: %v", m)
	}
}

// An error the SDK words with code 0 goes out as Internal error.
func TestCodeZeroBecomesInternalError(t *testing.T) {
	var out strings.Builder
	g := &guard{out: &out, inflight: map[string]bool{`1`: true}, logf: func(string, ...any) {}}
	g.idle = sync.NewCond(&g.mu)
	if _, err := (guardWriter{g}).Write([]byte(`{"jsonrpc":"2.0","id":1,"error":{"code":0,"message":"boom"}}` + "\n")); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out.String()), &m); err != nil {
		t.Fatalf("%q: %v", out.String(), err)
	}
	if code, msg := errCode(m); code != -32603 || msg != "boom" || m["id"] != 1.0 {
		t.Errorf("rewritten %v", m)
	}
	if len(g.inflight) != 0 {
		t.Error("the answer did not clear the call in flight")
	}
}

// TestMain fails the package when its tests checked no tool result against
// an outputSchema.
//
// Every Wati exchange of its tests is also checked against Wati's OpenAPI
// description (watitest).
func TestMain(m *testing.M) { mcptest.Main(watitest.M(m)) }
