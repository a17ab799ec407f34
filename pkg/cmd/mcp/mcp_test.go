package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/cmd/factory"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	hmcp "github.com/handoff-dev/handoff/pkg/mcp"
	"github.com/handoff-dev/handoff/pkg/mcp/mcptest"
	"github.com/handoff-dev/handoff/pkg/wati/watitest"
)

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		args            []string
		readOnly, watch bool
	}{
		{nil, false, true},
		{[]string{"--read-only"}, true, true},
		{[]string{"--watch=false"}, false, false},
	} {
		ios, _, _, _ := cmdutil.Test()
		f := &cmdutil.Factory{IO: ios, Settings: &cmdutil.Settings{Dir: "acts", Account: "other", StateDir: "/state", Debug: "mcp"}}
		var got *Options
		cmd := NewCmdMCP(f, func(o *Options) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if got.ReadOnly != tc.readOnly || got.Watch != tc.watch || got.Dir != "acts" || got.Account != "other" ||
			got.StateDir != "/state" || got.Debug != "mcp" {
			t.Errorf("%v: options %+v", tc.args, got)
		}
	}
}

func TestHelpShowsClientSnippet(t *testing.T) {
	ios, _, _, _ := cmdutil.Test()
	cmd := NewCmdMCP(&cmdutil.Factory{IO: ios}, nil)
	var snippet map[string]map[string]struct {
		Command string   `json:"command"`
		Args    []string `json:"args"`
	}
	if err := json.Unmarshal([]byte(ConfigSnippet), &snippet); err != nil {
		t.Fatalf("the snippet is not JSON: %v", err)
	}
	h := snippet["mcpServers"]["handoff"]
	if h.Command != "handoff" || strings.Join(h.Args, " ") != "mcp --dir /path/to/actions" {
		t.Errorf("snippet %+v", h)
	}
	if !strings.Contains(cmd.Long, `"mcpServers"`) || !strings.Contains(cmd.Long, `"args": ["mcp", "--dir", "/path/to/actions"]`) {
		t.Error("help lacks the client configuration snippet")
	}
}

func TestMissingFolderIsAConfigError(t *testing.T) {
	ios, _, out, _ := cmdutil.Test()
	dir := filepath.Join(t.TempDir(), "nope")
	err := runMCP(context.Background(), &Options{IO: ios, Dir: dir})
	if cmdutil.ExitCodeOf(err) != cmdutil.ExitConfig || !strings.Contains(err.Error(), "does not exist") || cmdutil.HintOf(err) == "" {
		t.Errorf("err %v (exit %d, hint %q)", err, cmdutil.ExitCodeOf(err), cmdutil.HintOf(err))
	}
	file := filepath.Join(t.TempDir(), "a.yaml")
	_ = os.WriteFile(file, nil, 0o644)
	if err := runMCP(context.Background(), &Options{IO: ios, Dir: file}); cmdutil.ExitCodeOf(err) != cmdutil.ExitConfig {
		t.Errorf("a file as --dir: %v", err)
	}
	if out.Len() != 0 {
		t.Errorf("stdout %q", out.String())
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is a configured machine: a config folder with accounts, a state folder
// and an actions folder.
type env struct {
	t                        *testing.T
	dir, configDir, stateDir string
	vars                     map[string]string
}

func newEnv(t *testing.T) *env {
	root := t.TempDir()
	e := &env{t: t, dir: filepath.Join(root, "actions"), configDir: filepath.Join(root, "config"),
		stateDir: filepath.Join(root, "state"), vars: map[string]string{}}
	if err := os.MkdirAll(e.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) getenv(k string) string { return e.vars[k] }

func (e *env) addAccount(name, endpoint, token string) {
	e.t.Helper()
	st := account.NewStore(e.configDir, e.getenv)
	if err := st.Add(account.Account{Name: name, Endpoint: endpoint}, token, false); err != nil {
		e.t.Fatal(err)
	}
}

// copyExamples copies the example actions (configs/actions) into the folder.
func (e *env) copyExamples() {
	e.t.Helper()
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "configs", "actions", "*.yaml"))
	if len(files) == 0 {
		e.t.Fatal("no example actions in configs/actions")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			e.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(e.dir, filepath.Base(f)), b, 0o644); err != nil {
			e.t.Fatal(err)
		}
	}
}

