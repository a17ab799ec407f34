package account

import (
	"errors"
	"fmt"
	"io/fs"
)

// Exit codes of design.md (this package cannot import cmdutil, which imports it).
const (
	exitUsage  = 2
	exitConfig = 3
)

// Error is an error of this package with the exit code it maps to and a hint
// saying what to do. cmdutil.ExitCodeOf and cmdutil.HintOf understand it.
type Error struct {
	Code int
	Err  error
	Tip  string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }
func (e *Error) ExitCode() int { return e.Code }
func (e *Error) Hint() string  { return e.Tip }

func usageErr(tip, format string, a ...any) *Error {
	return &Error{Code: exitUsage, Err: fmt.Errorf(format, a...), Tip: tip}
}

func configErr(tip, format string, a ...any) *Error {
	return &Error{Code: exitConfig, Err: fmt.Errorf(format, a...), Tip: tip}
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
