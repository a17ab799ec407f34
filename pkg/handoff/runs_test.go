package handoff

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/handoff-dev/handoff/pkg/sandbox"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// A chatbot start that the audit log shows within the window is refused
// (exit 1, reason repeat) and not sent; --again sends it; idempotent
// actions are never checked; a window <= 0 turns the check off.
func TestExecuteRefusesRepeats(t *testing.T) {
	w := newWati(t, sandbox.Options{})
	audit := NewAuditLog(t.TempDir())
	deps := Deps{Client: func(string, bool) (*wati.Client, error) { return w.client(t, false), nil }, Audit: audit}
	run := func(a bool, window time.Duration) Result {
		return Execute(context.Background(), deps, Request{Action: botAction, Target: "+1 555 000 0001", Again: a, RepeatWindow: window})
	}
	if res := run(false, 0); !res.OK {
		t.Fatalf("first: %+v", res)
	}
	res := run(false, 0)
	var re *RepeatError
	if res.OK || res.Outcome != OutcomeSkipped || res.Reason != ReasonRepeat || res.ExitCode() != 1 || !errors.As(res.Err, &re) || len(res.Requests) != 0 {
		t.Fatalf("repeat: %+v", res)
	}
	if !strings.Contains(res.Error, "returns-bot ran on 15550000001") || !strings.Contains(re.Hint(), "--again") {
		t.Fatalf("repeat message %q, hint %q", res.Error, re.Hint())
	}
	if w.ChatbotStarts("15550000001") != 1 {
		t.Fatalf("started %d times", w.ChatbotStarts("15550000001"))
	}
	if res := run(true, 0); !res.OK || w.ChatbotStarts("15550000001") != 2 {
		t.Fatalf("--again: %+v", res)
	}
	if res := run(false, -1); !res.OK || w.ChatbotStarts("15550000001") != 3 {
		t.Fatalf("window off: %+v", res)
	}
	// Outside the window: sent.
	time.Sleep(20 * time.Millisecond)
	if res := run(false, 10*time.Millisecond); !res.OK {
		t.Fatalf("outside the window: %+v", res)
	}
	// Another account is another workspace.
	res = Execute(context.Background(), deps, Request{Action: botAction, Account: "other", Target: "15550000001"})
	if !res.OK {
		t.Fatalf("other account: %+v", res)
	}
	// Idempotent: never checked.
	for range 2 {
		if res := Execute(context.Background(), deps, Request{Action: userAction, Target: "15550000001"}); !res.OK {
			t.Fatalf("user action: %+v", res)
		}
	}
	recs, _, _ := audit.Read(AuditFilter{})
	var reasons []string
	for _, r := range recs {
		reasons = append(reasons, r.Outcome+"/"+r.Reason)
	}
	if got := strings.Join(reasons, " "); got != "assigned/ skipped/repeat assigned/ assigned/ assigned/ assigned/ assigned/ assigned/" {
		t.Fatalf("audit outcomes: %s", got)
	}
}

// Only outcomes that say a start may have happened count.
func TestLoadRepeatsCountsMaybeStarts(t *testing.T) {
	l := NewAuditLog(t.TempDir())
	now := time.Now()
	for i, o := range []string{OutcomeAssigned, OutcomeUnknown, OutcomeFailed, OutcomeNotSent, OutcomeSkipped} {
		_ = l.Append(AuditRecord{Time: now.Add(-time.Minute), Action: "b", Account: "acme", Target: string(rune('1' + i)), Outcome: o})
	}
	_ = l.Append(AuditRecord{Time: now.Add(-time.Hour), Action: "b", Account: "acme", Target: "9", Outcome: OutcomeAssigned})
	r, err := LoadRepeats(l, "b", "acme", 10*time.Minute, now)
	if err != nil {
		t.Fatal(err)
	}
	for target, want := range map[string]bool{"1": true, "2": true, "3": false, "4": false, "5": false, "9": false} {
		if _, got := r.Check(target); got != want {
			t.Errorf("target %s: repeat %v, want %v", target, got, want)
		}
	}
}

