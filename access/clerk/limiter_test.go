package clerk

import (
	"testing"
	"time"
)

// Whatever the pattern of requests, no 10-second window holds more than
// Clerk's limit, and a burst of a quarter of it goes through at once.
func TestLimiterKeepsEveryTenSecondWindowWithinClerksLimit(t *testing.T) {
	for _, c := range []struct {
		mode  string
		limit int
	}{{"test", TestRequestsPer10s}, {"live", LiveRequestsPer10s}} {
		l := NewLimiter(c.mode, 0)
		start := time.Unix(1_700_000_000, 0)
		var allowed []time.Time
		// A burst at once, then greedy: ask every millisecond for 60 s.
		for l.AllowN(start, 1) {
			allowed = append(allowed, start)
		}
		burst := len(allowed)
		for ms := 1; ms < 60_000; ms++ {
			at := start.Add(time.Duration(ms) * time.Millisecond)
			if l.AllowN(at, 1) {
				allowed = append(allowed, at)
			}
		}
		first := 0
		for i, at := range allowed {
			for at.Sub(allowed[first]) >= 10*time.Second {
				first++
			}
			if n := i - first + 1; n > c.limit {
				t.Fatalf("%s: %d requests within 10 s ending %s, limit %d", c.mode, n, at.Sub(start), c.limit)
			}
		}
		if burst != c.limit/4 {
			t.Errorf("%s: %d requests at once, want %d", c.mode, burst, c.limit/4)
		}
		// A quarter as burst, three quarters as steady rate: 4.75 limits a minute.
		if got := len(allowed); got < c.limit*9/2 {
			t.Errorf("%s: only %d requests in 60 s; the steady rate is too low", c.mode, got)
		}
	}
}
