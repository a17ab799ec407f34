package stats

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/handoff-dev/handoff/pkg/conversation"
	"github.com/handoff-dev/handoff/pkg/handoff"
)

func TestMedianAndPercentile(t *testing.T) {
	for _, c := range []struct {
		in       []int64
		med, p90 int64
	}{
		{[]int64{5}, 5, 5},
		{[]int64{1, 3}, 2, 3},
		{[]int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 5, 9},
		{[]int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 6, 10},
		{[]int64{10, 20, 30}, 20, 30},
	} {
		if m, p := Median(c.in), Percentile(c.in, 90); m != c.med || p != c.p90 {
			t.Errorf("%v: median %d p90 %d, want %d %d", c.in, m, p, c.med, c.p90)
		}
	}
	if Median(nil) != 0 || Percentile(nil, 90) != 0 {
		t.Error("empty")
	}
}

func TestFirstReplyCountsOnlyPeopleWithinTheWindow(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	until := at(100)
	events := []conversation.Event{
		{Created: at(-5), Owner: true, OperatorName: "Sam", EventType: "message"},   // before the handoff
		{Created: at(1), OperatorName: "Maria", EventType: "ticket"},                // the assignment, not a reply
		{Created: at(2), Owner: true, EventType: "message"},                         // the bot
		{Created: at(3), Owner: false, OperatorName: "Maria", EventType: "message"}, // not sent by the business
		{Created: at(40), Owner: true, OperatorName: "Maria", EventType: "message"},
		{Created: at(50), Owner: true, OperatorName: "Sam", EventType: "message"},
	}
	h := Handoff{Time: t0}
	firstReply(&h, events)
	if h.State != StateAnswered || !h.FirstReply.Equal(at(40)) || h.RepliedBy != "Maria" {
		t.Fatalf("%+v", h)
	}
	h = Handoff{Time: t0, Until: &until}
	firstReply(&h, events[:4])
	if h.State != StateWaiting || h.FirstReply != nil || !settled(h, at(200)) || settled(h, at(50)) {
		t.Fatalf("%+v: waiting, settled once the window closed", h)
	}
	early := at(30)
	h = Handoff{Time: t0, Until: &early}
	firstReply(&h, events)
	if h.State != StateWaiting {
		t.Fatalf("a reply after the next handoff counted: %+v", h)
	}
}

func TestHandoffsOfKeepsPeopleAndWindows(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	recs := []handoff.AuditRecord{
		{Time: t0, Action: "escalate-billing", Account: "a", Target: "14155552671", Assignee: "the Billing team", Kind: "teams", OK: true, Outcome: "assigned"},
		{Time: t0.Add(time.Minute), Action: "start-return", Account: "a", Target: "14155552672", Assignee: "chatbot X", Kind: "chatbot", OK: true, Outcome: "assigned"},
		{Time: t0.Add(2 * time.Minute), Action: "vip", Account: "a", Target: "14155552673", Assignee: "m@a.com", Kind: "operator", OK: false, Outcome: "failed"},
		{Time: t0.Add(3 * time.Minute), Account: "a", Target: "Support:14155552671", Assignee: "the bot operator", Kind: "release", OK: true, Outcome: "released"},
	}
	var rep Report
	hs := handoffsOf(recs, "", &rep)
	if len(hs) != 1 || rep.Skipped != 1 || hs[0].Until == nil || !hs[0].Until.Equal(t0.Add(3*time.Minute)) {
		t.Fatalf("%+v skipped %d", hs, rep.Skipped)
	}
	if hs := handoffsOf(recs, "vip", &rep); len(hs) != 0 {
		t.Fatalf("action filter: %+v", hs)
	}
}

func TestHTMLIsSelfContained(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHTML(&b, sampleReport()); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, bad := range []string{"<script", "http://", "https://", "<link", "<img", "@import", "url("} {
		if bad == "http://" {
			s = strings.ReplaceAll(s, `xmlns="http://www.w3.org/2000/svg"`, "")
		}
		if strings.Contains(s, bad) {
			t.Errorf("the page has %q: it must need nothing from elsewhere", bad)
		}
	}
	if strings.Count(s, `<svg class="chart"`) != 2 {
		t.Error("want one chart per action")
	}
	var e bytes.Buffer
	if err := WriteHTML(&e, Report{}); err != nil || !strings.Contains(e.String(), "No handoff to a person recorded") {
		t.Errorf("empty report: %v", err)
	}
}

func TestFormatMS(t *testing.T) {
	for ms, want := range map[int64]string{0: "0s", 850: "850ms", 1300: "1.3s", 42_000: "42s", 185_000: "3m05s", 7_800_000: "2h10m", 3*86_400_000 + 4*3_600_000: "3d4h"} {
		if got := FormatMS(ms); got != want {
			t.Errorf("FormatMS(%d) = %q, want %q", ms, got, want)
		}
	}
}
