package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"gopkg.in/yaml.v3"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/handoff"
	"github.com/handoff-dev/handoff/pkg/mcp/mcptest"
	"github.com/handoff-dev/handoff/pkg/wati"
)

var (
	teamAction = &action.Action{Version: 1, Name: "escalate-billing", Account: "acme",
		Intent:   "The customer disputes a charge or asks for a refund",
		Assignee: action.Assignee{Type: action.Team, Team: "Billing"}}
	userAction = &action.Action{Version: 1, Name: "vip-maria", Account: "acme",
		Intent:   "A VIP customer asks for their account manager.",
		Assignee: action.Assignee{Type: action.User, Email: "maria@acme.com"}}
	botAction = &action.Action{Version: 1, Name: "returns-flow", Account: "acme",
		Intent:   "The customer wants to return an item.",
		Assignee: action.Assignee{Type: action.Bot, BotID: "607f1f77bcf86cd799439011", BotName: "Returns flow"}}
	operatorAction = &action.Action{Version: 1, Name: "back-to-bot", Account: "acme",
		Intent:   "The human conversation is over and the customer only needs automated answers.",
		Assignee: action.Assignee{Type: action.Bot}}
)

// fakeRunner records calls and answers with a canned result.
type fakeRunner struct {
	mu     sync.Mutex
	calls  []Call
	answer func(Call) handoff.Result
}

func (f *fakeRunner) Run(ctx context.Context, c Call) handoff.Result {
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
	if f.answer != nil {
		return f.answer(c)
	}
	outcome := "assigned"
	if c.DryRun {
		outcome = "dry-run"
	}
	return handoff.Result{Action: c.Action.Name, Account: c.Action.Account, Target: c.Conversation,
		Assignee: c.Action.Assignee.Describe(), API: "v3", OK: true, Outcome: outcome,
		Requests: []wati.Request{{Method: "PUT", URL: "http://wati/api/ext/v3/x"}}}
}

func (f *fakeRunner) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func staticLoader(acts ...*action.Action) Loader {
	return func(context.Context) ([]*action.Action, []string, error) { return acts, nil, nil }
}

// connect starts s on an in-memory transport and returns a connected client.
func connect(t *testing.T, s *Server, copts *sdk.ClientOptions) *sdk.ClientSession {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, ct := sdk.NewInMemoryTransports()
	ss, err := s.SDK().Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := sdk.NewClient(&sdk.Implementation{Name: "test-client", Version: "1"}, copts)
	mcptest.Check(t.Errorf, c)
	cs, err := c.Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cs.Close()
		ss.Wait()
		cancel()
	})
	return cs
}

func newServer(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func listTools(t *testing.T, cs *sdk.ClientSession) map[string]*sdk.Tool {
	t.Helper()
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]*sdk.Tool{}
	for _, tl := range res.Tools {
		m[tl.Name] = tl
	}
	return m
}

func call(t *testing.T, cs *sdk.ClientSession, name string, args any) (*sdk.CallToolResult, Output) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("call %s: %v", name, err)
	}
	var out Output
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("structured content %s: %v", b, err)
	}
	return res, out
}

