package action

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/handoff-dev/handoff/pkg/exitcode"
	"github.com/handoff-dev/handoff/pkg/fsutil"
	"github.com/handoff-dev/handoff/pkg/textutil"
)

// Exit codes of design.md. Errors of this package carry them (ExitCode
// method).
const (
	exitFailure  = exitcode.Failure
	exitUsage    = exitcode.Usage
	exitConfig   = exitcode.Config
	exitNotFound = exitcode.NotFound
)

// Error is an error of the action store: an exit code, a hint, and for an
// invalid file its diagnostics.
type Error struct {
	Code        int
	Err         error
	Tip         string
	Diagnostics []Diagnostic
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }
func (e *Error) ExitCode() int { return e.Code }
func (e *Error) Hint() string  { return e.Tip }

var (
	// ErrNotFound is wrapped by the errors for a missing action (exit 5).
	ErrNotFound = errors.New("action not found")
	// ErrExists is wrapped by Create's error when the name is taken.
	ErrExists = errors.New("action already exists")
	// ErrInvalid is wrapped by the errors for an invalid file (exit 3).
	ErrInvalid = errors.New("invalid action file")
)

// SchemaURL is the schema's $id: where the published copy of
// docs/action.schema.json is served. New files point at the copy beside them
// instead (Modeline), which works offline and for any version.
const SchemaURL = "https://raw.githubusercontent.com/handoff-dev/handoff/main/docs/action.schema.json"

// Store is the folder of action files (NAME.yaml).
type Store struct {
	Dir string
	// KnownAccounts, when not nil, are the accounts configured here: List
	// and Scan then check each action's account as validate does (an
	// unknown one is an error). Nil: accounts are not checked.
	KnownAccounts []string
}

// NewStore returns the store for dir. Nothing touches disk until a method runs.
func NewStore(dir string) *Store { return &Store{Dir: dir} }

// Entry is one file of the store as listed: the action as far as it could
// be read, and what is wrong with it.
type Entry struct {
	Name        string       `json:"name"` // the file name without .yaml/.yml
	Path        string       `json:"path"`
	Action      *Action      `json:"action,omitempty"`
	Diagnostics []Diagnostic `json:"diagnostics,omitempty"`
}

// Valid reports whether the file has no error (warnings allowed).
func (e Entry) Valid() bool { return !HasErrors(e.Diagnostics) }

