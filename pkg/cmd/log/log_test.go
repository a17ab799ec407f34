package log

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/handoff"
)

func run(t *testing.T, dir string, args ...string) (string, string, error) {
	t.Helper()
	ios, _, out, errOut := cmdutil.Test()
	f := &cmdutil.Factory{IO: ios, Settings: &cmdutil.Settings{StateDir: dir}}
	cmd := NewCmdLog(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	err := cmd.Execute()
	return out.String(), errOut.String(), err
}

func seed(t *testing.T) string {
	dir := t.TempDir()
	l := handoff.NewAuditLog(dir)
	now := time.Now().UTC()
	recs := []handoff.AuditRecord{
		{Time: now.Add(-50 * time.Hour), Action: "escalate-billing", Account: "acme", Target: "14155552671", Assignee: "the Billing team", Outcome: "assigned", OK: true, Replaced: []string{"Sales"}, Source: "assign"},
		{Time: now.Add(-2 * time.Hour), Action: "returns-bot", Account: "acme", Target: "14155552672", Assignee: "chatbot Returns flow", Outcome: "failed", Error: "v3 start chatbot: not found (404)", Source: "batch"},
		{Time: now.Add(-time.Minute), Action: "escalate-billing", Account: "acme", Target: "14155552673", Assignee: "the Billing team", Outcome: "assigned", OK: true, Source: "mcp"},
	}
	for _, r := range recs {
		if err := l.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	return dir
}

func TestLogTable(t *testing.T) {
	dir := seed(t)
	out, errOut, err := run(t, dir)
	if err != nil || errOut != "" {
		t.Fatalf("err %v, stderr %q", err, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "TIME") {
		t.Fatalf("output:\n%s", out)
	}
	if !strings.Contains(lines[1], "14155552671") || !strings.Contains(lines[1], "replaced Sales") ||
		!strings.Contains(lines[2], "failed: v3 start chatbot: not found (404)") || !strings.Contains(lines[3], "mcp") {
		t.Fatalf("output:\n%s", out)
	}
}

func TestLogFilters(t *testing.T) {
	dir := seed(t)
	out, _, err := run(t, dir, "--since", "1d", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var recs []handoff.AuditRecord
	if err := json.Unmarshal([]byte(out), &recs); err != nil || len(recs) != 2 {
		t.Fatalf("since 1d: %v %s", err, out)
	}
	out, _, _ = run(t, dir, "--action", "escalate-billing", "--json", "--limit", "1")
	recs = nil
	json.Unmarshal([]byte(out), &recs)
	if len(recs) != 1 || recs[0].Target != "14155552673" {
		t.Fatalf("action + limit 1: %s", out)
	}
	out, _, _ = run(t, dir, "--action", "nothing", "--json")
	if strings.TrimSpace(out) != "[]" {
		t.Fatalf("no match: %q", out)
	}
	out, errOut, err := run(t, t.TempDir())
	if err != nil || out != "" || errOut != "" {
		t.Fatalf("empty log without a terminal: %q %q %v", out, errOut, err)
	}
}

func TestLogBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--since", "yesterday"}, {"--limit", "-1"}, {"extra"}} {
		_, _, err := run(t, t.TempDir(), args...)
		if err == nil {
			t.Errorf("%v: no error", args)
			continue
		}
		if code := cmdutil.ExitCodeOf(err); code != cmdutil.ExitUsage && !strings.Contains(err.Error(), "unknown command") && !strings.Contains(err.Error(), "accepts 0 arg") {
			t.Errorf("%v: exit %d (%v)", args, code, err)
		}
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2024, 6, 10, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"90m":                  now.Add(-90 * time.Minute),
		"7d":                   now.Add(-7 * 24 * time.Hour),
		"1.5d":                 now.Add(-36 * time.Hour),
		"2024-06-01T00:00:00Z": time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC),
	} {
		got, err := parseSince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("%s: %v %v, want %v", in, got, err, want)
		}
	}
	if got, _ := parseSince("2024-06-01", now); got.Year() != 2024 || got.Day() != 1 {
		t.Errorf("date: %v", got)
	}
}
