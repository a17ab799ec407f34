package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/handoff-dev/handoff/pkg/mcp/mcptest"
)

// mcpEnvKeys are the variables a `handoff mcp` started by mcp-client gets
// from the script (plus every variable of the test process that the script
// did not change).
var mcpEnvKeys = []string{
	"PATH", "HOME", "WORK", "TMPDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "NO_COLOR",
	"HANDOFF_DIR", "HANDOFF_CONFIG_DIR", "HANDOFF_CACHE_DIR", "HANDOFF_STATE_DIR", "HANDOFF_ACCOUNT",
	"HANDOFF_TOKEN", "HANDOFF_DEBUG", "HANDOFF_NO_PROMPT", "WATI_URL", "WATI_TOKEN",
}

func init() {
	// mcp-client [-log FILE] [-protocol VERSION] [handoff mcp flags...] -- STEP...
	//
	// Starts `handoff mcp` with the given flags as a subprocess and talks to
	// it with the MCP SDK's client over stdin/stdout. Steps:
	//
	//	list                 print each tool: name, title, hints, description
	//	call NAME JSON       call a tool; print isError, the text, the structured content
	//	schema NAME          print a tool's input schema
	//	wait-list-changed    wait (up to 10s) for a tools/list_changed notification
	//	cp SRC DST           copy a file (to change the folder while the server runs)
	//	rm FILE              remove a file
	//
	// The command fails when the server writes anything but JSON-RPC
	// messages on stdout. The server's stderr becomes the command's stderr.
	// -log FILE writes the JSON-RPC transcript (client side) to FILE.
	// -protocol VERSION asks for an MCP protocol version (default: the SDK's
	// latest, which starts with server/discover; 2025-06-18 is the initialize
	// handshake most desktop clients speak).
	scriptCmds["mcp-client"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg {
			ts.Fatalf("mcp-client does not support !")
		}
		rest := args
		logFile, protocol := "", ""
		for len(rest) >= 2 && (rest[0] == "-log" || rest[0] == "-protocol") {
			if rest[0] == "-log" {
				logFile = rest[1]
			} else {
				protocol = rest[1]
			}
			rest = rest[2:]
		}
		sep := -1
		for i, a := range rest {
			if a == "--" {
				sep = i
				break
			}
		}
		if sep < 0 {
			ts.Fatalf("usage: mcp-client [-log FILE] [-protocol VERSION] [mcp flags...] -- STEP...")
		}
		serverArgs, steps := rest[:sep], rest[sep+1:]

		cmd := exec.Command("handoff", append([]string{"mcp"}, serverArgs...)...)
		cmd.Dir = ts.MkAbs(".")
		env := map[string]string{}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		for _, k := range mcpEnvKeys {
			if v := ts.Getenv(k); v != "" {
				env[k] = v
			} else {
				delete(env, k)
			}
		}
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		if p := ts.Getenv("PATH"); p != "" {
			if lp, err := lookPath("handoff", p); err == nil {
				cmd.Path = lp
			}
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		raw := &lockedBuffer{}
		tee := &teeCommandTransport{cmd: cmd, tee: raw}
		var transport sdk.Transport = tee
		var transcript *os.File
		if logFile != "" {
			f, err := os.Create(ts.MkAbs(logFile))
			ts.Check(err)
			transcript = f
			defer f.Close()
			transport = &sdk.LoggingTransport{Transport: transport, Writer: f}
		}

		changed := make(chan struct{}, 16)
		client := sdk.NewClient(&sdk.Implementation{Name: "testscript", Version: "1"}, &sdk.ClientOptions{
			ToolListChangedHandler: func(context.Context, *sdk.ToolListChangedRequest) { changed <- struct{}{} },
		})
		// Every result is checked against the tool's advertised outputSchema.
		var schemaErrs []string
		mcptest.Check(func(format string, a ...any) { schemaErrs = append(schemaErrs, fmt.Sprintf(format, a...)) }, client)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cs, err := client.Connect(ctx, transport, &sdk.ClientSessionOptions{ProtocolVersion: protocol})
		if err != nil {
			ts.Fatalf("mcp-client: connecting to handoff mcp: %v\nstderr:\n%s", err, stderr.String())
		}
		out := ts.Stdout()
		fail := func(format string, a ...any) {
			cs.Close()
			ts.Fatalf("mcp-client: "+format+"\nserver stderr:\n%s", append(a, stderr.String())...)
		}
		for i := 0; i < len(steps); i++ {
			need := func(n int) []string {
				if i+n >= len(steps) {
					fail("step %s needs %d argument(s)", steps[i], n)
				}
				a := steps[i+1 : i+1+n]
				i += n
				return a
			}
			switch step := steps[i]; step {
			case "list":
				res, err := cs.ListTools(ctx, nil)
				if err != nil {
					fail("tools/list: %v", err)
				}
				sort.Slice(res.Tools, func(a, b int) bool { return res.Tools[a].Name < res.Tools[b].Name })
				fmt.Fprintf(out, "%d tools\n", len(res.Tools))
				for _, t := range res.Tools {
					an := t.Annotations
					fmt.Fprintf(out, "tool %s: %s\n", t.Name, t.Title)
					if an != nil {
						fmt.Fprintf(out, "  hints: readOnly=%v destructive=%v idempotent=%v openWorld=%v\n",
							an.ReadOnlyHint, deref(an.DestructiveHint), an.IdempotentHint, deref(an.OpenWorldHint))
					}
					fmt.Fprintf(out, "  description: %s\n", strings.ReplaceAll(t.Description, "\n", " | "))
				}
			case "schema":
				a := need(1)
				res, err := cs.ListTools(ctx, nil)
				if err != nil {
					fail("tools/list: %v", err)
				}
				for _, t := range res.Tools {
					if t.Name == a[0] {
						b, _ := json.MarshalIndent(t.InputSchema, "", "  ")
						fmt.Fprintf(out, "%s\n", b)
					}
				}
			case "call":
				a := need(2)
				var arguments any
				if err := json.Unmarshal([]byte(a[1]), &arguments); err != nil {
					fail("call %s: arguments %q are not JSON: %v", a[0], a[1], err)
				}
				res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: a[0], Arguments: arguments})
				if err != nil {
					fmt.Fprintf(out, "protocol error: %v\n", err)
					continue
				}
				fmt.Fprintf(out, "isError: %v\n", res.IsError)
				for _, c := range res.Content {
					if tc, ok := c.(*sdk.TextContent); ok {
						fmt.Fprintf(out, "text: %s\n", tc.Text)
					}
				}
				b, _ := json.MarshalIndent(res.StructuredContent, "", "  ")
				fmt.Fprintf(out, "structured: %s\n", b)
			case "wait-list-changed":
				select {
				case <-changed:
					fmt.Fprintf(out, "tools/list_changed\n")
				case <-time.After(10 * time.Second):
					fail("no tools/list_changed notification within 10s")
				}
			case "cp":
				a := need(2)
				b, err := os.ReadFile(ts.MkAbs(a[0]))
				ts.Check(err)
				ts.Check(os.WriteFile(ts.MkAbs(a[1]), b, 0o644))
			case "rm":
				a := need(1)
				ts.Check(os.Remove(ts.MkAbs(a[0])))
			default:
				fail("unknown step %q", step)
			}
		}
		if err := cs.Close(); err != nil {
			fail("closing the session: %v", err)
		}
		select {
		case <-tee.done:
		case <-time.After(10 * time.Second):
			ts.Fatalf("mcp-client: the server's stdout did not end")
		}
		if transcript != nil {
			_ = transcript.Sync()
		}
		fmt.Fprint(ts.Stderr(), stderr.String())
		if len(schemaErrs) > 0 {
			ts.Fatalf("mcp-client: %d result(s) do not hold to the outputSchema, first: %s", len(schemaErrs), schemaErrs[0])
		}
		if bad := nonProtocolLines(raw.Bytes()); len(bad) > 0 {
			ts.Fatalf("mcp-client: handoff mcp wrote %d line(s) on stdout that are not JSON-RPC messages, first: %q", len(bad), bad[0])
		}
	}
}

