package fulfillment

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// want is a finding as a person would notice it.
type want struct {
	kind    Kind
	sev     Severity
	fields  []string // "field: expected → actual"
	summary string   // must appear in the summary
}

func TestCompare(t *testing.T) {
	active := billing(sub("sub_1", "active", "price_pro"))
	canceled := billing(sub("sub_1", "canceled", "price_pro"))
	trialEnd := later(5 * day)
	trialing := billing(sub("sub_1", "trialing", "price_pro", trialUntil(trialEnd)))
	pro, free := planField("pro"), planField("free")

	tests := []struct {
		name     string
		b        Billing
		policy   func(*Policy)
		noPlan   string // the mapping's no-plan value, when not the default
		subjects []Subject
		want     []want
	}{
		// The promise holds.
		{name: "active, app on the promised plan", b: active, subjects: []Subject{user("user_1", Fields{Plan: pro})}},
		{name: "canceled, app on the no-plan value", b: canceled, subjects: []Subject{user("user_1", Fields{Plan: free})}},
		{name: "canceled, app plan NULL", b: canceled, subjects: []Subject{row("1", Fields{Plan: planField(nil)})}},
		{name: "canceled, app plan empty", b: canceled, subjects: []Subject{row("1", Fields{Plan: planField("")})}},
		{name: "canceled, premium falsy", b: canceled, subjects: []Subject{user("user_1", Fields{Premium: premiumField("no", false)})}},
		{name: "canceled, trial ended", b: canceled, subjects: []Subject{user("user_1", Fields{TrialEnd: trialField(tp(ago(day)))})}},
		{name: "canceled, nothing mapped", b: canceled, subjects: []Subject{user("user_1", Fields{})}},
		{name: "active, premium truthy", b: active, subjects: []Subject{user("user_1", Fields{Premium: premiumField("yes", true)})}},
		{name: "no customer owed and no subject", b: canceled},

		// paid_without_access
		{name: "active, app plan free", b: active, subjects: []Subject{user("user_1", Fields{Plan: free})},
			want: []want{{PaidWithoutAccess, Critical, []string{"plan: pro → free"}, "Stripe promises paid access (pro) but the app grants user user_1 (user_1@example.com) nothing"}}},
		{name: "active, app plan NULL", b: active, subjects: []Subject{row("7", Fields{Plan: planField(nil)})},
			want: []want{{PaidWithoutAccess, Critical, []string{"plan: pro → NULL"}, "row accounts#7"}}},
		{name: "active, app plan empty", b: active, subjects: []Subject{row("7", Fields{Plan: planField("")})},
			want: []want{{PaidWithoutAccess, Critical, []string{"plan: pro → (empty)"}, ""}}},
		{name: "active, Clerk plan key missing", b: active, subjects: []Subject{user("user_1", Fields{Plan: planField(nil)})},
			want: []want{{PaidWithoutAccess, Critical, []string{"plan: pro → (not set)"}, ""}}},
		{name: "active, every mapped field off", b: active,
			subjects: []Subject{user("user_1", Fields{Plan: free, Premium: premiumField(false, false), TrialEnd: trialField(nil)})},
			want:     []want{{PaidWithoutAccess, Critical, []string{"plan: pro → free", "premium: true → false"}, ""}}},
		{name: "premium mapped and falsy while the plan grants", b: active,
			subjects: []Subject{user("user_1", Fields{Plan: pro, Premium: premiumField("no", false)})},
			want:     []want{{PaidWithoutAccess, Critical, []string{"premium: true → no"}, "premium flag of user user_1 (user_1@example.com) is off"}}},
		{name: "premium mapped and missing while the plan grants", b: active,
			subjects: []Subject{user("user_1", Fields{Plan: pro, Premium: premiumField(nil, false)})},
			want:     []want{{PaidWithoutAccess, Critical, []string{"premium: true → (not set)"}, ""}}},
		{name: "premium unreadable", b: active,
			subjects: []Subject{user("user_1", Fields{Premium: unreadable("public_metadata.is_premium", map[string]any{"x": 1}, "not a flag")})},
			want:     []want{{PaidWithoutAccess, Critical, []string{`premium: true → unreadable: {"x":1} (not a flag)`}, ""}}},
		{name: "organization owed access, org grants nothing", b: active,
			subjects: []Subject{org("org_1", Fields{Plan: free})},
			want:     []want{{PaidWithoutAccess, Critical, []string{"plan: pro → free"}, "organization org_1 (Acme)"}}},
		{name: "trialing, app grants nothing: both kinds", b: trialing,
			subjects: []Subject{user("user_1", Fields{Plan: free, TrialEnd: trialField(nil)})},
			want: []want{
				{PaidWithoutAccess, Critical, []string{"plan: pro → free", "trial_end: 2026-03-15T12:00:00Z → (not set)"}, ""},
				{TrialMismatch, Medium, []string{"trial_end: 2026-03-15T12:00:00Z → (not set)"}, "has no trial end"},
			}},
		{name: "unmapped price, app grants nothing", b: billing(sub("sub_1", "active", "price_new")),
			subjects: []Subject{user("user_1", Fields{Plan: free, Premium: premiumField(false, false)})},
			want:     []want{{PaidWithoutAccess, Critical, []string{"plan: a paid plan (unmapped price price_new) → free", "premium: true → false"}, ""}}},
		{name: "past_due within grace, app revoked early", b: billing(sub("sub_1", "past_due", "price_pro", openInvoice(ago(3*day)))),
			subjects: []Subject{user("user_1", Fields{Plan: free})},
			want:     []want{{PaidWithoutAccess, Critical, []string{"plan: pro → free"}, ""}}},
		{name: "pause_collection grants, app revoked", b: billing(sub("sub_1", "active", "price_pro", pauseCollection())),
			subjects: []Subject{user("user_1", Fields{Plan: free})},
			want:     []want{{PaidWithoutAccess, Critical, []string{"plan: pro → free"}, ""}}},

		// access_without_payment
		{name: "canceled, app still on pro", b: canceled, subjects: []Subject{user("user_1", Fields{Plan: pro})},
			want: []want{{AccessWithoutPayment, High, []string{"plan: free → pro"}, "The app grants user user_1 (user_1@example.com) access but Stripe promises none: no subscription grants access"}}},
		{name: "canceled, only granting fields listed", b: canceled,
			subjects: []Subject{row("3", Fields{Plan: planField(nil), Premium: premiumField(true, true), TrialEnd: trialField(tp(later(2 * day)))})},
			want:     []want{{AccessWithoutPayment, High, []string{"premium: false → true", "trial_end: NULL → 2026-03-12T12:00:00Z"}, ""}}},
		{name: "past_due after grace, app still grants", b: billing(sub("sub_1", "past_due", "price_pro", openInvoice(ago(15*day)))),
			subjects: []Subject{user("user_1", Fields{Plan: pro})},
			want:     []want{{AccessWithoutPayment, High, []string{"plan: free → pro"}, "grace from invoice in_open ended 2026-03-09T12:00:00Z"}}},
		{name: "past_due, policy off", b: billing(sub("sub_1", "past_due", "price_pro", openInvoice(ago(day)))),
			policy:   func(p *Policy) { p.PastDueGrants = false },
			subjects: []Subject{user("user_1", Fields{Plan: pro})},
			want:     []want{{AccessWithoutPayment, High, []string{"plan: free → pro"}, "does not grant past_due"}}},
		{name: "unpaid, app still grants", b: billing(sub("sub_1", "unpaid", "price_pro")),
			subjects: []Subject{user("user_1", Fields{Plan: pro})},
			want:     []want{{AccessWithoutPayment, High, []string{"plan: free → pro"}, "unpaid"}}},
		{name: "unpaid, policy grants", b: billing(sub("sub_1", "unpaid", "price_pro")),
			policy:   func(p *Policy) { p.UnpaidGrants = true },
			subjects: []Subject{user("user_1", Fields{Plan: pro})}},
		{name: "paused, app still grants", b: billing(sub("sub_1", "paused", "price_pro")),
			subjects: []Subject{user("user_1", Fields{Premium: premiumField(1, true)})},
			want:     []want{{AccessWithoutPayment, High, []string{"premium: false → 1"}, "paused"}}},
		{name: "pause_collection, policy does not grant", b: billing(sub("sub_1", "active", "price_pro", pauseCollection())),
			policy:   func(p *Policy) { p.ActivePauseCollectionGrants = false },
			subjects: []Subject{user("user_1", Fields{Plan: pro})},
			want:     []want{{AccessWithoutPayment, High, []string{"plan: free → pro"}, "collection paused"}}},
		{name: "cancel_at_period_end before period end, app grants", b: billing(sub("sub_1", "active", "price_pro", cancelAtEnd(), periodEnd(later(time.Hour)))),
			subjects: []Subject{user("user_1", Fields{Plan: pro})}},
		{name: "cancel_at_period_end after period end, app grants", b: billing(sub("sub_1", "active", "price_pro", cancelAtEnd(), periodEnd(ago(time.Hour)))),
			subjects: []Subject{user("user_1", Fields{Plan: pro})},
			want:     []want{{AccessWithoutPayment, High, []string{"plan: free → pro"}, ""}}},
		{name: "incomplete within 23h: pending, no incident", b: billing(sub("sub_1", "incomplete", "price_pro", created(ago(2*time.Hour)))),
			subjects: []Subject{user("user_1", Fields{Plan: pro}), user("user_2", Fields{Plan: pro})}},
		{name: "incomplete after 23h, app grants", b: billing(sub("sub_1", "incomplete", "price_pro", created(ago(24*time.Hour)))),
			subjects: []Subject{user("user_1", Fields{Plan: pro})},
			want:     []want{{AccessWithoutPayment, High, []string{"plan: free → pro"}, "incomplete for more than 23h"}}},
		{name: "incomplete_expired, app grants", b: billing(sub("sub_1", "incomplete_expired", "price_pro")),
			subjects: []Subject{user("user_1", Fields{Plan: pro})},
			want:     []want{{AccessWithoutPayment, High, []string{"plan: free → pro"}, "sub_1: incomplete_expired"}}},
		{name: "deleted customer, app grants", b: deleted(active),
			subjects: []Subject{user("user_1", Fields{Plan: pro})},
			want:     []want{{AccessWithoutPayment, High, []string{"plan: free → pro"}, "customer deleted in Stripe"}}},
		{name: "no-plan value configured differently", b: canceled, noPlan: "none",
			subjects: []Subject{user("user_1", Fields{Plan: planField("free")})}, // "free" is a paid value now
			want:     []want{{AccessWithoutPayment, High, []string{"plan: none → free"}, ""}}},
		{name: "configured no-plan value, NULL and empty all mean no plan", b: canceled, noPlan: "none",
			subjects: []Subject{row("1", Fields{Plan: planField("none")}), row("2", Fields{Plan: planField(nil)}), row("3", Fields{Plan: planField("")})},
			want:     []want{{AmbiguousMatch, Low, nil, ""}}},

		// wrong_plan
		{name: "active pro, app on basic", b: active, subjects: []Subject{user("user_1", Fields{Plan: planField("basic")})},
			want: []want{{WrongPlan, High, []string{"plan: pro → basic"}, "user user_1 (user_1@example.com) has plan basic but Stripe promises pro"}}},
		{name: "plan compared exactly", b: active, subjects: []Subject{user("user_1", Fields{Plan: planField("Pro")})},
			want: []want{{WrongPlan, High, []string{"plan: pro → Pro"}, ""}}},
		{name: "app grants by premium, plan NULL", b: active,
			subjects: []Subject{row("9", Fields{Plan: planField(nil), Premium: premiumField(true, true)})},
			want:     []want{{WrongPlan, High, []string{"plan: pro → NULL"}, ""}}},
		{name: "several subscriptions, app on the lower tier", b: billing(sub("sub_1", "active", "price_basic"), sub("sub_2", "active", "price_ent")),
			subjects: []Subject{user("user_1", Fields{Plan: planField("basic")})},
			want:     []want{{WrongPlan, High, []string{"plan: enterprise → basic"}, ""}}},
		{name: "unmapped price: plan not judged", b: billing(sub("sub_1", "active", "price_new")),
			subjects: []Subject{user("user_1", Fields{Plan: planField("mystery")})}},
		{name: "premium off and plan wrong: both kinds", b: active,
			subjects: []Subject{user("user_1", Fields{Plan: planField("basic"), Premium: premiumField("off", false)})},
			want: []want{
				{PaidWithoutAccess, Critical, []string{"premium: true → off"}, ""},
				{WrongPlan, High, []string{"plan: pro → basic"}, ""},
			}},

		// trial_mismatch with the 24h tolerance.
		{name: "trial end 23h59 off", b: trialing,
			subjects: []Subject{user("user_1", Fields{Plan: pro, TrialEnd: trialField(tp(trialEnd.Add(23*time.Hour + 59*time.Minute)))})}},
		{name: "trial end 23h59 early", b: trialing,
			subjects: []Subject{user("user_1", Fields{Plan: pro, TrialEnd: trialField(tp(trialEnd.Add(-23*time.Hour - 59*time.Minute)))})}},
		{name: "trial end exactly 24h off", b: trialing,
			subjects: []Subject{user("user_1", Fields{Plan: pro, TrialEnd: trialField(tp(trialEnd.Add(24 * time.Hour)))})}},
		{name: "trial end 24h01 off", b: trialing,
			subjects: []Subject{user("user_1", Fields{Plan: pro, TrialEnd: trialField(tp(trialEnd.Add(24*time.Hour + time.Minute)))})},
			want:     []want{{TrialMismatch, Medium, []string{"trial_end: 2026-03-15T12:00:00Z → 2026-03-16T12:01:00Z"}, "(1d 0h off, tolerance 24h)"}}},
		{name: "trial end 24h01 early", b: trialing,
			subjects: []Subject{user("user_1", Fields{Plan: pro, TrialEnd: trialField(tp(trialEnd.Add(-24*time.Hour - time.Minute)))})},
			want:     []want{{TrialMismatch, Medium, []string{"trial_end: 2026-03-15T12:00:00Z → 2026-03-14T11:59:00Z"}, ""}}},
		{name: "trial tolerance widened", b: trialing, policy: func(p *Policy) { p.TrialToleranceHours = 72 },
			subjects: []Subject{user("user_1", Fields{Plan: pro, TrialEnd: trialField(tp(trialEnd.Add(48 * time.Hour)))})}},
		{name: "trial tolerance zero", b: trialing, policy: func(p *Policy) { p.TrialToleranceHours = 0 },
			subjects: []Subject{user("user_1", Fields{Plan: pro, TrialEnd: trialField(tp(trialEnd.Add(time.Minute)))})},
			want:     []want{{TrialMismatch, Medium, []string{"trial_end: 2026-03-15T12:00:00Z → 2026-03-15T12:01:00Z"}, "1m off"}}},
		{name: "trial end missing while the plan grants", b: trialing,
			subjects: []Subject{user("user_1", Fields{Plan: pro, TrialEnd: trialField(nil)})},
			want:     []want{{TrialMismatch, Medium, []string{"trial_end: 2026-03-15T12:00:00Z → (not set)"}, ""}}},
		{name: "trial end unreadable", b: trialing,
			subjects: []Subject{user("user_1", Fields{Plan: pro, TrialEnd: unreadable("public_metadata.trial_ends_at", "next week", "not a date")})},
			want:     []want{{TrialMismatch, Medium, []string{"trial_end: 2026-03-15T12:00:00Z → unreadable: next week (not a date)"}, "is unreadable"}}},
		{name: "trial end not compared for a paid subscription", b: active,
			subjects: []Subject{user("user_1", Fields{Plan: pro, TrialEnd: trialField(tp(later(40 * day)))})}},
		{name: "trial end only mapped and running: the trial grants", b: trialing,
			subjects: []Subject{user("user_1", Fields{TrialEnd: trialField(tp(trialEnd))})}},

		// entitlement_mismatch
		{name: "features match", b: withEntitlements(active, "sso", "api"),
			subjects: []Subject{user("user_1", Fields{Plan: pro, Entitlements: featuresField("api", "sso")})}},
		{name: "features differ", b: withEntitlements(active, "sso", "api"),
			subjects: []Subject{user("user_1", Fields{Plan: pro, Entitlements: featuresField("api", "audit")})},
			want:     []want{{EntitlementMismatch, Medium, []string{"entitlements: api, sso → api, audit"}, "missing sso; not promised audit"}}},
		{name: "features granted without payment", b: withEntitlements(canceled),
			subjects: []Subject{user("user_1", Fields{Plan: free, Entitlements: featuresField("sso")})},
			want:     []want{{EntitlementMismatch, Medium, []string{"entitlements: (none) → sso"}, ""}}},
		{name: "features unreadable", b: withEntitlements(active, "sso"),
			subjects: []Subject{user("user_1", Fields{Plan: pro, Entitlements: unreadable("public_metadata.entitlements", "sso", "not an object")})},
			want:     []want{{EntitlementMismatch, Medium, []string{"entitlements: sso → unreadable: sso (not an object)"}, "unreadable; missing sso"}}},
		{name: "features not compared when Entitlements is off", b: active,
			subjects: []Subject{user("user_1", Fields{Plan: pro, Entitlements: featuresField("anything")})}},

		// Matching.
		{name: "owed access, no subject", b: active,
			want: []want{{UnmatchedCustomer, Medium, nil, "cus_1 (ann@example.com) is owed paid access but no app user, organization or row is linked to it"}}},
		{name: "two subjects: ambiguous, each compared", b: active,
			subjects: []Subject{row("1", Fields{Plan: pro}), row("2", Fields{Plan: free})},
			want: []want{
				{PaidWithoutAccess, Critical, []string{"plan: pro → free"}, "row accounts#2"},
				{AmbiguousMatch, Low, nil, "cus_1 (ann@example.com) is linked to 2 app subjects: row accounts#1 (ann@example.com); row accounts#2 (ann@example.com)"},
			}},
		{name: "ambiguous even when nothing is owed", b: canceled,
			subjects: []Subject{user("user_1", Fields{Plan: free}), org("org_1", Fields{Plan: free})},
			want:     []want{{AmbiguousMatch, Low, nil, ""}}},

		// Several kinds at once, one per kind.
		{name: "trialing pro: premium off, plan wrong, trial off, features missing", b: withEntitlements(trialing, "sso"),
			subjects: []Subject{user("user_1", Fields{
				Plan: planField("basic"), Premium: premiumField("false", false),
				TrialEnd: trialField(tp(trialEnd.Add(3 * day))), Entitlements: featuresField(),
			})},
			want: []want{
				{PaidWithoutAccess, Critical, []string{"premium: true → false"}, ""},
				{WrongPlan, High, []string{"plan: pro → basic"}, ""},
				{TrialMismatch, Medium, []string{"trial_end: 2026-03-15T12:00:00Z → 2026-03-18T12:00:00Z"}, "3d 0h off"},
				{EntitlementMismatch, Medium, []string{"entitlements: sso → (none)"}, "missing sso"},
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pol := DefaultPolicy()
			if tc.policy != nil {
				tc.policy(&pol)
			}
			m := testMapping
			m.NoPlanValue = tc.noPlan
			p := DerivePromise(tc.b, m, pol, now)
			got := Compare(p, tc.subjects, m, pol, now)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d findings, want %d:%s", len(got), len(tc.want), describe(got))
			}
			for i, w := range tc.want {
				f := got[i]
				if f.Kind != w.kind || f.Severity != w.sev {
					t.Errorf("finding %d is %s/%s, want %s/%s:%s", i, f.Kind, f.Severity, w.kind, w.sev, describe(got))
				}
				if w.fields != nil {
					var lines []string
					for _, d := range f.Fields {
						lines = append(lines, diffLine(d))
					}
					if !reflect.DeepEqual(lines, w.fields) {
						t.Errorf("%s fields:\n got %q\nwant %q", f.Kind, lines, w.fields)
					}
				}
				if !strings.Contains(f.Summary, w.summary) {
					t.Errorf("%s summary %q does not say %q", f.Kind, f.Summary, w.summary)
				}
				if f.Policy != pol || f.Promise.Policy != pol || f.CustomerID != "cus_1" {
					t.Errorf("%s: policy or customer not recorded", f.Kind)
				}
				if customerLevel := f.Kind == UnmatchedCustomer || f.Kind == AmbiguousMatch; customerLevel != (f.Subject == nil) {
					t.Errorf("%s: subject %v", f.Kind, f.Subject)
				}
			}
		})
	}
}