func text(res *sdk.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

func TestListToolsDescribesEachAction(t *testing.T) {
	s := newServer(t, Options{Load: staticLoader(teamAction, userAction, botAction, operatorAction), Runner: &fakeRunner{}})
	cs := connect(t, s, nil)

	if got := cs.InitializeResult().Instructions; !strings.Contains(got, "stop replying") {
		t.Errorf("instructions %q do not tell the agent to stop replying", got)
	}
	tools := listTools(t, cs)
	if len(tools) != 4 {
		t.Fatalf("got %d tools, want 4", len(tools))
	}
	type want struct {
		does                          string
		destructive, idempotent, open bool
	}
	cases := map[string]want{
		"escalate-billing": {"Billing team", true, true, true},
		"vip-maria":        {"operator maria@acme.com", false, true, true},
		"returns-flow":     {"chatbot \"Returns flow\"", false, false, true},
		"back-to-bot":      {"bot operator", false, true, true},
	}
	for name, w := range cases {
		tl := tools[name]
		if tl == nil {
			t.Errorf("tool %s missing", name)
			continue
		}
		if !strings.HasPrefix(tl.Description, "Use when: ") || !strings.Contains(tl.Description, "stop replying to this customer") || !strings.Contains(tl.Description, w.does) {
			t.Errorf("%s: description %q", name, tl.Description)
		}
		a := tl.Annotations
		if a == nil || a.DestructiveHint == nil || *a.DestructiveHint != w.destructive || a.IdempotentHint != w.idempotent ||
			a.OpenWorldHint == nil || *a.OpenWorldHint != w.open || a.ReadOnlyHint {
			t.Errorf("%s: annotations %+v, want destructive=%v idempotent=%v", name, a, w.destructive, w.idempotent)
		}
		schema, _ := json.Marshal(tl.InputSchema)
		var sch struct {
			Type       string                       `json:"type"`
			Properties map[string]map[string]any    `json:"properties"`
			Required   []string                     `json:"required"`
			Additional *bool                        `json:"additionalProperties"`
			Extra      map[string]map[string]string `json:"-"`
		}
		if err := json.Unmarshal(schema, &sch); err != nil {
			t.Fatal(err)
		}
		if sch.Type != "object" || !slices.Equal(sch.Required, []string{"conversation"}) || sch.Additional == nil || *sch.Additional ||
			len(sch.Properties) != 2 || sch.Properties["conversation"]["description"] == nil || sch.Properties["note"]["description"] == nil {
			t.Errorf("%s: input schema %s", name, schema)
		}
		if d, _ := sch.Properties["note"]["description"].(string); !strings.Contains(d, "NOT shown in Wati") {
			t.Errorf("%s: note description does not say Wati does not show it: %q", name, d)
		}
	}
	if !strings.Contains(tools["escalate-billing"].Description, "The customer disputes a charge or asks for a refund.") {
		t.Errorf("intent missing from description: %q", tools["escalate-billing"].Description)
	}
}

func TestCallRunsTheActionAndReportsTheResult(t *testing.T) {
	r := &fakeRunner{}
	s := newServer(t, Options{Load: staticLoader(teamAction, botAction), Runner: r})
	cs := connect(t, s, nil)

	res, out := call(t, cs, "escalate-billing", map[string]any{"conversation": " +1 415 555 2671 ", "note": "Charged twice for order 1042"})
	if res.IsError {
		t.Fatalf("unexpected tool error: %s", text(res))
	}
	calls := r.Calls()
	if len(calls) != 1 || calls[0].Action.Name != "escalate-billing" || calls[0].Conversation != "+1 415 555 2671" ||
		calls[0].Note != "Charged twice for order 1042" || calls[0].DryRun {
		t.Fatalf("runner got %+v", calls)
	}
	if !out.OK || out.Outcome != "assigned" || out.Action != "escalate-billing" || out.Account != "acme" ||
		out.Note != "Charged twice for order 1042" || len(out.Requests) != 1 || out.API != "v3" {
		t.Errorf("structured content %+v", out)
	}
	if txt := text(res); !strings.Contains(txt, "now belongs to the Billing team") || !strings.Contains(txt, "Stop replying") {
		t.Errorf("summary %q", txt)
	}

	res, _ = call(t, cs, "returns-flow", map[string]any{"conversation": "14155552671"})
	if txt := text(res); res.IsError || !strings.Contains(txt, "Do not call this tool again") {
		t.Errorf("chatbot summary %q (error %v)", txt, res.IsError)
	}
}

func TestCallReplacedTeamsAreReported(t *testing.T) {
	r := &fakeRunner{answer: func(c Call) handoff.Result {
		return handoff.Result{OK: true, Outcome: "assigned", Target: "14155552671", Replaced: []string{"Sales", "Support"}}
	}}
	s := newServer(t, Options{Load: staticLoader(teamAction), Runner: r})
	cs := connect(t, s, nil)
	res, out := call(t, cs, "escalate-billing", map[string]any{"conversation": "14155552671"})
	if !slices.Equal(out.Replaced, []string{"Sales", "Support"}) || !strings.Contains(text(res), "removed from its other teams: Sales, Support") {
		t.Errorf("replaced teams not reported: %+v / %s", out, text(res))
	}
	// The runner left fields empty: the server fills them from the action.
	if out.Action != "escalate-billing" || out.Account != "acme" || out.Assignee != "the Billing team" {
		t.Errorf("fields not filled: %+v", out)
	}
}

type hintErr struct{ msg, hint string }

func (e *hintErr) Error() string { return e.msg }
func (e *hintErr) Hint() string  { return e.hint }

func TestFailingCallIsAToolError(t *testing.T) {
	r := &fakeRunner{answer: func(c Call) handoff.Result {
		err := &hintErr{`account "acme" rejected the token (401)`, "Run: handoff account add acme --with-token"}
		return handoff.Result{Action: c.Action.Name, OK: false, Outcome: "failed", Err: fmtWrap(err)}
	}}
	s := newServer(t, Options{Load: staticLoader(userAction), Runner: r})
	cs := connect(t, s, nil)
	res, out := call(t, cs, "vip-maria", map[string]any{"conversation": "14155552671"})
	if !res.IsError {
		t.Fatal("a failed handoff must be a tool error")
	}
	txt := text(res)
	for _, w := range []string{"Handoff failed", "rejected the token (401)", "has NOT changed hands", "Run: handoff account add acme --with-token"} {
		if !strings.Contains(txt, w) {
			t.Errorf("text %q lacks %q", txt, w)
		}
	}
	if out.OK || out.Outcome != "failed" || !strings.Contains(out.Error, "401") || out.Hint == "" {
		t.Errorf("structured %+v", out)
	}
	// The server is still alive.
	if _, err := cs.ListTools(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
}

func fmtWrap(err error) error { return errors.Join(errors.New("assign vip-maria"), err) }

func TestUnknownOutcomeSaysDoNotRetry(t *testing.T) {
	r := &fakeRunner{answer: func(c Call) handoff.Result {
		return handoff.Result{OK: false, Outcome: "unknown", Error: "Wati did not answer in 15s"}
	}}
	s := newServer(t, Options{Load: staticLoader(botAction), Runner: r})
	cs := connect(t, s, nil)
	res, out := call(t, cs, "returns-flow", map[string]any{"conversation": "14155552671"})
	if !res.IsError || out.Outcome != "unknown" || !strings.Contains(text(res), "Do not call this tool again") {
		t.Errorf("unknown outcome: error=%v %+v %s", res.IsError, out, text(res))
	}
}

func TestBadArgumentsNeverReachTheRunner(t *testing.T) {
	r := &fakeRunner{}
	s := newServer(t, Options{Load: staticLoader(teamAction), Runner: r})
	cs := connect(t, s, nil)
	for _, tc := range []struct {
		args any
		want string
	}{
		{map[string]any{}, "missing argument conversation"},
		{map[string]any{"conversation": "   "}, "conversation is empty"},
		{map[string]any{"conversation": 14155552671}, "must be a string"},
		{map[string]any{"conversation": "14155552671", "team": "Sales"}, `unknown argument "team"`},
		{map[string]any{"conversation": "14155552671", "note": 3}, "note must be a string"},
		{map[string]any{"conversation": "14155552671", "note": strings.Repeat("x", MaxNoteLength+1)}, "note is too long"},
	} {
		res, out := call(t, cs, "escalate-billing", tc.args)
		if !res.IsError || !strings.Contains(text(res), tc.want) || !strings.Contains(text(res), "Nothing was sent") || out.OK {
			t.Errorf("args %v: error=%v text %q, want %q", tc.args, res.IsError, text(res), tc.want)
		}
	}
	if n := len(r.Calls()); n != 0 {
		t.Errorf("runner called %d times for invalid arguments", n)
	}
}

func TestParseArgsAgreesWithSchema(t *testing.T) {
	s, err := New(Options{Load: staticLoader(), Runner: &fakeRunner{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{
		`{"conversation":"1"}`, `{"conversation":"1","note":"n"}`, `{}`, `{"note":"n"}`, `{"conversation":""}`,
		`{"conversation":1}`, `{"conversation":"1","x":1}`, `{"conversation":"1","note":null}`, `null`,
		`{"conversation":"` + strings.Repeat("1", 201) + `"}`,
	} {
		_, perr := s.parseArgs(nil, json.RawMessage(raw))
		var v any
		_ = json.Unmarshal([]byte(raw), &v)
		if v == nil {
			v = map[string]any{}
		}
		serr := s.schema.Validate(v)
		if (perr == nil) != (serr == nil) {
			t.Errorf("%s: parseArgs %v, schema %v", raw, perr, serr)
		}
	}
}

func TestReadOnlyRunsDryAndSaysSo(t *testing.T) {
	r := &fakeRunner{}
	s := newServer(t, Options{Load: staticLoader(teamAction, botAction), Runner: r, ReadOnly: true})
	cs := connect(t, s, nil)
	for name, tl := range listTools(t, cs) {
		a := tl.Annotations
		if !a.ReadOnlyHint || *a.DestructiveHint || !strings.Contains(tl.Description, "dry runs") {
			t.Errorf("%s: read-only server lists %+v / %q", name, a, tl.Description)
		}
	}
	res, out := call(t, cs, "returns-flow", map[string]any{"conversation": "14155552671"})
	calls := r.Calls()
	if len(calls) != 1 || !calls[0].DryRun {
		t.Fatalf("calls %+v: want one dry run", calls)
	}
	if res.IsError || out.Outcome != "dry-run" || !strings.Contains(text(res), "nothing was changed in Wati") {
		t.Errorf("dry run: %+v %s", out, text(res))
	}
}

func TestPanickingRunnerIsAToolError(t *testing.T) {
	r := &fakeRunner{answer: func(Call) handoff.Result { panic("boom") }}
	var logs []string
	var mu sync.Mutex
	s := newServer(t, Options{Load: staticLoader(teamAction), Runner: r, Logf: func(f string, a ...any) {
		mu.Lock()
		logs = append(logs, f)
		mu.Unlock()
	}})
	cs := connect(t, s, nil)
	res, _ := call(t, cs, "escalate-billing", map[string]any{"conversation": "14155552671"})
	if !res.IsError || !strings.Contains(text(res), "internal error") {
		t.Errorf("panic: %v %s", res.IsError, text(res))
	}
	if _, err := cs.ListTools(context.Background(), nil); err != nil {
		t.Fatal("server died:", err)
	}
}

func TestUnknownToolIsAProtocolError(t *testing.T) {
	s := newServer(t, Options{Load: staticLoader(teamAction), Runner: &fakeRunner{}})
	cs := connect(t, s, nil)
	_, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "nope", Arguments: map[string]any{"conversation": "1"}})
	if err == nil || !strings.Contains(err.Error(), `unknown tool "nope"`) {
		t.Errorf("err = %v", err)
	}
}

func TestReloadSkipsBadAndDuplicateNamesAndKeepsToolsOnError(t *testing.T) {
	var logs []string
	var fail bool
	dup := *teamAction
	bad := *userAction
	bad.Name = "has space"
	load := func(context.Context) ([]*action.Action, []string, error) {
		if fail {
			return nil, nil, errors.New("permission denied")
		}
		return []*action.Action{teamAction, &dup, &bad}, []string{"broken.yaml: line 3: unknown field \"teem\""}, nil
	}
	s := newServer(t, Options{Load: load, Runner: &fakeRunner{}, Logf: func(f string, a ...any) { logs = append(logs, sprintf(f, a...)) }})
	if got := s.Names(); !slices.Equal(got, []string{"escalate-billing"}) {
		t.Fatalf("names %v", got)
	}
	all := strings.Join(logs, "\n")
	for _, w := range []string{"skipped broken.yaml", "second action named \"escalate-billing\"", "has space"} {
		if !strings.Contains(all, w) {
			t.Errorf("logs %q lack %q", all, w)
		}
	}
	fail = true
	if err := s.Reload(context.Background()); err == nil {
		t.Fatal("want the folder error")
	}
	if got := s.Names(); !slices.Equal(got, []string{"escalate-billing"}) {
		t.Errorf("tools lost on a folder error: %v", got)
	}
}

// yamlLoader reads *.yaml in dir, as a stand-in for the action store.
func yamlLoader(dir string) Loader {
	return func(context.Context) ([]*action.Action, []string, error) {
		files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil {
			return nil, nil, err
		}
		var acts []*action.Action
		var skipped []string
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, nil, err
			}
			var a action.Action
			if err := yaml.Unmarshal(b, &a); err != nil || a.Name == "" {
				skipped = append(skipped, filepath.Base(f))
				continue
			}
			acts = append(acts, &a)
		}
		return acts, skipped, nil
	}
}

func writeAction(t *testing.T, dir string, a *action.Action) {
	t.Helper()
	b, err := yaml.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "."+a.Name+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, a.Name+".yaml")); err != nil {
		t.Fatal(err)
	}
}

