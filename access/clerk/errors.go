package clerk

import (
	"errors"
	"fmt"
)

// Error codes carried by *Error. They are stable: the server maps them to its
// own JSON error codes and the UI may branch on them.
const (
	CodeInvalidKey   = "clerk_invalid_key"   // the pasted value is not an sk_ secret key
	CodeUnauthorized = "clerk_unauthorized"  // HTTP 401
	CodeForbidden    = "clerk_forbidden"     // HTTP 403 (e.g. organizations not enabled)
	CodeNotFound     = "clerk_not_found"     // HTTP 404 for a single user or organization
	CodeRateLimited  = "clerk_rate_limited"  // HTTP 429 after every automatic retry
	CodeUnavailable  = "clerk_unavailable"   // HTTP 5xx after retries
	CodeRejected     = "clerk_rejected"      // HTTP 400/422 and other 4xx
	CodeUnreachable  = "clerk_unreachable"   // no HTTP answer (DNS, TLS, refused, timeout)
	CodeBadResponse  = "clerk_bad_response"  // an answer that is not Clerk's JSON
	CodeCanceled     = "clerk_canceled"      // the caller's context ended
	CodeInvalidInput = "clerk_invalid_input" // a bad argument from our own caller
)

// Messages from the user's "Connect Clerk" page. The page's table shows the
// first sentence with a trailing "…"; we keep it literally and continue with
// its "What it means" and "Fix" columns.
const (
	msgUnauthorized = "Clerk rejected the secret key (HTTP 401)… Wrong or revoked key, or you pasted a publishable key (pk_) instead of a secret key. Recopy the Secret key from Clerk Dashboard → API keys → Secret keys."
	msgRateLimited  = "Clerk rate limit hit (HTTP 429)… Too many requests hit Clerk's Backend API in a short window. Wait a moment, then retry — ParityRail already backs off automatically before surfacing this."
)

// Error is every failure this package returns. Message is written for a
// person and never contains the secret key.
type Error struct {
	Code    string // one of the Code* constants
	Status  int    // HTTP status Clerk answered with; 0 when none arrived
	Message string
	// ClerkCode and TraceID come from Clerk's error body when there was one
	// (e.g. "authentication_invalid"); useful in logs and support requests.
	ClerkCode string
	TraceID   string
	Err       error // underlying cause, if any
}

func (e *Error) Error() string { return e.Message }

func (e *Error) Unwrap() error { return e.Err }

// IsNotFound reports whether err says the requested user or organization does
// not exist (HTTP 404 from GetUser / GetOrganization).
func IsNotFound(err error) bool { return hasCode(err, CodeNotFound) }

// IsUnauthorized reports whether Clerk rejected the secret key.
func IsUnauthorized(err error) bool { return hasCode(err, CodeUnauthorized) }

// IsRateLimited reports whether Clerk kept answering 429 after every retry.
func IsRateLimited(err error) bool { return hasCode(err, CodeRateLimited) }

func hasCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

func invalidInput(format string, args ...any) *Error {
	return &Error{Code: CodeInvalidInput, Message: fmt.Sprintf(format, args...)}
}
