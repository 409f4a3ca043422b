package billing

import (
	"errors"
	"strings"
	"testing"

	"parityrail/demo/stripefake"
)

// A restricted key with only Customers, Subscriptions and Invoices read
// passes the connect probe (Prices and Products come back optional) and
// reads the whole account for a check.
func TestThreeScopeKeyConnectsAndReads(t *testing.T) {
	w := newWorld(t)
	f := w.fake
	f.AddPrice(stripefake.PriceSpec{ID: "price_pro", ProductName: "Pro", UnitAmount: 4900})
	cus := f.AddCustomer(stripefake.CustomerSpec{})
	f.MustAddSubscription(stripefake.SubscriptionSpec{CustomerID: cus, PriceIDs: []string{"price_pro"}})
	key := "rk_test_threescopes"
	f.AddRestrictedKey(key, stripefake.PermCustomers, stripefake.PermSubscriptions, stripefake.PermInvoices)
	c := w.client(t, key)
	res, err := c.TestConnection(t.Context(), ProbeOptions{})
	var pe *PermissionError
	if !errors.As(err, &pe) || pe.Required() != nil || strings.Join(pe.OptionalResources(), ",") != "Prices,Products" {
		t.Fatalf("probe: %v", err)
	}
	if strings.Join(res.Checked, ",") != "Customers,Subscriptions,Invoices" {
		t.Fatalf("checked %v", res.Checked)
	}
	all, err := c.ReadAll(t.Context())
	if err != nil || len(all) != 1 || len(all[0].Subscriptions) != 1 || all[0].Subscriptions[0].Items[0].Price == nil ||
		*all[0].Subscriptions[0].Items[0].Price.UnitAmount != 4900 {
		t.Fatalf("read: %+v %v", all, err)
	}
}

// PriceTiers reads one price with expand[]=tiers: null amounts read as 0,
// the last tier's up_to as nil; a per-unit price has no steps.
func TestPriceTiers(t *testing.T) {
	w := newWorld(t)
	w.fake.AddPrice(stripefake.PriceSpec{ID: "price_seats", TiersMode: "volume",
		Tiers: []stripefake.TierSpec{{UpTo: 10, UnitAmount: 700}, {FlatAmount: 9000}}})
	w.fake.AddPrice(stripefake.PriceSpec{ID: "price_flat", UnitAmount: 100})
	c := w.client(t, testKey)
	got, err := c.PriceTiers(t.Context(), "price_seats")
	if err != nil || got.Mode != "volume" || len(got.Steps) != 2 || *got.Steps[0].UpTo != 10 || got.Steps[0].UnitAmount != 700 ||
		got.Steps[0].FlatAmount != 0 || got.Steps[1].UpTo != nil || got.Steps[1].FlatAmount != 9000 || got.Steps[1].UnitAmount != 0 {
		t.Fatalf("%+v %v", got, err)
	}
	if got, err := c.PriceTiers(t.Context(), "price_flat"); err != nil || got.Steps != nil {
		t.Fatalf("per unit: %+v %v", got, err)
	}
	if _, err := c.PriceTiers(t.Context(), "price_gone"); !errors.Is(err, ErrPriceNotFound) {
		t.Fatalf("missing: %v", err)
	}
	w.fake.AddRestrictedKey("rk_test_noprices", stripefake.PermSubscriptions)
	var pe *PermissionError
	if _, err := w.client(t, "rk_test_noprices").PriceTiers(t.Context(), "price_seats"); !errors.As(err, &pe) || pe.Resources()[0] != ResourcePrices {
		t.Fatalf("no Prices read: %v", err)
	}
	for _, r := range w.fake.Requests() {
		if r.RawQuery != "expand%5B%5D=tiers" {
			t.Errorf("%s?%s", r.Path, r.RawQuery)
		}
	}
	// "Load from Stripe" says the price is tiered (its unit amount is 0).
	cus := w.fake.AddCustomer(stripefake.CustomerSpec{})
	w.fake.MustAddSubscription(stripefake.SubscriptionSpec{CustomerID: cus, PriceIDs: []string{"price_seats"}, Quantity: 4})
	found, err := c.FindPrices(t.Context())
	if err != nil || len(found.Prices) != 1 || found.Prices[0].BillingScheme != "tiered" || found.Prices[0].UnitAmount != 0 {
		t.Fatalf("found %+v %v", found, err)
	}
	// Decimal amounts count when whole; a fraction of a cent can't be named.
	one, half := "1200", "0.5"
	if v, ok := minorAmount(nil, &one); !ok || v != 1200 {
		t.Errorf("decimal %d %v", v, ok)
	}
	if _, ok := minorAmount(nil, &half); ok {
		t.Error("a half cent read as whole")
	}
}
