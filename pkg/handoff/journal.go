package handoff

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gofrs/flock"
)

// Journal record kinds, one per line: "<kind>\t<target>[\t<detail>]".
const (
	jStart   = 'S' // about to send
	jDone    = 'D' // succeeded
	jFailed  = 'F' // failed; safe to send again
	jUnknown = 'U' // outcome unknown
)

const journalHeader = "# handoff journal v1: S=sent D=done F=failed U=unknown\n"

// ErrJournalBusy means another run holds the journal.
var ErrJournalBusy = errors.New("the journal is in use by another run")

// DefaultJournalPath is the journal of one action, account and input under
// stateDir/journals: the same command run again finds it. input is "-"
// for stdin; a file is keyed by its absolute path.
func DefaultJournalPath(stateDir, actionName, account, input string) string {
	key := input
	if input != "-" {
		if abs, err := filepath.Abs(input); err == nil {
			key = abs
		}
	}
	sum := sha256.Sum256([]byte(actionName + "\x00" + account + "\x00" + key))
	return filepath.Join(stateDir, "journals", safeName(actionName)+"-"+hex.EncodeToString(sum[:6])+".journal")
}

var unsafeChars = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^a-zA-Z0-9_.-]+`) }) // lazy: nothing compiled at start-up

func safeName(s string) string {
	s = unsafeChars().ReplaceAllString(s, "_")
	if len(s) > 64 {
		s = s[:64]
	}
	if s == "" {
		s = "action"
	}
	return s
}

// journal is an append-only file recording each target before it is sent
// and again when it completes. Each record is one write(2), so a kill -9
// loses at most a record that was never acknowledged; records that must
// survive a power cut too (a chatbot start) are fsync'd before sending,
// with concurrent syncs coalesced into one (group commit).
type journal struct {
	path string
	lock *flock.Flock
	f    *os.File

	mu      sync.Mutex
	written atomic.Uint64 // records written
	syncMu  sync.Mutex
	synced  uint64 // records known on disk (under syncMu)
	buf     []byte
}

// openJournal locks and opens the journal at path, cuts a torn last line
// left by a crash, and feeds every record to load (oldest first).
func openJournal(path string, load func(kind byte, target string)) (*journal, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	// Lock the journal itself, then make sure the path still names the
	// locked file: a run that finished may have removed it meanwhile.
	var lk *flock.Flock
	var f *os.File
	for try := 0; ; try++ {
		lk = flock.New(path, flock.SetPermissions(0o600))
		ok, err := lk.TryLock()
		if err != nil {
			return nil, fmt.Errorf("locking the journal: %w", err)
		}
		if !ok {
			return nil, fmt.Errorf("%s: %w", path, ErrJournalBusy)
		}
		f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			_ = lk.Unlock()
			return nil, err
		}
		locked, err1 := lk.Stat()
		opened, err2 := f.Stat()
		if err1 == nil && err2 == nil && os.SameFile(locked, opened) {
			break
		}
		_ = f.Close()
		_ = lk.Unlock()
		if try == 3 {
			return nil, fmt.Errorf("%s: %w", path, ErrJournalBusy)
		}
	}
	j := &journal{path: path, lock: lk, f: f}
	end, err := j.load(load)
	if err != nil {
		_ = j.close()
		return nil, fmt.Errorf("reading the journal %s: %w", path, err)
	}
	if err := f.Truncate(end); err != nil {
		_ = j.close()
		return nil, err
	}
	if _, err := f.Seek(end, io.SeekStart); err != nil {
		_ = j.close()
		return nil, err
	}
	if end == 0 {
		if _, err := f.WriteString(journalHeader); err != nil {
			_ = j.close()
			return nil, err
		}
	}
	return j, nil
}

// load reads the records and returns the offset just past the last
// complete line.
func (j *journal) load(fn func(kind byte, target string)) (int64, error) {
	br := bufio.NewReaderSize(j.f, 256<<10)
	var off int64
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return 0, errors.New("a line is too long; is this a journal?")
		}
		if err == io.EOF {
			return off, nil // a torn last line (no newline) is dropped
		}
		if err != nil {
			return 0, err
		}
		off += int64(len(line))
		line = bytes.TrimRight(line, "\r\n")
		if len(line) < 3 || line[0] == '#' || line[1] != '\t' {
			continue
		}
		rest := line[2:]
		if i := bytes.IndexByte(rest, '\t'); i >= 0 {
			rest = rest[:i]
		}
		if fn != nil {
			fn(line[0], string(rest))
		}
	}
}

// record appends one record and returns its sequence number for syncTo.
func (j *journal) record(kind byte, target, detail string) (uint64, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	b := append(j.buf[:0], kind, '\t')
	b = append(b, target...)
	if detail != "" {
		b = append(b, '\t')
		b = append(b, strings.Map(func(r rune) rune {
			if r == '\n' || r == '\r' || r == '\t' {
				return ' '
			}
			return r
		}, detail)...)
	}
	b = append(b, '\n')
	j.buf = b
	if _, err := j.f.Write(b); err != nil {
		return 0, fmt.Errorf("writing the journal %s: %w", j.path, err)
	}
	return j.written.Add(1), nil
}

// syncTo returns once record seq is on disk. Concurrent callers share one
// fsync.
func (j *journal) syncTo(seq uint64) error {
	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	if j.synced >= seq {
		return nil
	}
	upto := j.written.Load()
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("syncing the journal %s: %w", j.path, err)
	}
	j.synced = upto
	return nil
}

func (j *journal) sync() error { return j.syncTo(j.written.Load()) }

func (j *journal) close() error {
	var err error
	if j.f != nil {
		if j.written.Load() > 0 {
			err = j.f.Sync()
		}
		if cerr := j.f.Close(); err == nil {
			err = cerr
		}
		j.f = nil
	}
	_ = j.lock.Unlock()
	return err
}

// remove deletes the journal (after a run where every target is done),
// still holding its lock so that no other run writes to the removed file.
func (j *journal) remove() error {
	err := os.Remove(j.path)
	if errors.Is(err, os.ErrNotExist) {
		err = nil
	}
	if cerr := j.close(); err == nil {
		err = cerr
	}
	return err
}