// A chatbot start cancelled while waiting out a 429 never left: not-sent,
// exit 130; one cancelled on its way: unknown.
func TestCancelledChatbotStartOutcomes(t *testing.T) {
	w := newWati(t, sandbox.Options{RateLimit: 1})
	c := w.client(t, false)
	r := &Runner{Client: c, Action: botAction, Account: "acme"}
	if res := r.Run(context.Background(), wati.MustParseTarget("15550000001")); !res.OK {
		t.Fatalf("first: %+v", res)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	cctx, ccancel := context.WithCancel(context.Background())
	go func() { <-ctx.Done(); ccancel() }()
	res := r.Run(cctx, wati.MustParseTarget("15550000002")) // 429, Retry-After 1s, cancelled while waiting
	if res.Outcome != OutcomeNotSent || res.Reason != ReasonCancelled || res.ExitCode() != 130 || w.ChatbotStarts("15550000002") != 0 {
		t.Fatalf("cancelled in a 429 wait: %+v", res)
	}

	slow := newWati(t, sandbox.Options{Latency: 2 * time.Second})
	r = &Runner{Client: slow.client(t, false), Action: botAction, Account: "acme"}
	cctx, ccancel = context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, ccancel)
	res = r.Run(cctx, wati.MustParseTarget("15550000003"))
	if res.Outcome != OutcomeUnknown || res.Reason != ReasonCancelled || res.ExitCode() != 130 || !strings.Contains(res.Message(), "may or may not") {
		t.Fatalf("cancelled on its way: %+v", res)
	}
}

// A refused token on the contact read stops a team handoff: one request.
func TestTeamHandoffStopsOn401(t *testing.T) {
	w := newWati(t, sandbox.Options{})
	r := &Runner{Client: w.clientAPI(t, "v3", "wrong", false), Action: teamAction, Account: "acme"}
	res := r.Run(context.Background(), wati.MustParseTarget("15550000001"))
	if res.ExitCode() != 4 || res.Reason != ReasonUnauthorized || len(res.Requests) != 1 || len(res.Warnings) != 0 {
		t.Fatalf("%+v", res)
	}
}

// Structural CSV errors name their line and stop the reader: nothing
// after them is read.
func TestTargetReaderStructure(t *testing.T) {
	many := strings.Repeat("15550000001\n", 50)
	for _, c := range []struct{ name, in, want string }{
		{"unterminated quote", "target\n15550000000\n\"15550000040\n" + many, `line 3: a quoted field is never closed`},
		{"quoted field past the bound", "target\n15550000000\n\"" + strings.Repeat("1\n", maxLine) + "\"\n", `line 3: a quoted field runs past 65536 bytes`},
		{"long line mid-file", "15550000000\n" + strings.Repeat("1", maxLine+1) + "\n15550000002\n", `line 2 is longer than 65536 bytes`},
	} {
		t.Run(c.name, func(t *testing.T) {
			items, _, err := readAll(t, c.in)
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "nothing from this line on was read") {
				t.Fatalf("err %v", err)
			}
			if len(items) != 1 {
				t.Fatalf("read %v before the error", items)
			}
		})
	}
	// Quoted fields: commas, doubled quotes and line breaks inside.
	items, _, err := readAll(t, "note,target\n\"a, \"\"b\"\"\nc\",\" 15550000001 \"\n  x , 15550000002\n")
	if err != nil || len(items) != 2 || items[0].raw != "15550000001" || items[0].line != 2 || items[1].raw != "15550000002" || items[1].line != 4 {
		t.Fatalf("%v %v", items, err)
	}
}

