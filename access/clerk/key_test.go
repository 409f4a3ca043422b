package clerk

import (
	"strings"
	"testing"
)

func TestValidateSecretKey(t *testing.T) {
	const pattern = "Enter a Clerk Backend API secret key (sk_test_… or sk_live_…)"
	tests := []struct {
		in, want string // want "" = rejected
		pk       bool
	}{
		{in: "sk_test_4eC39HqLyjWDarjtT1zdp7dc", want: "sk_test_4eC39HqLyjWDarjtT1zdp7dc"},
		{in: "sk_live_abcDEF123", want: "sk_live_abcDEF123"},
		{in: "  sk_test_abc123\n", want: "sk_test_abc123"},          // whitespace around: trimmed
		{in: "\tsk_live_abc_def-ghi ", want: "sk_live_abc_def-ghi"}, // lenient body
		{in: ""},
		{in: "   "},
		{in: "sk_test_"},         // no body
		{in: "sk_test_abc def"},  // inner space
		{in: "sk_test_abc\tdef"}, // inner tab
		{in: "sk_test_…"},        // the placeholder
		{in: "sk_test_<...>"},    // the page's shape example
		{in: "sk_prod_abc123"},   // unknown mode
		{in: "SK_TEST_abc123"},   // prefix is case-sensitive
		{in: "rk_test_abc123"},   // a Stripe key
		{in: "sk_test_abc123 sk_test_abc"},
		{in: "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k", pk: true},
		{in: " pk_live_Y2xlcmsuZXhhbXBsZS5jb20k ", pk: true},
	}
	for _, tt := range tests {
		got, err := ValidateSecretKey(tt.in)
		if tt.want != "" {
			if err != nil || got != tt.want {
				t.Errorf("%q: got %q, %v; want %q", tt.in, got, err, tt.want)
			}
			continue
		}
		if err == nil {
			t.Errorf("%q: accepted", tt.in)
			continue
		}
		var e *Error
		if !asError(err, &e) || e.Code != CodeInvalidKey {
			t.Errorf("%q: %T %v", tt.in, err, err)
		}
		msg := err.Error()
		switch {
		case tt.pk:
			if !strings.HasPrefix(msg, pattern+". ") || !strings.Contains(msg, "publishable key (pk_…)") ||
				!strings.Contains(msg, "Clerk Dashboard → API keys → Secret keys") {
				t.Errorf("%q: pk message %q", tt.in, msg)
			}
		case msg != pattern:
			t.Errorf("%q: message %q, want exactly %q", tt.in, msg, pattern)
		}
		if in := strings.TrimSpace(tt.in); in != "" && !strings.Contains(pattern, in) && strings.Contains(msg, in) {
			t.Errorf("%q: message echoes the input", tt.in)
		}
	}
}

func TestMaskedLabel(t *testing.T) {
	tests := map[string]string{
		"sk_test_4eC39HqLyjWDarjtT1zdabcd": "sk_test_…abcd",
		"sk_live_xxxxxxxxxxxxxxxx9876":     "sk_live_…9876",
		" sk_test_12345 ":                  "sk_test_…2345",
		"sk_test_abcd":                     "sk_test_…", // would reveal the whole body
		"whatever-key-1234":                "…1234",
	}
	for in, want := range tests {
		if got := MaskedLabel(in); got != want {
			t.Errorf("MaskedLabel(%q) = %q, want %q", in, got, want)
		}
	}
	if strings.Count(MaskedLabel("sk_test_abcdefgh"), "…") != 1 {
		t.Error("exactly one ellipsis")
	}
	if KeyMode("sk_live_abc") != "live" || KeyMode("sk_test_abc") != "test" || KeyMode("pk_test_abc") != "" {
		t.Error("KeyMode")
	}
}
