package apikey

import (
	"regexp"
	"testing"
)

func TestNewKeysHaveTheDocumentedShapeAndValidate(t *testing.T) {
	shape := regexp.MustCompile(`^sk_prail_[0-9A-Za-z]{43}[0-9A-Za-z]{6}$`)
	seen := map[string]bool{}
	for range 200 {
		k := New()
		if !shape.MatchString(k) || !Valid(k) {
			t.Fatalf("bad key %q", k)
		}
		if seen[k] {
			t.Fatalf("duplicate key %q", k)
		}
		seen[k] = true
	}
}

func TestValidRefusesLookAlikes(t *testing.T) {
	k := New()
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	for name, s := range map[string]string{
		"empty":             "",
		"prefix only":       Prefix,
		"other prefix":      "sk_live_" + k[len(Prefix)-1:],
		"one body char off": flip(k, len(Prefix)+3),
		"checksum off":      flip(k, len(k)-1),
		"truncated":         k[:len(k)-1],
		"extra char":        k + "a",
		"not base62":        k[:len(Prefix)+2] + "_" + k[len(Prefix)+3:],
	} {
		if Valid(s) {
			t.Errorf("%s: %q accepted", name, s)
		}
	}
}

func TestShownNeverRevealsTheSecretPart(t *testing.T) {
	k := New()
	p, l := Shown(k)
	if p != k[:13] || l != k[len(k)-4:] || len(p)+len(l) > 17 {
		t.Errorf("shown %q…%q of %q", p, l, k)
	}
	if Hash(k) == Hash(New()) || len(Hash(k)) != 64 {
		t.Error("hash")
	}
}

func FuzzValid(f *testing.F) {
	f.Add(New())
	f.Add("sk_prail_")
	f.Fuzz(func(t *testing.T, s string) {
		if Valid(s) && len(s) != Len {
			t.Fatalf("accepted %q of length %d", s, len(s))
		}
	})
}
