package handoff

import (
	"context"
	"errors"

	"github.com/handoff-dev/handoff/pkg/exitcode"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// The one vocabulary of reasons, used by the batch summary, `assign
// --json`, the batch report and the audit log (docs/assign.md lists them).
// A reason says why a handoff did not simply succeed; the outcome says
// what happened.
const (
	// outcome failed: nothing changed in Wati
	ReasonInvalidTarget = "invalid-target" // not a phone, conversation id or Channel:Phone
	ReasonConfiguration = "configuration"  // the action or account cannot be used
	ReasonUnauthorized  = "unauthorized"   // 401: the token was refused
	ReasonForbidden     = "forbidden"      // 403: the token may not do this
	ReasonNotFound      = "not-found"      // 404: no such conversation, contact or chatbot
	ReasonConflict      = "conflict"       // 409: the contact is open on several channels
	ReasonRateLimited   = "rate-limited"   // 429 after every retry
	ReasonUnavailable   = "unavailable"    // 5xx, timeouts or network errors after every retry
	ReasonBadRequest    = "bad-request"    // another 4xx: Wati refused the request
	ReasonRejected      = "rejected"       // v1 answered result:false
	ReasonMalformed     = "malformed"      // an answer the client cannot read
	ReasonRedirect      = "redirect"       // a 3xx, never followed
	ReasonInvalid       = "invalid"        // an argument refused before sending (a bad email)
	ReasonUnsupported   = "unsupported"    // no documented route in this API version
	ReasonRefused       = "refused"        // refused by handoff itself (more than 100 teams)

	// outcome unknown: it may have happened
	ReasonNoAnswer    = "no-answer"   // a chatbot start got no answer (timeout, 5xx)
	ReasonCancelled   = "cancelled"   // Ctrl-C (also outcome not-sent, when it had not left)
	ReasonInterrupted = "interrupted" // an earlier run stopped while sending it (journal)

	// outcome not-sent: never sent, safe to send
	ReasonStopped = "stopped" // the batch stopped early (token refused, Wati unavailable)

	// outcome partial: handed off, but a later step (status, context,
	// message) failed or is unknown
	ReasonPartial = "partial"

	// outcome skipped: not sent, on purpose
	ReasonDuplicate   = "duplicate"    // the same target earlier in the input
	ReasonDoneEarlier = "done-earlier" // done by the run this one resumes (journal)
	ReasonRepeat      = "repeat"       // the same action on the same conversation within the repeat window
)

// Reasons lists every reason, for documentation and tests.
var Reasons = []string{
	ReasonInvalidTarget, ReasonConfiguration, ReasonUnauthorized, ReasonForbidden, ReasonNotFound,
	ReasonConflict, ReasonRateLimited, ReasonUnavailable, ReasonBadRequest, ReasonRejected,
	ReasonMalformed, ReasonRedirect, ReasonInvalid, ReasonUnsupported, ReasonRefused,
	ReasonNoAnswer, ReasonCancelled, ReasonInterrupted, ReasonStopped, ReasonPartial,
	ReasonDuplicate, ReasonDoneEarlier, ReasonRepeat,
}

var kindReasons = map[wati.Kind]string{
	wati.KindUnauthorized:   ReasonUnauthorized,
	wati.KindForbidden:      ReasonForbidden,
	wati.KindNotFound:       ReasonNotFound,
	wati.KindConflict:       ReasonConflict,
	wati.KindRateLimited:    ReasonRateLimited,
	wati.KindUnavailable:    ReasonUnavailable,
	wati.KindOutcomeUnknown: ReasonNoAnswer,
	wati.KindRejected:       ReasonRejected,
	wati.KindMalformed:      ReasonMalformed,
	wati.KindBadRequest:     ReasonBadRequest,
	wati.KindRedirect:       ReasonRedirect,
	wati.KindInvalid:        ReasonInvalid,
	wati.KindUnsupported:    ReasonUnsupported,
}

// reasonOf names why err happened, in the vocabulary above.
func reasonOf(err error) string {
	if errors.Is(err, context.Canceled) {
		return ReasonCancelled
	}
	var we *wati.Error
	if errors.As(err, &we) {
		if r, ok := kindReasons[we.Kind]; ok {
			return r
		}
	}
	var k interface{ Reason() string }
	if errors.As(err, &k) && k.Reason() != "" {
		return k.Reason()
	}
	switch exitCodeOf(err) {
	case exitcode.Usage:
		return ReasonInvalidTarget
	case exitcode.Config:
		return ReasonConfiguration
	case exitcode.Auth:
		return ReasonUnauthorized
	case exitcode.NotFound:
		return ReasonNotFound
	case exitcode.Unavailable:
		return ReasonUnavailable
	case exitcode.Unknown:
		return ReasonNoAnswer
	case exitcode.Cancel:
		return ReasonCancelled
	}
	return ReasonRefused
}
