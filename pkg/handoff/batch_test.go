package handoff

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/sandbox"
)

func batchOf(t *testing.T, f *testWati, a *action.Action, in string, opts BatchOptions) (Summary, []Result, error) {
	t.Helper()
	var rep bytes.Buffer
	opts.Report = &rep
	r := &Runner{Client: f.client(t, false), Action: a, Account: "acme"}
	sum, err := r.RunBatch(context.Background(), strings.NewReader(in), opts)
	return sum, reportLines(t, rep.Bytes()), err
}

func reportLines(t *testing.T, b []byte) []Result {
	t.Helper()
	var out []Result
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var r Result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("report line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

func targets(n int, start int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%d\n", 15550000000+start+i)
	}
	return b.String()
}

func TestBatchOutcomesMatchState(t *testing.T) {
	f := newWati(t, sandbox.Options{})
	in := "target,name\n" + strings.ReplaceAll(targets(60, 0), "\n", ",x\n") +
		"+1 555 000 0003,dup\n" + // duplicate in another spelling
		"not-a-phone,bad\n" +
		"19175550000,unknown contact\n"
	sum, rep, err := batchOf(t, f, teamAction, in, BatchOptions{Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Total != 63 || sum.Done != 60 || sum.Duplicates != 1 || sum.Failed != 2 ||
		sum.FailedBy["invalid-target"] != 1 || sum.FailedBy["not-found"] != 1 || sum.Format != "csv" {
		t.Fatalf("summary %+v", sum)
	}
	if sum.ExitCode() != 1 {
		t.Fatalf("exit %d with failures", sum.ExitCode())
	}
	if len(rep) != 63 {
		t.Fatalf("%d report lines for 63 input lines", len(rep))
	}
	assigned := 0
	for _, r := range rep {
		if r.Outcome == OutcomeAssigned {
			assigned++
			if got := f.teams(r.Target); fmt.Sprint(got) != "[Billing]" || r.Line == 0 {
				t.Fatalf("report says %s assigned (line %d), sandbox has %v", r.Target, r.Line, got)
			}
		}
		if r.Target == "not-a-phone" && (r.Line != 63 || r.Reason != "invalid-target") {
			t.Fatalf("invalid line reported as %+v", r)
		}
	}
	withBilling := 0
	for _, c := range f.State().Contacts {
		if strings.HasPrefix(c.WaID, "1555") && fmt.Sprint(c.Teams) == "[Billing]" {
			withBilling++
		}
	}
	if assigned != 60 || withBilling != 60 {
		t.Fatalf("assigned %d, sandbox has %d contacts in Billing", assigned, withBilling)
	}
}

func TestBatchAllOKExitsZero(t *testing.T) {
	f := newWati(t, sandbox.Options{})
	sum, rep, err := batchOf(t, f, userAction, targets(30, 0), BatchOptions{Concurrency: 3})
	if err != nil || sum.ExitCode() != 0 || sum.Done != 30 || len(rep) != 30 {
		t.Fatalf("%+v %v", sum, err)
	}
}

// A crash leaves "sent" records without completion: a re-run skips what is
// done, resends in-flight PUTs, and does not resend in-flight chatbot
// starts unless asked to.
func TestBatchResumeFromJournal(t *testing.T) {
	for _, c := range []struct {
		a            *action.Action
		retryUnknown bool
		wantSent     int
		wantUnknown  int
	}{
		{userAction, false, 3, 0},  // 2 never started + 1 in flight (PUT, resent)
		{botAction, false, 2, 1},   // in-flight chatbot start: reported unknown
		{botAction, true, 3, 0},    // --retry-unknown resends it
		{botOperator, false, 3, 0}, // bot operator is a PUT
		{teamAction, false, 3, 0},
	} {
		t.Run(fmt.Sprintf("%s retry=%v", c.a.Name, c.retryUnknown), func(t *testing.T) {
			f := newWati(t, sandbox.Options{})
			jpath := filepath.Join(t.TempDir(), "j.journal")
			os.WriteFile(jpath, []byte(journalHeader+"S\t15550000000\nD\t15550000000\nS\t15550000001\nS\t15550000002\nD\t15550000002\nS\t15550000003\nF\t15550000003\tunavailable\nS\t15550000004\tx"), 0o600)
			// 0: done; 1: in flight; 2: done; 3: failed (resent); 4: torn record (never started); 5: new
			sum, rep, err := batchOf(t, f, c.a, targets(6, 0), BatchOptions{Concurrency: 2, Journal: jpath, RetryUnknown: c.retryUnknown})
			if err != nil {
				t.Fatal(err)
			}
			writes, _ := f.writes()
			if sum.DoneEarlier != 2 || sum.JournalState != JournalResumed || sum.Unknown != c.wantUnknown || sum.Done != 4-c.wantUnknown || len(rep) != 6 {
				t.Fatalf("summary %+v", sum)
			}
			if writes != 4-c.wantUnknown {
				t.Fatalf("%d writes", writes)
			}
			if f.ChatbotStarts("15550000000") != 0 || f.ChatbotStarts("15550000002") != 0 {
				t.Fatal("a done chatbot start was sent again")
			}
			if c.wantUnknown > 0 && f.ChatbotStarts("15550000001") != 0 {
				t.Fatal("an in-flight chatbot start was sent again without --retry-unknown")
			}
			data, _ := os.ReadFile(jpath)
			if c.wantUnknown == 0 && !strings.Contains(string(data), "D\t15550000001\n") {
				t.Fatalf("journal has no completion for the resent target:\n%s", data)
			}
		})
	}
}

// A journal belongs to one run: once the run ended (whatever the outcomes)
// the same input starts afresh and says so; a failure is never "done
// earlier"; --resume skips what the ended run handed off; --fresh ignores
// an unfinished one.
func TestBatchJournalOneRun(t *testing.T) {
	f := newWati(t, sandbox.Options{})
	jpath := filepath.Join(t.TempDir(), "journals", "x.journal")
	in := targets(5, 0) + "19175550000\n" // 5 done, 1 not found
	sum, _, err := batchOf(t, f, userAction, in, BatchOptions{Journal: jpath})
	if err != nil || sum.Journal != jpath || !sum.Finished || sum.JournalState != JournalNew || sum.Failed != 1 || sum.Done != 5 {
		t.Fatalf("%+v %v", sum, err)
	}
	// A week later: every target is sent again.
	sum, _, err = batchOf(t, f, userAction, in, BatchOptions{Journal: jpath})
	if err != nil || sum.Done != 5 || sum.DoneEarlier != 0 || sum.Failed != 1 || sum.JournalState != JournalStarted || sum.EarlierEnded == nil {
		t.Fatalf("later run: %+v %v", sum, err)
	}
	// --resume: what the ended run handed off is skipped, the failure is sent again.
	sum, _, err = batchOf(t, f, userAction, in, BatchOptions{Journal: jpath, JournalMode: JournalResume})
	if err != nil || sum.Done != 0 || sum.DoneEarlier != 5 || sum.Failed != 1 || sum.JournalState != JournalResumed {
		t.Fatalf("--resume: %+v %v", sum, err)
	}
	// An unfinished journal is resumed, unless --fresh.
	os.WriteFile(jpath, []byte(journalHeader+"S\t15550000000\nD\t15550000000\n"), 0o600)
	sum, _, _ = batchOf(t, f, userAction, in, BatchOptions{Journal: jpath, JournalMode: JournalFresh})
	if sum.Done != 5 || sum.DoneEarlier != 0 || sum.JournalState != JournalStarted || sum.EarlierEnded != nil {
		t.Fatalf("--fresh: %+v", sum)
	}
	// --resume without a journal is an error, and leaves none behind.
	other := filepath.Join(filepath.Dir(jpath), "none.journal")
	_, _, err = batchOf(t, f, userAction, in, BatchOptions{Journal: other, JournalMode: JournalResume})
	if !errors.Is(err, ErrNothingToResume) || exitCodeOf(err) != 2 {
		t.Fatalf("--resume with nothing: %v", err)
	}
	if _, err := os.Stat(other); !os.IsNotExist(err) {
		t.Fatal("--resume left an empty journal")
	}
}

func TestBatchSlowsDownOn429(t *testing.T) {
	// The sandbox answers 429 (Retry-After: 1) beyond 20 requests a second.
	f := newWati(t, sandbox.Options{RateLimit: 20})
	sum, rep, err := batchOf(t, f, userAction, targets(30, 0), BatchOptions{Concurrency: 8})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Done+sum.Failed != 30 || len(rep) != 30 {
		t.Fatalf("targets not all accounted for: %+v", sum)
	}
	if sum.SlowDowns == 0 {
		t.Fatalf("no slow-down after 429s: %+v", sum)
	}
	if sum.Done != 30 {
		t.Fatalf("429s were not survived: %+v", sum)
	}
	for i := range 30 {
		if a := f.assignee(fmt.Sprint(15550000000 + i)); a == nil || a.Email != "maria@acme.com" {
			t.Fatalf("target %d not assigned in the sandbox", i)
		}
	}
}

func TestBatchStopsOnAuthFailure(t *testing.T) {
	f := newWati(t, sandbox.Options{})
	r := &Runner{Client: f.clientAPI(t, "v3", "wrong", false), Action: userAction, Account: "acme"}
	sum, err := r.RunBatch(context.Background(), strings.NewReader(targets(500, 0)), BatchOptions{Concurrency: 2})
	var be *BatchError
	if err == nil || !errorsAs(err, &be) || be.ExitCode() != 4 || sum.Aborted == "" {
		t.Fatalf("err %v, summary %+v", err, sum)
	}
	if sum.Failed > 10 {
		t.Fatalf("kept going after 401: %d failed", sum.Failed)
	}
}

func TestBatchStopsWhenUnavailable(t *testing.T) {
	f := newWati(t, sandbox.Options{FailRate: 1, FailStatus: 503})
	sum, _, err := batchOf(t, f, userAction, targets(200, 0), BatchOptions{Concurrency: 2})
	var be *BatchError
	if err == nil || !errorsAs(err, &be) || be.ExitCode() != 6 || sum.Failed < 20 || sum.Failed > 40 {
		t.Fatalf("err %v, summary %+v", err, sum)
	}
}

func TestBatchCancelThenResume(t *testing.T) {
	f := newWati(t, sandbox.Options{Latency: 5 * time.Millisecond})
	jpath := filepath.Join(t.TempDir(), "j.journal")
	ctx, cancel := context.WithCancel(context.Background())
	r := &Runner{Client: f.client(t, false), Action: botAction, Account: "acme"}
	var once atomic.Bool
	sum, err := r.RunBatch(ctx, strings.NewReader(targets(200, 0)), BatchOptions{Concurrency: 4, Journal: jpath, ProgressEvery: time.Millisecond,
		Progress: func(p Progress) {
			if p.Done >= 20 && once.CompareAndSwap(false, true) {
				cancel()
			}
		}})
	if err != nil || !sum.Cancelled || sum.ExitCode() != 130 || sum.Done >= 200 {
		t.Fatalf("cancel: %v %+v", err, sum)
	}
	// Resume: everything ends up started exactly once, or reported unknown.
	sum2, rep, err := batchOf(t, f, botAction, targets(200, 0), BatchOptions{Concurrency: 4, Journal: jpath})
	if err != nil {
		t.Fatal(err)
	}
	starts := f.State().ChatbotStarts
	for k, v := range starts {
		if v != 1 {
			t.Fatalf("chatbot started %d times for %s", v, k)
		}
	}
	if sum2.DoneEarlier != sum.Done || sum2.DoneEarlier+sum2.Done+sum2.Unknown != 200 || len(rep) != 200 {
		t.Fatalf("first %+v, resume %+v", sum, sum2)
	}
	// Every target was started once, or is reported unknown (a start cut
	// off in flight may have reached Wati: it is not sent again).
	for _, r := range rep {
		if starts[r.Target] != 1 && r.Outcome != OutcomeUnknown {
			t.Fatalf("%s: started %d times, reported %s", r.Target, starts[r.Target], r.Outcome)
		}
	}
}

func TestBatchInputErrorStops(t *testing.T) {
	f := newWati(t, sandbox.Options{})
	_, _, err := batchOf(t, f, userAction, "name,phone\nx,14155552671\n", BatchOptions{})
	if err == nil || exitCodeOf(err) != 2 || !strings.Contains(err.Error(), "target") {
		t.Fatalf("err %v", err)
	}
}

func TestBatchJournalBusy(t *testing.T) {
	f := newWati(t, sandbox.Options{})
	jpath := filepath.Join(t.TempDir(), "j.journal")
	j, _, err := openJournal(jpath)
	if err != nil {
		t.Fatal(err)
	}
	defer j.close()
	_, _, err = batchOf(t, f, userAction, targets(3, 0), BatchOptions{Journal: jpath})
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("err %v", err)
	}
	if _, writes := f.writes(); writes != 0 {
		t.Fatal("sent with a busy journal")
	}
}

func TestBatchRateLimit(t *testing.T) {
	f := newWati(t, sandbox.Options{})
	start := time.Now()
	sum, _, err := batchOf(t, f, userAction, targets(12, 0), BatchOptions{Concurrency: 8, Rate: 40})
	if err != nil || sum.Done != 12 {
		t.Fatal(err, sum)
	}
	// 12 requests at 40/s with a burst of 2: at least ~0.25s.
	if el := time.Since(start); el < 200*time.Millisecond {
		t.Fatalf("12 requests at --rate 40 took %v", el)
	}
}
