package check

import (
	"context"
	"testing"

	stripe "github.com/stripe/stripe-go/v76"

	"parityrail/db"
	"parityrail/demo/stripefake"
	"parityrail/ledger"
)

// Every customer's promise is ledgered when first seen — the first full
// check included — and again only when it changes.
func TestEveryPromiseLedgeredOnceAndOnChange(t *testing.T) {
	w := newProWorld(t)
	subA := w.subscriber("cus_a", "pro", stripefake.SubscriptionSpec{})
	w.subscriber("cus_b", "pro", stripefake.SubscriptionSpec{})
	w.stripe.AddCustomer(stripefake.CustomerSpec{ID: "cus_c", Email: "cus_c@billing.test", Created: T0.Add(-60 * 24 * 3600e9)})
	w.app.add(t, subj{label: "cus_c@app.test", customer: "cus_c", plan: str("pro")})

	promises := func(customer string) (n int, first ledger.Kind) {
		t.Helper()
		entries, err := w.store.ListLedger(context.Background(), w.project.ID, db.LedgerQuery{CustomerID: customer})
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range entries {
			if i == 0 {
				first = e.Kind
			}
			if e.Kind == ledger.PromiseChanged {
				n++
			}
		}
		return n, first
	}
	w.run(Request{Scope: ScopeFull})
	w.run(Request{Scope: ScopeFull})
	for _, id := range []string{"cus_a", "cus_b", "cus_c"} {
		if n, first := promises(id); n != 1 || first != ledger.PromiseChanged {
			t.Errorf("%s after two checks: %d promise entries, first entry %s", id, n, first)
		}
	}
	if err := w.stripe.UpdateSubscription(subA, func(s *stripe.Subscription) { s.Status = stripe.SubscriptionStatusCanceled }); err != nil {
		t.Fatal(err)
	}
	w.run(Request{Scope: ScopeFull})
	for id, want := range map[string]int{"cus_a": 2, "cus_b": 1, "cus_c": 1} {
		if n, _ := promises(id); n != want {
			t.Errorf("%s after its promise changed: %d promise entries, want %d", id, n, want)
		}
	}
}
