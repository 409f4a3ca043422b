package clerk

import "testing"

// Any text a person types as a metadata path either parses into a path that
// prints back to the same text, or is refused; it never panics.
func FuzzParseFieldPath(f *testing.F) {
	for _, s := range []string{"public_metadata.plan", "private_metadata.premium", "unsafe_metadata.x", "public_metadata.", ".plan", "plan", "public_metadata.a.b", "public_metadata.🙂", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseFieldPath(s)
		if err != nil {
			return
		}
		again, err := ParseFieldPath(p.String())
		if err != nil || again != p {
			t.Fatalf("%q parsed as %+v, which reads back as %+v (%v)", s, p, again, err)
		}
	})
}