// A finding carries typed expected/actual values and the evidence.
func TestCompareEvidence(t *testing.T) {
	b := billing(
		sub("sub_1", "active", "price_basic"),
		sub("sub_2", "trialing", "price_pro", trialUntil(later(3*day))),
		sub("sub_3", "canceled", "price_ent"),
	)
	p := DerivePromise(b, testMapping, DefaultPolicy(), now)
	s := org("org_9", Fields{Plan: planField("basic"), Premium: premiumField(true, true)})
	got := Compare(p, []Subject{s}, testMapping, DefaultPolicy(), now)
	if len(got) != 1 || got[0].Kind != WrongPlan {
		t.Fatalf("want one wrong_plan:%s", describe(got))
	}
	f := got[0]
	d := f.Fields[0]
	if d.Expected != "pro" || d.Actual != "basic" || d.Raw != "basic" || d.Path != "public_metadata.plan" {
		t.Errorf("typed diff: %+v", d)
	}
	if f.Subject.Kind != SubjectOrganization || f.Subject.ID != "org_9" || f.Subject.Fields.Premium.Raw != true {
		t.Errorf("subject as read: %+v", f.Subject)
	}
	ev := f.Promise.Subscriptions
	if len(ev) != 3 || ev[1].TrialEnd == nil || ev[1].Prices[0].Plan != "pro" || ev[2].Grants || ev[2].Reason != "canceled" {
		t.Errorf("evidence does not list every subscription with its decision: %+v", ev)
	}
	if !reflect.DeepEqual(f.Promise.CandidatePlans, []string{"pro", "basic"}) {
		t.Errorf("candidate plans %v", f.Promise.CandidatePlans)
	}
	// A paid subscription beside a trial: no trial is promised, trial end not compared.
	if f.Promise.Trial {
		t.Errorf("trial promised beside a paid subscription")
	}
}

