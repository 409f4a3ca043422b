package billing

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateKey(t *testing.T) {
	cases := []struct {
		raw     string
		key     string
		mode    Mode
		problem KeyProblem
		msg     string // substring of the message
	}{
		{raw: "rk_test_51AbCdEf", key: "rk_test_51AbCdEf", mode: ModeTest},
		{raw: "  rk_live_51AbCdEf\n", key: "rk_live_51AbCdEf", mode: ModeLive},
		{raw: "sk_test_51AbCdEf", key: "sk_test_51AbCdEf", mode: ModeTest},
		{raw: "\tsk_live_51AbCdEf ", key: "sk_live_51AbCdEf", mode: ModeLive},
		{raw: "", problem: KeyEmpty, msg: "Enter your Stripe restricted API key"},
		{raw: "   ", problem: KeyEmpty},
		{raw: "rk_test_51Ab CdEf", problem: KeyHasSpaces, msg: "contains spaces"},
		{raw: "rk_test_51Ab\tCdEf", problem: KeyHasSpaces},
		{raw: "pk_test_51AbCdEf", problem: KeyPublishable, msg: "publishable key (pk_…)"},
		{raw: "pk_live_51AbCdEf", problem: KeyPublishable},
		{raw: "whsec_abcdef123", problem: KeyWebhookSecret, msg: "Webhook signing secret"},
		{raw: "sk_prail_abc123", problem: KeyUnknownPrefix, msg: "rk_test_… or rk_live_…"},
		{raw: "rk_abc123456", problem: KeyUnknownPrefix},
		{raw: "RK_TEST_51AbCdEf", problem: KeyUnknownPrefix},
		{raw: "rk_test_", problem: KeyIncomplete, msg: "cut off"},
		{raw: "rk_test_ab", problem: KeyIncomplete},
		{raw: "sk_live_abc…def", problem: KeyIncomplete},
	}
	for _, c := range cases {
		key, mode, err := ValidateKey(c.raw)
		if c.problem == "" {
			if err != nil || key != c.key || mode != c.mode {
				t.Errorf("%q: got %q %q %v", c.raw, key, mode, err)
			}
			continue
		}
		var ke *KeyError
		if !errors.As(err, &ke) || ke.Problem != c.problem || !strings.Contains(ke.Message, c.msg) || key != "" {
			t.Errorf("%q: got %q, %v; want problem %s", c.raw, key, err, c.problem)
		}
		if len(strings.TrimSpace(c.raw)) > 10 && strings.Contains(err.Error(), strings.TrimSpace(c.raw)) {
			t.Errorf("%q: message repeats the key", c.raw)
		}
	}
}

func TestMaskedLabel(t *testing.T) {
	for in, want := range map[string]string{
		"rk_test_51HxyzLongSecretabcd": "rk_test_…abcd",
		"sk_live_51HxyzLongSecretWXYZ": "sk_live_…WXYZ",
		"whsec_0123456789abcdef":       "whsec_…cdef",
		"rk_test_short":                "rk_test_…",
		"":                             "…",
	} {
		if got := MaskedLabel(in); got != want {
			t.Errorf("MaskedLabel(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidateWebhookSecret(t *testing.T) {
	if s, err := ValidateWebhookSecret("  whsec_abc123 "); err != nil || s != "whsec_abc123" {
		t.Fatalf("good: %q %v", s, err)
	}
	if s, err := ValidateWebhookSecret(""); err != nil || s != "" {
		t.Fatalf("optional: %q %v", s, err)
	}
	for _, bad := range []string{"whsec_", "sk_test_abc", "whsec_ab c"} {
		if _, err := ValidateWebhookSecret(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
