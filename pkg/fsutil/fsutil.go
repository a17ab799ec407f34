// Package fsutil writes files so that a crash or a concurrent reader never
// sees a torn one. It is a leaf package: it imports nothing of handoff.
package fsutil

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Options tune WriteFile.
type Options struct {
	// DirPerm, when not zero, creates path's folder (and its parents) with
	// these permissions if missing. Zero: the folder must exist.
	DirPerm fs.FileMode
	// NoReplace leaves an existing file alone: WriteFile returns
	// fs.ErrExist and writes nothing.
	NoReplace bool
	// BeforeRename, when set, runs after the temporary file is written and
	// synced, before it is moved into place; an error aborts the write (the
	// temporary file is removed). Tests simulate a crash here.
	BeforeRename func(tmp string) error
	// CleanStale removes the temporary files an earlier write of path left
	// behind (a process killed between create and rename) before writing.
	// Only for callers that hold a lock every writer of path takes: another
	// writer's temporary file would be removed too.
	CleanStale bool
}

// TempPattern is the name pattern of WriteFile's temporary files for path
// (hidden, so that folder scans skip them).
func TempPattern(path string) string { return "." + filepath.Base(path) + ".tmp-*" }

// RemoveStale removes path's leftover temporary files; see CleanStale.
func RemoveStale(path string) {
	olds, _ := filepath.Glob(filepath.Join(filepath.Dir(path), TempPattern(path)))
	for _, old := range olds {
		_ = os.Remove(old)
	}
}

// WriteFile replaces (or, with NoReplace, creates) path with data: a
// temporary file in the same folder is given perm, written, synced, closed
// and renamed over path (linked, with NoReplace, so that an existing file
// is never replaced), then the folder is synced. Readers see the old file
// or the new one, never a part; on error no temporary file is left.
func WriteFile(path string, data []byte, perm fs.FileMode, opt Options) (err error) {
	dir := filepath.Dir(path)
	if opt.DirPerm != 0 {
		if err := os.MkdirAll(dir, opt.DirPerm); err != nil {
			return err
		}
	}
	if opt.CleanStale {
		RemoveStale(path)
	}
	f, err := os.CreateTemp(dir, TempPattern(path))
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close() // a second Close only reports an error, which we drop
			os.Remove(tmp)
		}
	}()
	// Permissions first, so the content is never readable more widely than
	// perm allows (CreateTemp makes the file 0600).
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if opt.BeforeRename != nil {
		if err = opt.BeforeRename(tmp); err != nil {
			return err
		}
	}
	if opt.NoReplace {
		err = linkNoReplace(tmp, path)
	} else {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return err
	}
	SyncDir(dir)
	return nil
}

// linkNoReplace moves tmp to path unless path exists (fs.ErrExist). A hard
// link fails atomically when path exists; the temporary name is then
// dropped. Filesystems without hard links fall back to check-then-rename.
func linkNoReplace(tmp, path string) error {
	err := os.Link(tmp, path)
	if err == nil {
		_ = os.Remove(tmp)
		return nil
	}
	if errors.Is(err, fs.ErrExist) {
		return fs.ErrExist
	}
	if _, statErr := os.Lstat(path); statErr == nil {
		return fs.ErrExist
	}
	return os.Rename(tmp, path)
}

// SyncDir makes a rename or a removal in dir durable (best effort: not every
// system can sync a folder).
func SyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// IsReservedName reports whether name (without extension) is a device name
// that Windows reserves in every folder, whatever the extension: CON, PRN,
// AUX, NUL, COM0-COM9 and LPT0-LPT9, in any case. A file "nul.yaml" there
// is the null device, not a file.
func IsReservedName(name string) bool {
	switch n := strings.ToLower(name); {
	case n == "con" || n == "prn" || n == "aux" || n == "nul":
		return true
	case len(n) == 4 && (strings.HasPrefix(n, "com") || strings.HasPrefix(n, "lpt")) && n[3] >= '0' && n[3] <= '9':
		return true
	}
	return false
}

// ReservedNames lists the names IsReservedName refuses, lower-case.
func ReservedNames() []string {
	out := []string{"con", "prn", "aux", "nul"}
	for _, p := range []string{"com", "lpt"} {
		for d := '0'; d <= '9'; d++ {
			out = append(out, p+string(d))
		}
	}
	return out
}

// FileKind names what a file that is not a regular file is ("a named
// pipe"), "" for a regular file or a folder. Such files are never opened
// by handoff's scans: opening a named pipe waits for a writer, and reading
// a device may never end.
func FileKind(m fs.FileMode) string {
	switch {
	case m.IsRegular(), m.IsDir():
		return ""
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}
