package fulfillment

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestRepair(t *testing.T) {
	active := billing(sub("sub_1", "active", "price_pro"))
	trialEnd := later(5 * day)
	trialing := billing(sub("sub_1", "trialing", "price_pro", trialUntil(trialEnd)))
	canceled := billing(sub("sub_1", "canceled", "price_pro"))

	tests := []struct {
		name    string
		b       Billing
		subject Subject
		kind    Kind // the finding to repair
		want    []FieldChange
		reason  string
	}{
		{name: "paid_without_access: plan and premium on", b: active,
			subject: row("1", Fields{Plan: planField(nil), Premium: premiumField(false, false)}), kind: PaidWithoutAccess,
			want: []FieldChange{
				{Field: FieldPlan, Path: "public_metadata.plan", Before: nil, After: "pro"},
				{Field: FieldPremium, Path: "public_metadata.is_premium", Before: false, After: true},
			},
			reason: "Turn on the access Stripe promises (owed paid access by sub_1 (active); plan pro)."},
		{name: "paid_without_access on a trial sets the trial end", b: trialing,
			subject: user("user_1", Fields{Plan: planField("free"), TrialEnd: trialField(nil)}), kind: PaidWithoutAccess,
			want: []FieldChange{
				{Field: FieldPlan, Path: "public_metadata.plan", Before: "free", After: "pro"},
				{Field: FieldTrialEnd, Path: "public_metadata.trial_ends_at", Before: nil, After: trialEnd},
			}},
		{name: "paid_without_access, unmapped price: the plan is left to a person", b: billing(sub("sub_1", "active", "price_new")),
			subject: user("user_1", Fields{Plan: planField("free"), Premium: premiumField("no", false)}), kind: PaidWithoutAccess,
			want: []FieldChange{{Field: FieldPremium, Path: "public_metadata.is_premium", Before: "no", After: true}}},
		{name: "access_without_payment: no-plan value, premium false, trial end NULL", b: canceled,
			subject: row("2", Fields{Plan: planField("pro"), Premium: premiumField("t", true), TrialEnd: trialField(tp(later(day)))}), kind: AccessWithoutPayment,
			want: []FieldChange{
				{Field: FieldPlan, Path: "public_metadata.plan", Before: "pro", After: "free"},
				{Field: FieldPremium, Path: "public_metadata.is_premium", Before: "t", After: false},
				{Field: FieldTrialEnd, Path: "public_metadata.trial_ends_at", Before: later(day).Format(time.RFC3339), After: nil},
			},
			reason: "Remove access Stripe does not promise"},
		{name: "access_without_payment touches only granting fields", b: canceled,
			subject: row("2", Fields{Plan: planField(nil), Premium: premiumField(true, true)}), kind: AccessWithoutPayment,
			want: []FieldChange{{Field: FieldPremium, Path: "public_metadata.is_premium", Before: true, After: false}}},
		{name: "wrong_plan", b: active,
			subject: user("user_1", Fields{Plan: planField("basic")}), kind: WrongPlan,
			want:   []FieldChange{{Field: FieldPlan, Path: "public_metadata.plan", Before: "basic", After: "pro"}},
			reason: "Set the plan Stripe promises"},
		{name: "trial_mismatch", b: trialing,
			subject: user("user_1", Fields{Plan: planField("pro"), TrialEnd: trialField(tp(trialEnd.Add(3 * day)))}), kind: TrialMismatch,
			want: []FieldChange{{Field: FieldTrialEnd, Path: "public_metadata.trial_ends_at", Before: trialEnd.Add(3 * day).Format(time.RFC3339), After: trialEnd}}},
		{name: "entitlement_mismatch sets the promised set", b: withEntitlements(active, "sso", "api"),
			subject: user("user_1", Fields{Plan: planField("pro"), Entitlements: featuresField("api", "audit")}), kind: EntitlementMismatch,
			want: []FieldChange{{Field: FieldEntitlements, Path: "public_metadata.entitlements",
				Before: map[string]any{"api": true, "audit": true}, After: []string{"api", "sso"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := DerivePromise(tc.b, testMapping, DefaultPolicy(), now)
			var found *Finding
			for _, f := range Compare(p, []Subject{tc.subject}, testMapping, DefaultPolicy(), now) {
				if f.Kind == tc.kind {
					found = &f
				}
			}
			if found == nil {
				t.Fatalf("no %s finding", tc.kind)
			}
			plan, ok := Repair(*found)
			if !ok {
				t.Fatalf("no repair for %s", tc.kind)
			}
			if !reflect.DeepEqual(plan.Fields, tc.want) {
				t.Errorf("fields:\n got %#v\nwant %#v", plan.Fields, tc.want)
			}
			if plan.SubjectID != tc.subject.ID || plan.SubjectKind != tc.subject.Kind || plan.Table != tc.subject.Table ||
				plan.CustomerID != "cus_1" || plan.Kind != tc.kind {
				t.Errorf("repair target: %+v", plan)
			}
			if !strings.Contains(plan.Reason, tc.reason) {
				t.Errorf("reason %q does not say %q", plan.Reason, tc.reason)
			}
		})
	}
}

func TestNoAutomaticRepair(t *testing.T) {
	active := DerivePromise(billing(sub("sub_1", "active", "price_pro")), testMapping, DefaultPolicy(), now)
	unmapped := DerivePromise(billing(sub("sub_1", "active", "price_new")), testMapping, DefaultPolicy(), now)
	cases := map[string][]Finding{
		"unmatched_customer": Compare(active, nil, testMapping, DefaultPolicy(), now),
		"ambiguous_match": Compare(active, []Subject{user("user_1", Fields{Plan: planField("pro")}), user("user_2", Fields{Plan: planField("pro")})},
			testMapping, DefaultPolicy(), now),
		"only an unmapped plan to set": Compare(unmapped, []Subject{user("user_1", Fields{Plan: planField("free")})}, testMapping, DefaultPolicy(), now),
	}
	for name, fs := range cases {
		if len(fs) != 1 {
			t.Fatalf("%s: want one finding:%s", name, describe(fs))
		}
		if plan, ok := Repair(fs[0]); ok {
			t.Errorf("%s: unexpected repair %+v", name, plan)
		}
	}
}

func TestExpectedFingerprint(t *testing.T) {
	pol := DefaultPolicy()
	fingerprint := func(b Billing, s Subject, kind Kind) string {
		t.Helper()
		for _, f := range Compare(DerivePromise(b, testMapping, pol, now), []Subject{s}, testMapping, pol, now) {
			if f.Kind == kind {
				return ExpectedFingerprint(f)
			}
		}
		t.Fatalf("no %s finding", kind)
		return ""
	}
	active := billing(sub("sub_1", "active", "price_pro"))
	base := fingerprint(active, user("user_1", Fields{Plan: planField("basic"), Premium: premiumField(true, true)}), WrongPlan)

	// The app's value changing (still wrong) keeps the fingerprint: an ignored incident stays ignored.
	if fp := fingerprint(active, user("user_1", Fields{Plan: planField("legacy"), Premium: premiumField(true, true)}), WrongPlan); fp != base {
		t.Errorf("fingerprint changed with the actual value")
	}
	// So does the billing changing in ways that promise the same.
	later := billing(sub("sub_9", "past_due", "price_pro", openInvoice(ago(day))))
	if fp := fingerprint(later, user("user_1", Fields{Plan: planField("basic"), Premium: premiumField(true, true)}), WrongPlan); fp != base {
		t.Errorf("fingerprint changed though the expected values did not")
	}
	// The expected plan changing makes a new fingerprint.
	if fp := fingerprint(billing(sub("sub_1", "active", "price_ent")), user("user_1", Fields{Plan: planField("basic"), Premium: premiumField(true, true)}), WrongPlan); fp == base {
		t.Errorf("fingerprint kept though the promised plan changed")
	}
	// Which fields differ today does not matter for paid_without_access.
	a := fingerprint(active, user("user_1", Fields{Plan: planField("free"), Premium: premiumField(false, false)}), PaidWithoutAccess)
	b := fingerprint(active, user("user_1", Fields{Plan: planField("pro"), Premium: premiumField(false, false)}), PaidWithoutAccess)
	if a != b {
		t.Errorf("paid_without_access fingerprint depends on the actual values")
	}
	// A new trial end is a new expectation.
	t1 := fingerprint(billing(sub("sub_1", "trialing", "price_pro", trialUntil(now.Add(5*day)))), user("user_1", Fields{Plan: planField("pro"), TrialEnd: trialField(nil)}), TrialMismatch)
	t2 := fingerprint(billing(sub("sub_1", "trialing", "price_pro", trialUntil(now.Add(9*day)))), user("user_1", Fields{Plan: planField("pro"), TrialEnd: trialField(nil)}), TrialMismatch)
	if t1 == t2 {
		t.Errorf("trial end change kept the fingerprint")
	}
	if len(base) != 32 {
		t.Errorf("fingerprint %q", base)
	}
}

func TestMatch(t *testing.T) {
	customers := []Customer{{ID: "cus_1"}, {ID: "cus_2"}, {ID: "cus_del", Deleted: true}}
	s := func(id, cus string) Subject { return Subject{Kind: SubjectUser, ID: id, CustomerID: cus} }
	got := Match(customers, []Subject{
		s("user_a", "cus_1"), s("user_b", ""), s("user_c", "cus_1"), s("user_d", "cus_gone"), s("user_e", "cus_del"), s("user_f", "CUS_1"),
	})
	ids := func(list []Subject) []string {
		var out []string
		for _, x := range list {
			out = append(out, x.ID)
		}
		return out
	}
	if !reflect.DeepEqual(ids(got.ByCustomer["cus_1"]), []string{"user_a", "user_c"}) {
		t.Errorf("cus_1 → %v", ids(got.ByCustomer["cus_1"]))
	}
	if list, ok := got.ByCustomer["cus_2"]; !ok || len(list) != 0 {
		t.Errorf("cus_2 should be present and unmatched: %v %v", ok, list)
	}
	if !reflect.DeepEqual(ids(got.ByCustomer["cus_del"]), []string{"user_e"}) {
		t.Errorf("a deleted customer is still matched: %v", ids(got.ByCustomer["cus_del"]))
	}
	if !reflect.DeepEqual(ids(got.Unlinked), []string{"user_b"}) {
		t.Errorf("unlinked %v", ids(got.Unlinked))
	}
	if !reflect.DeepEqual(ids(got.Unknown), []string{"user_d", "user_f"}) {
		t.Errorf("unknown %v (ids match exactly)", ids(got.Unknown))
	}
}

func TestEntitlementObject(t *testing.T) {
	before := map[string]any{"sso": true, "audit_log": true}
	got := EntitlementObject(before, []string{"sso", "export"})
	want := map[string]bool{"sso": true, "audit_log": false, "export": true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("over an object: %v, want %v", got, want)
	}
	if got := EntitlementObject(nil, []string{"sso"}); !reflect.DeepEqual(got, map[string]bool{"sso": true}) {
		t.Errorf("over nothing: %v", got)
	}
}
