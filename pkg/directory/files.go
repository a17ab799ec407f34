package directory

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Exit codes of design.md (cmdutil imports this package, so no import back).
const (
	exitUsage    = 2
	exitConfig   = 3
	exitNotFound = 5
)

// Error is an error of this package with its exit code and a hint.
type Error struct {
	Code int
	Err  error
	Tip  string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }
func (e *Error) ExitCode() int { return e.Code }
func (e *Error) Hint() string  { return e.Tip }

func errorf(code int, tip, format string, a ...any) *Error {
	return &Error{Code: code, Err: fmt.Errorf(format, a...), Tip: tip}
}

// writeFileAtomic replaces path with data (temporary file, fsync, rename,
// folder fsync): a crash leaves the old file or the new one, never a torn one.
func writeFileAtomic(path string, data []byte, perm fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(perm); err != nil {
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
