package clerk

import (
	"regexp"
	"strings"
)

// Messages shown when a pasted key is not a Backend API secret key. The first
// is the user's page, to the letter.
const (
	msgKeyPattern     = "Enter a Clerk Backend API secret key (sk_test_… or sk_live_…)"
	msgPublishableKey = "That looks like a publishable key (pk_…); copy the Secret key from Clerk Dashboard → API keys → Secret keys."
)

// secretKeyRE matches Clerk secret keys: the API description's bearer format is
// sk_<environment>_<secret value>. The prefix is strict; the body is lenient
// about '_' and '-' (Clerk has never promised plain base62) but never allows
// whitespace, the "…" of a pasted placeholder or anything a header can't carry.
var secretKeyRE = regexp.MustCompile(`^sk_(test|live)_[A-Za-z0-9_-]+$`)

// ValidateSecretKey trims raw and returns it when it looks like a Clerk Backend
// API secret key. Otherwise it returns an *Error with code CodeInvalidKey whose
// message tells the person what to paste; the message never echoes the input.
func ValidateSecretKey(raw string) (string, error) {
	key := strings.TrimSpace(raw)
	if secretKeyRE.MatchString(key) {
		return key, nil
	}
	msg := msgKeyPattern
	if strings.HasPrefix(key, "pk_") {
		msg += ". " + msgPublishableKey
	}
	return "", &Error{Code: CodeInvalidKey, Message: msg}
}

// KeyMode reports "test" or "live" for a secret key, "" when it is not one.
func KeyMode(key string) string {
	m := secretKeyRE.FindStringSubmatch(strings.TrimSpace(key))
	if m == nil {
		return ""
	}
	return m[1]
}

// MaskedLabel is the only form in which a secret key is ever shown:
// the prefix with its mode, a single "…" and the last four characters,
// e.g. "sk_test_…abcd". A body of four characters or fewer would be shown
// whole, so then only the prefix is kept.
func MaskedLabel(key string) string {
	key = strings.TrimSpace(key)
	prefix := ""
	if mode := KeyMode(key); mode != "" {
		prefix = "sk_" + mode + "_"
	}
	body := []rune(strings.TrimPrefix(key, prefix))
	if len(body) <= 4 {
		return prefix + "…"
	}
	return prefix + "…" + string(body[len(body)-4:])
}