func deref(b *bool) any {
	if b == nil {
		return "unset"
	}
	return *b
}

// nonProtocolLines returns the lines of a server's stdout that are not
// JSON-RPC 2.0 messages.
func nonProtocolLines(b []byte) []string {
	var bad []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var msg struct {
			JSONRPC string `json:"jsonrpc"`
		}
		if err := json.Unmarshal(line, &msg); err != nil || msg.JSONRPC != "2.0" {
			bad = append(bad, string(line))
		}
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		bad = append(bad, "(unterminated last line)")
	}
	return bad
}

// lookPath finds name in the directories of path (the script's PATH).
func lookPath(name, path string) (string, error) {
	for _, dir := range strings.Split(path, string(os.PathListSeparator)) {
		p := dir + string(os.PathSeparator) + name
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// teeCommandTransport is the SDK's CommandTransport that also keeps a copy
// of every byte the server writes on stdout, to check it afterwards. done
// is closed once the server's stdout has been read to its end.
type teeCommandTransport struct {
	cmd  *exec.Cmd
	tee  io.Writer
	done chan struct{}
}

func (t *teeCommandTransport) Connect(ctx context.Context) (sdk.Connection, error) {
	out, childOut, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	t.cmd.Stdout = childOut
	stdin, err := t.cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := t.cmd.Start(); err != nil {
		return nil, err
	}
	childOut.Close() // the child holds its own copy; EOF comes when it exits
	pr, pw := io.Pipe()
	t.done = make(chan struct{})
	go func() {
		defer close(t.done)
		defer out.Close()
		buf := make([]byte, 32<<10)
		forward := true
		for {
			n, err := out.Read(buf)
			if n > 0 {
				_, _ = t.tee.Write(buf[:n])
				if forward {
					if _, werr := pw.Write(buf[:n]); werr != nil {
						forward = false // the client is gone; keep recording
					}
				}
			}
			if err != nil {
				pw.Close()
				return
			}
		}
	}()
	return (&sdk.IOTransport{Reader: pr, Writer: &waitCloser{stdin, t.cmd}}).Connect(ctx)
}

// waitCloser closes the server's stdin (which ends the session) and waits
// for the process, killing it if it does not exit.
type waitCloser struct {
	io.WriteCloser
	cmd *exec.Cmd
}

func (w *waitCloser) Close() error {
	err := w.WriteCloser.Close()
	done := make(chan error, 1)
	go func() { done <- w.cmd.Wait() }()
	select {
	case werr := <-done:
		if werr != nil {
			return fmt.Errorf("handoff mcp exited: %v", werr)
		}
	case <-time.After(10 * time.Second):
		_ = w.cmd.Process.Kill()
		<-done
		return fmt.Errorf("handoff mcp did not exit within 10s of stdin closing")
	}
	return err
}

func TestNonProtocolLines(t *testing.T) {
	good := `{"jsonrpc":"2.0","id":1,"result":{}}` + "\n" + `{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}` + "\n"
	if bad := nonProtocolLines([]byte(good)); len(bad) != 0 {
		t.Errorf("protocol lines reported: %q", bad)
	}
	for _, out := range []string{
		good + "serving 4 tools\n",
		"warning: skipped broken.yaml\n" + good,
		good + `{"id":3}` + "\n",
		good + `{"jsonrpc":"2.0"}`,
	} {
		if bad := nonProtocolLines([]byte(out)); len(bad) == 0 {
			t.Errorf("not caught: %q", out)
		}
	}
}
