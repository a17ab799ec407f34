package action

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"github.com/handoff-dev/handoff/pkg/fsutil"
)

// Files that are not regular files (named pipes, devices, sockets) are never
// opened by a folder scan: opening a named pipe waits for a writer, and
// reading a device may never end. Scans skip them with a warning; a path
// named explicitly is read only when it is a pipe (validate <(...)), opened
// without waiting for a writer, and refused otherwise.

// FileKind names what a file that is not a regular file is; see fsutil.FileKind.
func FileKind(m fs.FileMode) string { return fsutil.FileKind(m) }

// Skipped is an entry of a folder that is named like an action file but is
// not a regular file: scans leave it out and say so.
type Skipped struct {
	Path string
	Kind string // FileKind
}

func (k Skipped) String() string {
	return fmt.Sprintf("%s is %s, not a regular file: skipped", k.Path, k.Kind)
}

// Diagnostic is the warning validate reports for it.
func (k Skipped) Diagnostic() Diagnostic {
	return Diagnostic{File: k.Path, Line: 1, Column: 1, EndLine: 1, EndColumn: 1, Severity: SeverityWarning,
		Rule: RuleReadError, Message: fmt.Sprintf("%s, not a regular file: skipped (never opened)", k.Kind)}
}

// EntryKind returns FileKind of a folder entry, following a symbolic link.
func EntryKind(path string, de fs.DirEntry) string {
	t := de.Type()
	if t&fs.ModeSymlink != 0 {
		fi, err := os.Stat(path)
		if err != nil {
			return "" // a dangling link: reading it reports the error
		}
		t = fi.Mode()
	}
	return FileKind(t)
}

// openForRead opens path for readLimited: a named pipe without waiting for a
// writer (with none, it reads as empty), any other non-regular file refused.
func openForRead(path string) (*os.File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	switch kind := FileKind(fi.Mode()); {
	case fi.IsDir():
		return nil, fmt.Errorf("%s is a folder", path)
	case kind == "":
		return os.Open(path)
	case fi.Mode()&fs.ModeNamedPipe != 0:
		return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	default:
		return nil, fmt.Errorf("%s is %s, not a regular file", path, kind)
	}
}
