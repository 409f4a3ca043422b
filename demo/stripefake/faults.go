//go:build !release

package stripefake

import (
	"net/http"
	"strings"
)

// Scripted failures, for tests and the test-only fakeapis tool. The
// production binary (built with -tags release) carries none: its in-process
// demo Stripe only ever answers truthfully.

// FailNext makes the next n matching requests fail as f describes.
func (s *Server) FailNext(n int, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < n; i++ {
		s.failures = append(s.failures, f)
	}
}

// RateLimitNext makes the next n requests answer 429 rate_limit with
// Stripe-Should-Retry: true.
func (s *Server) RateLimitNext(n int) {
	s.FailNext(n, Failure{Status: http.StatusTooManyRequests, ShouldRetry: "true"})
}

func (s *Server) takeFailure(path string) (Failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.failures {
		if f.Path == "" || strings.HasPrefix(path, f.Path) {
			s.failures = append(s.failures[:i], s.failures[i+1:]...)
			return f, true
		}
	}
	return Failure{}, false
}
