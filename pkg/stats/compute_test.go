package stats

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/handoff-dev/handoff/pkg/handoff"
	"github.com/handoff-dev/handoff/pkg/sandbox"
	"github.com/handoff-dev/handoff/pkg/wati"
)

type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { return c.t }

// Compute over HTTP against the sandbox (people answer 30s after an
// assignment, none for the unanswered share): the waits, the groups, and
// a second run that reads only what is still waiting.
func TestComputeAgainstTheSandboxAndItsCache(t *testing.T) {
	clk := &testClock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	sb, err := sandbox.New(sandbox.Options{ReplyAfter: 30 * time.Second, GenerateContacts: 10, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	dir := t.TempDir()
	audit := handoff.NewAuditLog(dir)
	t.Cleanup(func() { audit.Close() })
	c, err := wati.New(wati.Config{BaseURL: sb.URL(), Token: sb.Token()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	hand := func(target, action, assignee, kind string, do func(wati.Target) error) {
		t.Helper()
		tg := wati.MustParseTarget(target)
		if err := do(tg); err != nil {
			t.Fatal(err)
		}
		if err := audit.Append(handoff.AuditRecord{Time: clk.t, Action: action, Account: "sb", Target: target, Assignee: assignee, Kind: kind, OK: true, Outcome: "assigned"}); err != nil {
			t.Fatal(err)
		}
		clk.t = clk.t.Add(time.Second)
	}
	maria := "maria@acme.com"
	toMaria := func(tg wati.Target) error { return c.AssignOperator(ctx, tg, &maria) }
	toBilling := func(tg wati.Target) error { return c.AssignTeams(ctx, tg, []string{"Billing"}) }
	hand("15550000001", "vip", maria, "operator", toMaria)
	hand("15550000002", "vip", maria, "operator", toMaria)
	hand("15550000003", "billing", "the Billing team", "teams", toBilling)
	hand("15550000004", "billing", "the Billing team", "teams", toBilling)
	hand("15550000005", "back", "the bot operator", "bot-operator", func(tg wati.Target) error { return c.AssignOperator(ctx, tg, nil) })
	// 15550000004 (handed at +3s) is answered at +33s: stats runs at +32.5s.
	clk.t = clk.t.Add(27500 * time.Millisecond)

	o := Options{Audit: audit, Client: func(string, bool) (*wati.Client, error) { return c, nil },
		CachePath: filepath.Join(dir, "cache", CacheFile), Rate: 1000, Now: clk.now}
	rep, err := Compute(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Calls != 4 || rep.Cached != 0 || rep.Skipped != 1 || len(rep.Groups) != 2 {
		t.Fatalf("calls %d cached %d skipped %d groups %+v", rep.Calls, rep.Cached, rep.Skipped, rep.Groups)
	}
	b, v := rep.Groups[0], rep.Groups[1]
	if b.Action != "billing" || b.Count != 2 || b.Answered != 1 || b.NotAnswered != 1 || b.MedianMS == nil || *b.MedianMS != 30_000 {
		t.Errorf("billing %+v", b)
	}
	if v.Action != "vip" || v.Answered != 2 || *v.MedianMS != 30_000 || *v.P90MS != 30_000 {
		t.Errorf("vip %+v", v)
	}

	// Again, later: the three answered are settled (no call); the waiting
	// one is read again and is answered now.
	clk.t = clk.t.Add(time.Minute)
	rep, err = Compute(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Calls != 1 || rep.Cached != 3 || rep.Groups[0].Answered != 2 {
		t.Fatalf("second run: calls %d cached %d groups %+v", rep.Calls, rep.Cached, rep.Groups)
	}
	if n := sb.CountRequests("GET", "/api/ext/v3/conversations/15550000001/messages"); n != 1 {
		t.Errorf("a settled conversation was read %d times", n)
	}
	rep, _ = Compute(ctx, o)
	if rep.Calls != 0 || rep.Cached != 4 {
		t.Errorf("third run: calls %d cached %d, want none and all", rep.Calls, rep.Cached)
	}
}
