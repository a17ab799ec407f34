package mcp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"sync"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// MaxMessageBytes bounds one incoming JSON-RPC message (one line on stdin).
// A longer line is refused with an Invalid Request error and never held in
// memory whole: at most this many bytes of it are read before the rest is
// skipped.
const MaxMessageBytes = 1 << 20

// DrainTimeout bounds how long the server waits, after its input ended, for
// the calls still running to answer before it exits anyway.
const DrainTimeout = 2 * time.Minute

// JSON-RPC 2.0 error codes the transport answers with itself.
const (
	codeParseError     = -32700
	codeInvalidRequest = -32600
	codeInternalError  = -32603
)

// StdioTransport is the server's side of newline-delimited JSON-RPC on a
// pair of streams (stdin and stdout), wrapped around the SDK's IOTransport so
// that what the SDK would end the session on is answered instead:
//
//   - a line that is not JSON gets a Parse error (-32700), one that is JSON
//     but not a JSON-RPC 2.0 message (no "jsonrpc":"2.0", `[]`, a number, an
//     id that is neither a string nor an integer) an Invalid Request
//     (-32600); so does a line over MaxMessageBytes. The session goes on.
//   - a call other than initialize and ping before initialize gets an
//     Invalid Request (-32600), not the SDK's code 0; any other error the
//     SDK sends with code 0 goes out as Internal error (-32603).
//   - at the end of the input the calls in flight are finished and answered
//     before the session ends (within DrainTimeout).
//
// Error answers never echo the offending input.
type StdioTransport struct {
	In  io.Reader
	Out io.Writer
	// MaxMessage overrides MaxMessageBytes (tests).
	MaxMessage int
	// Logf receives a line for each message refused (nil: dropped).
	Logf func(format string, args ...any)
}

// Connect implements sdk.Transport.
func (t *StdioTransport) Connect(ctx context.Context) (sdk.Connection, error) {
	max := t.MaxMessage
	if max <= 0 {
		max = MaxMessageBytes
	}
	logf := t.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	pr, pw := io.Pipe()
	g := &guard{out: t.Out, inflight: map[string]bool{}, logf: logf}
	g.idle = sync.NewCond(&g.mu)
	go g.pump(bufio.NewReaderSize(t.In, 64<<10), pw, max)
	inner := &sdk.IOTransport{Reader: pr, Writer: guardWriter{g}}
	return inner.Connect(ctx)
}

// guard sits between the streams and the SDK: it checks every incoming line
// before the SDK sees it and every outgoing message before the peer does.
type guard struct {
	out  io.Writer
	logf func(string, ...any)

	mu          sync.Mutex // guards writes to out and the fields below
	idle        *sync.Cond // signalled when inflight empties
	inflight    map[string]bool
	initialized bool   // an initialize request went to the SDK
	requested   string // the protocol version it asked for
}

// pump reads lines until the input ends, answers the malformed ones and
// passes the rest on; at the end it waits for the calls in flight.
func (g *guard) pump(r *bufio.Reader, pw *io.PipeWriter, max int) {
	for {
		line, tooLong, err := readLine(r, max)
		if tooLong {
			id := sniffID(line)
			g.logf("refused a message of more than %d bytes", max)
			g.reply(id, codeInvalidRequest, fmt.Sprintf("Invalid Request: the message is longer than %d bytes (the limit of this server); it was not read", max))
		} else if len(bytes.TrimSpace(line)) > 0 {
			if fwd := g.check(bytes.TrimSpace(line)); fwd != nil {
				if _, werr := pw.Write(append(fwd, '\n')); werr != nil {
					return // the session is over
				}
			}
		}
		if err != nil {
			g.drain()
			if errors.Is(err, io.EOF) {
				pw.Close()
			} else {
				pw.CloseWithError(err)
			}
			return
		}
	}
}

// readLine returns the next line without its newline. A line longer than max
// is read no further than max bytes (returned, for its id) and the rest is
// skipped.
func readLine(r *bufio.Reader, max int) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := r.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > max+1 { // +1: the newline
				tooLong = true
				line = append(line, chunk[:max-len(line)]...)
			} else {
				line = append(line, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if !tooLong {
			line = bytes.TrimSuffix(line, []byte("\n"))
		}
		return line, tooLong, err
	}
}

