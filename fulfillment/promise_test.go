package fulfillment

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDerivePromise(t *testing.T) {
	tests := []struct {
		name     string
		b        Billing
		policy   func(*Policy) // tweak of DefaultPolicy
		grants   bool
		pending  bool
		plan     string // "" with unknown=true means cannot be judged
		unknown  bool
		trialEnd *time.Time
		reason   string // must appear in the promise's reason
	}{
		{name: "no subscriptions", b: billing(), plan: "free", reason: "no subscriptions"},
		{name: "active", b: billing(sub("sub_1", "active", "price_pro")), grants: true, plan: "pro", reason: "sub_1 (active)"},
		{name: "trialing promises its trial end",
			b:      billing(sub("sub_1", "trialing", "price_pro", trialUntil(later(5*day)))),
			grants: true, plan: "pro", trialEnd: tp(later(5 * day)), reason: "trial ends 2026-03-15T12:00:00Z"},

		// past_due: grace counted from the latest (unpaid) invoice's creation.
		{name: "past_due within grace", b: billing(sub("sub_1", "past_due", "price_pro", openInvoice(ago(13*day)))),
			grants: true, plan: "pro", reason: "sub_1 (past_due)"},
		{name: "past_due after grace", b: billing(sub("sub_1", "past_due", "price_pro", openInvoice(ago(15*day)))),
			plan: "free", reason: "no subscription grants"},
		{name: "past_due at the exact end of grace", b: billing(sub("sub_1", "past_due", "price_pro", openInvoice(ago(14*day)))),
			plan: "free"},
		{name: "past_due, policy does not grant", b: billing(sub("sub_1", "past_due", "price_pro", openInvoice(ago(1*day)))),
			policy: func(p *Policy) { p.PastDueGrants = false }, plan: "free"},
		{name: "past_due, longer grace", b: billing(sub("sub_1", "past_due", "price_pro", openInvoice(ago(20*day)))),
			policy: func(p *Policy) { p.PastDueGraceDays = 30 }, grants: true, plan: "pro"},

		{name: "unpaid", b: billing(sub("sub_1", "unpaid", "price_pro")), plan: "free"},
		{name: "unpaid, policy grants", b: billing(sub("sub_1", "unpaid", "price_pro")),
			policy: func(p *Policy) { p.UnpaidGrants = true }, grants: true, plan: "pro"},
		{name: "paused", b: billing(sub("sub_1", "paused", "price_pro")), plan: "free"},
		{name: "paused, policy grants", b: billing(sub("sub_1", "paused", "price_pro")),
			policy: func(p *Policy) { p.PausedGrants = true }, grants: true, plan: "pro"},
		{name: "active with pause_collection", b: billing(sub("sub_1", "active", "price_pro", pauseCollection())),
			grants: true, plan: "pro", reason: "sub_1 (active)"},
		{name: "active with pause_collection, policy does not grant", b: billing(sub("sub_1", "active", "price_pro", pauseCollection())),
			policy: func(p *Policy) { p.ActivePauseCollectionGrants = false }, plan: "free"},

		// incomplete: pending (no incident) for 23h after creation.
		{name: "incomplete within 23h is pending", b: billing(sub("sub_1", "incomplete", "price_pro", created(ago(22*time.Hour+59*time.Minute)))),
			pending: true, plan: "free", reason: "pending: sub_1"},
		{name: "incomplete after 23h", b: billing(sub("sub_1", "incomplete", "price_pro", created(ago(23*time.Hour+time.Minute)))),
			plan: "free", reason: "no subscription grants"},
		{name: "incomplete, longer pending window", b: billing(sub("sub_1", "incomplete", "price_pro", created(ago(30*time.Hour)))),
			policy: func(p *Policy) { p.IncompletePendingHours = 48 }, pending: true, plan: "free"},
		{name: "incomplete pending does not matter when another grants",
			b:      billing(sub("sub_1", "incomplete", "price_ent", created(ago(time.Hour))), sub("sub_2", "active", "price_basic")),
			grants: true, plan: "basic"},
		{name: "incomplete_expired", b: billing(sub("sub_1", "incomplete_expired", "price_pro")), plan: "free"},
		{name: "canceled", b: billing(sub("sub_1", "canceled", "price_pro")), plan: "free"},
		{name: "unknown status", b: billing(sub("sub_1", "mystery", "price_pro")), plan: "free"},

		// cancel_at_period_end: yes until the period ends.
		{name: "cancel_at_period_end before period end", b: billing(sub("sub_1", "active", "price_pro", cancelAtEnd(), periodEnd(later(time.Minute)))),
			grants: true, plan: "pro"},
		{name: "cancel_at_period_end after period end", b: billing(sub("sub_1", "active", "price_pro", cancelAtEnd(), periodEnd(ago(time.Minute)))),
			plan: "free"},

		// Several subscriptions: highest mapping row wins.
		{name: "several subscriptions, highest tier",
			b:      billing(sub("sub_1", "active", "price_basic"), sub("sub_2", "active", "price_ent"), sub("sub_3", "active", "price_pro")),
			grants: true, plan: "enterprise", reason: "(highest of enterprise, pro, basic)"},
		{name: "a non-granting higher tier does not count",
			b:      billing(sub("sub_1", "active", "price_basic"), sub("sub_2", "canceled", "price_ent")),
			grants: true, plan: "basic"},
		{name: "mapped by lookup key", b: billing(sub("sub_1", "active", "", items(Item{PriceID: "price_new", LookupKey: "pro_monthly"}))),
			grants: true, plan: "pro"},
		{name: "price id wins over lookup key", b: billing(sub("sub_1", "active", "", items(Item{PriceID: "price_basic", LookupKey: "pro_monthly"}))),
			grants: true, plan: "basic"},
		{name: "unmapped price: plan cannot be judged", b: billing(sub("sub_1", "active", "price_new")),
			grants: true, unknown: true, reason: "plan cannot be judged"},
		{name: "unmapped subscription beside a mapped one: plan cannot be judged",
			b:      billing(sub("sub_1", "active", "price_pro"), sub("sub_2", "active", "price_new")),
			grants: true, unknown: true},
		{name: "unmapped add-on item in a mapped subscription",
			b:      billing(sub("sub_1", "active", "", items(Item{PriceID: "price_pro"}, Item{PriceID: "price_seats"}))),
			grants: true, plan: "pro"},

		// Trials with several granting subscriptions.
		{name: "trialing beside a paid active subscription is no trial",
			b:      billing(sub("sub_1", "active", "price_basic"), sub("sub_2", "trialing", "price_pro", trialUntil(later(3*day)))),
			grants: true, plan: "pro"},
		{name: "two trials promise the later trial end",
			b:      billing(sub("sub_1", "trialing", "price_basic", trialUntil(later(3*day))), sub("sub_2", "trialing", "price_pro", trialUntil(later(7*day)))),
			grants: true, plan: "pro", trialEnd: tp(later(7 * day))},

		{name: "deleted customer", b: deleted(billing(sub("sub_1", "active", "price_pro"))), plan: "free", reason: "customer deleted in Stripe"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pol := DefaultPolicy()
			if tc.policy != nil {
				tc.policy(&pol)
			}
			p := DerivePromise(tc.b, testMapping, pol, now)
			if p.Grants != tc.grants || p.Premium != tc.grants || p.Pending != tc.pending {
				t.Fatalf("grants=%v premium=%v pending=%v, want grants=%v pending=%v (%s)", p.Grants, p.Premium, p.Pending, tc.grants, tc.pending, p.Reason)
			}
			if p.Plan != tc.plan || p.PlanKnown == tc.unknown {
				t.Errorf("plan=%q known=%v, want %q known=%v (%s)", p.Plan, p.PlanKnown, tc.plan, !tc.unknown, p.Reason)
			}
			if (p.TrialEnd == nil) != (tc.trialEnd == nil) || p.Trial != (tc.trialEnd != nil) ||
				(p.TrialEnd != nil && !p.TrialEnd.Equal(*tc.trialEnd)) {
				t.Errorf("trial=%v end=%v, want %v", p.Trial, p.TrialEnd, tc.trialEnd)
			}
			if !strings.Contains(p.Reason, tc.reason) {
				t.Errorf("reason %q does not say %q", p.Reason, tc.reason)
			}
			if p.Policy != pol || !p.DerivedAt.Equal(now) {
				t.Errorf("policy or time not recorded: %+v %v", p.Policy, p.DerivedAt)
			}
			if len(p.Subscriptions) != len(tc.b.Subscriptions) {
				t.Errorf("evidence lists %d subscriptions, want %d", len(p.Subscriptions), len(tc.b.Subscriptions))
			}
			for _, v := range p.Subscriptions {
				if v.Reason == "" {
					t.Errorf("subscription %s has no grant reason", v.ID)
				}
			}
		})
	}
}