func TestGrants(t *testing.T) {
	tests := []struct {
		name   string
		fields Fields
		want   bool
	}{
		{"nothing mapped", Fields{}, false},
		{"plan paid", Fields{Plan: planField("pro")}, true},
		{"plan is the no-plan value", Fields{Plan: planField("free")}, false},
		{"plan empty", Fields{Plan: planField("")}, false},
		{"plan NULL", Fields{Plan: planField(nil)}, false},
		{"plan unknown to the mapping still grants", Fields{Plan: planField("legacy")}, true},
		{"plan unreadable", Fields{Plan: unreadable("plan", 42, "not text")}, false},
		{"premium truthy", Fields{Premium: premiumField("active", true)}, true},
		{"premium falsy", Fields{Premium: premiumField("no", false)}, false},
		{"premium NULL", Fields{Premium: premiumField(nil, false)}, false},
		{"trial end in the future", Fields{TrialEnd: trialField(tp(later(time.Minute)))}, true},
		{"trial end now", Fields{TrialEnd: trialField(tp(now))}, false},
		{"trial end past", Fields{TrialEnd: trialField(tp(ago(time.Minute)))}, false},
		{"entitlements alone do not grant", Fields{Entitlements: featuresField("sso")}, false},
		{"any one field grants", Fields{Plan: planField("free"), Premium: premiumField(false, false), TrialEnd: trialField(tp(later(day)))}, true},
	}
	for _, tc := range tests {
		if got := Grants(user("user_1", tc.fields), testMapping, now); got != tc.want {
			t.Errorf("%s: Grants = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCompareUnlinked(t *testing.T) {
	pol := DefaultPolicy()
	noCustomer := row("5", Fields{Plan: planField("pro"), Premium: premiumField(false, false)})
	noCustomer.CustomerID = ""
	got := CompareUnlinked(noCustomer, testMapping, pol, now)
	if len(got) != 1 || got[0].Kind != AccessWithoutPayment || got[0].Severity != High {
		t.Fatalf("want access_without_payment:%s", describe(got))
	}
	if diffLine(got[0].Fields[0]) != "plan: free → pro" || len(got[0].Fields) != 1 ||
		got[0].Summary != "App row accounts#5 (ann@example.com) grants pro but no Stripe customer is linked" || got[0].CustomerID != "" {
		t.Errorf("finding:%s", describe(got))
	}

	unknown := user("user_1", Fields{Premium: premiumField("yes", true)})
	unknown.CustomerID = "cus_gone"
	got = CompareUnlinked(unknown, testMapping, pol, now)
	if len(got) != 1 || got[0].CustomerID != "" || got[0].LinkedValue != "cus_gone" || got[0].Promise.CustomerID != "" ||
		got[0].Summary != "App user user_1 (user_1@example.com) grants premium but it names Stripe customer cus_gone, which the Stripe account does not hold" ||
		got[0].Promise.Reason != "Stripe customer cus_gone not found" ||
		diffLine(got[0].Fields[0]) != "premium: false → yes" {
		t.Errorf("unknown customer:%s", describe(got))
	}

	byEmail := row("7", Fields{TrialEnd: trialField(tp(later(3 * day)))})
	byEmail.CustomerID = "Zoe@Example.com"
	got = CompareUnlinked(byEmail, testMapping, pol, now)
	if len(got) != 1 || got[0].CustomerID != "" || got[0].LinkedValue != "Zoe@Example.com" ||
		got[0].Summary != `App row accounts#7 (ann@example.com) grants a trial until 2026-03-13T12:00:00Z but no Stripe customer matches its "Zoe@Example.com"` {
		t.Errorf("unknown email:%s", describe(got))
	}

	free := user("user_2", Fields{Plan: planField("free"), Entitlements: featuresField("sso")})
	free.CustomerID = ""
	if got := CompareUnlinked(free, testMapping, pol, now); len(got) != 0 {
		t.Errorf("a subject granting nothing needs no customer:%s", describe(got))
	}
}

// Findings are stored as incident evidence, so they must survive JSON.
func TestFindingJSON(t *testing.T) {
	b := withEntitlements(billing(sub("sub_1", "trialing", "price_pro", trialUntil(later(day)))), "sso")
	p := DerivePromise(b, testMapping, DefaultPolicy(), now)
	fs := Compare(p, []Subject{row("1", Fields{Plan: planField("free"), TrialEnd: trialField(nil), Entitlements: featuresField()})}, testMapping, DefaultPolicy(), now)
	raw, err := json.Marshal(fs)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"kind":"paid_without_access"`, `"severity":"critical"`, `"expected_text":"pro"`, `"actual_text":"free"`,
		`"past_due_grace_days":14`, `"latest_invoice_status":"paid"`, `"table":"accounts"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
}
