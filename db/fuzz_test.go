package db

import (
	"fmt"
	"testing"
)

// A paging cursor is either one this store hands out — and then reads back
// to the same position — or refused; no text makes it panic.
func FuzzCursors(f *testing.F) {
	for _, s := range []string{"0.1", "3.99", "l.5.2025-06-15T12:00:00Z", "f.1.x", "s.4.1200", "s.-1.-5", "", ".", "9999999999999999999.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if rank, seq, ok := parseIncidentCursor(s); ok {
			r2, s2, ok2 := parseIncidentCursor(fmt.Sprintf("%d.%d", rank, seq))
			if !ok2 || r2 != rank || s2 != seq {
				t.Fatalf("%q → (%d, %d) does not read back", s, rank, seq)
			}
		}
		for _, sort := range []string{"last_seen", "first_seen"} {
			_, _, _ = parseTimeCursor(sort, s)
		}
		if minor, seq, ok := parseStakeCursor(s); ok {
			m2, s2, ok2 := parseStakeCursor(fmt.Sprintf("s.%d.%d", seq, minor))
			if !ok2 || m2 != minor || s2 != seq {
				t.Fatalf("%q → (%d, %d) does not read back", s, minor, seq)
			}
		}
	})
}
