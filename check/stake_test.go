package check

import (
	"context"
	"fmt"
	"testing"
	"time"

	stripe "github.com/stripe/stripe-go/v76"

	"parityrail/db"
	"parityrail/demo/stripefake"
)

// Every incident carries what its gap is worth per month, read from the
// prices Stripe lists with the subscriptions.
func TestIncidentsCarryMoneyAtStake(t *testing.T) {
	w := newWorld(t, "postgres")
	f := w.stripe
	f.AddPrice(stripefake.PriceSpec{ID: "price_pro", ProductName: "Pro", UnitAmount: 4900})
	day := 24 * time.Hour
	for _, c := range []struct{ id, plan, status string }{{"cus_paid", "free", "active"}, {"cus_gone", "pro", "canceled"}, {"cus_ok", "pro", "active"}} {
		f.AddCustomer(stripefake.CustomerSpec{ID: c.id, Email: c.id + "@billing.test", Created: T0.Add(-60 * day)})
		f.MustAddSubscription(stripefake.SubscriptionSpec{CustomerID: c.id, PriceIDs: []string{"price_pro"}, Status: stripe.SubscriptionStatus(c.status), Created: T0.Add(-10 * day)})
		w.app.add(t, subj{label: c.id + "@app.test", customer: c.id, plan: str(c.plan)})
	}
	w.app.add(t, subj{label: "stray@app.test", plan: str("basic")}) // no mapped price known for basic
	w.run(Request{Scope: ScopeFull})

	list, _, err := w.store.ListIncidents(context.Background(), w.project.ID, db.IncidentFilter{Statuses: []string{"open"}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, inc := range list {
		s := "none"
		if st := inc.AtStake; st != nil && st.MonthlyMinor != nil {
			s = fmt.Sprintf("%s %s %d", st.Basis, st.Currency, *st.MonthlyMinor)
		}
		got[inc.SubjectEmail] = inc.Kind + " " + s
	}
	want := map[string]string{
		"cus_paid@app.test": "paid_without_access price usd 4900",
		"cus_gone@app.test": "access_without_payment price usd 4900",
		"stray@app.test":    "access_without_payment none",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("at stake:\n got %v\nwant %v", got, want)
	}
	if n := len(priceReads(f)); n != 0 {
		t.Errorf("no tiered price, yet %d prices read", n)
	}
	totals, err := w.store.StakeTotals(context.Background(), w.project.ID)
	if err != nil || fmt.Sprint(totals) != "[{usd access_without_payment 4900} {usd paid_without_access 4900}]" {
		t.Errorf("totals %v %v", totals, err)
	}
}
