package check

import (
	"context"
	"fmt"
	"strings"
	"testing"

	stripe "github.com/stripe/stripe-go/v76"

	"parityrail/db"
	"parityrail/demo/stripefake"
)

// tieredWorld: a graduated and a volume price (monthly, usd), two
// subscriptions on the graduated one, and a per-unit price; every customer
// paying with no access in the app.
func tieredWorld(t *testing.T) *world {
	w := newProWorld(t)
	f := w.stripe
	// Graduated: the first 5 seats at $10, the rest at $8 plus a $5 flat fee.
	f.AddPrice(stripefake.PriceSpec{ID: "price_grad", ProductName: "Seats", TiersMode: "graduated",
		Tiers: []stripefake.TierSpec{{UpTo: 5, UnitAmount: 1000}, {UnitAmount: 800, FlatAmount: 500}}})
	// Volume: every unit at the rate of the tier the quantity falls in.
	f.AddPrice(stripefake.PriceSpec{ID: "price_vol", ProductName: "Volume", TiersMode: "volume",
		Tiers: []stripefake.TierSpec{{UpTo: 10, UnitAmount: 700}, {UnitAmount: 500}}})
	for _, c := range []struct {
		id, price string
		qty       int64
	}{{"cus_grad", "price_grad", 12}, {"cus_grad_small", "price_grad", 3}, {"cus_vol", "price_vol", 12}, {"cus_pro", "price_pro", 1}} {
		w.subscriber(c.id, "free", stripefake.SubscriptionSpec{PriceIDs: []string{c.price}, Quantity: c.qty, Status: stripe.SubscriptionStatusActive})
	}
	return w
}

// stakesByEmail is each open incident's kind and money at stake.
func stakesByEmail(t *testing.T, w *world) map[string]string {
	got := map[string]string{}
	for _, inc := range w.listIncidents("open") {
		s := "none"
		if st := inc.AtStake; st != nil {
			amount := "null"
			if st.MonthlyMinor != nil {
				amount = fmt.Sprint(*st.MonthlyMinor)
			}
			s = fmt.Sprintf("%s %s %s", st.Basis, st.Currency, amount)
		}
		got[inc.SubjectEmail] = inc.Kind + " " + s
	}
	return got
}

// priceReads counts requests for single prices, by path.
func priceReads(f *stripefake.Server) map[string]int {
	out := map[string]int{}
	for _, r := range f.Requests() {
		if strings.HasPrefix(r.Path, "/v1/prices/") {
			out[r.Path]++
			if r.RawQuery != "expand%5B%5D=tiers" {
				panic("price read without expand[]=tiers: " + r.RawQuery)
			}
		}
	}
	return out
}

// A tiered price's amount is its current tier's, read once per check per
// distinct tiered price: graduated 5×$10 + 7×$8 + $5 = $111 for 12 seats,
// $30 for 3; volume 12×$5 = $60.
func TestTieredPricesAtStake(t *testing.T) {
	w := tieredWorld(t)
	res := w.run(Request{Scope: ScopeFull})
	want := map[string]string{
		"cus_grad@app.test":       "paid_without_access varies usd 11100",
		"cus_grad_small@app.test": "paid_without_access varies usd 3000",
		"cus_vol@app.test":        "paid_without_access varies usd 6000",
		"cus_pro@app.test":        "paid_without_access price usd 4900",
	}
	if got := stakesByEmail(t, w); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("at stake:\n got %v\nwant %v", got, want)
	}
	// One request per distinct tiered price, none for the per-unit one.
	if got := fmt.Sprint(priceReads(w.stripe)); got != "map[/v1/prices/price_grad:1 /v1/prices/price_vol:1]" {
		t.Errorf("price reads: %s", got)
	}
	all := w.stripe.RequestCount()
	if int64(all) != res.Summary.StripeRequests {
		t.Errorf("the check counted %d requests, the fake saw %d", res.Summary.StripeRequests, all)
	}

	// The same world without the tiered prices' reads: exactly two fewer.
	w.stripe.ResetLog()
	res2 := w.run(Request{Scope: ScopeFull})
	reads := priceReads(w.stripe)
	if fmt.Sprint(reads) != "map[/v1/prices/price_grad:1 /v1/prices/price_vol:1]" {
		t.Errorf("second check's price reads: %v", reads)
	}
	lists := 0
	for p, n := range w.stripe.CountsByPath() {
		if !strings.HasPrefix(p, "/v1/prices/") {
			lists += n
		}
	}
	if res2.Summary.StripeRequests != int64(lists+2) {
		t.Errorf("requests: %d, want the lists' %d + 2", res2.Summary.StripeRequests, lists)
	}

	// A re-check of one customer reads its one tiered price once.
	w.stripe.ResetLog()
	w.run(Request{Scope: ScopeCustomer, CustomerIDs: []string{"cus_vol"}})
	if got := fmt.Sprint(priceReads(w.stripe)); got != "map[/v1/prices/price_vol:1]" {
		t.Errorf("one customer's price reads: %s", got)
	}
}

// A key without Prices read (optional) still checks: tiered prices read
// "varies" with no amount, after one refused read and no more. (The world
// compares entitlements, so the key has that read too.)
func TestTieredPricesWithoutPricesRead(t *testing.T) {
	w := tieredWorld(t)
	key := "rk_test_threescopes0001"
	w.stripe.AddRestrictedKey(key, stripefake.PermCustomers, stripefake.PermSubscriptions, stripefake.PermInvoices,
		stripefake.PermEntitlements)
	sealed, _ := w.vault.Seal(key)
	if err := w.store.ConnectBilling(context.Background(), db.Connection{ProjectID: w.project.ID, Kind: "stripe", SealedSecret: sealed,
		Label: "rk_test_…0001", ConnectedBy: w.owner.ID}); err != nil {
		t.Fatal(err)
	}
	w.run(Request{Scope: ScopeFull})
	want := map[string]string{
		"cus_grad@app.test":       "paid_without_access varies usd null",
		"cus_grad_small@app.test": "paid_without_access varies usd null",
		"cus_vol@app.test":        "paid_without_access varies usd null",
		"cus_pro@app.test":        "paid_without_access price usd 4900",
	}
	if got := stakesByEmail(t, w); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("at stake:\n got %v\nwant %v", got, want)
	}
	refused := 0
	for _, r := range w.stripe.Requests() {
		if r.Status == 403 {
			refused++
			if !strings.HasPrefix(r.Path, "/v1/prices/") {
				t.Errorf("refused %s", r.Path)
			}
		}
	}
	if refused != 1 {
		t.Errorf("%d refused reads, want 1", refused)
	}
}
