package notification

import "time"

// retrySchedule is the wait after each failed attempt; after it, daily.
var retrySchedule = []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour}

// GiveUpAfter is how long a notification is retried from its first attempt.
const GiveUpAfter = 72 * time.Hour

// NextAttempt is when to try again after attempt `attempts` (1-based)
// failed: 1 min, 5 min, 30 min, 2 h, then every 24 h, never sooner than the
// receiver's Retry-After; ok false once three days since the first attempt
// have passed.
func NextAttempt(first time.Time, attempts int, now time.Time, retryAfter time.Duration) (time.Time, bool) {
	attempts = max(attempts, 1)
	wait := 24 * time.Hour
	if attempts <= len(retrySchedule) {
		wait = retrySchedule[attempts-1]
	}
	wait = max(wait, retryAfter)
	next := now.Add(wait)
	if next.Sub(first) > GiveUpAfter {
		return time.Time{}, false
	}
	return next, true
}
