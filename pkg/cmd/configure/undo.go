package configure

import (
	"errors"
	"io/fs"
	"os"

	"github.com/handoff-dev/handoff/pkg/fsutil"
)

// accountUndo remembers config.yaml and credentials.yaml as they were
// before the wizard connected an account on the way, so that cancelling
// the wizard can put them back: "nothing was written" stays true.
type accountUndo struct {
	files []savedFile
	taken bool
}

type savedFile struct {
	path    string
	data    []byte
	mode    fs.FileMode
	existed bool
}

// take reads the files once, before the first account is added.
func (u *accountUndo) take(paths ...string) error {
	if u.taken {
		return nil
	}
	for _, p := range paths {
		f := savedFile{path: p}
		data, err := os.ReadFile(p)
		switch {
		case err == nil:
			st, err := os.Stat(p)
			if err != nil {
				return err
			}
			f.data, f.mode, f.existed = data, st.Mode().Perm(), true
		case errors.Is(err, fs.ErrNotExist):
		default:
			return err
		}
		u.files = append(u.files, f)
	}
	u.taken = true
	return nil
}

// restore writes the files back as they were (removing those that did not
// exist). It reports the first failure, after trying every file.
func (u *accountUndo) restore() error {
	var first error
	for _, f := range u.files {
		var err error
		if f.existed {
			err = fsutil.WriteFile(f.path, f.data, f.mode, fsutil.Options{})
		} else if err = os.Remove(f.path); errors.Is(err, fs.ErrNotExist) {
			err = nil
		}
		if first == nil {
			first = err
		}
	}
	return first
}