// session is `handoff mcp` running in-process, with a connected client.
type session struct {
	cs      *sdk.ClientSession
	stdout  *syncBuffer // every byte the server wrote on stdout
	stderr  *syncBuffer
	changed chan struct{}
}

// serve runs runMCP with the real factory (accounts, tokens, Wati client)
// over pipes and connects the SDK's client to it.
func (e *env) serve(readOnly bool) *session {
	e.t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	s := &session{stdout: &syncBuffer{}, stderr: &syncBuffer{}, changed: make(chan struct{}, 16)}
	ios := &cmdutil.IOStreams{In: inR, Out: io.MultiWriter(outW, s.stdout), ErrOut: s.stderr, Getenv: e.getenv}
	f := factory.New("test", "none", "unknown", ios)
	f.Settings.Dir, f.Settings.ConfigDir, f.Settings.StateDir = e.dir, e.configDir, e.stateDir
	f.Settings.RequestTimeout, f.Settings.Deadline = 5*time.Second, 10*time.Second
	opts := &Options{IO: ios, Actions: f.Actions, Client: f.Client, Version: "test", Dir: e.dir, StateDir: e.stateDir,
		ReadOnly: readOnly, Watch: true, Debounce: 20 * time.Millisecond}
	watching := make(chan struct{})
	opts.watching = func() { close(watching) }

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		err := runMCP(ctx, opts)
		outW.Close()
		done <- err
	}()
	c := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, &sdk.ClientOptions{
		ToolListChangedHandler: func(context.Context, *sdk.ToolListChangedRequest) { s.changed <- struct{}{} },
	})
	mcptest.Check(e.t.Errorf, c)
	cs, err := c.Connect(ctx, &sdk.IOTransport{Reader: outR, Writer: inW}, nil)
	if err != nil {
		cancel()
		e.t.Fatalf("connect: %v\nstderr: %s", err, s.stderr.String())
	}
	s.cs = cs
	select {
	case <-watching:
	case <-time.After(10 * time.Second):
		e.t.Fatalf("the folder is not watched; stderr: %s", s.stderr.String())
	}
	e.t.Cleanup(func() {
		cs.Close() // closes the server's stdin: the session ends
		select {
		case err := <-done:
			if err != nil {
				e.t.Errorf("runMCP: %v", err)
			}
		case <-time.After(10 * time.Second):
			e.t.Error("runMCP did not return after stdin closed")
		}
		cancel()
		checkProtocolOnly(e.t, s.stdout.String())
	})
	return s
}

func checkProtocolOnly(t *testing.T, out string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		var m struct {
			JSONRPC string `json:"jsonrpc"`
		}
		if err := json.Unmarshal([]byte(line), &m); err != nil || m.JSONRPC != "2.0" {
			t.Errorf("stdout carries a line that is not JSON-RPC: %q", line)
		}
	}
}

func (s *session) call(t *testing.T, name string, args map[string]any) (*sdk.CallToolResult, hmcp.Output, string) {
	t.Helper()
	res, err := s.cs.CallTool(context.Background(), &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("call %s: %v", name, err)
	}
	var out hmcp.Output
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("structured content %s: %v", b, err)
	}
	var txt []string
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			txt = append(txt, tc.Text)
		}
	}
	return res, out, strings.Join(txt, "\n") + "\n" + string(b)
}

// tools lists the action tools (without conversation_status and
// release_conversation, which are always served: see allTools).
func (s *session) tools(t *testing.T) map[string]*sdk.Tool {
	t.Helper()
	m := s.allTools(t)
	delete(m, hmcp.StatusToolName)
	delete(m, hmcp.ReleaseToolName)
	return m
}

