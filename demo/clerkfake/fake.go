// Package clerkfake is a faithful stand-in for the read side of Clerk's
// Backend API (version 2025-04-10): users and organizations, their metadata,
// paging, auth errors and rate limits. Responses are built from clerk-sdk-go's
// own types so they decode exactly like the real thing. It backs the tests
// and the demo world (served over loopback by the real binary), so it is
// safe for concurrent use and keeps its request log bounded.
//
// The fake is strictly read-only: any method but GET answers 405 and is
// recorded in Violations().
package clerkfake

import (
	"crypto/sha256"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	clerksdk "github.com/clerk/clerk-sdk-go/v2"
)

// DefaultSecretKey is accepted when Options.SecretKeys is empty.
const DefaultSecretKey = "sk_test_parityrailClerkFake0000000000000000"

const (
	defaultLimit = 10  // the API description's default `limit`
	maxLimit     = 500 // and its maximum
	maxLog       = 10000
)

// Options configures a fake instance.
type Options struct {
	// SecretKeys are the keys accepted as "Authorization: Bearer <key>".
	// Empty means DefaultSecretKey.
	SecretKeys []string
	// Now stamps created_at for subjects added without one (default time.Now).
	Now func() time.Time
	// OrganizationsDisabled makes /organizations answer 403 the way an
	// instance without the Organizations feature does.
	OrganizationsDisabled bool
	// Latency delays every answer, for benchmarks.
	Latency time.Duration
}

// Request is one entry of the request log.
type Request struct {
	Method string
	Path   string // as received, e.g. /v1/users
	Query  url.Values
	Status int
}

// Server is the fake. The zero value is not usable; call New.
type Server struct {
	opts Options

	mu          sync.Mutex
	users       []*clerksdk.User
	orgs        []*clerksdk.Organization
	seq         int
	lastCreated int64 // ms; keeps default created_at strictly increasing
	log         []Request
	violations  []Request
	script      []scripted // answers forced onto the next authenticated requests
	traceSeq    int
}

type scripted struct {
	status     int
	retryAfter int // seconds; 0 = no header
}

// New returns an empty fake.
func New(opts Options) *Server {
	if len(opts.SecretKeys) == 0 {
		opts.SecretKeys = []string{DefaultSecretKey}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Server{opts: opts}
}

// Requests returns the request log (the most recent 10,000), oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// Violations returns every request that was not a GET.
func (s *Server) Violations() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.violations)
}

// ResetRequests clears the request log (not the violations).
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// ServeHTTP answers like Clerk's Backend API. Paths are accepted with or
// without the /v1 prefix, so the base URL may be srv.URL or srv.URL+"/v1".
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.opts.Latency > 0 {
		select {
		case <-time.After(s.opts.Latency):
		case <-r.Context().Done():
			return
		}
	}
	rec := &statusRecorder{ResponseWriter: w}
	s.serve(rec, r)

	s.mu.Lock()
	defer s.mu.Unlock()
	entry := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Status: rec.status}
	if len(s.log) >= maxLog {
		s.log = slices.Delete(s.log, 0, len(s.log)-maxLog+1)
	}
	s.log = append(s.log, entry)
	if r.Method != http.MethodGet {
		s.violations = append(s.violations, entry)
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		s.writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "Method not allowed",
			"This fake Clerk only serves reads; ParityRail must never send "+r.Method+".", nil)
		return
	}
	if !s.authorized(r.Header.Get("Authorization")) {
		s.writeError(w, http.StatusUnauthorized, "authentication_invalid", "Invalid authentication",
			"Unable to authenticate the request, you need to supply an active API key", nil)
		return
	}
	if sc, ok := s.popScript(); ok {
		if sc.status == http.StatusTooManyRequests {
			if sc.retryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(sc.retryAfter))
			}
			s.writeError(w, sc.status, "too_many_requests", "Too many requests",
				"Too many requests, please try again later.", nil)
			return
		}
		s.writeError(w, sc.status, "internal_clerk_error", "Oops, an unexpected error occurred",
			"There was an internal error on our servers. We've been notified and are working on fixing it.", nil)
		return
	}

	path := strings.TrimPrefix(r.URL.Path, "/v1")
	q := r.URL.Query()
	switch {
	case path == "/users":
		s.listUsers(w, q)
	case path == "/users/count":
		s.countUsers(w, q)
	case strings.HasPrefix(path, "/users/") && !strings.Contains(path[len("/users/"):], "/"):
		s.getUser(w, path[len("/users/"):])
	case path == "/organizations":
		s.listOrganizations(w, q)
	case strings.HasPrefix(path, "/organizations/") && !strings.Contains(path[len("/organizations/"):], "/"):
		s.getOrganization(w, path[len("/organizations/"):])
	default:
		s.notFound(w)
	}
}

func (s *Server) authorized(header string) bool {
	key, ok := strings.CutPrefix(header, "Bearer ")
	return ok && key != "" && slices.Contains(s.opts.SecretKeys, key)
}

// createdAt returns t in Clerk's unit (ms), or a default strictly after the
// previous subject so default orderings are stable. Caller holds s.mu.
func (s *Server) createdAt(t time.Time) int64 {
	if !t.IsZero() {
		return t.UnixMilli()
	}
	ms := max(s.opts.Now().UnixMilli(), s.lastCreated+1)
	s.lastCreated = ms
	return ms
}

// subjectIDLocked counts a new subject and returns its id: given, or a
// generated one with prefix. Caller holds s.mu.
func (s *Server) subjectIDLocked(given, prefix string) string {
	s.seq++
	if given != "" {
		return given
	}
	return fakeID(prefix, s.seq)
}

// fakeID makes a stable Clerk-looking id: prefix + 27 base62 characters.
func fakeID(prefix string, seq int) string {
	sum := sha256.Sum256([]byte(prefix + strconv.Itoa(seq)))
	s := new(big.Int).SetBytes(sum[:]).Text(62)
	return prefix + s[:27]
}

// statusRecorder remembers the status for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}
