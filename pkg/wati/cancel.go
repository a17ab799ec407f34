package wati

import "errors"

// CancelledError is a call stopped by its context (Ctrl-C). It wraps
// context.Canceled. InFlight says whether a write may have left the
// process: a request was on its way with no answer yet. A call that was
// only waiting (before its first attempt, or out a 429's Retry-After) was
// surely not sent.
type CancelledError struct {
	Op       string
	InFlight bool
	Err      error
}

func (e *CancelledError) Error() string {
	if e.InFlight {
		return e.Op + ": cancelled while the request was on its way; Wati may have received it: " + e.Err.Error()
	}
	return e.Op + ": " + e.Err.Error()
}

func (e *CancelledError) Unwrap() error { return e.Err }

// MayHaveBeenSent reports whether err is a cancellation that came while a
// write was on its way (see CancelledError).
func MayHaveBeenSent(err error) bool {
	var ce *CancelledError
	return errors.As(err, &ce) && ce.InFlight
}