func (s *session) allTools(t *testing.T) map[string]*sdk.Tool {
	t.Helper()
	res, err := s.cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]*sdk.Tool{}
	for _, tl := range res.Tools {
		m[tl.Name] = tl
	}
	return m
}

func TestReadOnlyListsExamplesAndSendsNothing(t *testing.T) {
	e := newEnv(t)
	e.copyExamples()
	// Nothing listens on this port: a request that was really sent would fail.
	e.addAccount("sandbox", "http://127.0.0.1:9", "tok-not-for-output-1234567890")
	if err := os.WriteFile(filepath.Join(e.dir, "broken.yaml"), []byte("version: 1\nname: broken\nintent: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := e.serve(true)

	tools := s.tools(t)
	for _, name := range []string{"escalate-billing", "vip-account-manager", "start-return", "back-to-bot"} {
		tl := tools[name]
		if tl == nil {
			t.Fatalf("tool %s missing; have %v", name, tools)
		}
		if !tl.Annotations.ReadOnlyHint {
			t.Errorf("%s: not read-only in --read-only", name)
		}
	}
	if tools["broken"] != nil || len(tools) != 4 {
		t.Errorf("tools %v: the invalid file must be skipped", tools)
	}
	if !strings.Contains(s.stderr.String(), "warning: skipped") || !strings.Contains(s.stderr.String(), "broken.yaml") {
		t.Errorf("stderr %q: no warning about broken.yaml", s.stderr.String())
	}

	res, out, all := s.call(t, "start-return", map[string]any{"conversation": "+1 (415) 555-2671", "note": "wrong size"})
	if res.IsError || out.Outcome != "dry-run" || out.Target != "14155552671" || len(out.Requests) == 0 {
		t.Fatalf("dry run: %s", all)
	}
	if r := out.Requests[0]; r.Method != "POST" || !strings.Contains(r.URL, "/api/ext/v3/chatbots/start") || r.Status != 0 {
		t.Errorf("request %+v", r)
	}
	if strings.Contains(all, "tok-not-for-output") || strings.Contains(s.stderr.String(), "tok-not-for-output") {
		t.Error("the token appears in the output")
	}
}

// Cancelling (SIGTERM, Ctrl-C) stops the server even while stdin stays
// open and silent, and that is a clean exit.
func TestCancelStopsAServerBlockedOnStdin(t *testing.T) {
	e := newEnv(t)
	e.copyExamples()
	inR, inW := io.Pipe()
	defer inW.Close()
	ios := &cmdutil.IOStreams{In: inR, Out: io.Discard, ErrOut: io.Discard, Getenv: e.getenv}
	f := factory.New("test", "none", "unknown", ios)
	f.Settings.Dir, f.Settings.ConfigDir = e.dir, e.configDir
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runMCP(ctx, &Options{IO: ios, Actions: f.Actions, Client: f.Client, Dir: e.dir, Watch: true})
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("runMCP after cancel: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("runMCP still blocked on stdin 5s after cancel")
	}
}

// Started by hand on a terminal, the server says what it is (on stderr).
func TestTerminalNotice(t *testing.T) {
	e := newEnv(t)
	ios, _, out, errOut := cmdutil.Test()
	ios.SetTTY(true, true, true)
	f := factory.New("test", "none", "unknown", ios)
	f.Settings.Dir, f.Settings.ConfigDir = e.dir, e.configDir
	if err := runMCP(context.Background(), &Options{IO: ios, Actions: f.Actions, Client: f.Client, Dir: e.dir}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "meant to be started by an MCP client") || !strings.Contains(errOut.String(), "no valid actions") {
		t.Errorf("stderr %q", errOut.String())
	}
	if out.Len() != 0 {
		t.Errorf("stdout %q", out.String())
	}
}

// TestMain fails the package when its tests checked no tool result against
// an outputSchema.
//
// Every Wati exchange of its tests is also checked against Wati's OpenAPI
// description (watitest).
func TestMain(m *testing.M) { mcptest.Main(watitest.M(m)) }