func TestDerivePromiseEvidence(t *testing.T) {
	b := billing(
		sub("sub_basic", "active", "price_basic"),
		sub("sub_ent", "past_due", "price_ent", openInvoice(ago(2*day))),
		sub("sub_old", "canceled", "price_pro"),
		sub("sub_new", "active", "", items(Item{PriceID: "price_pro"}, Item{PriceID: "price_seats", ProductID: "prod_seats"})),
	)
	p := DerivePromise(b, testMapping, DefaultPolicy(), now)
	if p.Plan != "enterprise" {
		t.Fatalf("plan %q, want enterprise", p.Plan)
	}
	if want := []string{"enterprise", "pro", "basic"}; !reflect.DeepEqual(p.CandidatePlans, want) {
		t.Errorf("candidate plans %v, want %v", p.CandidatePlans, want)
	}
	if want := []string{"price_seats"}; !reflect.DeepEqual(p.UnmappedPrices, want) {
		t.Errorf("unmapped %v, want %v", p.UnmappedPrices, want)
	}
	ent := p.Subscriptions[1]
	if ent.ID != "sub_ent" || !ent.Grants || ent.LatestInvoiceStatus != "open" || ent.LatestInvoiceID != "in_open" ||
		ent.CurrentPeriodEnd == nil || !strings.Contains(ent.Reason, "within the 14-day grace from invoice in_open (until 2026-03-22T12:00:00Z)") {
		t.Errorf("past_due evidence: %+v", ent)
	}
	if ent.Prices[0] != (PricePlan{PriceID: "price_ent", Plan: "enterprise", Mapped: true}) {
		t.Errorf("price → plan evidence: %+v", ent.Prices)
	}
	if old := p.Subscriptions[2]; old.Grants || old.Reason != "canceled" {
		t.Errorf("canceled evidence: %+v", old)
	}
	if seats := p.Subscriptions[3].Prices[1]; seats.Mapped || seats.Plan != "" {
		t.Errorf("unmapped price evidence: %+v", seats)
	}
}

