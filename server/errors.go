package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// The rule every answer follows: malformed or invalid input → 400 with
// error.field naming the JSON field or query parameter at fault (forms show
// the message under that field); credentials or remote objects a source
// refuses → 422; unauthenticated 401; role missing 403; unknown or not yours
// 404; conflict 409; rate limited 429 with Retry-After; a source down or
// timing out 503 with Retry-After.

// apiError is an error meant for the person using the API: its message says
// what went wrong and what to do, and is shown in the UI as is.
type apiError struct {
	Status  int
	Code    string
	Message string
	// Field names the request field at fault (400 only); when empty, the
	// code's entry in codeFields is used.
	Field string
	// RetryAfter, in seconds, is sent as a Retry-After header when set.
	RetryAfter int
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func newError(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func badRequest(code, format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, code, format, args...)
}

// on returns a copy of e about the request field f.
func (e *apiError) on(field string) *apiError {
	c := *e
	c.Field = field
	return &c
}

// onField points err at a request field when it is an apiError.
func onField(err error, field string) error {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.on(field)
	}
	return err
}

// codeFields names the field of the 400 codes that are always about one
// field, so the handlers returning them need not repeat it.
var codeFields = map[string]string{
	"invalid_email":                 "email",
	"invalid_name":                  "name",
	"weak_password":                 "password",
	"invalid_password":              "password",
	"customer_required":             "customer_id",
	"invalid_scope":                 "scope",
	"stripe_invalid_key":            "api_key",
	"stripe_invalid_webhook_secret": "webhook_secret",
	"invalid_role":                  "role",
	"reason_required":               "reason",
	"reason_too_long":               "reason",
	"ids_required":                  "ids",
	"too_many_ids":                  "ids",
	"invalid_billing_source":        "billing_source",
	"invalid_access_source":         "access_source",
	"check_required":                "check_id",
	"not_dry_run":                   "check_id",
	"invalid_cursor":                "cursor",
	"invalid_capability":            "capability",
	"project_required":              "project_id",
}

// fieldOf is the field an error names in its answer: its own, else its
// code's, and only for invalid input.
func fieldOf(e *apiError) string {
	if e.Status != http.StatusBadRequest {
		return ""
	}
	if e.Field != "" {
		return e.Field
	}
	return codeFields[e.Code]
}

var (
	errUnauthenticated = newError(http.StatusUnauthorized, "unauthenticated", "Sign in to continue.")
	errForbidden       = newError(http.StatusForbidden, "forbidden", "Your role does not allow this. Ask an admin or the owner.")
	errNotFound        = newError(http.StatusNotFound, "not_found", "Not found.")
)

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
		// RequestID lets a person quote the request to whoever runs the
		// server; it is in the log lines of the same request.
		RequestID string `json:"request_id,omitempty"`
	} `json:"error"`
}

// handleError renders every error as {"error": {"code", "message"}}. Anything
// that is not already an apiError is logged and answered with a generic
// message, so driver errors never reach the browser.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var ae *apiError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &he):
		ae = fromEchoError(he)
	case errors.Is(err, context.Canceled):
		// The browser went away (navigation, closed tab): nothing to report.
		s.log.Debug("request canceled", "method", c.Request().Method, "path", c.Request().URL.Path, "request_id", requestIDOf(c))
		ae = newError(499, "canceled", "The request was canceled.")
	default:
		s.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "request_id", requestIDOf(c), "err", err)
		ae = newError(http.StatusInternalServerError, "internal", "Something went wrong on our side. It has been logged; try again, and if it keeps happening check the server log.")
	}
	if ae.RetryAfter > 0 {
		c.Response().Header().Set("Retry-After", fmt.Sprint(ae.RetryAfter))
	}
	var body errorBody
	body.Error.Code, body.Error.Message, body.Error.Field = ae.Code, ae.Message, fieldOf(ae)
	body.Error.RequestID = requestIDOf(c)
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(ae.Status)
		return
	}
	_ = c.JSON(ae.Status, body)
}

func fromEchoError(he *echo.HTTPError) *apiError {
	switch he.Code {
	case http.StatusNotFound:
		return newError(http.StatusNotFound, "not_found", "There is no such API path.")
	case http.StatusMethodNotAllowed:
		return newError(http.StatusMethodNotAllowed, "method_not_allowed", "This API path does not accept that method.")
	case http.StatusRequestEntityTooLarge:
		return newError(http.StatusRequestEntityTooLarge, "too_large", "The request body is too large.")
	}
	msg := http.StatusText(he.Code)
	if m, ok := he.Message.(string); ok && m != "" {
		msg = m
	}
	return newError(he.Code, strings.ToLower(strings.ReplaceAll(http.StatusText(he.Code), " ", "_")), "%s", msg)
}

// decode reads a JSON body strictly: unknown fields and trailing data are
// refused, so a typo in a field name is reported instead of ignored.
func decode(c echo.Context, v any) error {
	dec := json.NewDecoder(c.Request().Body) // bounded by limitBodies
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if tl, ok := asTooLarge(err); ok {
			return tl
		}
		if errors.Is(err, io.EOF) {
			return badRequest("invalid_json", "The request needs a JSON body.")
		}
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return badRequest("invalid_json", "The request body is not valid JSON (at byte %d).", syn.Offset)
		case errors.As(err, &typ):
			return badRequest("invalid_json", "Field %q must be a %s.", typ.Field, typ.Type.Kind()).on(typ.Field)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name := strings.TrimPrefix(err.Error(), "json: unknown field ")
			return badRequest("invalid_json", "Unknown field %s in the request body.", name).on(strings.Trim(name, `"`))
		}
		return badRequest("invalid_json", "The request body is not valid JSON.")
	}
	if dec.More() {
		return badRequest("invalid_json", "The request body has data after the JSON object.")
	}
	return nil
}

// withBody adapts a handler that takes its request body: the body is decoded
// (strictly, as decode does) before the handler runs, so the handler's
// signature names the JSON it accepts and starts from it.
func withBody[T any](h func(echo.Context, T) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		var body T
		if err := decode(c, &body); err != nil {
			return err
		}
		return h(c, body)
	}
}

// givenName is a name a person gives a project, channel or key: trimmed,
// required (missing says what to do when it is empty) and at most 80
// characters (what names the thing in that message: "Project").
func givenName(raw, what, missing string) (string, error) {
	name := strings.TrimSpace(raw)
	if name == "" {
		return "", badRequest("invalid_name", "%s", missing)
	}
	if len([]rune(name)) > 80 {
		return "", badRequest("invalid_name", "%s names can be at most 80 characters long.", what)
	}
	return name, nil
}

// list is the envelope for every list answer.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func listOf[T any](items []T) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items}
}
