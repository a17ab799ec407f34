package conversation

import (
	"context"
	"testing"
	"time"

	"github.com/handoff-dev/handoff/pkg/handoff"
	"github.com/handoff-dev/handoff/pkg/sandbox"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// testClock is a settable time for the sandbox and the checks.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { return c.t }

func sandboxDeps(t *testing.T, clk *testClock, opts sandbox.Options) (Deps, *sandbox.Server) {
	t.Helper()
	opts.Now = clk.now
	sb, err := sandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	audit := handoff.NewAuditLog(t.TempDir())
	t.Cleanup(func() { audit.Close() })
	return Deps{Audit: audit, Now: clk.now, Client: func(acct string, dry bool) (*wati.Client, error) {
		return wati.New(wati.Config{BaseURL: sb.URL(), Token: sb.Token(), Account: "sb", DryRun: dry, RetryBaseWait: time.Millisecond})
	}}, sb
}

// Over HTTP against the sandbox: the bot has it, an operator takes it and
// answers, a release gives it back and sets the status; every exchange is
// checked against Wati's spec (TestMain).
func TestCheckAndReleaseAgainstTheSandbox(t *testing.T) {
	clk := &testClock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	d, sb := sandboxDeps(t, clk, sandbox.Options{ReplyAfter: 30 * time.Second})
	ctx := context.Background()

	st, err := Check(ctx, d, "", "+1 415 555 2671")
	if err != nil || st.Human || st.Account != "sb" || st.Requests != 2 || !st.TeamsKnown || len(st.Teams) != 1 {
		t.Fatalf("before: %+v %v", st, err)
	}
	c, _ := d.Client("", false)
	maria := "maria@acme.com"
	if err := c.AssignOperator(ctx, wati.MustParseTarget("14155552671"), &maria); err != nil {
		t.Fatal(err)
	}
	if err := d.Audit.Append(handoff.AuditRecord{Time: clk.t, Action: "vip", Account: "sb", Target: "14155552671", Assignee: maria, Kind: "operator", OK: true, Outcome: "assigned"}); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(time.Minute)
	st, err = Check(ctx, d, "", "Support:14155552671")
	if err != nil || !st.Human || st.Assignee.Name != "Maria Lopez" || st.Assignee.Email != maria || st.Since == nil || !st.Since.Equal(clk.t.Add(-time.Minute)) {
		t.Fatalf("after the handoff: %+v %v", st, err)
	}
	if st.LastEvent == nil || !st.LastEvent.Owner || st.LastEvent.OperatorName != "Maria Lopez" || st.ConversationID != "685bd235e6119686e693a093" {
		t.Errorf("Maria's reply is not the newest event: %+v", st.LastEvent)
	}

	r := Release(ctx, d, ReleaseRequest{Target: "14155552671", Status: "solved", Source: "release"})
	if !r.OK || r.Outcome != OutcomeReleased || r.Status != "solved" || len(r.Requests) != 2 || r.ExitCode() != 0 {
		t.Fatalf("release: %+v", r)
	}
	if v, _ := sb.Contact("14155552671"); v.Conversations[0].Assignee.Type != "bot" || v.Conversations[0].Status != "solved" {
		t.Errorf("sandbox: %+v", v.Conversations[0])
	}
	st, err = Check(ctx, d, "", "14155552671")
	if err != nil || st.Human || st.LastHandoff == nil || st.LastHandoff.Kind != KindRelease {
		t.Fatalf("after the release: %+v %v", st, err)
	}

	// A dry run sends no write and records nothing; errors keep their codes.
	if r := Release(ctx, d, ReleaseRequest{Target: "14155552671", DryRun: true}); !r.OK || r.Outcome != OutcomeDryRun || r.Requests[0].Status != 0 {
		t.Errorf("dry run: %+v", r)
	}
	if r := Release(ctx, d, ReleaseRequest{Target: "14155550199"}); r.OK || r.ExitCode() != 5 {
		t.Errorf("unknown contact: %+v (exit %d)", r, r.ExitCode())
	}
	if r := Release(ctx, d, ReleaseRequest{Target: "call me"}); r.OK || r.ExitCode() != 2 {
		t.Errorf("bad target: %+v", r)
	}
	if _, err := Check(ctx, d, "", "14155550199"); err == nil {
		t.Error("status of an unknown contact: no error")
	}
	recs, _, _ := d.Audit.Read(handoff.AuditFilter{})
	if len(recs) != 3 || recs[1].Kind != KindRelease || !recs[1].OK || recs[2].OK {
		t.Errorf("audit: %+v (want the handoff, the release, the failed release)", recs)
	}
}