func TestDerivePromiseFeatures(t *testing.T) {
	active := billing(sub("sub_1", "active", "price_pro"))
	canceled := billing(sub("sub_1", "canceled", "price_pro"))

	p := DerivePromise(withEntitlements(active, "sso", "api", "sso"), testMapping, DefaultPolicy(), now)
	if !p.FeaturesEnabled || !reflect.DeepEqual(p.Features, []string{"api", "sso"}) {
		t.Errorf("granting: enabled=%v features=%v, want api, sso", p.FeaturesEnabled, p.Features)
	}
	// Stripe may still list entitlements; with nothing granting, none are promised.
	p = DerivePromise(withEntitlements(canceled, "sso"), testMapping, DefaultPolicy(), now)
	if !p.FeaturesEnabled || len(p.Features) != 0 {
		t.Errorf("not granting: enabled=%v features=%v, want none", p.FeaturesEnabled, p.Features)
	}
	p = DerivePromise(active, testMapping, DefaultPolicy(), now)
	if p.FeaturesEnabled || p.Features != nil {
		t.Errorf("entitlements off: enabled=%v features=%v", p.FeaturesEnabled, p.Features)
	}
	p = DerivePromise(deleted(withEntitlements(active, "sso")), testMapping, DefaultPolicy(), now)
	if len(p.Features) != 0 || p.Grants {
		t.Errorf("deleted customer promised %v", p.Features)
	}
}

func TestNoPlanValue(t *testing.T) {
	m := PlanMapping{NoPlanValue: "none"}
	for v, paid := range map[string]bool{"": false, "none": false, "free": true, "pro": true, "Pro": true, " none": true} {
		if m.IsPaidPlan(v) != paid {
			t.Errorf("IsPaidPlan(%q) = %v, want %v", v, !paid, paid)
		}
	}
	if (PlanMapping{}).NoPlan() != "free" {
		t.Errorf("default no-plan value is not free")
	}
	p := DerivePromise(billing(), m, DefaultPolicy(), now)
	if p.Plan != "none" {
		t.Errorf("no paid plan promised as %q, want the configured value", p.Plan)
	}
}
