package fulfillment

import (
	"math"
	"time"
)

// Apps write a trial end as epoch seconds or milliseconds and do not say
// which. Numbers from 1e11 up are milliseconds: 1e11 seconds is the year
// 5138 while 1e11 milliseconds is 1973-03-03, so every plausible trial end
// is unambiguous. Numbers from 1e14 (the year 5138 in milliseconds) up are
// neither. Every connector reads epochs by this one rule.
const (
	epochMillisFrom = 1e11
	epochMax        = 1e14
)

// EpochInMillis says whether an epoch number counts milliseconds, so a
// value written back can keep the unit the app used.
func EpochInMillis(f float64) bool { return f >= epochMillisFrom }

// EpochTime reads an epoch number of seconds or milliseconds, to the
// microsecond. When it is no time, why says so in words for an error
// ("a negative epoch"). A NaN or infinity is the caller's to refuse.
func EpochTime(f float64) (t time.Time, why string) {
	switch {
	case f < 0:
		return time.Time{}, "a negative epoch"
	case f >= epochMax:
		return time.Time{}, "too large for epoch seconds or milliseconds"
	case EpochInMillis(f):
		if f == math.Trunc(f) { // integral: exact, no float rounding of the fraction
			return time.UnixMilli(int64(f)).UTC(), ""
		}
		f /= 1000
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3).UTC(), ""
}
