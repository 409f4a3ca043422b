// Package apikey makes and recognises ParityRail API keys:
// "sk_prail_" + 43 base62 characters of randomness (256 bits) + a
// 6-character base62 CRC32 of those characters. The checksum lets a secret
// scanner tell a real key from a look-alike offline, and lets the server
// refuse a mistyped key without a database read. Only the SHA-256 of a key is
// ever stored.
package apikey

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"hash/crc32"
	"math/big"
	"strings"
)

// Prefix starts every key.
const Prefix = "sk_prail_"

const (
	alphabet    = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	bodyLen     = 43 // ceil(256 / log2(62))
	checksumLen = 6  // 62^6 > 2^32
	// Len is the length of every key.
	Len = len(Prefix) + bodyLen + checksumLen
)

// New returns a fresh key.
func New() string {
	var b strings.Builder
	b.WriteString(Prefix)
	max := big.NewInt(int64(len(alphabet)))
	for range bodyLen {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		b.WriteByte(alphabet[n.Int64()])
	}
	body := b.String()[len(Prefix):]
	b.WriteString(checksum(body))
	return b.String()
}

// checksum is CRC32 (IEEE) of the body in base62, zero-padded to six
// characters.
func checksum(body string) string {
	n := uint64(crc32.ChecksumIEEE([]byte(body)))
	out := []byte(strings.Repeat("0", checksumLen))
	for i := checksumLen - 1; i >= 0 && n > 0; i-- {
		out[i] = alphabet[n%62]
		n /= 62
	}
	return string(out)
}

// Valid reports whether s has a key's shape and a matching checksum.
func Valid(s string) bool {
	if len(s) != Len || !strings.HasPrefix(s, Prefix) {
		return false
	}
	rest := s[len(Prefix):]
	for i := 0; i < len(rest); i++ {
		if strings.IndexByte(alphabet, rest[i]) < 0 {
			return false
		}
	}
	return checksum(rest[:bodyLen]) == rest[bodyLen:]
}

// Hash is the stored form of a key.
func Hash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// Shown is what may be displayed or logged of a key: its first 13
// characters (prefix and four of the body) and its last four.
func Shown(key string) (prefix, last4 string) {
	if len(key) < len(Prefix)+8 {
		return Prefix, ""
	}
	return key[:len(Prefix)+4], key[len(key)-4:]
}
