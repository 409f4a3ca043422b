package fulfillment

import (
	"testing"
	"time"
)

func TestEpochTime(t *testing.T) {
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339Nano, s); return v }
	for _, tt := range []struct {
		in   float64
		want time.Time
		why  string
	}{
		{in: 1751373000, want: at("2025-07-01T12:30:00Z")},
		{in: 1751373000.5, want: at("2025-07-01T12:30:00.5Z")},
		{in: 99999999999, want: time.Unix(99999999999, 0).UTC()}, // just below the threshold: seconds
		{in: 1e11, want: time.Unix(1e8, 0).UTC()},                // the threshold: milliseconds
		{in: 1751373000123, want: at("2025-07-01T12:30:00.123Z")},
		{in: 1751373000123.5, want: at("2025-07-01T12:30:00.1235Z")},
		{in: 0, want: time.Unix(0, 0).UTC()},
		{in: -5, why: "a negative epoch"},
		{in: 1e14, why: "too large for epoch seconds or milliseconds"},
	} {
		got, why := EpochTime(tt.in)
		if !got.Equal(tt.want) || why != tt.why {
			t.Errorf("EpochTime(%v) = %v, %q; want %v, %q", tt.in, got, why, tt.want, tt.why)
		}
	}
	if EpochInMillis(99999999999) || !EpochInMillis(1e11) {
		t.Error("epochs from 1e11 up are milliseconds")
	}
}
