package fsutil

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// LockPath is the lock file of path: hidden, beside it (.NAME.yaml.lock).
func LockPath(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".lock")
}

// ErrLockTimeout is returned by LockFile when another process held the lock
// for the whole wait.
var ErrLockTimeout = errors.New("another process holds the lock")

// LockFile takes an exclusive lock on path's lock file (LockPath), waiting
// at most wait, or until ctx is done. The lock file is removed again on
// unlock, so that no .lock file stays in a folder kept in git: a waiter that
// then gets the lock on the removed file notices (the path no longer names
// the file it locked) and takes the lock afresh.
func LockFile(ctx context.Context, path string, wait time.Duration) (unlock func(), err error) {
	lp := LockPath(path)
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for {
		lk := flock.New(lp, flock.SetPermissions(0o644))
		ok, err := lk.TryLockContext(ctx, 10*time.Millisecond)
		if err != nil || !ok {
			_ = lk.Close()
			if errors.Is(err, context.DeadlineExceeded) || (err == nil && errors.Is(ctx.Err(), context.DeadlineExceeded)) {
				return nil, ErrLockTimeout
			}
			if err == nil {
				err = ctx.Err()
			}
			return nil, err
		}
		held, herr := lk.Stat()
		now, nerr := os.Stat(lp)
		if herr == nil && nerr == nil && os.SameFile(held, now) {
			return func() {
				_ = os.Remove(lp) // before unlocking: see above (best effort on Windows)
				_ = lk.Unlock()
			}, nil
		}
		_ = lk.Unlock() // the file was removed by the previous holder: again
	}
}
