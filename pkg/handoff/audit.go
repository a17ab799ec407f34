package handoff

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// AuditRecord is one line of the audit log.
type AuditRecord struct {
	Time       time.Time `json:"time"`
	Action     string    `json:"action"`
	Account    string    `json:"account"`
	Target     string    `json:"target"`
	Assignee   string    `json:"assignee"`
	API        string    `json:"api,omitempty"`
	Outcome    string    `json:"outcome"`
	Reason     string    `json:"reason,omitempty"` // the vocabulary of reasons.go
	OK         bool      `json:"ok"`
	Error      string    `json:"error,omitempty"`
	DurationMS int64     `json:"duration_ms"`
	Replaced   []string  `json:"replaced_teams,omitempty"`
	Teams      []string  `json:"teams,omitempty"`
	Source     string    `json:"source,omitempty"` // assign | batch | mcp
	Note       string    `json:"note,omitempty"`
	PID        int       `json:"pid,omitempty"`
	Kind       string    `json:"kind,omitempty"` // as Result.Kind (operator, teams, chatbot, bot-operator), or release
	// A whole handoff: each step's outcome, the assignees tried, the Wati calls made.
	Steps []AuditStep       `json:"steps,omitempty"`
	Tried []AssigneeTry     `json:"assignees_tried,omitempty"`
	Calls int               `json:"calls,omitempty"`
	Vars  map[string]string `json:"vars,omitempty"`
}

// AuditStep is one step of a handoff as the audit log keeps it (without
// the requests).
type AuditStep struct {
	Step    string `json:"step"`
	Outcome string `json:"outcome"`
	Detail  string `json:"detail,omitempty"`
	Error   string `json:"error,omitempty"`
}

func auditSteps(steps []StepResult) []AuditStep {
	if len(steps) == 0 {
		return nil
	}
	out := make([]AuditStep, len(steps))
	for i, s := range steps {
		out[i] = AuditStep{Step: s.Step, Outcome: s.Outcome, Detail: s.Detail, Error: s.Error}
	}
	return out
}

func recordOf(r Result, source, note string) AuditRecord {
	return AuditRecord{
		Time:       time.Now().UTC(),
		Action:     r.Action,
		Account:    r.Account,
		Target:     r.Target,
		Assignee:   r.Assignee,
		API:        r.API,
		Outcome:    r.Outcome,
		Reason:     r.Reason,
		OK:         r.OK,
		Error:      r.Error,
		DurationMS: r.DurationMS,
		Replaced:   r.Replaced,
		Teams:      r.Teams,
		Source:     source,
		Kind:       r.Kind,
		Note:       note,
		PID:        os.Getpid(),
		Steps:      auditSteps(r.Steps),
		Tried:      r.Tried,
		Calls:      r.Calls,
	}
}

// Audit log defaults.
const (
	AuditFile        = "audit.log"
	DefaultAuditMax  = 10 << 20 // rotate past 10 MiB
	DefaultAuditKeep = 5        // audit.log.1 … audit.log.5
)

// AuditLog appends JSON lines to DIR/audit.log. Every line is written with
// one write on an O_APPEND descriptor while holding a lock file, so
// concurrent goroutines and processes interleave whole lines, and rotation
// (audit.log → audit.log.1 → … → audit.log.Keep) never loses one.
type AuditLog struct {
	Dir     string
	MaxSize int64 // rotate when a write would pass it; 0 = DefaultAuditMax
	Keep    int   // rotated files kept; 0 = DefaultAuditKeep

	mu sync.Mutex
	f  *os.File
}

// NewAuditLog returns the audit log in dir (usually Settings.StateDir).
// Nothing touches disk until Append.
func NewAuditLog(dir string) *AuditLog { return &AuditLog{Dir: dir} }

// Path is the current log file.
func (l *AuditLog) Path() string { return filepath.Join(l.Dir, AuditFile) }

func (l *AuditLog) maxSize() int64 {
	if l.MaxSize > 0 {
		return l.MaxSize
	}
	return DefaultAuditMax
}

func (l *AuditLog) keep() int {
	if l.Keep > 0 {
		return l.Keep
	}
	return DefaultAuditKeep
}