func TestWatchSendsListChanged(t *testing.T) {
	dir := t.TempDir()
	writeAction(t, dir, teamAction)
	s := newServer(t, Options{Load: yamlLoader(dir), Runner: &fakeRunner{}})

	changed := make(chan struct{}, 10)
	cs := connect(t, s, &sdk.ClientOptions{ToolListChangedHandler: func(context.Context, *sdk.ToolListChangedRequest) {
		changed <- struct{}{}
	}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- s.Watch(ctx, dir, 20*time.Millisecond, func() { close(ready) }) }()
	<-ready

	wait := func(what string) {
		t.Helper()
		select {
		case <-changed:
		case <-time.After(5 * time.Second):
			t.Fatalf("no tools/list_changed after %s", what)
		}
	}

	// A new file: one notification, and the tool is listed.
	writeAction(t, dir, userAction)
	wait("adding a file")
	if tools := listTools(t, cs); tools["vip-maria"] == nil || len(tools) != 2 {
		t.Fatalf("after add: %v", tools)
	}

	// An edit changes the description.
	edited := *userAction
	edited.Intent = "The customer asks for Maria by name."
	writeAction(t, dir, &edited)
	wait("editing a file")
	if d := listTools(t, cs)["vip-maria"].Description; !strings.Contains(d, "asks for Maria by name") {
		t.Errorf("edited description %q", d)
	}

	// A removal.
	if err := os.Remove(filepath.Join(dir, "escalate-billing.yaml")); err != nil {
		t.Fatal(err)
	}
	wait("removing a file")
	if tools := listTools(t, cs); tools["escalate-billing"] != nil || len(tools) != 1 {
		t.Errorf("after remove: %v", tools)
	}

	// Files that are not actions change nothing.
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
		t.Error("a non-YAML file triggered a notification")
	case <-time.After(150 * time.Millisecond):
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestWatchMissingFolder(t *testing.T) {
	s := newServer(t, Options{Load: staticLoader(), Runner: &fakeRunner{}})
	if err := s.Watch(context.Background(), filepath.Join(t.TempDir(), "nope"), 0, nil); err == nil {
		t.Fatal("watching a missing folder must fail")
	}
}

func TestOpenAIToolsMatchMCPTools(t *testing.T) {
	acts := []*action.Action{teamAction, botAction}
	tools := OpenAITools(acts)
	b, err := json.Marshal(tools)
	if err != nil {
		t.Fatal(err)
	}
	var got []struct {
		Type     string `json:"type"`
		Function struct {
			Name        string         `json:"name"`
			Description string         `json:"description"`
			Parameters  map[string]any `json:"parameters"`
		} `json:"function"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%s", b)
	}
	for i, g := range got {
		mt := Tool(acts[i], false)
		ms, _ := json.Marshal(mt.InputSchema)
		var mschema map[string]any
		_ = json.Unmarshal(ms, &mschema)
		if g.Type != "function" || g.Function.Name != mt.Name || g.Function.Description != mt.Description || !reflect.DeepEqual(mschema, g.Function.Parameters) {
			t.Errorf("openai tool %d = %+v, mcp %+v", i, g, mt)
		}
	}
}

func TestAnnotationsKeepTeamsIsNotDestructive(t *testing.T) {
	a := *teamAction
	a.Assignee.KeepTeams = true
	an := Annotations(&a, false)
	if *an.DestructiveHint || !an.IdempotentHint {
		t.Errorf("keep_teams: %+v", an)
	}
	if d := Description(&a, false); !strings.Contains(d, "keeping its other teams") {
		t.Errorf("description %q", d)
	}
}

func sprintf(f string, a ...any) string { return fmt.Sprintf(f, a...) }
