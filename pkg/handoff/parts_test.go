package handoff

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestTargetSetGrowsAndKeepsFlags(t *testing.T) {
	s := newTargetSet(0)
	defer s.release()
	const n = 20000
	for i := range n {
		s.set(fmt.Sprint(15550000000+i), uint64(i%5))
	}
	if s.Len() != n {
		t.Fatalf("Len = %d, want %d", s.Len(), n)
	}
	for i := range n {
		if got := s.get(fmt.Sprint(15550000000 + i)); got != uint64(i%5) {
			t.Fatalf("target %d: flags %d, want %d", i, got, i%5)
		}
	}
	if got := s.get("19999999999"); got != 0 {
		t.Fatalf("absent target has flags %d", got)
	}
	s.set("15550000001", stDone|seenBit)
	if s.Len() != n || s.get("15550000001") != stDone|seenBit {
		t.Fatal("updating a target changed the count or lost the flags")
	}
	if s.Bytes() > 8*2*n {
		t.Fatalf("table takes %d bytes for %d targets", s.Bytes(), n)
	}
}

func readAll(t *testing.T, in string) (items []inputItem, format string, err error) {
	t.Helper()
	tr := newTargetReader(strings.NewReader(in))
	for {
		it, e := tr.next()
		if e == io.EOF {
			return items, tr.Format(), nil
		}
		if e != nil {
			return items, tr.Format(), e
		}
		items = append(items, it)
	}
}

