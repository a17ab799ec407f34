package directory

import (
	"fmt"
	"io/fs"

	"github.com/handoff-dev/handoff/pkg/fsutil"
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
// folder fsync), creating the cache folder (0755) if missing: a crash
// leaves the old file or the new one, never a torn one.
func writeFileAtomic(path string, data []byte, perm fs.FileMode) error {
	return fsutil.WriteFile(path, data, perm, fsutil.Options{DirPerm: 0o755})
}