// IsActionFile reports whether a file name is an action file name:
// *.yaml or *.yml, not hidden (temporary files of a save are hidden).
func IsActionFile(name string) bool {
	if strings.HasPrefix(name, ".") {
		return false
	}
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

func stem(file string) string {
	base := filepath.Base(file)
	return strings.TrimSuffix(strings.TrimSuffix(base, ".yaml"), ".yml")
}

// List reads every action file of the folder (not its subfolders), sorted by
// name. A missing folder is an empty list. Each entry carries its
// diagnostics (file name checked; accounts not: validate does that).
func (s *Store) List() ([]Entry, error) {
	ents, _, err := s.Scan()
	return ents, err
}

// Scan is List, and also returns the entries named like action files that
// are not regular files (named pipes, devices): they are never opened.
func (s *Store) Scan() ([]Entry, []Skipped, error) {
	ents, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, &Error{Code: exitConfig, Err: fmt.Errorf("reading the actions folder: %w", err),
			Tip: "Check --dir (env HANDOFF_DIR) and the folder's permissions."}
	}
	var files []string
	var skipped []Skipped
	for _, e := range ents {
		if !e.IsDir() && IsActionFile(e.Name()) {
			path := filepath.Join(s.Dir, e.Name())
			if kind := EntryKind(path, e); kind != "" {
				skipped = append(skipped, Skipped{Path: path, Kind: kind})
				continue
			}
			files = append(files, path)
		}
	}
	results := CheckFiles(files, Options{CheckFileName: true, KnownAccounts: s.KnownAccounts}, 0)
	out := make([]Entry, len(results))
	for i, r := range results {
		// Without the configured accounts, drop the "could not be
		// checked" warning rather than claim none exist.
		var diags []Diagnostic
		for _, d := range r.Diagnostics {
			if !(d.Rule == RuleAccountKnown && d.Severity == SeverityWarning && s.KnownAccounts == nil) {
				diags = append(diags, d)
			}
		}
		out[i] = Entry{Name: stem(r.File), Path: r.File, Diagnostics: diags}
		if r.Doc != nil && r.Doc.Action != nil {
			out[i].Action = r.Doc.Action
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, skipped, nil
}

// Path is the file of the action name: NAME.yaml, or NAME.yml when only
// that exists.
func (s *Store) Path(name string) string {
	yaml := filepath.Join(s.Dir, name+".yaml")
	if _, err := os.Stat(yaml); err != nil {
		yml := filepath.Join(s.Dir, name+".yml")
		if _, err := os.Stat(yml); err == nil {
			return yml
		}
	}
	return yaml
}

// Exists reports whether the action name has a file.
func (s *Store) Exists(name string) bool {
	if CheckName(name) != nil {
		return false
	}
	_, err := os.Stat(s.Path(name))
	return err == nil
}

func (s *Store) checkName(name string) error {
	if err := CheckName(name); err != nil {
		return &Error{Code: exitUsage, Err: fmt.Errorf("action name: %w", err),
			Tip: "Action names are lower-case slugs such as escalate-billing. Run: handoff action list"}
	}
	return nil
}

func (s *Store) notFound(name string) error {
	tip := "Run: handoff action list (or create it: handoff configure " + name + ")"
	if near := textutil.Suggest(name, s.fileNames()); near != "" {
		tip = fmt.Sprintf("Did you mean %s? (handoff action list shows them all)", near)
	}
	return &Error{Code: exitNotFound, Err: fmt.Errorf("%w: %q in %s", ErrNotFound, name, s.Dir), Tip: tip}
}

// fileNames are the action names the folder's file names give (nothing is
// read or parsed: for suggestions).
func (s *Store) fileNames() []string {
	ents, err := os.ReadDir(s.Dir)
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range ents {
		n := e.Name()
		if base, ok := strings.CutSuffix(n, ".yaml"); ok {
			names = append(names, base)
		} else if base, ok := strings.CutSuffix(n, ".yml"); ok {
			names = append(names, base)
		}
	}
	return names
}

// read returns the bytes of the action's file, refusing huge files.
func (s *Store) read(name string) (string, []byte, error) {
	if err := s.checkName(name); err != nil {
		return "", nil, err
	}
	path := s.Path(name)
	data, err := readLimited(path)
	if errors.Is(err, fs.ErrNotExist) {
		return path, nil, s.notFound(name)
	}
	if err != nil {
		return path, nil, &Error{Code: exitConfig, Err: fmt.Errorf("reading action %s: %w", name, err)}
	}
	return path, data, nil
}

// readLimited reads a file, at most MaxFileSize+1 bytes (Parse refuses more),
// in one read when the size is known.
func readLimited(path string) ([]byte, error) {
	f, err := openForRead(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := int64(512)
	if st, err := f.Stat(); err == nil {
		if st.IsDir() {
			return nil, fmt.Errorf("%s is a folder", path)
		}
		size = min(st.Size(), MaxFileSize) + 1 // +1: see EOF (or too large) at once
	}
	buf := make([]byte, 0, size)
	for int64(len(buf)) <= MaxFileSize {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):min(cap(buf), MaxFileSize+1)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// Load reads and validates one action. A missing action is an error with
// exit code 5; an invalid file one with exit code 3 and its diagnostics.
func (s *Store) Load(name string) (*Action, error) {
	path, data, err := s.read(name)
	if err != nil {
		return nil, err
	}
	d, diags := Check(path, data, Options{CheckFileName: true})
	if HasErrors(diags) {
		return nil, invalid(name, path, diags)
	}
	return d.Action, nil
}

func invalid(name, path string, diags []Diagnostic) error {
	var errs []Diagnostic
	for _, d := range diags {
		if d.Severity == SeverityError {
			errs = append(errs, d)
		}
	}
	first := errs[0]
	more := ""
	if len(errs) > 1 {
		more = fmt.Sprintf(" (and %d more)", len(errs)-1)
	}
	return &Error{Code: exitConfig,
		Err:         fmt.Errorf("%w %s: line %d: %s%s", ErrInvalid, path, first.Line, first.Message, more),
		Tip:         "Run: handoff validate " + path,
		Diagnostics: diags}
}

// Create saves a new action as NAME.yaml and returns its path. The file is
// written whole or not at all, and an existing action is never replaced.
func (s *Store) Create(a *Action) (string, error) {
	if a.Version == 0 {
		a.Version = 1
	}
	if err := a.Check(); err != nil {
		return "", &Error{Code: exitUsage, Err: err}
	}
	if s.Exists(a.Name) {
		return s.Path(a.Name), s.exists(a.Name)
	}
	data, err := Render(a)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return "", &Error{Code: exitConfig, Err: fmt.Errorf("creating the actions folder: %w", err)}
	}
	unlock, err := s.lock(a.Name)
	if err != nil {
		return "", err
	}
	defer unlock()
	path := filepath.Join(s.Dir, a.Name+".yaml")
	if err := writeAtomic(path, data, 0o644, true); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return path, s.exists(a.Name)
		}
		return "", &Error{Code: exitFailure, Err: fmt.Errorf("saving action %s: %w", a.Name, err)}
	}
	return path, nil
}

func (s *Store) exists(name string) error {
	return &Error{Code: exitUsage, Err: fmt.Errorf("%w: %s", ErrExists, s.Path(name)),
		Tip: "Edit one step with handoff configure intent|account|assignee " + name + ", or delete it first: handoff action delete " + name}
}

// Update edits an existing action in place: fn changes fields through the
// Editor, and only the edited values change in the file; comments, key
// order and quoting elsewhere stay as they were. The result must be valid;
// it is written atomically, keeping the file's mode.
//
// The whole read, edit and write holds the action's lock (.NAME.yaml.lock
// beside the file), so two edits at once are serialised and the second
// edits what the first wrote: neither is lost. fn sees the file as it is
// under the lock; a caller that decided on an older reading refuses there
// (see ErrConflict).
func (s *Store) Update(name string, fn func(*Editor) error) error {
	unlock, err := s.lock(name) // checks the name first
	if err != nil {
		return err
	}
	defer unlock()
	path, data, err := s.read(name)
	if err != nil {
		return err
	}
	e, err := NewEditor(path, data)
	if err != nil {
		return err
	}
	if err := fn(e); err != nil {
		return err
	}
	if !e.Changed() {
		return nil
	}
	out := e.Bytes()
	if _, diags := Check(path, out, Options{CheckFileName: true}); HasErrors(diags) {
		return invalid(name, path, diags)
	}
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	// Refuse to overwrite a change made by someone else meanwhile.
	if now, err := readLimited(path); err != nil || !bytes.Equal(now, data) {
		return &Error{Code: exitFailure, Err: fmt.Errorf("%s changed while it was being edited; nothing was written", path),
			Tip: "Run the command again."}
	}
	if err := writeAtomic(path, out, mode, false); err != nil {
		return &Error{Code: exitFailure, Err: fmt.Errorf("saving action %s: %w", name, err)}
	}
	return nil
}

// ErrConflict is wrapped by the error of an edit refused because the file
// changed, in a part the edit changes, since the caller read it.
var ErrConflict = errors.New("changed while it was being edited")

// Conflict is the error for an edit of name refused because the file's
// field (intent, account, assignee) is no longer what the caller read.
func (s *Store) Conflict(name, field string) error {
	return &Error{Code: exitFailure,
		Err: fmt.Errorf("%s %w: its %s is no longer what this command read; nothing was written", s.Path(name), ErrConflict, field),
		Tip: "Another edit saved it meanwhile. Look at it (handoff action show " + name + ") and run the command again."}
}

// lockWait bounds how long an edit waits for another one of the same file.
var lockWait = 10 * time.Second

// lock checks the name, then takes the lock of its file (see Update).
func (s *Store) lock(name string) (func(), error) {
	if err := s.checkName(name); err != nil {
		return nil, err
	}
	path := filepath.Join(s.Dir, name+".yaml")
	if _, err := os.Stat(s.Dir); err != nil {
		return func() {}, nil // no folder, nothing to edit: read reports it
	}
	unlock, err := fsutil.LockFile(context.Background(), path, lockWait)
	if err != nil {
		if errors.Is(err, fsutil.ErrLockTimeout) {
			return nil, &Error{Code: exitFailure, Err: fmt.Errorf("action %s is being edited by another process (%s)", name, fsutil.LockPath(path)),
				Tip: "Wait for the other edit to finish, then run the command again."}
		}
		return nil, &Error{Code: exitConfig, Err: fmt.Errorf("locking action %s: %w", name, err),
			Tip: "Check that the actions folder is writable: " + s.Dir}
	}
	return unlock, nil
}

// Delete removes the action's file.
func (s *Store) Delete(name string) error {
	unlock, err := s.lock(name) // checks the name first
	if err != nil {
		return err
	}
	defer unlock()
	path := s.Path(name)
	err = os.Remove(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s.notFound(name)
	}
	if err != nil {
		return &Error{Code: exitFailure, Err: fmt.Errorf("deleting action %s: %w", name, err)}
	}
	fsutil.SyncDir(s.Dir)
	return nil
}

// testHookBeforeRename runs between writing the temporary file and moving
// it into place (tests simulate a crash there).
var testHookBeforeRename func(tmp string) error

// writeAtomic writes data to a temporary file in path's folder, syncs it,
// and moves it into place: readers see the old file or the new one, never a
// part. With noReplace an existing file is left alone (fs.ErrExist).
// Every writer holds the action's lock, so temporary files left by a killed
// save are removed here.
func writeAtomic(path string, data []byte, mode fs.FileMode, noReplace bool) error {
	return fsutil.WriteFile(path, data, mode, fsutil.Options{NoReplace: noReplace, BeforeRename: testHookBeforeRename, CleanStale: true})
}
