package directory

import (
	"io/fs"

	"github.com/handoff-dev/handoff/pkg/exitcode"
	"github.com/handoff-dev/handoff/pkg/fsutil"
)

const (
	exitUsage    = exitcode.Usage
	exitConfig   = exitcode.Config
	exitNotFound = exitcode.NotFound
)

// Error is an error of this package with its exit code and a hint.
type Error = exitcode.Error

func errorf(code int, tip, format string, a ...any) *Error {
	return exitcode.Errorf(code, tip, format, a...)
}

// writeFileAtomic replaces path with data (temporary file, fsync, rename,
// folder fsync), creating the cache folder (0755) if missing: a crash
// leaves the old file or the new one, never a torn one.
func writeFileAtomic(path string, data []byte, perm fs.FileMode) error {
	return fsutil.WriteFile(path, data, perm, fsutil.Options{DirPerm: 0o755})
}
