package clerk

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseFieldPath(t *testing.T) {
	ok := map[string]FieldPath{
		"public_metadata.stripe_customer_id": {PublicMetadata, "stripe_customer_id"},
		"public_metadata.plan":               {PublicMetadata, "plan"},
		"public_metadata.is_premium":         {PublicMetadata, "is_premium"},
		"public_metadata.trial_ends_at":      {PublicMetadata, "trial_ends_at"},
		"public_metadata.entitlements":       {PublicMetadata, "entitlements"},
		"private_metadata.stripeCustomerId":  {PrivateMetadata, "stripeCustomerId"},
		"unsafe_metadata.plan":               {UnsafeMetadata, "plan"},
		" public_metadata.plan ":             {PublicMetadata, "plan"},
		"public_metadata.billing.plan":       {PublicMetadata, "billing.plan"}, // first dot splits
	}
	for in, want := range ok {
		got, err := ParseFieldPath(in)
		if err != nil || got != want {
			t.Errorf("ParseFieldPath(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if MustParseFieldPath("public_metadata.plan").String() != "public_metadata.plan" {
		t.Error("String")
	}
	for _, in := range []string{"", "plan", "metadata.plan", "publicMetadata.plan", "public_metadata",
		"public_metadata.", "public_metadata. ", "Public_metadata.plan", ".plan"} {
		_, err := ParseFieldPath(in)
		var e *Error
		if !asError(err, &e) || e.Code != CodeInvalidInput {
			t.Errorf("ParseFieldPath(%q): %v; want an invalid-input error", in, err)
			continue
		}
		if in != "public_metadata" && !strings.HasPrefix(in, "public_metadata.") {
			for _, c := range Containers {
				if !strings.Contains(err.Error(), c) {
					t.Errorf("ParseFieldPath(%q): message %q should name %s", in, err, c)
				}
			}
		}
	}
}

func TestLookup(t *testing.T) {
	u := User{
		PublicMetadata: map[string]any{
			"plan":         "pro",
			"nothing":      nil,
			"billing":      map[string]any{"plan": "team", "customer": map[string]any{"id": "cus_1"}},
			"dotted.key":   "literal wins",
			"dotted":       map[string]any{"key": "nested loses"},
			"big":          json.Number("123456789012345678901"),
			"entitlements": map[string]any{"sso": true},
		},
		PrivateMetadata: map[string]any{"stripe_customer_id": "cus_2"},
	}
	tests := []struct {
		path    string
		want    any
		present bool
	}{
		{"public_metadata.plan", "pro", true},
		{"public_metadata.nothing", nil, true},
		{"public_metadata.missing", nil, false},
		{"private_metadata.stripe_customer_id", "cus_2", true},
		{"unsafe_metadata.plan", nil, false},
		{"public_metadata.billing.plan", "team", true},
		{"public_metadata.billing.customer.id", "cus_1", true},
		{"public_metadata.billing.missing", nil, false},
		{"public_metadata.plan.x", nil, false}, // through a string
		{"public_metadata.dotted.key", "literal wins", true},
		{"public_metadata.big", json.Number("123456789012345678901"), true},
	}
	for _, tt := range tests {
		got, present := Lookup(u, MustParseFieldPath(tt.path))
		if present != tt.present || got != tt.want {
			t.Errorf("Lookup(%s) = %#v, %v; want %#v, %v", tt.path, got, present, tt.want, tt.present)
		}
	}
	org := Organization{PublicMetadata: map[string]any{"plan": "team"}}
	if v, ok := Lookup(org, MustParseFieldPath("public_metadata.plan")); !ok || v != "team" {
		t.Error("org lookup")
	}
	if _, ok := Lookup(org, MustParseFieldPath("unsafe_metadata.plan")); ok {
		t.Error("organizations have no unsafe_metadata")
	}
}
