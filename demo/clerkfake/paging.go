package clerkfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	clerksdk "github.com/clerk/clerk-sdk-go/v2"
)

// paging reads limit (1–500, default 10) and offset (≥ 0) as the API
// description defines them; out of range is a 422 like Clerk's.
func (s *Server) paging(w http.ResponseWriter, q url.Values) (limit, offset int, ok bool) {
	limit, offset = defaultLimit, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			s.paramError(w, "limit", "must be an integer between 1 and 500")
			return 0, 0, false
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.paramError(w, "offset", "must be an integer greater or equal to zero")
			return 0, 0, false
		}
		offset = n
	}
	return limit, offset, true
}

// createdSpan is the created_at_after / created_at_before window, in
// milliseconds. Clerk reads both bounds strictly ("created after", "created
// before"): a user created exactly at a bound is outside the window.
type createdSpan struct {
	after, before int64
	hasAfter      bool
	hasBefore     bool
}

func (c createdSpan) holds(ms int64) bool {
	return (!c.hasAfter || ms > c.after) && (!c.hasBefore || ms < c.before)
}

// createdWindow reads created_at_after and created_at_before: integers
// (Unix milliseconds), anything else a 422 like Clerk's.
func (s *Server) createdWindow(w http.ResponseWriter, q url.Values) (createdSpan, bool) {
	var c createdSpan
	for _, p := range []struct {
		name string
		v    *int64
		set  *bool
	}{{"created_at_after", &c.after, &c.hasAfter}, {"created_at_before", &c.before, &c.hasBefore}} {
		v, ok := q[p.name]
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v[0]), 10, 64)
		if err != nil {
			s.paramError(w, p.name, "must be an integer (a Unix time in milliseconds)")
			return c, false
		}
		*p.v, *p.set = n, true
	}
	return c, true
}

// orderBy parses [+|-]field, default -created_at. A literal "+" that arrived
// unencoded decodes to a space, which is read as "+" too.
func orderBy(v string) (field string, desc bool, ok bool) {
	if v == "" {
		return "created_at", true, true
	}
	switch {
	case strings.HasPrefix(v, "-"):
		desc, v = true, v[1:]
	case strings.HasPrefix(v, "+"), strings.HasPrefix(v, " "):
		v = v[1:]
	}
	return v, desc, v != ""
}

// order sorts by key then id, so equal timestamps still page deterministically.
func order(ka, kb int64, ida, idb string, desc bool) int {
	c := 0
	switch {
	case ka < kb:
		c = -1
	case ka > kb:
		c = 1
	default:
		c = strings.Compare(ida, idb)
	}
	if desc {
		return -c
	}
	return c
}

// filterIDs applies Clerk's id filters: plain or "+id" includes, "-id" excludes.
func filterIDs[T any](items []T, filters []string, id func(T) string) []T {
	if len(filters) == 0 {
		return items
	}
	var include, exclude []string
	for _, f := range filters {
		switch {
		case strings.HasPrefix(f, "-"):
			exclude = append(exclude, f[1:])
		case strings.HasPrefix(f, "+"):
			include = append(include, f[1:])
		default:
			include = append(include, f)
		}
	}
	return slices.DeleteFunc(items, func(t T) bool {
		i := id(t)
		return slices.Contains(exclude, i) || (len(include) > 0 && !slices.Contains(include, i))
	})
}

// window returns items[offset:offset+limit], never nil (an empty page is []).
func window[T any](items []T, offset, limit int) []T {
	if offset >= len(items) {
		return []T{}
	}
	return items[offset:min(offset+limit, len(items))]
}

func (s *Server) paramError(w http.ResponseWriter, param, problem string) {
	meta, _ := json.Marshal(map[string]string{"param_name": param})
	s.writeError(w, http.StatusUnprocessableEntity, "form_param_value_invalid", param+" is invalid",
		param+" "+problem+".", meta)
}

func (s *Server) notFound(w http.ResponseWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notFoundLocked(w)
}

func (s *Server) notFoundLocked(w http.ResponseWriter) {
	s.writeErrorLocked(w, http.StatusNotFound, "resource_not_found", "not found", "Resource not found", nil)
}

func (s *Server) writeError(w http.ResponseWriter, status int, code, msg, long string, meta json.RawMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writeErrorLocked(w, status, code, msg, long, meta)
}

// writeErrorLocked answers with Clerk's error shape (ClerkErrors in the API
// description): {"errors": [{message, long_message, code, meta}], "clerk_trace_id"}.
func (s *Server) writeErrorLocked(w http.ResponseWriter, status int, code, msg, long string, meta json.RawMessage) {
	s.traceSeq++
	trace := fmt.Sprintf("%032x", s.traceSeq)
	w.Header().Set("Clerk-Trace-Id", trace)
	writeJSON(w, status, &clerksdk.APIErrorResponse{
		Errors:  []clerksdk.Error{{Code: code, Message: msg, LongMessage: long, Meta: meta}},
		TraceID: trace,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