func TestTargetReader(t *testing.T) {
	cases := []struct {
		name, in, format string
		want             []inputItem
	}{
		{"lines", "14155552671\n\n# comment\n  +44 20 7946 0958 \r\nSupport:14155552671", "lines",
			[]inputItem{{line: 1, raw: "14155552671"}, {line: 4, raw: "+44 20 7946 0958"}, {line: 5, raw: "Support:14155552671"}}},
		{"csv header target", "\ufeffname,Target,notes\nAda,14155552671,\"a, b\"\nBob,+1 415 555 2672,x\n", "csv",
			[]inputItem{{line: 2, raw: "14155552671", vars: map[string]string{"name": "Ada"}}, {line: 3, raw: "+1 415 555 2672", vars: map[string]string{"name": "Bob"}}}},
		{"csv placeholder columns, quoted and multi-line", "target,reason,summary\n14155552671,\"refund, twice\",\"line one\nline two\"\n", "csv",
			[]inputItem{{line: 2, raw: "14155552671", vars: map[string]string{"reason": "refund, twice", "summary": "line one\nline two"}}}},
		{"csv conversation col, short row", "conversation\n685bd235e6119686e693a093\n\nx,y\n", "csv",
			[]inputItem{{line: 2, raw: "685bd235e6119686e693a093"}, {line: 4, raw: "x"}}},
		{"csv missing column", "id,target\n7\n", "csv", []inputItem{{line: 2, raw: ""}}},
		{"header after comment", "# exported\ntarget\n14155552671\n", "csv", []inputItem{{line: 3, raw: "14155552671"}}},
		{"empty", "", "lines", nil},
		{"phone with comma-less spaces", "+1 (415) 555-2671\n", "lines", []inputItem{{line: 1, raw: "+1 (415) 555-2671"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, format, err := readAll(t, c.in)
			if err != nil {
				t.Fatal(err)
			}
			if format != c.format {
				t.Errorf("format %q, want %q", format, c.format)
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestTargetReaderErrors(t *testing.T) {
	_, _, err := readAll(t, "name,phone\nAda,1415\n")
	var ie *InputError
	if !errors.As(err, &ie) || ie.ExitCode() != 2 || !strings.Contains(err.Error(), `"target"`) {
		t.Fatalf("CSV without a target column: %v", err)
	}
	_, _, err = readAll(t, "14155552671\n"+strings.Repeat("1", maxLine+10)+"\n")
	if !errors.As(err, &ie) {
		t.Fatalf("overlong line: %v", err)
	}
	// A stray quote in one CSV record's target is that line's problem only.
	got, _, err := readAll(t, "target\n\"141\"55\n14155552671\n1415\"5552671\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].bad == "" || got[1].raw != "14155552671" || got[1].bad != "" || got[2].bad == "" {
		t.Fatalf("got %v", got)
	}
}

func TestCountTargets(t *testing.T) {
	for in, want := range map[string]int{
		"a\n\n  \nb\r\nc":                3,
		"# c\ntarget,x\n1,2\n# c\n3,4\n": 2,
		"":                               0,
		"14155552671\n" + strings.Repeat("1", 300000) + "\n": 2,
	} {
		if n, err := CountTargets(strings.NewReader(in)); err != nil || n != want {
			t.Errorf("CountTargets(%.20q) = %d, %v; want %d", in, n, err, want)
		}
	}
}

func TestJournalRecordsReloadAndTornLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j", "x.journal")
	j, _, err := openJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := openJournal(path); !errors.Is(err, ErrJournalBusy) {
		t.Fatalf("second open: %v, want busy", err)
	}
	for _, r := range []struct {
		k      byte
		target string
	}{{jStart, "1"}, {jDone, "1"}, {jStart, "2"}, {jStart, "3"}, {jFailed, "3"}, {jStart, "4"}, {jUnknown, "4"}} {
		seq, err := j.record(r.k, r.target, "why\tnot\nthis")
		if err != nil {
			t.Fatal(err)
		}
		if err := j.syncTo(seq); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.close(); err != nil {
		t.Fatal(err)
	}
	// A crash mid-write leaves a torn line: it is dropped, and appending
	// goes on from the last complete line.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("D\t2")
	f.Close()
	got := map[string]byte{}
	j, _, err = openJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.replay(func(k byte, target string) { got[target] = k }); err != nil {
		t.Fatal(err)
	}
	want := map[string]byte{"1": jDone, "2": jStart, "3": jFailed, "4": jUnknown}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("reloaded %v, want %v", got, want)
	}
	if _, err := j.record(jDone, "5", ""); err != nil {
		t.Fatal(err)
	}
	j.close()
	data, _ := os.ReadFile(path)
	if !strings.HasSuffix(string(data), "U\t4\twhy not this\nD\t5\n") {
		t.Fatalf("journal tail: %q", data[len(data)-40:])
	}
}

func TestJournalConcurrentGroupCommit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.journal")
	j, _, err := openJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				seq, err := j.record(jStart, fmt.Sprintf("%d-%d", w, i), "")
				if err == nil {
					err = j.syncTo(seq)
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	j.close()
	n := 0
	j, _, _ = openJournal(path)
	_ = j.replay(func(k byte, target string) { n++ })
	j.close()
	if n != 400 {
		t.Fatalf("%d records, want 400", n)
	}
}

func TestDefaultJournalPath(t *testing.T) {
	a := DefaultJournalPath("/s", "escalate-billing", "acme", "in.csv", "k1")
	b := DefaultJournalPath("/s", "escalate-billing", "acme", "other.csv", "k1")
	c := DefaultJournalPath("/s", "escalate-billing", "acme2", "in.csv", "k1")
	d := DefaultJournalPath("/s", "escalate-billing", "acme", "in.csv", "k2") // the file edited
	e := DefaultJournalPath("/s", "escalate-billing", "acme", "-", "k1")
	if a == b || a == c || a == d || a == e || !strings.HasPrefix(a, "/s/journals/escalate-billing-") || !strings.HasSuffix(a, ".journal") {
		t.Fatalf("paths %s %s %s %s %s", a, b, c, d, e)
	}
	if a != DefaultJournalPath("/s", "escalate-billing", "acme", "./in.csv", "k1") {
		t.Fatal("the same file under another spelling gets another journal")
	}
}

func TestAuditAppendReadRotate(t *testing.T) {
	dir := t.TempDir()
	l := &AuditLog{Dir: dir, MaxSize: 2000, Keep: 2}
	base := time.Now().Add(-time.Hour).UTC()
	for i := range 80 {
		rec := AuditRecord{Time: base.Add(time.Duration(i) * time.Minute), Action: []string{"a", "b"}[i%2], Target: fmt.Sprint(i), Outcome: OutcomeAssigned, OK: true}
		if err := l.Append(rec); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	files := l.Files()
	if len(files) != 3 {
		t.Fatalf("files %v, want audit.log.2, .1 and audit.log", files)
	}
	for _, f := range files {
		st, _ := os.Stat(f)
		if st.Size() > 2000 {
			t.Fatalf("%s is %d bytes, over the limit", f, st.Size())
		}
		if st.Mode().Perm() != 0o600 {
			t.Fatalf("%s mode %v", f, st.Mode())
		}
	}
	all, _, err := l.Read(AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 || len(all) >= 80 || all[len(all)-1].Target != "79" {
		t.Fatalf("read %d records, last %+v", len(all), all[len(all)-1])
	}
	for i := 1; i < len(all); i++ {
		if all[i].Time.Before(all[i-1].Time) {
			t.Fatal("records are not oldest first")
		}
	}
	last, _, _ := l.Read(AuditFilter{Action: "a", Limit: 3})
	if len(last) != 3 || last[0].Target != "74" || last[2].Target != "78" {
		t.Fatalf("last 3 of a: %+v", last)
	}
	since, _, _ := l.Read(AuditFilter{Since: base.Add(77*time.Minute + time.Second)})
	if len(since) != 2 {
		t.Fatalf("since: %d records", len(since))
	}
}

func TestAuditTornLineSkipped(t *testing.T) {
	dir := t.TempDir()
	l := NewAuditLog(dir)
	l.Append(AuditRecord{Time: time.Now(), Action: "a"})
	f, _ := os.OpenFile(l.Path(), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"time":"2024-`)
	f.Close()
	recs, skipped, err := l.Read(AuditFilter{})
	if err != nil || len(recs) != 1 || skipped != 1 {
		t.Fatalf("recs %d skipped %d err %v", len(recs), skipped, err)
	}
	empty, _, err := NewAuditLog(filepath.Join(dir, "none")).Read(AuditFilter{})
	if err != nil || len(empty) != 0 {
		t.Fatalf("missing log: %v %v", empty, err)
	}
}

// TestAuditConcurrentProcesses runs several processes appending at once
// while the log rotates, and checks every line is whole and none is lost.
func TestAuditConcurrentProcesses(t *testing.T) {
	if os.Getenv("HANDOFF_AUDIT_CHILD") != "" {
		l := &AuditLog{Dir: os.Getenv("HANDOFF_AUDIT_CHILD"), MaxSize: 64 << 10, Keep: 50}
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 100 {
					if err := l.Append(AuditRecord{Time: time.Now(), Action: "c", Target: fmt.Sprintf("%d-%d-%d", os.Getpid(), g, i), Note: strings.Repeat("x", 300)}); err != nil {
						panic(err)
					}
				}
			}()
		}
		wg.Wait()
		return
	}
	dir := t.TempDir()
	var cmds []*exec.Cmd
	for range 3 {
		c := exec.Command(os.Args[0], "-test.run=^TestAuditConcurrentProcesses$")
		c.Env = append(os.Environ(), "HANDOFF_AUDIT_CHILD="+dir)
		var out bytes.Buffer
		c.Stdout, c.Stderr = &out, &out
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("child: %v", err)
		}
	}
	l := &AuditLog{Dir: dir, Keep: 50}
	if len(l.Files()) < 3 {
		t.Fatalf("expected rotation, files: %v", l.Files())
	}
	seen := map[string]bool{}
	for _, f := range l.Files() {
		data, _ := os.ReadFile(f)
		for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
			var r AuditRecord
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("%s: torn line %q", f, line)
			}
			seen[r.Target] = true
		}
	}
	if len(seen) != 3*4*100 {
		t.Fatalf("%d distinct records, want 1200", len(seen))
	}
}
