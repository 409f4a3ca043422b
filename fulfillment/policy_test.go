package fulfillment

import (
	"encoding/json"
	"testing"
	"time"
)

func TestPolicyVersionIsStable(t *testing.T) {
	def := DefaultPolicy()
	// The default policy's version is part of stored incidents: it must not
	// move unless the policy's rules (its JSON) change.
	const want = "5039dc6b" // printf %s "$canonical" | sha256sum, computed outside Go
	if got := PolicyVersion(def); got != want {
		t.Errorf("default policy version = %s, want %s (canonical %s)", got, want, CanonicalPolicy(def))
	}
	// Canonical JSON: keys sorted, so the order a document lists them in
	// does not matter.
	var reordered Policy
	doc := `{"trial_tolerance_hours":24,"open_dispute_revokes":false,"past_due_grace_days":14,"unpaid_grants":false,
		"incomplete_pending_hours":23,"paused_grants":false,"past_due_grants":true,"active_pause_collection_grants":true,
		"refunded_invoice_revokes":false}`
	if err := json.Unmarshal([]byte(doc), &reordered); err != nil {
		t.Fatal(err)
	}
	if got := PolicyVersion(reordered); got != want {
		t.Errorf("reordered document version = %s, want %s", got, want)
	}
	const canonical = `{"active_pause_collection_grants":true,"incomplete_pending_hours":23,"open_dispute_revokes":false,` +
		`"past_due_grace_days":14,"past_due_grants":true,"paused_grants":false,"refunded_invoice_revokes":false,` +
		`"trial_tolerance_hours":24,"unpaid_grants":false}`
	if c := string(CanonicalPolicy(def)); c != canonical {
		t.Errorf("canonical JSON = %s, want %s", c, canonical)
	}
	longer := def
	longer.PastDueGraceDays = 30
	if v := PolicyVersion(longer); v == want || len(v) != 8 {
		t.Errorf("a 30-day grace has version %q; want 8 hex digits other than the default's", v)
	}
}

func TestPolicySensitive(t *testing.T) {
	charge := func(c *Charge) subOpt { return func(s *Subscription) { s.LatestInvoice.Charge = c } }
	tests := []struct {
		name string
		b    Billing
		want bool
	}{
		{"active", billing(sub("sub_1", "active", "price_pro")), false},
		{"canceled", billing(sub("sub_1", "canceled", "price_pro")), false},
		{"no subscriptions", billing(), false},
		{"past_due", billing(sub("sub_1", "past_due", "price_pro", openInvoice(ago(3*day)))), true},
		{"unpaid", billing(sub("sub_1", "unpaid", "price_pro")), true},
		{"paused", billing(sub("sub_1", "paused", "price_pro")), true},
		{"incomplete", billing(sub("sub_1", "incomplete", "price_pro")), true},
		{"trialing (tolerance)", billing(sub("sub_1", "trialing", "price_pro", trialUntil(later(day)))), true},
		{"active, collection paused", billing(sub("sub_1", "active", "price_pro", pauseCollection())), true},
		{"active, refunded invoice", billing(sub("sub_1", "active", "price_pro", charge(&Charge{ID: "ch_1", Refunded: true}))), true},
		{"active, open dispute", billing(sub("sub_1", "active", "price_pro", charge(&Charge{ID: "ch_1", Dispute: &Dispute{Status: "needs_response"}}))), true},
		{"active, dispute won", billing(sub("sub_1", "active", "price_pro", charge(&Charge{ID: "ch_1", Dispute: &Dispute{Status: "won"}}))), false},
		{"deleted customer", deleted(billing(sub("sub_1", "past_due", "price_pro"))), false},
	}
	for _, tt := range tests {
		if got := PolicySensitive(tt.b); got != tt.want {
			t.Errorf("%s: PolicySensitive = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRejudge(t *testing.T) {
	free := "free"
	longer := DefaultPolicy()
	longer.PastDueGraceDays = 30

	// 20 days past due: out of the 14-day grace, in a 30-day one. The app
	// still grants pro.
	in := PolicyInputs{
		Billing:  billing(sub("sub_1", "past_due", "price_pro", openInvoice(ago(20*day)))),
		Subjects: []Subject{user("user_1", Fields{Plan: planField("pro")})},
	}
	before, after, p := Rejudge(in, testMapping, DefaultPolicy(), longer, now)
	if len(before) != 1 || before[0].Kind != AccessWithoutPayment {
		t.Fatalf("under 14 days: %s, want one access_without_payment", describe(before))
	}
	if len(after) != 0 || !p.Grants {
		t.Fatalf("under 30 days: %s (grants %v), want none", describe(after), p.Grants)
	}

	// The app shows free: under the longer grace the customer is owed pro.
	in.Subjects = []Subject{user("user_1", Fields{Plan: planField(free)})}
	before, after, _ = Rejudge(in, testMapping, DefaultPolicy(), longer, now)
	if len(before) != 0 || len(after) != 1 || after[0].Kind != PaidWithoutAccess {
		t.Fatalf("app on free: before %s after %s", describe(before), describe(after))
	}

	// No subject at all: unmatched once the customer is owed access.
	in.Subjects = nil
	_, after, _ = Rejudge(in, testMapping, DefaultPolicy(), longer, now)
	if len(after) != 1 || after[0].Kind != UnmatchedCustomer {
		t.Fatalf("no subject: %s, want unmatched_customer", describe(after))
	}

	// A shared subject is ambiguous under either policy, and never judged.
	in.Shared = []Subject{user("user_9", Fields{Plan: planField(free)})}
	before, after, _ = Rejudge(in, testMapping, DefaultPolicy(), longer, now)
	if len(before) != 1 || len(after) != 1 || after[0].Kind != AmbiguousMatch || before[0].Kind != AmbiguousMatch {
		t.Fatalf("shared: before %s after %s", describe(before), describe(after))
	}

	// Entitlements were not read for a customer the current policy owes
	// nothing: the candidate's entitlement comparison is left out.
	ents := PolicyInputs{
		Billing:  withEntitlements(billing(sub("sub_1", "past_due", "price_pro", openInvoice(ago(20*day))))),
		Subjects: []Subject{user("user_1", Fields{Plan: planField("pro"), Entitlements: featuresField("sso")})},
	}
	_, after, _ = Rejudge(ents, testMapping, DefaultPolicy(), longer, now)
	if len(after) != 0 {
		t.Fatalf("unread entitlements judged: %s", describe(after))
	}

	// Trial tolerance: 30h off is a mismatch under 24h, not under 48h.
	wide := DefaultPolicy()
	wide.TrialToleranceHours = 48
	trial := PolicyInputs{
		Billing:  billing(sub("sub_1", "trialing", "price_pro", trialUntil(later(5*day)))),
		Subjects: []Subject{user("user_1", Fields{Plan: planField("pro"), TrialEnd: trialField(tp(later(5*day + 30*time.Hour)))})},
	}
	before, after, _ = Rejudge(trial, testMapping, DefaultPolicy(), wide, now)
	if len(before) != 1 || before[0].Kind != TrialMismatch || len(after) != 0 {
		t.Fatalf("trial tolerance: before %s after %s", describe(before), describe(after))
	}
}