// wire is what the guard reads of a message.
type wire struct {
	JSONRPC *string         `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  *string         `json:"method"`
	Params  json.RawMessage `json:"params"`
	Result  json.RawMessage `json:"result"`
	Error   json.RawMessage `json:"error"`
}

// check answers a malformed message itself (returning nil) or returns what
// goes on to the SDK.
func (g *guard) check(line []byte) []byte {
	if !json.Valid(line) {
		g.logf("refused a message that is not JSON")
		g.reply("", codeParseError, "Parse error: the message is not JSON (send one JSON-RPC 2.0 object per line)")
		return nil
	}
	if line[0] == '[' {
		return g.checkBatch(line)
	}
	m, id, why := parseMessage(line)
	if why != "" {
		g.logf("refused an invalid JSON-RPC message: %s", why)
		g.reply(id, codeInvalidRequest, "Invalid Request: "+why)
		return nil
	}
	if !g.admit(m, id) {
		return nil
	}
	return line
}

// checkBatch passes on a batch of valid messages (JSON-RPC batches exist up
// to MCP 2025-03-26) and refuses the others whole.
func (g *guard) checkBatch(line []byte) []byte {
	var raws []json.RawMessage
	if err := json.Unmarshal(line, &raws); err != nil || len(raws) == 0 {
		g.reply("", codeInvalidRequest, "Invalid Request: an empty batch (send one JSON-RPC 2.0 object per line)")
		return nil
	}
	g.mu.Lock()
	init, proto := g.initialized, g.requested
	g.mu.Unlock()
	if init && proto != "2024-11-05" && proto != "2025-03-26" {
		// The SDK settles on the version asked for when it knows it, else
		// on its newest: batches exist only in the two older ones.
		g.reply("", codeInvalidRequest, "Invalid Request: JSON-RPC batches are not part of MCP since 2025-06-18; send one message per line")
		return nil
	}
	seen := map[string]bool{}
	msgs := make([]wire, len(raws))
	ids := make([]string, len(raws))
	for i, raw := range raws {
		m, id, why := parseMessage(raw)
		if why == "" && id != "" && seen[id] {
			why = "the batch uses id " + id + " twice"
		}
		if why != "" {
			g.reply("", codeInvalidRequest, fmt.Sprintf("Invalid Request: message %d of the batch: %s; nothing in the batch was run", i+1, why))
			return nil
		}
		seen[id] = true
		msgs[i], ids[i] = m, id
	}
	for i := range msgs {
		if msgs[i].Method != nil && ids[i] != "" && *msgs[i].Method != "initialize" && *msgs[i].Method != "ping" && !g.isInitialized() {
			g.reply("", codeInvalidRequest, "Invalid Request: the batch has calls before initialize; send initialize first")
			return nil
		}
	}
	for i := range msgs {
		g.track(msgs[i], ids[i])
	}
	return line
}

func (g *guard) isInitialized() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.initialized
}

// parseMessage checks one JSON-RPC 2.0 message; why says what is wrong with
// it. id is its id in canonical form ("" when it has none or it is unusable).
func parseMessage(raw []byte) (m wire, id string, why string) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return m, "", "a message must be a JSON object"
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, "", "a message must be a JSON object with jsonrpc, id, method and params"
	}
	id, idWhy := canonicalID(m.ID)
	if idWhy != "" {
		return m, "", idWhy
	}
	if m.JSONRPC == nil || *m.JSONRPC != "2.0" {
		return m, id, `"jsonrpc" must be "2.0"`
	}
	if m.Method != nil {
		if string(m.ID) == "null" {
			return m, "", "a request id must be a string or an integer, not null"
		}
		if *m.Method == "" {
			return m, id, `"method" is empty`
		}
		if p := bytes.TrimSpace(m.Params); len(p) > 0 && p[0] != '{' && p[0] != '[' && string(p) != "null" {
			return m, id, `"params" must be an object`
		}
		return m, id, ""
	}
	if len(m.ID) == 0 {
		return m, "", `a message needs a "method" (a request or notification) or an "id" with "result" or "error" (a response)`
	}
	if id == "" {
		return m, "", "a response needs a string or integer id"
	}
	if len(m.Result) == 0 && len(m.Error) == 0 {
		return m, id, `a response needs "result" or "error"`
	}
	return m, id, ""
}

// canonicalID renders an id as the SDK will echo it: strings quoted,
// integers in decimal. Anything else is refused.
func canonicalID(raw json.RawMessage) (string, string) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", ""
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", "unreadable id"
	}
	switch v := v.(type) {
	case string:
		return strconv.Quote(v), ""
	case float64:
		if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
			return "", "an id must be a string or an integer"
		}
		return strconv.FormatInt(int64(v), 10), ""
	}
	return "", "an id must be a string or an integer"
}

// admit applies the lifecycle rule the SDK words with code 0 and records the
// calls going in. It reports whether the message goes on to the SDK.
func (g *guard) admit(m wire, id string) bool {
	if m.Method != nil && id != "" && !allowedBeforeInit[*m.Method] && !newProtocol(m.Params) && !g.isInitialized() {
		g.logf("refused %s before initialize", strconv.Quote(*m.Method))
		g.reply(id, codeInvalidRequest, fmt.Sprintf("Invalid Request: %s before initialize; the client must send initialize first", strconv.Quote(*m.Method)))
		return false
	}
	g.track(m, id)
	return true
}

// allowedBeforeInit are the calls the SDK accepts before initialize.
var allowedBeforeInit = map[string]bool{
	"initialize": true, "ping": true, "logging/setLevel": true,
	"resources/subscribe": true, "resources/unsubscribe": true, "server/discover": true,
}

// newProtocol reports whether params carry the per-request protocol version
// of sessionless MCP, for which the SDK skips the initialize gate.
func newProtocol(params json.RawMessage) bool {
	var p struct {
		Meta map[string]json.RawMessage `json:"_meta"`
	}
	if json.Unmarshal(params, &p) != nil {
		return false
	}
	_, ok := p.Meta["io.modelcontextprotocol/protocolVersion"]
	return ok
}

// track notes a call that now awaits an answer, and cancellations of calls
// (that get none).
func (g *guard) track(m wire, id string) {
	if m.Method == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case id != "":
		g.inflight[id] = true
		if *m.Method == "initialize" && !g.initialized {
			var p struct {
				ProtocolVersion string `json:"protocolVersion"`
			}
			_ = json.Unmarshal(m.Params, &p)
			g.initialized, g.requested = true, p.ProtocolVersion
		}
	case *m.Method == "notifications/cancelled":
		var p struct {
			RequestID json.RawMessage `json:"requestId"`
		}
		if json.Unmarshal(m.Params, &p) == nil {
			if cid, _ := canonicalID(p.RequestID); cid != "" {
				delete(g.inflight, cid)
				g.signalIdle()
			}
		}
	}
}

func (g *guard) signalIdle() {
	if len(g.inflight) == 0 {
		g.idle.Broadcast()
	}
}

// drain waits until every call passed on has been answered.
func (g *guard) drain() {
	timer := time.AfterFunc(DrainTimeout, func() {
		g.mu.Lock()
		if n := len(g.inflight); n > 0 {
			g.logf("warning: %d call(s) still running %s after the input ended; exiting without their answer", n, DrainTimeout)
		}
		g.inflight = map[string]bool{}
		g.idle.Broadcast()
		g.mu.Unlock()
	})
	defer timer.Stop()
	g.mu.Lock()
	for len(g.inflight) > 0 {
		g.idle.Wait()
	}
	g.mu.Unlock()
}

// reply writes a JSON-RPC error answer of the guard's own.
func (g *guard) reply(id string, code int, msg string) {
	rawID := json.RawMessage("null")
	if id != "" {
		rawID = json.RawMessage(id)
	}
	b, _ := json.Marshal(struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Error   rpcError        `json:"error"`
	}{"2.0", rawID, rpcError{Code: code, Message: msg}})
	g.mu.Lock()
	defer g.mu.Unlock()
	_, _ = g.out.Write(append(b, '\n'))
}

type rpcError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// guardWriter is the SDK's writer: one Write per message.
type guardWriter struct{ g *guard }

func (w guardWriter) Write(p []byte) (int, error) {
	g, size := w.g, len(p)
	var m wire
	body := bytes.TrimSpace(p)
	isObject := len(body) > 0 && body[0] == '{'
	if isObject && json.Unmarshal(body, &m) == nil && m.Method == nil {
		var e rpcError
		if len(m.Error) > 0 && json.Unmarshal(m.Error, &e) == nil && e.Code == 0 {
			p = fixCode(body, e)
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	n, err := g.out.Write(p)
	if err != nil {
		return n, err
	}
	if isObject && m.Method == nil {
		id, _ := canonicalID(m.ID)
		delete(g.inflight, id)
		g.signalIdle()
	} else if len(body) > 0 && body[0] == '[' {
		var batch []wire
		_ = json.Unmarshal(body, &batch)
		for _, r := range batch {
			id, _ := canonicalID(r.ID)
			delete(g.inflight, id)
		}
		g.signalIdle()
	}
	return size, nil
}

// Close implements io.Closer: stdout stays open for the command.
func (guardWriter) Close() error { return nil }

// fixCode rewrites an error answer with code 0 (not a JSON-RPC code) as an
// Internal error.
func fixCode(body []byte, e rpcError) []byte {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	e.Code = codeInternalError
	m["error"], _ = json.Marshal(e)
	b, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return append(b, '\n')
}

// sniffID finds the id of a message from its first bytes (a message too long
// to read whole), so that its refusal reaches the waiting caller.
func sniffID(prefix []byte) string {
	dec := json.NewDecoder(bytes.NewReader(prefix))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return ""
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return ""
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return ""
		}
		if key == "id" {
			id, _ := canonicalID(v)
			return id
		}
	}
	return ""
}
