package mcp

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/handoff-dev/handoff/pkg/sandbox"
)

func startSandbox(t *testing.T) *sandbox.Server {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return sb
}

// TestEachAssigneeTypeAgainstTheSandbox calls every example action through
// the MCP client and checks what changed in the sandbox's state.
func TestEachAssigneeTypeAgainstTheSandbox(t *testing.T) {
	sb := startSandbox(t)
	e := newEnv(t)
	e.copyExamples()
	e.addAccount("sandbox", sb.URL(), sb.Token())
	s := e.serve(false)

	if n := len(s.tools(t)); n != 4 {
		t.Fatalf("%d tools, want the 4 examples", n)
	}

	// team: Alex (14155552671) is in Support; the team call replaces it.
	res, out, all := s.call(t, "escalate-billing", map[string]any{"conversation": "+1 (415) 555-2671", "note": "charged twice for order 1042"})
	if res.IsError || !out.OK || out.Outcome != "assigned" || out.Target != "14155552671" || out.Account != "sandbox" {
		t.Fatalf("team call: %s", all)
	}
	if c, _ := sb.Contact("14155552671"); !slices.Equal(c.Teams, []string{"Billing"}) {
		t.Errorf("sandbox teams %v, want [Billing]", c.Teams)
	}
	if !slices.Equal(out.Replaced, []string{"Support"}) || !strings.Contains(all, "removed from its other teams: Support") {
		t.Errorf("replaced teams not reported: %s", all)
	}

	// user: Jonas's pending conversation goes to maria.
	res, out, all = s.call(t, "vip-account-manager", map[string]any{"conversation": "4915112345678"})
	if res.IsError || out.Outcome != "assigned" || !strings.Contains(all, "maria@acme.com") {
		t.Fatalf("user call: %s", all)
	}
	if c, _ := sb.Contact("4915112345678"); c.Conversations[0].Assignee == nil || c.Conversations[0].Assignee.Email != "maria@acme.com" {
		t.Errorf("sandbox assignee %+v", c.Conversations[0].Assignee)
	}

	// bot with id: a chatbot start, once.
	res, out, all = s.call(t, "start-return", map[string]any{"conversation": "Support:14155552671"})
	if res.IsError || out.Outcome != "assigned" {
		t.Fatalf("chatbot call: %s", all)
	}
	if n := sb.ChatbotStarts("14155552671"); n != 1 {
		t.Errorf("chatbot started %d times, want 1", n)
	}

	// bot operator: Jonas back to the bot.
	res, out, all = s.call(t, "back-to-bot", map[string]any{"conversation": "4915112345678"})
	if res.IsError || out.Outcome != "assigned" {
		t.Fatalf("bot operator call: %s", all)
	}
	if c, _ := sb.Contact("4915112345678"); c.Conversations[0].Assignee == nil || c.Conversations[0].Assignee.Type != "bot" {
		t.Errorf("sandbox assignee %+v, want the bot", c.Conversations[0].Assignee)
	}

	// Every call is in the audit log, marked as coming from mcp, with the note.
	audit := readAudit(t, e.stateDir)
	if len(audit) != 4 {
		t.Fatalf("audit log has %d records, want 4:\n%s", len(audit), strings.Join(audit, "\n"))
	}
	if !strings.Contains(audit[0], `"source":"mcp"`) || !strings.Contains(audit[0], "charged twice for order 1042") {
		t.Errorf("audit record %s lacks source mcp or the note", audit[0])
	}
	if strings.Contains(s.stderr.String(), sb.Token()) || strings.Contains(strings.Join(audit, ""), sb.Token()) {
		t.Error("the token leaked into stderr or the audit log")
	}
}

func readAudit(t *testing.T, stateDir string) []string {
	t.Helper()
	var lines []string
	_ = filepath.WalkDir(stateDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(p) != "audit.log" {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		return nil
	})
	return lines
}

func TestFailingCallsAreToolErrors(t *testing.T) {
	sb := startSandbox(t)
	e := newEnv(t)
	e.copyExamples()
	e.addAccount("sandbox", sb.URL(), "wrong-token")
	s := e.serve(false)

	// 401 from Wati: a tool error naming the cause and the fix.
	res, out, all := s.call(t, "vip-account-manager", map[string]any{"conversation": "14155552671"})
	if !res.IsError || out.OK || out.Outcome != "failed" || !strings.Contains(all, "401") || !strings.Contains(all, "has NOT changed hands") || out.Hint == "" {
		t.Errorf("401: %s", all)
	}
	// A conversation that is not a phone or an id: nothing sent.
	before := len(sb.Requests())
	res, out, all = s.call(t, "vip-account-manager", map[string]any{"conversation": "call me maybe"})
	if !res.IsError || out.Outcome != "failed" || len(sb.Requests()) != before {
		t.Errorf("bad target: %s", all)
	}
	// The server is still serving.
	if len(s.tools(t)) != 4 {
		t.Error("tools gone after failures")
	}
}