// Append writes one record.
func (l *AuditLog) Append(rec AuditRecord) error {
	line, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	line = append(line, '\n')

	l.mu.Lock()
	defer l.mu.Unlock()
	if err := os.MkdirAll(l.Dir, 0o700); err != nil {
		return err
	}
	lk := flock.New(l.Path()+".lock", flock.SetPermissions(0o600))
	if err := lk.Lock(); err != nil {
		return fmt.Errorf("locking the audit log: %w", err)
	}
	defer func() { _ = lk.Unlock() }()

	// Another process may have rotated the file under us: write to the
	// file that is at the path now.
	if l.f != nil {
		cur, err1 := l.f.Stat()
		now, err2 := os.Stat(l.Path())
		if err1 != nil || err2 != nil || !os.SameFile(cur, now) {
			_ = l.f.Close()
			l.f = nil
		}
	}
	if l.f == nil {
		if l.f, err = os.OpenFile(l.Path(), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err != nil {
			return err
		}
	}
	if st, err := l.f.Stat(); err == nil && st.Size() > 0 && st.Size()+int64(len(line)) > l.maxSize() {
		if err := l.rotate(); err != nil {
			return err
		}
	}
	_, err = l.f.Write(line)
	return err
}

// rotate shifts audit.log.N up by one, dropping the oldest, and opens a
// fresh audit.log. The caller holds the lock.
func (l *AuditLog) rotate() error {
	_ = l.f.Close()
	l.f = nil
	base := l.Path()
	_ = os.Remove(fmt.Sprintf("%s.%d", base, l.keep()))
	for i := l.keep() - 1; i >= 1; i-- {
		_ = os.Rename(fmt.Sprintf("%s.%d", base, i), fmt.Sprintf("%s.%d", base, i+1))
	}
	if err := os.Rename(base, base+".1"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	var err error
	l.f, err = os.OpenFile(base, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	return err
}

// Close releases the open file.
func (l *AuditLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// Files are the log files, oldest first (rotated ones, then the current).
func (l *AuditLog) Files() []string {
	var out []string
	for i := l.keep(); i >= 1; i-- {
		p := fmt.Sprintf("%s.%d", l.Path(), i)
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	if _, err := os.Stat(l.Path()); err == nil {
		out = append(out, l.Path())
	}
	return out
}

// AuditFilter selects records for Read.
type AuditFilter struct {
	Since  time.Time // zero: from the start
	Action string    // "": any
	Limit  int       // keep only the last Limit matches; 0: all
}

// Read returns the matching records, oldest first. Lines that are not
// records (a torn last line after a crash, for example) are counted in
// skipped and otherwise ignored. Memory is bounded by Limit when set.
func (l *AuditLog) Read(f AuditFilter) (recs []AuditRecord, skipped int, err error) {
	// Hold the lock while listing and opening so that a rotation cannot
	// slip between the two; the open descriptors then read consistent files.
	var files []*os.File
	func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		lk := flock.New(l.Path()+".lock", flock.SetPermissions(0o600))
		if _, statErr := os.Stat(l.Dir); statErr == nil {
			if lerr := lk.RLock(); lerr == nil {
				defer func() { _ = lk.Unlock() }()
			}
		}
		for _, p := range l.Files() {
			// A file last written well before Since holds no record after
			// it (an hour of margin for clock changes and hand-set times).
			if st, serr := os.Stat(p); serr == nil && !f.Since.IsZero() && st.ModTime().Before(f.Since.Add(-time.Hour)) {
				continue
			}
			fh, oerr := os.Open(p)
			if oerr != nil {
				err = oerr
				return
			}
			files = append(files, fh)
		}
	}()
	defer func() {
		for _, fh := range files {
			_ = fh.Close()
		}
	}()
	if err != nil {
		return nil, 0, err
	}
	ring := make([]AuditRecord, 0, 64)
	head := 0 // when the ring is full, index of the oldest
	add := func(r AuditRecord) {
		if f.Limit <= 0 || len(ring) < f.Limit {
			ring = append(ring, r)
			return
		}
		ring[head] = r
		head = (head + 1) % f.Limit
	}
	for _, fh := range files {
		n, rerr := scanAudit(fh, func(r AuditRecord) {
			if !f.Since.IsZero() && r.Time.Before(f.Since) {
				return
			}
			if f.Action != "" && r.Action != f.Action {
				return
			}
			add(r)
		})
		skipped += n
		if rerr != nil {
			return nil, skipped, fmt.Errorf("reading %s: %w", fh.Name(), rerr)
		}
	}
	recs = append(ring[head:len(ring):len(ring)], ring[:head]...)
	return recs, skipped, nil
}

func scanAudit(r io.Reader, fn func(AuditRecord)) (skipped int, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, rerr := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var rec AuditRecord
			if json.Unmarshal(line, &rec) != nil || rec.Time.IsZero() {
				skipped++
			} else {
				fn(rec)
			}
		}
		if rerr == io.EOF {
			return skipped, nil
		}
		if rerr != nil {
			return skipped, rerr
		}
	}
}
