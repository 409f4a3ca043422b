package server

import (
	"context"
	"errors"
	"net/http"

	"parityrail/access/clerk"
	"parityrail/access/postgres"
	"parityrail/billing"
	"parityrail/repair"
	"parityrail/sources"
)

// sourceStatus is the one table of the codes a source, a repair or an
// unopenable project answers with, and their HTTP status, by the rule at
// the top of errors.go: the connectors write the message (what happened and
// what to do), this table alone decides the status, so the same failure
// answers the same everywhere. Codes a handler returns itself are written
// with their status at the call (newError/badRequest); TestErrorCodeTable
// holds both to one status per code.
var sourceStatus = map[string]int{
	// A project that cannot be read yet: its own state is in the way.
	sources.CodeStripeNotConnected:   http.StatusConflict,
	sources.CodeClerkNotConnected:    http.StatusConflict,
	sources.CodeDatabaseNotConnected: http.StatusConflict,
	sources.CodeNoRepairConnection:   http.StatusConflict,
	sources.CodeCredentialUnreadable: http.StatusConflict,
	sources.CodeNotMapped:            http.StatusConflict,
	sources.CodeMappingUnreadable:    http.StatusConflict,
	sources.CodeNoAccessSource:       http.StatusConflict,
	sources.CodeUnsupportedSource:    http.StatusConflict,
	sources.CodeDemoMixed:            http.StatusConflict,
	sources.CodeDemoUnavailable:      http.StatusServiceUnavailable,
	sources.CodePostgresUnavailable:  http.StatusServiceUnavailable,

	// Stripe (billing's error types, named in stripeCode).
	"stripe_invalid_key":         http.StatusBadRequest,
	"stripe_unauthorized":        http.StatusUnprocessableEntity,
	"stripe_missing_permissions": http.StatusUnprocessableEntity,
	"stripe_error":               http.StatusUnprocessableEntity,
	"stripe_rate_limited":        http.StatusTooManyRequests,
	"stripe_unavailable":         http.StatusServiceUnavailable,
	"stripe_unreachable":         http.StatusServiceUnavailable,
	"stripe_timeout":             http.StatusServiceUnavailable,

	// Clerk.
	clerk.CodeInvalidKey:   http.StatusBadRequest,
	clerk.CodeInvalidInput: http.StatusBadRequest,
	clerk.CodeUnauthorized: http.StatusUnprocessableEntity,
	clerk.CodeForbidden:    http.StatusUnprocessableEntity,
	clerk.CodeRejected:     http.StatusUnprocessableEntity,
	clerk.CodeNotFound:     http.StatusNotFound,
	clerk.CodeRateLimited:  http.StatusTooManyRequests,
	clerk.CodeUnavailable:  http.StatusServiceUnavailable,
	clerk.CodeUnreachable:  http.StatusServiceUnavailable,
	clerk.CodeBadResponse:  http.StatusServiceUnavailable,
	clerk.CodeCanceled:     statusCanceled,

	// Postgres / Supabase.
	postgres.CodeInvalidConnString: http.StatusBadRequest,
	"invalid_mapping":              http.StatusBadRequest, // postgres.CodeInvalidMapping, as the API names it
	postgres.CodeAuthFailed:        http.StatusUnprocessableEntity,
	postgres.CodeRoleMissing:       http.StatusUnprocessableEntity,
	postgres.CodeAccessDenied:      http.StatusUnprocessableEntity,
	postgres.CodeDatabaseMissing:   http.StatusUnprocessableEntity,
	postgres.CodeTLSRequired:       http.StatusUnprocessableEntity,
	postgres.CodeTLSUnsupported:    http.StatusUnprocessableEntity,
	postgres.CodeTLSFailed:         http.StatusUnprocessableEntity,
	postgres.CodeNoReadableTables:  http.StatusUnprocessableEntity,
	postgres.CodeQueryFailed:       http.StatusUnprocessableEntity,
	postgres.CodeRepairRefused:     http.StatusUnprocessableEntity,
	postgres.CodeRepairPermission:  http.StatusUnprocessableEntity,
	postgres.CodeRepairValue:       http.StatusUnprocessableEntity,
	postgres.CodeRowChanged:        http.StatusConflict,
	postgres.CodeUnreachable:       http.StatusServiceUnavailable,
	postgres.CodeTimeout:           http.StatusServiceUnavailable,
	postgres.CodeUnavailable:       http.StatusServiceUnavailable,
	postgres.CodeCanceled:          statusCanceled,

	// Repairs refused before anything was written.
	repair.CodeGuided:     http.StatusConflict,
	repair.CodeRepairsOff: http.StatusConflict,
	repair.CodeDecided:    http.StatusConflict,
	repair.CodeClosed:     http.StatusConflict,
}

// statusCanceled: the caller went away (nginx's 499); nobody reads it.
const statusCanceled = 499

// Retry-After, in seconds, for a source that is rate limited or down: long
// enough for Stripe's per-second and Clerk's per-10-second windows, short
// enough that a person retrying by hand is not kept waiting.
const (
	retryRateLimited = 30
	retryUnavailable = 10
)

// answer is the API answer of a source code and its message.
func answer(code, message string) *apiError {
	status, ok := sourceStatus[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	e := &apiError{Status: status, Code: code, Message: message}
	switch status {
	case http.StatusTooManyRequests:
		e.RetryAfter = retryRateLimited
	case http.StatusServiceUnavailable:
		e.RetryAfter = retryUnavailable
	}
	return e
}

// sourceAnswer maps any connector, source or repair error to its API
// answer; other errors pass through (logged as internal by handleError).
func sourceAnswer(err error) error {
	var (
		se *sources.SourceError
		ce *clerk.Error
		pe *postgres.Error
		re *repair.Error
	)
	switch {
	case errors.As(err, &se):
		return answer(se.Code, se.Message)
	case errors.As(err, &re):
		return answer(re.Code, re.Message)
	case errors.As(err, &ce):
		return answer(ce.Code, ce.Message)
	case errors.As(err, &pe):
		code := pe.Code
		if code == postgres.CodeInvalidMapping {
			code = "invalid_mapping"
		}
		return answer(code, pe.Message)
	}
	if code, msg, ok := stripeCode(err); ok {
		return answer(code, msg)
	}
	return err
}

// stripeCode names billing's errors (already written for a person).
func stripeCode(err error) (code, message string, ok bool) {
	var (
		ke   *billing.KeyError
		ae   *billing.AuthError
		pe   *billing.PermissionError
		rle  *billing.RateLimitError
		apie *billing.APIError
		ne   *billing.NetworkError
	)
	switch {
	case errors.As(err, &ke):
		return "stripe_invalid_key", ke.Message, true
	case errors.As(err, &ae):
		return "stripe_unauthorized", ae.Error(), true
	case errors.As(err, &pe):
		return "stripe_missing_permissions", pe.Error(), true
	case errors.As(err, &rle):
		return "stripe_rate_limited", rle.Error(), true
	case errors.As(err, &apie) && apie.Status >= 500:
		return "stripe_unavailable", apie.Error() + " Stripe is having trouble; try again in a minute.", true
	case errors.As(err, &apie):
		return "stripe_error", apie.Error(), true
	case errors.As(err, &ne):
		return "stripe_unreachable", ne.Error(), true
	case errors.Is(err, context.DeadlineExceeded):
		return "stripe_timeout", "Stripe did not answer in time. Try again in a moment.", true
	}
	return "", "", false
}
