package check

import (
	"context"
	"fmt"
	"testing"

	stripe "github.com/stripe/stripe-go/v76"

	"parityrail/demo/stripefake"
)

// Every incident carries what its gap is worth per month, read from the
// prices Stripe lists with the subscriptions.
func TestIncidentsCarryMoneyAtStake(t *testing.T) {
	w := newProWorld(t)
	for _, c := range []struct{ id, plan, status string }{{"cus_paid", "free", "active"}, {"cus_gone", "pro", "canceled"}, {"cus_ok", "pro", "active"}} {
		w.subscriber(c.id, c.plan, stripefake.SubscriptionSpec{Status: stripe.SubscriptionStatus(c.status)})
	}
	w.app.add(t, subj{label: "stray@app.test", plan: str("basic")}) // no mapped price known for basic
	w.run(Request{Scope: ScopeFull})

	got := stakesByEmail(t, w)
	want := map[string]string{
		"cus_paid@app.test": "paid_without_access price usd 4900",
		"cus_gone@app.test": "access_without_payment price usd 4900",
		"stray@app.test":    "access_without_payment none",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("at stake:\n got %v\nwant %v", got, want)
	}
	if n := len(priceReads(w.stripe)); n != 0 {
		t.Errorf("no tiered price, yet %d prices read", n)
	}
	totals, err := w.store.StakeTotals(context.Background(), w.project.ID)
	if err != nil || fmt.Sprint(totals) != "[{usd access_without_payment 4900} {usd paid_without_access 4900}]" {
		t.Errorf("totals %v %v", totals, err)
	}
}
