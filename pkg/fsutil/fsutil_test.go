package fsutil

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// noTemps fails when a temporary file was left in dir.
func noTemps(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if len(got) != len(want) {
		t.Fatalf("folder holds %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("folder holds %v, want %v", got, want)
		}
	}
}

func TestWriteFileCreatesAndReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.yaml")
	if err := WriteFile(path, []byte("one\n"), 0o644, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("two\n"), 0o600, Options{}); err != nil {
		t.Fatal(err)
	}
	if got := read(t, path); got != "two\n" {
		t.Errorf("content %q", got)
	}
	if runtime.GOOS != "windows" {
		if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
			t.Errorf("mode %v, want 0600", st.Mode().Perm())
		}
	}
	noTemps(t, dir, "a.yaml")
}

// perm is set exactly, whatever the umask (a credentials file is 0600, a
// shared one 0644).
func TestWriteFilePerm(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	dir := t.TempDir()
	for _, perm := range []fs.FileMode{0o600, 0o644, 0o640} {
		path := filepath.Join(dir, perm.String())
		if err := WriteFile(path, []byte("x"), perm, Options{}); err != nil {
			t.Fatal(err)
		}
		if st, _ := os.Stat(path); st.Mode().Perm() != perm {
			t.Errorf("mode %v, want %v", st.Mode().Perm(), perm)
		}
	}
}

func TestWriteFileDirPerm(t *testing.T) {
	base := t.TempDir()
	path := filepath.Join(base, "x", "y", "f")
	// Without DirPerm the folder must exist.
	if err := WriteFile(path, []byte("x"), 0o600, Options{}); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing folder: got %v, want ErrNotExist", err)
	}
	if _, err := os.Stat(filepath.Join(base, "x")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("a folder was created without DirPerm")
	}
	if err := WriteFile(path, []byte("x"), 0o600, Options{DirPerm: 0o700}); err != nil {
		t.Fatal(err)
	}
	if read(t, path) != "x" {
		t.Error("content")
	}
	if runtime.GOOS != "windows" {
		for _, d := range []string{filepath.Join(base, "x"), filepath.Join(base, "x", "y")} {
			if st, _ := os.Stat(d); st.Mode().Perm() != 0o700&^umask() {
				t.Errorf("%s: mode %v, want 0700", d, st.Mode().Perm())
			}
		}
	}
}

func umask() fs.FileMode {
	dir, _ := os.MkdirTemp("", "umask")
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "d")
	os.Mkdir(p, 0o777)
	st, _ := os.Stat(p)
	return 0o777 &^ st.Mode().Perm()
}

func TestWriteFileNoReplace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.yaml")
	if err := WriteFile(path, []byte("first"), 0o644, Options{NoReplace: true}); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(path, []byte("second"), 0o644, Options{NoReplace: true})
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("got %v, want fs.ErrExist", err)
	}
	if got := read(t, path); got != "first" {
		t.Errorf("existing file replaced: %q", got)
	}
	noTemps(t, dir, "a.yaml")
}

// Of several writers creating the same file at once, exactly one wins and
// the file holds that writer's content whole.
func TestWriteFileNoReplaceRace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.yaml")
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = WriteFile(path, []byte{byte('a' + i)}, 0o644, Options{NoReplace: true})
		}()
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Fatalf("writers %d and %d both created the file", won, i)
		case err == nil:
			won = i
		case !errors.Is(err, fs.ErrExist):
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	if won < 0 {
		t.Fatal("no writer created the file")
	}
	if got := read(t, path); got != string(rune('a'+won)) {
		t.Errorf("file holds %q, winner wrote %q", got, string(rune('a'+won)))
	}
	noTemps(t, dir, "a.yaml")
}

// A failure just before the rename (a crash, in tests) leaves the old file
// whole and removes the temporary file, which held the full new content.
func TestWriteFileBeforeRenameFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.yaml")
	if err := WriteFile(path, []byte("old"), 0o644, Options{}); err != nil {
		t.Fatal(err)
	}
	crash := errors.New("power cut")
	var tmp string
	err := WriteFile(path, []byte("new"), 0o644, Options{BeforeRename: func(p string) error {
		tmp = p
		if got := read(t, p); got != "new" {
			t.Errorf("temporary file holds %q", got)
		}
		if filepath.Dir(p) != dir {
			t.Errorf("temporary file %s is not in the target's folder", p)
		}
		return crash
	}})
	if !errors.Is(err, crash) {
		t.Fatalf("got %v", err)
	}
	if got := read(t, path); got != "old" {
		t.Errorf("old file damaged: %q", got)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, fs.ErrNotExist) {
		t.Error("temporary file left behind")
	}
	noTemps(t, dir, "a.yaml")
}

// A failed write (the target is a folder) leaves no temporary file.
func TestWriteFileErrorLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "f"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(filepath.Join(dir, "sub"), []byte("x"), 0o644, Options{}); err == nil {
		t.Fatal("replacing a non-empty folder succeeded")
	}
	noTemps(t, dir, "sub")
}
