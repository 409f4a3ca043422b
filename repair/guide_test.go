package repair

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"parityrail/fulfillment"
)

// roundTrip stores and reads a finding back, as the incident detail does.
func roundTrip(t *testing.T, f fulfillment.Finding) fulfillment.Finding {
	t.Helper()
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var out fulfillment.Finding
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGuideKeepsTheAppsShapes(t *testing.T) {
	trialEnd := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	f := fulfillment.Finding{Kind: fulfillment.TrialMismatch, CustomerID: "cus_1",
		Subject: &fulfillment.Subject{Kind: fulfillment.SubjectOrganization, ID: "org_9", Name: "Acme"},
		Fields: []fulfillment.FieldDiff{
			// The org keeps an epoch in milliseconds: the fix stays in milliseconds.
			{Field: fulfillment.FieldTrialEnd, Path: "private_metadata.trial_ends_at", Expected: trialEnd, Raw: float64(1700000000000)},
			// Entitlements as an object: known keys stay, set to false.
			{Field: fulfillment.FieldEntitlements, Path: "public_metadata.entitlements", Expected: []string{"sso"},
				Raw: map[string]any{"beta": true}},
		}}
	g, ok := Guide(roundTrip(t, f), Instance{})
	if !ok {
		t.Fatal("no guided fix")
	}
	if g.DashboardURL != "https://dashboard.clerk.com/last-active?path=/organizations/org_9" ||
		g.APIURL != "https://api.clerk.com/v1/organizations/org_9/metadata" || g.Name != "Acme" {
		t.Errorf("org links: %s %s", g.DashboardURL, g.APIURL)
	}
	want := `{"private_metadata":{"trial_ends_at":1772366400000},"public_metadata":{"entitlements":{"beta":false,"sso":true}}}`
	if g.APIBody != want {
		t.Errorf("body = %s, want %s", g.APIBody, want)
	}
	if !strings.Contains(g.APIRequest, "-d '"+want+"'") || !strings.HasPrefix(g.APIRequest, "curl -X PATCH "+g.APIURL) {
		t.Errorf("request = %s", g.APIRequest)
	}
}

// The guided fix writes an epoch back in the unit the readers took the
// app's value in: 500000000000 was read as milliseconds (1985-11-05), so
// the fix is milliseconds too, and 1700000000 stays seconds.
func TestGuideKeepsTheEpochUnitTheReadersUsed(t *testing.T) {
	trialEnd := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		before float64
		want   string
	}{
		{5e11, `{"public_metadata":{"trial_ends_at":1772366400000}}`},
		{1700000000, `{"public_metadata":{"trial_ends_at":1772366400}}`},
	} {
		f := fulfillment.Finding{Kind: fulfillment.TrialMismatch, Subject: &fulfillment.Subject{Kind: fulfillment.SubjectUser, ID: "user_1"},
			Fields: []fulfillment.FieldDiff{{Field: fulfillment.FieldTrialEnd, Path: "public_metadata.trial_ends_at", Expected: trialEnd, Raw: tc.before}}}
		g, ok := Guide(roundTrip(t, f), Instance{})
		if !ok || g.APIBody != tc.want {
			t.Errorf("before %v: body = %s, want %s", tc.before, g.APIBody, tc.want)
		}
	}
}

func TestGuideRemovesATrialNoLongerOwed(t *testing.T) {
	f := fulfillment.Finding{Kind: fulfillment.AccessWithoutPayment, Subject: &fulfillment.Subject{Kind: fulfillment.SubjectUser, ID: "user_1"},
		Fields: []fulfillment.FieldDiff{
			{Field: fulfillment.FieldTrialEnd, Path: "public_metadata.trial_ends_at", Expected: nil, Raw: "2030-01-01T00:00:00Z"},
			{Field: fulfillment.FieldPremium, Path: "public_metadata.is_premium", Expected: false, Raw: "yes"},
		}}
	g, ok := Guide(roundTrip(t, f), Instance{})
	if !ok {
		t.Fatal("no guided fix")
	}
	if g.APIBody != `{"public_metadata":{"is_premium":false,"trial_ends_at":null}}` {
		t.Errorf("body = %s", g.APIBody)
	}
}

func TestNoGuideForRowsOrUnknownValues(t *testing.T) {
	row := fulfillment.Finding{Kind: fulfillment.WrongPlan, Subject: &fulfillment.Subject{Kind: fulfillment.SubjectRow, ID: "1", Table: "public.profiles"},
		Fields: []fulfillment.FieldDiff{{Field: fulfillment.FieldPlan, Path: "plan", Expected: "pro", Raw: "free"}}}
	if _, ok := Guide(row, Instance{}); ok {
		t.Error("a Postgres row got a Clerk guided fix")
	}
	unknown := fulfillment.Finding{Kind: fulfillment.WrongPlan, Subject: &fulfillment.Subject{Kind: fulfillment.SubjectUser, ID: "user_1"},
		Fields: []fulfillment.FieldDiff{{Field: fulfillment.FieldPlan, Path: "public_metadata.plan", ExpectedUnknown: true, Raw: "free"}}}
	if _, ok := Guide(unknown, Instance{}); ok {
		t.Error("an unmapped price's plan got a guided fix")
	}
}

// A project reading Clerk through its own API base gets requests for that
// base, and the fix names the instance its key belongs to.
func TestGuideUsesTheProjectsClerkInstance(t *testing.T) {
	f := fulfillment.Finding{Kind: fulfillment.PaidWithoutAccess, Subject: &fulfillment.Subject{Kind: fulfillment.SubjectUser, ID: "user_7"},
		Fields: []fulfillment.FieldDiff{{Field: fulfillment.FieldPlan, Path: "public_metadata.plan", Expected: "pro", Raw: "free"}}}
	g, ok := Guide(roundTrip(t, f), Instance{APIBase: "https://clerk-proxy.internal.example/v1/", Environment: "production"})
	if !ok {
		t.Fatal("no guided fix")
	}
	if g.APIURL != "https://clerk-proxy.internal.example/v1/users/user_7/metadata" || !strings.HasPrefix(g.APIRequest, "curl -X PATCH "+g.APIURL) {
		t.Errorf("request for another base: %s / %s", g.APIURL, g.APIRequest)
	}
	if g.Environment != "production" {
		t.Errorf("environment %q", g.Environment)
	}
}
