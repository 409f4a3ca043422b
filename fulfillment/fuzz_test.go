package fulfillment

import (
	"strings"
	"testing"
)

// A premium flag reads the same whatever its case and surrounding space, and
// an unknown spelling is never taken as on.
func FuzzPremiumWord(f *testing.F) {
	for _, s := range []string{"true", " YES ", "On", "premium", "0", "off", "", "null", "maybe", "tru e", "ｔｒｕｅ", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, known := PremiumWord(s)
		if v && !known {
			t.Fatalf("%q: on but unknown", s)
		}
		v2, known2 := PremiumWord("  " + strings.ToUpper(s) + "\t")
		if strings.ToUpper(s) == strings.ToLower(strings.ToUpper(s)) || !isASCII(s) {
			return // case folding is only promised for ASCII spellings
		}
		if v != v2 || known != known2 {
			t.Fatalf("%q reads %v/%v, upper-cased and padded %v/%v", s, v, known, v2, known2)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
