package cmdutil

import (
	"context"
	"errors"
	"fmt"

	"github.com/handoff-dev/handoff/pkg/exitcode"
)

// Exit codes of design.md (defined in pkg/exitcode, which domain packages
// can import). Document changes in `handoff help exit-codes`.
const (
	ExitOK          = exitcode.OK
	ExitFailure     = exitcode.Failure
	ExitUsage       = exitcode.Usage
	ExitConfig      = exitcode.Config
	ExitAuth        = exitcode.Auth
	ExitNotFound    = exitcode.NotFound
	ExitUnavailable = exitcode.Unavailable
	ExitUnknown     = exitcode.Unknown
	ExitHuman       = exitcode.Human
	ExitCancel      = exitcode.Cancel
)

// Coder is implemented by errors that know their exit code. Domain packages
// may implement it on their own error types so that the command layer can
// map them without a table.
type Coder interface{ ExitCode() int }

// Hinter is implemented by errors that carry a "what to do" line.
type Hinter interface{ Hint() string }

// Error is the command layer's error: a message, an exit code and a hint.
// It is the same type as the domain packages' errors (account, directory).
type Error = exitcode.Error

// Errorf builds an *Error with a code and no hint.
func Errorf(code int, format string, a ...any) *Error {
	return exitcode.Errorf(code, "", format, a...)
}

// WithHint returns a copy of err that carries a hint and keeps its code.
func WithHint(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &Error{Code: ExitCodeOf(err), Err: err, Tip: hint}
}

// UsageError is a usage error (exit 2).
func UsageError(format string, a ...any) *Error { return Errorf(ExitUsage, format, a...) }

// ErrCancelled is returned when the user aborts (Ctrl-C, Esc): exit 130.
var ErrCancelled = &Error{Code: ExitCancel, Err: errors.New("cancelled")}

// ErrSilent means: exit with the code, the command already printed what it had
// to say (for example validate's diagnostics).
type SilentError struct{ Code int }

func (e *SilentError) Error() string { return fmt.Sprintf("exit %d", e.Code) }
func (e *SilentError) ExitCode() int { return e.Code }

// ExitCodeOf maps an error to a process exit code: the first Coder in the
// chain decides; a cancelled context is 130; anything else is 1.
func ExitCodeOf(err error) int {
	if err == nil {
		return ExitOK
	}
	var c Coder
	if errors.As(err, &c) {
		return c.ExitCode()
	}
	if errors.Is(err, context.Canceled) {
		return ExitCancel
	}
	return ExitFailure
}

// HintOf returns the first hint in the error chain, or "".
func HintOf(err error) string {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if h, ok := e.(Hinter); ok && h.Hint() != "" {
			return h.Hint()
		}
	}
	return ""
}
