package account

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/handoff-dev/handoff/pkg/exitcode"
)

const (
	exitUsage  = exitcode.Usage
	exitConfig = exitcode.Config
)

// Error is an error of this package with the exit code it maps to and a hint
// saying what to do. cmdutil.ExitCodeOf and cmdutil.HintOf understand it.
type Error = exitcode.Error

func usageErr(tip, format string, a ...any) *Error {
	return exitcode.Errorf(exitUsage, tip, format, a...)
}

func configErr(tip, format string, a ...any) *Error {
	return exitcode.Errorf(exitConfig, tip, format, a...)
}

var (
	// ErrUnknownAccount is in the chain of Get's error for a name that is not configured.
	ErrUnknownAccount = errors.New("unknown account")
	// ErrExists is in the chain of Add's error when the name is taken and force is false.
	ErrExists = errors.New("account already exists")
)

// UnsafeFileError refuses a credentials file that group or others may read,
// as ssh refuses a private key with loose permissions.
type UnsafeFileError struct {
	Path string
	Mode fs.FileMode
}

func (e *UnsafeFileError) Error() string {
	return fmt.Sprintf("%s is readable by others (mode %04o): refusing to use the tokens in it", e.Path, e.Mode.Perm())
}
func (e *UnsafeFileError) ExitCode() int { return exitConfig }
func (e *UnsafeFileError) Hint() string  { return "Run: chmod 600 " + e.Path }
