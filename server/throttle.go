package server

import (
	"fmt"
	"math"
	"net/http"
	"time"

	"parityrail/db"
)

// Sign-in throttling. Failures are counted per (email, client IP) and per
// client IP across emails, never per email alone: five wrong passwords typed
// from anywhere must not lock the real owner out from their own network.
// Past a free allowance each further failure doubles the wait before the
// next try (a growing delay, not a hard lock), up to loginWindow.
const (
	maxLoginFailures = 5  // per email from one address, before any delay
	maxIPFailures    = 20 // per address across emails (password spraying)
	loginWindow      = 15 * time.Minute
	firstLoginDelay  = 30 * time.Second
)

// LoginWindow is how long failed sign-ins are remembered (for cleanup jobs).
const LoginWindow = loginWindow

// loginDelay is how long after its latest failure the next try must wait,
// given n failures and a free allowance.
func loginDelay(n, allowance int) time.Duration {
	if n < allowance {
		return 0
	}
	d := firstLoginDelay << min(n-allowance, 10)
	return min(d, loginWindow)
}

// loginThrottled answers 429 with Retry-After when a sign-in of email from ip
// must wait, and logs it.
func (s *Server) loginThrottled(f db.LoginFailures, email, ip string, now time.Time) error {
	retry := f.LastForEmail.Add(loginDelay(f.ForEmail, maxLoginFailures))
	what := "for this email from your network"
	if ipRetry := f.LastFromIP.Add(loginDelay(f.FromIP, maxIPFailures)); ipRetry.After(retry) {
		retry, what = ipRetry, "from your network"
	}
	wait := retry.Sub(now)
	if wait <= 0 {
		return nil
	}
	s.log.Warn("sign-in throttled", "email", email, "ip", ip, "failures_for_email", f.ForEmail, "failures_from_ip", f.FromIP, "wait", wait.Round(time.Second).String())
	e := newError(http.StatusTooManyRequests, "too_many_attempts", "Too many failed sign-in attempts %s. Try again in %s.", what, humanWait(wait))
	e.RetryAfter = int(math.Ceil(wait.Seconds()))
	return e
}

func humanWait(d time.Duration) string {
	if d < time.Minute {
		n := int(math.Ceil(d.Seconds()))
		return fmt.Sprintf("%d second%s", n, plural(n))
	}
	n := int(math.Ceil(d.Minutes()))
	return fmt.Sprintf("%d minute%s", n, plural(n))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
