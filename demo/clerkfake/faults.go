//go:build !release

package clerkfake

import "net/http"

// Scripted failures, for tests and the test-only fakeapis tool. The
// production binary (built with -tags release) carries none: its in-process
// demo Clerk only ever answers truthfully.

// RateLimitNext makes the next n authenticated requests answer 429 with
// Retry-After: retryAfterSeconds (omitted when 0).
func (s *Server) RateLimitNext(n, retryAfterSeconds int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.script = append(s.script, scripted{status: http.StatusTooManyRequests, retryAfter: retryAfterSeconds})
	}
}

// FailNext makes the next n authenticated requests answer status (e.g. 503)
// with Clerk's error body.
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.script = append(s.script, scripted{status: status})
	}
}

func (s *Server) popScript() (scripted, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.script) == 0 {
		return scripted{}, false
	}
	sc := s.script[0]
	s.script = s.script[1:]
	return sc, true
}