func TestUnknownContactIsAToolError(t *testing.T) {
	sb := startSandbox(t)
	e := newEnv(t)
	e.copyExamples()
	e.addAccount("sandbox", sb.URL(), sb.Token())
	s := e.serve(false)
	res, out, all := s.call(t, "escalate-billing", map[string]any{"conversation": "14155550199"})
	if !res.IsError || out.OK || !strings.Contains(strings.ToLower(all), "not found") {
		t.Errorf("unknown contact: %s", all)
	}
}

func TestListChangedWhenAFileIsAdded(t *testing.T) {
	e := newEnv(t)
	e.addAccount("sandbox", "http://127.0.0.1:9", "x")
	src := filepath.Join("..", "..", "..", "configs", "actions")
	copyFile := func(name string) {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		tmp := filepath.Join(e.dir, "."+name+".tmp")
		if err := os.WriteFile(tmp, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(e.dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	copyFile("escalate-billing.yaml")
	s := e.serve(true)
	if n := len(s.tools(t)); n != 1 {
		t.Fatalf("%d tools at start", n)
	}
	deadline := time.After(10 * time.Second)
	copyFile("start-return.yaml")
	for {
		select {
		case <-s.changed:
		case <-deadline:
			t.Fatalf("no tools/list_changed after adding a file; stderr:\n%s", s.stderr.String())
		}
		if s.tools(t)["start-return"] != nil {
			break
		}
	}
	if !strings.Contains(s.stderr.String(), "added tools: start-return") {
		t.Errorf("stderr %q does not report the new tool", s.stderr.String())
	}
}

// TestReadOnlySendsOnlyTheReadsItNames: under --read-only the sandbox sees
// exactly the reads the help and the result name (one contact read for a
// team action) and no write; user and bot actions send nothing.
func TestReadOnlySendsOnlyTheReadsItNames(t *testing.T) {
	sb := startSandbox(t)
	e := newEnv(t)
	e.copyExamples()
	e.addAccount("sandbox", sb.URL(), sb.Token())
	s := e.serve(true)

	for _, name := range []string{"vip-account-manager", "start-return", "back-to-bot"} {
		res, out, all := s.call(t, name, map[string]any{"conversation": "14155552671"})
		if res.IsError || out.Outcome != "dry-run" || strings.Contains(all, "it read:") {
			t.Errorf("%s: %s", name, all)
		}
		if got := sb.Requests(); len(got) != 0 {
			t.Fatalf("%s under --read-only sent %+v", name, got)
		}
	}
	res, out, all := s.call(t, "escalate-billing", map[string]any{"conversation": "14155552671"})
	if res.IsError || out.Outcome != "dry-run" || !slices.Equal(out.Replaced, []string{"Support"}) {
		t.Fatalf("team dry run: %s", all)
	}
	got := sb.Requests()
	if len(got) != 1 || got[0].Method != "GET" || got[0].Path != "/api/ext/v3/contacts/14155552671" {
		t.Fatalf("a read-only team call sent %+v, want the one contact read", got)
	}
	if !strings.Contains(all, "it read: GET "+sb.URL()+"/api/ext/v3/contacts/14155552671 (200)") ||
		!strings.Contains(all, "with PUT "+sb.URL()+"/api/ext/v3/contacts/teams") {
		t.Errorf("the summary does not name the read and the write: %s", all)
	}
	if c, _ := sb.Contact("14155552671"); !slices.Equal(c.Teams, []string{"Support"}) {
		t.Errorf("sandbox teams changed under --read-only: %v", c.Teams)
	}
	tools := s.tools(t)
	if d := tools["escalate-billing"].Description; !strings.Contains(d, "reads the contact's current teams (one GET /contacts request) and sends nothing else") {
		t.Errorf("team tool description under --read-only: %q", d)
	}
	if d := tools["vip-account-manager"].Description; !strings.Contains(d, "nothing is sent to Wati") {
		t.Errorf("user tool description under --read-only: %q", d)
	}
}
