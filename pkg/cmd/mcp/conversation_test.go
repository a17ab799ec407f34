package mcp

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/handoff-dev/handoff/pkg/handoff"
	hmcp "github.com/handoff-dev/handoff/pkg/mcp"
	"github.com/handoff-dev/handoff/pkg/sandbox"
)

// callAny calls a tool and returns its structured content as decoded JSON
// (the session's client checks it against the tool's outputSchema:
// mcptest.Check).
func (s *session) callAny(t *testing.T, name string, args map[string]any) (*sdk.CallToolResult, map[string]any) {
	t.Helper()
	res, err := s.cs.CallTool(context.Background(), &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("call %s: %v", name, err)
	}
	b, _ := json.Marshal(res.StructuredContent)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("structured content %s: %v", b, err)
	}
	return res, m
}

// An agent checks who holds the conversation, hands it off, checks again
// (a person has it), and releases it (the bot has it again), all through
// MCP against the sandbox, whose operator answers in the meantime.
func TestAgentChecksStatusHandsOffAndReleases(t *testing.T) {
	sb, err := sandbox.New(sandbox.Options{ReplyAfter: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	e := newEnv(t)
	e.copyExamples()
	e.addAccount("sandbox", sb.URL(), sb.Token())
	s := e.serve(false)

	tools := s.allTools(t)
	st, rel := tools[hmcp.StatusToolName], tools[hmcp.ReleaseToolName]
	if st == nil || rel == nil {
		t.Fatalf("tools %v: the conversation tools are missing", tools)
	}
	if a := st.Annotations; !a.ReadOnlyHint || !a.IdempotentHint || a.DestructiveHint == nil || *a.DestructiveHint {
		t.Errorf("%s annotations %+v: want read-only, idempotent, not destructive", st.Name, a)
	}
	if a := rel.Annotations; a.ReadOnlyHint || !a.IdempotentHint {
		t.Errorf("%s annotations %+v: a release writes, and twice is the same as once", rel.Name, a)
	}

	conv := map[string]any{"conversation": "+1 (415) 555-2671"}
	res, out := s.callAny(t, hmcp.StatusToolName, conv)
	if res.IsError || out["human"] != false || out["holder"] != "bot" || out["verdict"] != "the bot has it" {
		t.Fatalf("before the handoff: %v", out)
	}

	r, o, all := s.call(t, "vip-account-manager", map[string]any{"conversation": "14155552671", "note": "VIP"})
	if r.IsError || o.Outcome != "assigned" {
		t.Fatalf("handoff: %s", all)
	}
	time.Sleep(5 * time.Millisecond) // Maria answers after 1ms
	res, out = s.callAny(t, hmcp.StatusToolName, conv)
	a, _ := out["assignee"].(map[string]any)
	if res.IsError || out["human"] != true || out["verdict"] != "a human has it, do not reply" ||
		a["type"] != "operator" || a["name"] != "Maria Lopez" || a["email"] != "maria@acme.com" {
		t.Fatalf("after the handoff: %v", out)
	}
	if txt := res.Content[0].(*sdk.TextContent).Text; !strings.Contains(txt, "do not reply") {
		t.Errorf("text %q does not tell the agent to stay silent", txt)
	}

	res, out = s.callAny(t, hmcp.ReleaseToolName, map[string]any{"conversation": "14155552671", "status": "solved", "note": "done"})
	if res.IsError || out["outcome"] != "released" || out["status"] != "solved" {
		t.Fatalf("release: %v", out)
	}
	c, _ := sb.Contact("14155552671")
	if v := c.Conversations[0]; v.Assignee == nil || v.Assignee.Type != "bot" || v.Status != "solved" {
		t.Errorf("sandbox after release: %+v", v)
	}
	res, out = s.callAny(t, hmcp.StatusToolName, conv)
	if res.IsError || out["human"] != false || out["holder"] != "bot" {
		t.Fatalf("after the release: %v", out)
	}

	// The release is in the audit log, after the handoff.
	recs, _, err := handoff.NewAuditLog(e.stateDir).Read(handoff.AuditFilter{})
	if err != nil || len(recs) != 2 || recs[1].Kind != "release" || recs[1].Source != "mcp" || recs[1].Note != "done" || !recs[1].OK {
		t.Errorf("audit log %+v (%v)", recs, err)
	}

	// Failures are tool errors that still match the schema, and say not to reply.
	res, out = s.callAny(t, hmcp.StatusToolName, map[string]any{"conversation": "14155550199"})
	if !res.IsError || out["ok"] != false || out["holder"] != "unknown" || !strings.Contains(out["summary"].(string), "Do not reply") {
		t.Errorf("unknown contact: %v", out)
	}
	res, out = s.callAny(t, hmcp.StatusToolName, map[string]any{"conversation": "x", "extra": 1})
	if !res.IsError || !strings.Contains(out["summary"].(string), "unknown argument") {
		t.Errorf("bad arguments: %v", out)
	}
	res, out = s.callAny(t, hmcp.ReleaseToolName, map[string]any{"conversation": "14155552671", "status": "closed"})
	if !res.IsError || out["outcome"] != "failed" {
		t.Errorf("bad status: %v", out)
	}
}

// On a read-only server a release is a dry run, and annotated read-only.
func TestReadOnlyReleaseIsADryRun(t *testing.T) {
	e := newEnv(t)
	e.copyExamples()
	e.addAccount("sandbox", "http://127.0.0.1:9", "tok")
	s := e.serve(true)
	tools := s.allTools(t)
	if !tools[hmcp.ReleaseToolName].Annotations.ReadOnlyHint {
		t.Error("release is not read-only on a read-only server")
	}
	res, out := s.callAny(t, hmcp.ReleaseToolName, map[string]any{"conversation": "14155552671"})
	if res.IsError || out["outcome"] != "dry-run" {
		t.Errorf("read-only release: %v", out)
	}
}
