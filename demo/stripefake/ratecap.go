//go:build !release

package stripefake

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// RateCap serves a fake account behind Stripe's rate limit, for benchmarks:
// a request arriving when perSecond requests were already admitted in the
// last second (any one-second window, not calendar seconds) is answered 429
// rate_limit the way Stripe answers it — after the fake's latency, with
// Stripe-Should-Retry and Stripe-Rate-Limited-Reason, no Retry-After — and
// is logged like any other request. Rejected requests do not count against
// the window. The production binary carries none of this (release builds).
type RateCap struct {
	s         *Server
	perSecond int

	mu       sync.Mutex
	admitted []time.Time // arrival times within the last second, oldest first
	rejected int
}

// RateCapped returns the fake served behind a cap of perSecond requests in
// any one second.
func (s *Server) RateCapped(perSecond int) *RateCap {
	return &RateCap{s: s, perSecond: perSecond}
}

// Rejected is how many requests were answered 429 by the cap.
func (c *RateCap) Rejected() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rejected
}

// admit decides on a request arriving at now.
func (c *RateCap) admit(now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	cut := 0
	for cut < len(c.admitted) && !c.admitted[cut].After(now.Add(-time.Second)) {
		cut++
	}
	c.admitted = c.admitted[cut:]
	if len(c.admitted) >= c.perSecond {
		c.rejected++
		return false
	}
	c.admitted = append(c.admitted, now)
	return true
}

// ServeHTTP admits the request to the fake or answers 429.
func (c *RateCap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	if c.admit(now) {
		c.s.ServeHTTP(w, r)
		return
	}
	s := c.s
	s.wait(r)
	key, _ := apiKey(r)
	s.mu.Lock()
	s.log = append(s.log, Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
		KeyLabel: maskKey(key, 4), Status: http.StatusTooManyRequests, Time: now})
	s.mu.Unlock()
	e := invalidRequest(http.StatusTooManyRequests, "rate_limit", "",
		"Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.")
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Request-Id", s.nextID("req_"))
	h.Set("Stripe-Version", s.apiVersion)
	h.Set("Stripe-Should-Retry", "true")
	h.Set("Stripe-Rate-Limited-Reason", "global-rate")
	w.WriteHeader(http.StatusTooManyRequests)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(map[string]any{"error": e})
}