// A hostile input (one quote, then hundreds of MB) is refused after
// reading about one bound's worth, with flat memory.
func TestTargetReaderHostileInputFlatMemory(t *testing.T) {
	r := io.MultiReader(strings.NewReader("target\n\""), &endless{b: []byte("1555000000\n")})
	lim := &countingReader{r: r}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	tr := newTargetReader(lim)
	if err := tr.start(); err != nil {
		t.Fatal(err)
	}
	_, err := tr.next()
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "runs past") {
		t.Fatalf("err %v", err)
	}
	if lim.n > 4*maxLine {
		t.Fatalf("read %d bytes before refusing", lim.n)
	}
	if grew := int64(after.TotalAlloc - before.TotalAlloc); grew > 4<<20 {
		t.Fatalf("allocated %d bytes", grew)
	}
}

type endless struct{ b []byte }

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		n += copy(p[n:], e.b)
	}
	return n, nil
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// A file is checked whole before anything is sent; stdin stops at its
// first structural error having sent only what came before.
func TestRunFromChecksStructure(t *testing.T) {
	w := newWati(t, sandbox.Options{})
	dir := t.TempDir()
	in := "target\n15550000000\n\"15550000040\n" + targets(50, 1)
	path := filepath.Join(dir, "in.csv")
	os.WriteFile(path, []byte(in), 0o644)
	deps := Deps{Client: func(string, bool) (*wati.Client, error) { return w.client(t, false), nil }, Audit: NewAuditLog(dir)}
	req := BatchRequest{Action: botAction, From: path, StateDir: dir, Report: filepath.Join(dir, "r.jsonl")}
	sum, err := RunFrom(context.Background(), deps, req)
	var ie *InputError
	if !errors.As(err, &ie) || exitCodeOf(err) != 2 || !strings.Contains(err.Error(), "line 3") || sum.Total != 0 {
		t.Fatalf("file: %v %+v", err, sum)
	}
	if _, writes := w.writes(); writes != 0 {
		t.Fatalf("%d writes for a broken file", writes)
	}
	if _, err := os.Stat(req.Report); !os.IsNotExist(err) {
		t.Fatal("report left behind")
	}
	if _, err := os.Stat(filepath.Join(dir, "journals")); !os.IsNotExist(err) {
		t.Fatal("journal left behind")
	}
	// stdin: the target before the broken line is sent, none after.
	req.From, req.Stdin = "-", strings.NewReader(in)
	sum, err = RunFrom(context.Background(), deps, req)
	if !errors.As(err, &ie) || exitCodeOf(err) != 2 || sum.Total != 1 || sum.Done != 1 || sum.Finished {
		t.Fatalf("stdin: %v %+v", err, sum)
	}
	if ok, _ := w.writes(); ok != 1 || w.ChatbotStarts("15550000001") != 0 {
		t.Fatalf("%d writes from stdin", ok)
	}
	rep, _ := os.ReadFile(req.Report)
	if bytes.Count(rep, []byte("\n")) != 1 {
		t.Fatalf("report %s", rep)
	}
}

// OpenInput keys a file by content and stdin by its first 64 KiB.
func TestOpenInputKeys(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.txt")
	os.WriteFile(p, []byte("15550000001\n15550000002\n"), 0o644)
	a, err := OpenInput(context.Background(), p, nil)
	if err != nil || a.Total != 2 {
		t.Fatal(err, a)
	}
	a.Close()
	os.WriteFile(p, []byte("15550000001\n15550000003\n"), 0o644)
	b, _ := OpenInput(context.Background(), p, nil)
	b.Close()
	s1, _ := OpenInput(context.Background(), "-", strings.NewReader("15550000001\n"))
	s2, _ := OpenInput(context.Background(), "-", strings.NewReader("15550000002\n"))
	if a.Key == b.Key || s1.Key == s2.Key || a.Key == "" || s1.Key == "" {
		t.Fatalf("keys %s %s %s %s", a.Key, b.Key, s1.Key, s2.Key)
	}
	if data, _ := io.ReadAll(s1.Reader()); string(data) != "15550000001\n" {
		t.Fatalf("stdin after keying: %q", data)
	}
	if _, err := OpenInput(context.Background(), dir, nil); exitCodeOf(err) != 2 {
		t.Fatalf("a folder: %v", err)
	}
}
