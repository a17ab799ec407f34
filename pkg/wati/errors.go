package wati

import (
	"fmt"
	"strings"
	"time"
)

// Kind says what went wrong with a Wati call, independently of the API
// version. The command layer maps it to an exit code through ExitCode.
type Kind string

const (
	KindUnauthorized   Kind = "unauthorized"    // 401: no token, wrong or expired token
	KindForbidden      Kind = "forbidden"       // 403: scope, role, plan, channel or workspace restriction
	KindNotFound       Kind = "not_found"       // 404: unknown conversation, contact, chatbot, team or route
	KindConflict       Kind = "conflict"        // 409: the contact is open on several channels
	KindRateLimited    Kind = "rate_limited"    // 429 after all retries (or a Retry-After beyond the cap)
	KindUnavailable    Kind = "unavailable"     // 5xx, timeouts or network errors after all retries
	KindOutcomeUnknown Kind = "outcome_unknown" // a non-idempotent write may or may not have happened
	KindRejected       Kind = "rejected"        // HTTP 200 with result:false (v1 business failure)
	KindMalformed      Kind = "malformed"       // a response the client cannot read
	KindBadRequest     Kind = "bad_request"     // 400, 405, 415 and other 4xx: Wati refused the request
	KindRedirect       Kind = "redirect"        // a 3xx: never followed, the token stays at home
	KindInvalid        Kind = "invalid"         // the call's arguments were refused before sending
	KindUnsupported    Kind = "unsupported"     // the operation has no documented route in this API version
)

// Error is every failure of a Wati call other than a cancelled context
// (which surfaces as context.Canceled). It never contains the token.
type Error struct {
	Kind   Kind
	Op     string   // the operation, e.g. "v3 assign operator"
	Method string   // HTTP method of the last attempt ("" when nothing was sent)
	URL    string   // URL of the last attempt, token-free
	Status int      // HTTP status of the last answer, 0 when none
	Msg    string   // what Wati said (message, info or plain text), or what the client saw
	Scopes []string // the scopes the operation needs (any one), when documented

	Location   string        // Redirect: where Wati pointed (never followed)
	RetryAfter time.Duration // RateLimited: the wait Wati asked for, when known
	Attempts   int           // how many requests were sent
	Account    string        // account name, when the client was given one (for hints)
	TokenFrom  string        // where the token came from, when known (for the 401 hint)
	Err        error         // underlying cause (network error, JSON error), if any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(": ")
	switch e.Kind {
	case KindUnauthorized:
		b.WriteString("Wati rejected the token")
	case KindForbidden:
		b.WriteString("Wati refused the call (forbidden)")
	case KindNotFound:
		b.WriteString("not found")
	case KindConflict:
		if e.Msg == "" {
			b.WriteString("the contact has open conversations on several channels")
		} else {
			b.WriteString("ambiguous target") // Wati's message follows
		}
	case KindRateLimited:
		b.WriteString("rate-limited by Wati")
	case KindUnavailable:
		b.WriteString("Wati is unavailable")
	case KindOutcomeUnknown:
		b.WriteString("outcome unknown")
	case KindRejected:
		b.WriteString("Wati answered result:false")
	case KindMalformed:
		b.WriteString("unreadable answer from Wati")
	case KindBadRequest:
		b.WriteString("Wati refused the request")
	case KindRedirect:
		b.WriteString("Wati answered with a redirect")
		if h := e.locationHost(); h != "" {
			b.WriteString(" to " + h)
		}
		b.WriteString(" (not followed, the token was not sent there)")
	case KindInvalid, KindUnsupported:
		// the message says it all
		b.Reset()
		b.WriteString(e.Op + ": " + e.Msg)
		return b.String()
	default:
		b.WriteString(string(e.Kind))
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, " (%d)", e.Status)
	}
	if e.Msg != "" {
		b.WriteString(": " + e.Msg)
	} else if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ExitCode maps the error to design.md's exit codes.
func (e *Error) ExitCode() int {
	switch e.Kind {
	case KindUnauthorized, KindForbidden:
		return 4
	case KindNotFound:
		return 5
	case KindRateLimited, KindUnavailable:
		return 6
	case KindOutcomeUnknown:
		return 7
	case KindInvalid:
		return 2
	case KindRedirect:
		return 3 // the account's endpoint is wrong (moved host, http→https, ...)
	default: // Conflict, Rejected, Malformed, BadRequest, Unsupported
		return 1
	}
}

// Hint says what to do next.
func (e *Error) Hint() string {
	acct := e.Account
	if acct == "" {
		acct = "NAME"
	}
	switch e.Kind {
	case KindUnauthorized:
		if env, ok := strings.CutPrefix(e.TokenFrom, "env "); ok {
			return fmt.Sprintf("The token comes from %s: set it to a valid token from Wati (Connector > API > API Tokens), or unset it to use the stored one.", env)
		}
		return fmt.Sprintf("Create a token in Wati (Connector > API > API Tokens), then run: handoff account add %s --with-token", acct)
	case KindForbidden:
		return "The token needs one of these scopes: " + e.scopeText() + ". A 403 can also mean a role, plan, channel or workspace restriction."
	case KindNotFound:
		return "Check the target (phone in international form, conversation id or Channel:Phone) and the chatbot or team name."
	case KindConflict:
		return fmt.Sprintf("Name the channel: --conversation Channel:Phone (e.g. Support:14155552671), or give the account a default channel: handoff account set %s --channel NAME", acct)
	case KindRateLimited:
		if e.RetryAfter > 0 {
			return fmt.Sprintf("Wati asked to wait %s. Nothing was changed; run it again later, or lower --rate.", e.RetryAfter.Round(time.Second))
		}
		return "Nothing was changed; run it again later, or lower --rate."
	case KindUnavailable:
		return "It is safe to run the same command again later."
	case KindOutcomeUnknown:
		return "The request may have reached Wati. Check the conversation in Wati before running it again (a chatbot started twice runs twice)."
	case KindRedirect:
		return fmt.Sprintf("Check the account's endpoint (handoff account show %s); use the host Wati gave with the token.", acct)
	case KindMalformed:
		return "Check that the account's endpoint is a Wati API host (run with HANDOFF_DEBUG=api to see the answer)."
	case KindUnsupported:
		return "Use an account with api: v3."
	}
	return ""
}

func (e *Error) scopeText() string {
	if len(e.Scopes) == 0 {
		return "api (Wati does not document narrower scopes for this call)"
	}
	return strings.Join(e.Scopes, ", ")
}

func (e *Error) locationHost() string {
	if e.Location == "" {
		return ""
	}
	if u, err := parseURL(e.Location); err == nil && u.Host != "" {
		return u.Host
	}
	return ""
}

// TargetError is a target that is neither a phone number, a conversation id,
// Channel:Phone nor Channel:ContactId, or a form the route does not take
// (Target.For). It is a usage error (exit 2).
type TargetError struct {
	Input  string
	Reason string
	// HintText, when set, replaces the general hint (a target that parses
	// but is not a form the route takes).
	HintText string
}

func (e *TargetError) Error() string {
	return fmt.Sprintf("invalid target %q: %s", e.Input, e.Reason)
}

func (e *TargetError) ExitCode() int { return 2 }

func (e *TargetError) Hint() string {
	if e.HintText != "" {
		return e.HintText
	}
	return "A target is a phone in international form (+1 415 555 2671 or 14155552671), a 24-character conversation id, or Channel:Phone (Support:14155552671)."
}
