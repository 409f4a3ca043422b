// Package billing is ParityRail's read-only Stripe connector: key checks,
// the "Test & connect" probe, streaming reads of customers and
// subscriptions for fulfillment checks, prices for plan mapping, active
// entitlements, and webhook signature verification.
//
// It never sends anything but GET to Stripe: the HTTP transport refuses any
// other method before it reaches the network. Callers get lean types of
// their own (Customer, Subscription, …) so nothing outside this package
// imports stripe-go.
package billing

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Mode is the Stripe mode a key (and the data it reads) belongs to.
type Mode string

const (
	ModeTest Mode = "test"
	ModeLive Mode = "live"
)

// KeyProblem names why a pasted key was refused, for callers that branch
// on it (the UI shows Message).
type KeyProblem string

const (
	KeyEmpty         KeyProblem = "empty"
	KeyHasSpaces     KeyProblem = "spaces"
	KeyPublishable   KeyProblem = "publishable"
	KeyWebhookSecret KeyProblem = "webhook_secret"
	KeyUnknownPrefix KeyProblem = "prefix"
	KeyIncomplete    KeyProblem = "incomplete"
)

// KeyError is a key that fails the format check before any request is made.
type KeyError struct {
	Problem KeyProblem
	Message string
}

func (e *KeyError) Error() string { return e.Message }

var keyPrefixes = []struct {
	prefix string
	mode   Mode
}{
	{"rk_test_", ModeTest}, {"rk_live_", ModeLive},
	{"sk_test_", ModeTest}, {"sk_live_", ModeLive},
}

// ValidateKey trims surrounding whitespace and checks that raw looks like a
// Stripe restricted or secret key, returning the cleaned key and its mode.
// Every refusal is a *KeyError whose message says what to paste instead.
func ValidateKey(raw string) (string, Mode, error) {
	key := strings.TrimSpace(raw)
	switch {
	case key == "":
		return "", "", &KeyError{KeyEmpty, "Enter your Stripe restricted API key (rk_test_… or rk_live_…)."}
	case strings.IndexFunc(key, unicode.IsSpace) >= 0:
		return "", "", &KeyError{KeyHasSpaces, "The API key contains spaces. Copy it again from Stripe Dashboard → Developers → API keys and paste it as one piece."}
	case strings.HasPrefix(key, "pk_"):
		return "", "", &KeyError{KeyPublishable, "This is a publishable key (pk_…), which only works in browsers and can't read customers or subscriptions. Paste a restricted key (rk_test_… or rk_live_…) or a secret key (sk_test_… or sk_live_…) instead."}
	case strings.HasPrefix(key, "whsec_"):
		return "", "", &KeyError{KeyWebhookSecret, "This is a webhook signing secret (whsec_…). Paste it in \"Webhook signing secret (optional)\"; the API key starts with rk_ or sk_."}
	}
	for _, p := range keyPrefixes {
		rest, ok := strings.CutPrefix(key, p.prefix)
		if !ok {
			continue
		}
		if len(rest) < 4 || strings.IndexFunc(rest, notKeyChar) >= 0 {
			return "", "", &KeyError{KeyIncomplete, fmt.Sprintf("This %s… key looks cut off or mistyped. Copy the whole key again from Stripe Dashboard → Developers → API keys.", p.prefix)}
		}
		return key, p.mode, nil
	}
	return "", "", &KeyError{KeyUnknownPrefix, "That isn't a Stripe API key ParityRail can use. Enter a restricted key (rk_test_… or rk_live_…) or a secret key (sk_test_… or sk_live_…)."}
}

func notKeyChar(r rune) bool {
	return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
}

// MaskedLabel is the only form of a key ParityRail ever shows: its prefix
// and last four characters, e.g. "rk_test_…abcd".
func MaskedLabel(key string) string {
	key = strings.TrimSpace(key)
	prefix := ""
	for _, p := range []string{"rk_test_", "rk_live_", "sk_test_", "sk_live_", "pk_test_", "pk_live_", "whsec_"} {
		if strings.HasPrefix(key, p) {
			prefix = p
			break
		}
	}
	rest := key[len(prefix):]
	if len(rest) < 8 {
		// Too short to reveal any of it safely.
		return prefix + "…"
	}
	return prefix + "…" + rest[len(rest)-4:]
}

// ValidateWebhookSecret trims and checks a webhook signing secret. An empty
// secret is allowed (the field is optional) and returns "".
func ValidateWebhookSecret(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	switch {
	case s == "":
		return "", nil
	case strings.IndexFunc(s, unicode.IsSpace) >= 0:
		return "", errors.New("The webhook signing secret contains spaces. Copy it again from the endpoint's page in Stripe Dashboard → Developers → Webhooks.")
	case !strings.HasPrefix(s, "whsec_") || len(s) <= len("whsec_"):
		return "", errors.New("Enter the endpoint's signing secret (whsec_…) from Stripe Dashboard → Developers → Webhooks.")
	}
	return s, nil
}
