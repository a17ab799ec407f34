package handoff

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The message step's journal records, and what a resumed run makes of them.
func TestJournalGuard(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.journal")
	j, _, err := openJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	b := &batch{j: j}
	g := &journalGuard{b: b}
	if note, unknown, err := g.Before("14155552671", "message"); note != "" || unknown || err != nil {
		t.Fatalf("fresh: %q %v %v", note, unknown, err)
	}
	if err := g.After("14155552671", "message", StepSent); err != nil {
		t.Fatal(err)
	}
	if _, _, err := (&journalGuard{b: b}).Before("15550000001", "message"); err != nil { // killed here: M, no T
		t.Fatal(err)
	}
	if err := (&journalGuard{b: b}).After("15550000002", "message", StepFailed); err != nil {
		t.Fatal(err)
	}
	_ = j.close()
	data, _ := os.ReadFile(path)
	for _, want := range []string{"M\t14155552671\n", "T\t14155552671\tsent\n", "M\t15550000001\n", "X\t15550000002\tfailed\n"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("journal lacks %q:\n%s", want, data)
		}
	}
	// Replayed: sent → skipped; started, not ended → unknown; failed → sent again.
	set := newTargetSet(0)
	defer set.release()
	for _, l := range strings.Split(string(data), "\n") {
		if len(l) > 2 && l[1] == '\t' {
			f := strings.Split(l, "\t")
			replayStep(set, l[0], f[1])
		}
	}
	cases := map[string]struct {
		note    string
		unknown bool
	}{
		"14155552671": {"sent by the run this one resumes", false},
		"15550000001": {"was sending it and stopped before knowing", true},
		"15550000002": {"", false},
	}
	j2, _, _ := openJournal(filepath.Join(t.TempDir(), "k.journal"))
	defer j2.close()
	for target, want := range cases {
		g := &journalGuard{b: &batch{j: j2}, state: set.get(target) & (msgStarted | msgSent)}
		note, unknown, err := g.Before(target, "message")
		if err != nil || unknown != want.unknown || (want.note == "") != (note == "") || !strings.Contains(note, want.note) {
			t.Errorf("%s: %q %v %v", target, note, unknown, err)
		}
	}
	// --retry-unknown sends the one in flight again.
	g2 := &journalGuard{b: &batch{j: j2, opts: BatchOptions{RetryUnknown: true}}, state: msgStarted}
	if note, _, _ := g2.Before("15550000001", "message"); note != "" {
		t.Errorf("retry-unknown: %q", note)
	}
}
