// Package exitcode holds design.md's process exit codes and the error type
// that carries one with a hint. It is a leaf package, so that domain
// packages (account, directory, ...) can return these errors without
// importing cmdutil, which imports them; cmdutil re-exports both.
package exitcode

import "fmt"

// Exit codes of design.md. Document changes in `handoff help exit-codes`.
const (
	OK          = 0
	Failure     = 1
	Usage       = 2
	Config      = 3
	Auth        = 4
	NotFound    = 5
	Unavailable = 6
	Unknown     = 7
	// Partial: handed off, but a later step (message, context, status)
	// failed or its outcome is unknown.
	Partial = 8
	Cancel  = 130
	Human   = 10 // handoff status: a human holds the conversation, do not reply (0: the bot does)
)

// Error is an error with the exit code it maps to and a hint saying what
// to do (Tip, may be empty). cmdutil.ExitCodeOf and cmdutil.HintOf read it
// through its ExitCode and Hint methods.
type Error struct {
	Code int
	Err  error
	Tip  string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }
func (e *Error) ExitCode() int { return e.Code }
func (e *Error) Hint() string  { return e.Tip }

// Errorf builds an *Error with a code, a hint ("" for none) and a message
// formatted as by fmt.Errorf (%w wraps).
func Errorf(code int, tip, format string, a ...any) *Error {
	return &Error{Code: code, Err: fmt.Errorf(format, a...), Tip: tip}
}
