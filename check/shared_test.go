package check

import (
	"strings"
	"testing"
	"time"

	"parityrail/demo/stripefake"
	"parityrail/mapping"
)

// Two Stripe customers pointing at one app row — by a metadata key or by an
// email typed with other case and a trailing space — are ambiguous for both:
// no false access_without_payment on the canceled one, no unmatched_customer
// on the paying one.
func TestSharedRowIsAmbiguousForEveryCustomer(t *testing.T) {
	for _, tc := range []struct {
		name     string
		identity mapping.Identity
		active   stripefake.CustomerSpec
		canceled stripefake.CustomerSpec
		rowEmail string
	}{{
		name:     "metadata key",
		identity: mapping.Identity{BillingField: "stripe.customer.metadata.app_user", Table: "app_users", Column: "stripe_customer_id"},
		active:   stripefake.CustomerSpec{ID: "cus_paying", Email: "pay@billing.test", Metadata: map[string]string{"app_user": "u-42"}},
		canceled: stripefake.CustomerSpec{ID: "cus_old", Email: "old@billing.test", Metadata: map[string]string{"app_user": "u-42"}},
		rowEmail: "ann@app.test",
	}, {
		name:     "email, mixed case and trailing space",
		identity: mapping.Identity{BillingField: mapping.BillingEmail, Table: "app_users", Column: "email"},
		active:   stripefake.CustomerSpec{ID: "cus_paying", Email: "Ann@Example.COM "},
		canceled: stripefake.CustomerSpec{ID: "cus_old", Email: "ANN@example.com"},
		rowEmail: "ann@example.com",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			w := newProWorld(t)
			f := w.stripe
			// The canceled customer is the newer one: a pick of the newest
			// would land the row on it.
			tc.active.Created, tc.canceled.Created = T0.Add(-90*24*time.Hour), T0.Add(-30*24*time.Hour)
			f.AddCustomer(tc.active)
			f.AddCustomer(tc.canceled)
			f.MustAddSubscription(stripefake.SubscriptionSpec{CustomerID: "cus_paying", PriceIDs: []string{"price_pro"}, Created: T0.Add(-20 * 24 * time.Hour)})
			f.MustAddSubscription(stripefake.SubscriptionSpec{CustomerID: "cus_old", PriceIDs: []string{"price_pro"}, Status: "canceled", Created: T0.Add(-25 * 24 * time.Hour)})
			// A plus-address is another address: not folded into ann's.
			f.AddCustomer(stripefake.CustomerSpec{ID: "cus_plus", Email: "ann+work@example.com", Created: T0.Add(-10 * 24 * time.Hour)})
			w.app.add(t, subj{label: tc.rowEmail, customer: "u-42", plan: str("pro")})
			w.editMapping(func(m *mapping.Mapping) { m.Identity = &tc.identity })

			w.run(Request{Scope: ScopeFull})
			got := w.incidents("open")
			want := []string{"cus_old|ambiguous_match|" + tc.rowEmail, "cus_paying|ambiguous_match|" + tc.rowEmail}
			if d := diffSets(got, want); d != "" {
				t.Fatalf("incidents:%s\n got %v", d, got)
			}
			// A one-customer re-check (a webhook) cannot see the other
			// customer: it keeps the ambiguity and judges nothing from a pick.
			for _, c := range []string{"cus_old", "cus_paying"} {
				w.run(Request{Scope: ScopeCustomer, CustomerIDs: []string{c}})
				if d := diffSets(w.incidents("open"), want); d != "" {
					t.Fatalf("after re-checking %s:%s", c, d)
				}
			}
			for _, inc := range w.listIncidents("open") {
				fd := w.finding(inc.ID)
				if strings.Join(fd.SharedWith, ",") != "cus_old,cus_paying" || fd.Subject == nil || fd.Subject.Email != tc.rowEmail {
					t.Errorf("%s evidence: shared %v subject %+v", inc.CustomerID, fd.SharedWith, fd.Subject)
				}
				for _, part := range []string{"2 Stripe customers point at row", "cus_paying", "cus_old", "Only cus_paying is owed paid access, and row"} {
					if !strings.Contains(inc.Summary, part) {
						t.Errorf("%s summary %q lacks %q", inc.CustomerID, inc.Summary, part)
					}
				}
			}
		})
	}
}
