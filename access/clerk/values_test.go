package clerk

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func asError(err error, target **Error) bool { return errors.As(err, target) }

func TestParsePremium(t *testing.T) {
	tests := []struct {
		in   any
		want bool
		bad  bool
	}{
		// the page's truthy set, any case, with stray whitespace
		{in: "true", want: true}, {in: "TRUE", want: true}, {in: "True", want: true},
		{in: "1", want: true},
		{in: "yes", want: true}, {in: "Yes", want: true}, {in: "YES", want: true},
		{in: "on", want: true}, {in: "ON", want: true},
		{in: "premium", want: true}, {in: "Premium", want: true},
		{in: "active", want: true}, {in: " Active ", want: true},
		{in: true, want: true},
		{in: json.Number("1"), want: true}, {in: json.Number("2"), want: true},
		{in: json.Number("-1"), want: true}, {in: json.Number("0.5"), want: true},
		{in: 1, want: true}, {in: 3.5, want: true}, {in: int64(7), want: true},
		// falsy
		{in: nil, want: false}, // missing or JSON null
		{in: false}, {in: "false"}, {in: "FALSE"}, {in: "0"}, {in: "no"}, {in: "No"},
		{in: "off"}, {in: "OFF"}, {in: ""}, {in: "  "}, {in: "inactive"}, {in: "Inactive"},
		{in: "free"}, {in: "null"}, {in: "NULL"},
		{in: json.Number("0")}, {in: json.Number("0.0")}, {in: 0}, {in: 0.0},
		// unreadable
		{in: "maybe", bad: true}, {in: "2", bad: true}, {in: "enterprise", bad: true},
		{in: "y", bad: true}, {in: "t", bad: true},
		{in: map[string]any{"on": true}, bad: true},
		{in: []any{true}, bad: true},
		{in: json.Number("NaN"), bad: true},
	}
	for _, tt := range tests {
		got, err := ParsePremium(tt.in)
		if tt.bad {
			var ve *ValueError
			if !errors.As(err, &ve) || ve.Field != "premium flag" {
				t.Errorf("ParsePremium(%#v) = %v, %v; want a *ValueError", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParsePremium(%#v) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	_, err := ParsePremium("maybe")
	if !strings.Contains(err.Error(), `"maybe"`) || !strings.Contains(err.Error(), "premium") {
		t.Errorf("message should show the value: %v", err)
	}
}

func TestParseTrialEnd(t *testing.T) {
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339Nano, s); return v }
	tests := []struct {
		in   any
		want time.Time
		none bool
		bad  bool
	}{
		// ISO-8601
		{in: "2025-07-01T12:30:00Z", want: at("2025-07-01T12:30:00Z")},
		{in: "2025-07-01T12:30:00.123Z", want: at("2025-07-01T12:30:00.123Z")},
		{in: "2025-07-01T14:30:00+02:00", want: at("2025-07-01T12:30:00Z")},
		{in: "2025-07-01 12:30:00Z", want: at("2025-07-01T12:30:00Z")},
		{in: "2025-07-01T12:30:00", want: at("2025-07-01T12:30:00Z")}, // no offset: UTC
		{in: "2025-07-01", want: at("2025-07-01T00:00:00Z")},
		{in: " 2025-07-01 ", want: at("2025-07-01T00:00:00Z")},
		// epoch seconds
		{in: json.Number("1751373000"), want: at("2025-07-01T12:30:00Z")},
		{in: json.Number("1751373000.5"), want: at("2025-07-01T12:30:00.5Z")},
		{in: 1751373000, want: at("2025-07-01T12:30:00Z")},
		{in: float64(1751373000), want: at("2025-07-01T12:30:00Z")},
		{in: "1751373000", want: at("2025-07-01T12:30:00Z")},
		{in: json.Number("99999999999"), want: time.Unix(99999999999, 0).UTC()}, // just below the threshold
		// epoch milliseconds
		{in: json.Number("1751373000123"), want: at("2025-07-01T12:30:00.123Z")},
		{in: int64(1751373000000), want: at("2025-07-01T12:30:00Z")},
		{in: "1751373000000", want: at("2025-07-01T12:30:00Z")},
		{in: json.Number("100000000000"), want: time.Unix(100000000, 0).UTC()}, // the threshold: ms
		{in: json.Number("0"), want: time.Unix(0, 0).UTC()},
		// none
		{in: nil, none: true}, {in: "", none: true}, {in: "  ", none: true}, {in: "null", none: true},
		// unreadable
		{in: "next tuesday", bad: true}, {in: "2025-13-01", bad: true}, {in: "07/01/2025", bad: true},
		{in: true, bad: true}, {in: false, bad: true},
		{in: map[string]any{"at": "2025-07-01"}, bad: true}, {in: []any{"2025-07-01"}, bad: true},
		{in: json.Number("-5"), bad: true}, {in: "-5", bad: true},
		{in: json.Number("1751373000000000"), bad: true}, // microseconds
	}
	for _, tt := range tests {
		got, ok, err := ParseTrialEnd(tt.in)
		switch {
		case tt.bad:
			var ve *ValueError
			if !errors.As(err, &ve) || ve.Field != "trial end" || ok {
				t.Errorf("ParseTrialEnd(%#v) = %v, %v, %v; want a *ValueError", tt.in, got, ok, err)
			}
		case tt.none:
			if err != nil || ok {
				t.Errorf("ParseTrialEnd(%#v) = %v, %v, %v; want none", tt.in, got, ok, err)
			}
		default:
			if err != nil || !ok || !got.Equal(tt.want) {
				t.Errorf("ParseTrialEnd(%#v) = %v, %v, %v; want %v", tt.in, got, ok, err, tt.want)
			}
		}
	}
}

func TestParseEntitlements(t *testing.T) {
	tests := []struct {
		name    string
		in      any
		want    []string
		badKeys []string
		notObj  bool
	}{
		{name: "missing", in: nil},
		{name: "empty", in: map[string]any{}},
		{name: "booleans", in: map[string]any{"sso": true, "api": true, "audit_log": false}, want: []string{"api", "sso"}},
		{name: "all false", in: map[string]any{"sso": false}},
		{name: "null value is false", in: map[string]any{"sso": nil, "api": true}, want: []string{"api"}},
		{name: "non-boolean values", in: map[string]any{"api": true, "sso": "true", "seats": json.Number("5"), "x": map[string]any{}},
			want: []string{"api"}, badKeys: []string{"seats", "sso", "x"}},
		{name: "a list", in: []any{"api", "sso"}, notObj: true},
		{name: "a string", in: "api,sso", notObj: true},
		{name: "a boolean", in: true, notObj: true},
	}
	for _, tt := range tests {
		got, err := ParseEntitlements(tt.in)
		var ve *ValueError
		switch {
		case tt.notObj:
			if !errors.As(err, &ve) || ve.Field != "entitlements" || got != nil {
				t.Errorf("%s: %v, %v; want a *ValueError", tt.name, got, err)
			}
			continue
		case tt.badKeys != nil:
			if !errors.As(err, &ve) || !slices.Equal(ve.Keys, tt.badKeys) {
				t.Errorf("%s: err %v; want bad keys %v", tt.name, err, tt.badKeys)
			}
			for _, k := range tt.badKeys {
				if !strings.Contains(err.Error(), k) {
					t.Errorf("%s: message %q should name %q", tt.name, err, k)
				}
			}
		case err != nil:
			t.Errorf("%s: %v", tt.name, err)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}
