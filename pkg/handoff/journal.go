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
	"time"

	"github.com/gofrs/flock"
)

// Journal record kinds, one per line: "<kind>\t<target>[\t<detail>]".
const (
	jStart   = 'S' // about to send
	jDone    = 'D' // succeeded
	jFailed  = 'F' // failed; safe to send again
	jNotSent = 'N' // not sent after all (cancelled before it left); safe to send
	jUnknown = 'U' // outcome unknown
	jBegin   = 'B' // a run began: "B\t<time>\t<content key>\t<input>"
	jEnd     = 'E' // the run ended, every target read has its outcome: "E\t<time>"
)

const journalHeader = "# handoff journal v2: B=run began S=sent D=done F=failed N=not sent U=unknown E=run ended\n"

// ErrJournalBusy means another run holds the journal.
var ErrJournalBusy = errors.New("the journal is in use by another run")

// DefaultJournalPath is the journal of one run of one input: one action,
// account and input (identity: a file's absolute path, "-" for stdin) with
// one content (key, from OpenInput), under stateDir/journals. The same
// command on the same unchanged input finds it again; the same file edited
// since gets another journal.
func DefaultJournalPath(stateDir, actionName, account, identity, contentKey string) string {
	if identity != "-" {
		if abs, err := filepath.Abs(identity); err == nil {
			identity = abs
		}
	}
	id := sha256.Sum256([]byte(actionName + "\x00" + account + "\x00" + identity))
	content := sha256.Sum256([]byte(contentKey))
	return filepath.Join(stateDir, "journals", safeName(actionName)+"-"+hex.EncodeToString(id[:6])+"-"+hex.EncodeToString(content[:4])+".journal")
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

// journalMeta is what a journal says about its run.
type journalMeta struct {
	began      time.Time // when the run (first) began; zero for a v1 journal
	key, input string    // content key and input name of that run
	records    int       // target records
	finished   bool      // the last run recorded its end, and nothing followed
	ended      time.Time // when it ended
	empty      bool      // a new (or empty) file
}

// openJournal locks and opens the journal at path, cuts a torn last line
// left by a crash, and reads what it says of its run. Its records are
// given to replay; new ones go at the end.
func openJournal(path string) (*journal, journalMeta, error) {
	var meta journalMeta
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, meta, err
	}
	// Lock the journal itself, then make sure the path still names the
	// locked file: a run that finished may have removed it meanwhile.
	var lk *flock.Flock
	var f *os.File
	for try := 0; ; try++ {
		lk = flock.New(path, flock.SetPermissions(0o600))
		ok, err := lk.TryLock()
		if err != nil {
			return nil, meta, fmt.Errorf("locking the journal: %w", err)
		}
		if !ok {
			return nil, meta, fmt.Errorf("%s: %w", path, ErrJournalBusy)
		}
		f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			_ = lk.Unlock()
			return nil, meta, err
		}
		locked, err1 := lk.Stat()
		opened, err2 := f.Stat()
		if err1 == nil && err2 == nil && os.SameFile(locked, opened) {
			break
		}
		_ = f.Close()
		_ = lk.Unlock()
		if try == 3 {
			return nil, meta, fmt.Errorf("%s: %w", path, ErrJournalBusy)
		}
	}
	j := &journal{path: path, lock: lk, f: f}
	end, err := j.load(&meta, nil)
	if err != nil {
		_ = j.close()
		return nil, meta, fmt.Errorf("reading the journal %s: %w", path, err)
	}
	if err := f.Truncate(end); err != nil {
		_ = j.close()
		return nil, meta, err
	}
	if _, err := f.Seek(end, io.SeekStart); err != nil {
		_ = j.close()
		return nil, meta, err
	}
	meta.empty = end == 0
	return j, meta, nil
}

// replay feeds every target record to fn, oldest first.
func (j *journal) replay(fn func(kind byte, target string)) error {
	if _, err := j.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	var meta journalMeta
	end, err := j.load(&meta, fn)
	if err != nil {
		return fmt.Errorf("reading the journal %s: %w", j.path, err)
	}
	_, err = j.f.Seek(end, io.SeekStart)
	return err
}

// restart empties the journal for a new run of the input whose content key
// is key.
func (j *journal) restart(key, input string, now time.Time) error {
	if err := j.f.Truncate(0); err != nil {
		return err
	}
	if _, err := j.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	clean := func(s string) string { return strings.Map(noTabs, s) }
	if _, err := j.f.WriteString(journalHeader + "B\t" + now.UTC().Format(time.RFC3339) + "\t" + clean(key) + "\t" + clean(input) + "\n"); err != nil {
		return fmt.Errorf("writing the journal %s: %w", j.path, err)
	}
	return nil
}

// finish records that the run ended with every target read accounted for:
// a later run of the same input starts afresh.
func (j *journal) finish(now time.Time) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.f.WriteString("E\t" + now.UTC().Format(time.RFC3339) + "\n"); err != nil {
		return fmt.Errorf("writing the journal %s: %w", j.path, err)
	}
	return nil
}

func noTabs(r rune) rune {
	if r == '\n' || r == '\r' || r == '\t' {
		return ' '
	}
	return r
}

// load reads the records and returns the offset just past the last
// complete line.
func (j *journal) load(meta *journalMeta, fn func(kind byte, target string)) (int64, error) {
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
		fields := strings.Split(string(line[2:]), "\t")
		switch line[0] {
		case jBegin:
			if meta.began.IsZero() {
				meta.began, _ = time.Parse(time.RFC3339, fields[0])
				if len(fields) > 2 {
					meta.key, meta.input = fields[1], fields[2]
				}
			}
			continue
		case jEnd:
			meta.finished = true
			meta.ended, _ = time.Parse(time.RFC3339, fields[0])
			continue
		}
		meta.finished = false
		meta.records++
		if fn != nil {
			fn(line[0], fields[0])
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
		b = append(b, strings.Map(noTabs, detail)...)
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
