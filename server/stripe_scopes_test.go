package server

import (
	"strings"
	"testing"

	"parityrail/demo/stripefake"
)

// A restricted key with only Customers, Subscriptions and Invoices read
// connects (warned about Products and Prices, naming what each adds),
// runs a full check, and "Load from Stripe" fills rows from the prices on
// subscriptions with a note naming the permission that adds product names.
func TestThreeScopeKeyConnectsChecksAndLoadsPrices(t *testing.T) {
	w := newCheckWorld(t)
	key := "rk_test_parityrailThreeScopes42"
	w.app.stripe.AddRestrictedKey(key, stripefake.PermCustomers, stripefake.PermSubscriptions, stripefake.PermInvoices)

	var conn connectedView
	w.owner.mustDo("POST", "/api/projects/"+w.project+"/stripe", map[string]string{"api_key": key}, 200).json(t, &conn)
	if conn.Label != "rk_test_…es42" || len(conn.Warnings) != 3 {
		t.Fatalf("connected = %+v", conn)
	}
	want := []string{
		"This key can't read Prices (optional). Without it, money at stake shows no monthly amount for tiered prices. Set Prices to Read on the restricted key",
		"This key can't read Products (optional). Without it, plan mapping lists prices without their product names. Set Products to Read on the restricted key",
		"This key can't read Checkout Sessions or Entitlements. That is optional",
	}
	for i, w := range want {
		if !strings.HasPrefix(conn.Warnings[i], w) {
			t.Errorf("warning %d = %q", i, conn.Warnings[i])
		}
	}

	w.app.stripe.ResetLog()
	w.runCheck(w.member, map[string]string{"scope": "full"})
	if inc := w.incidentOf(w.member, "cus_noaccess"); inc.Kind != "paid_without_access" {
		t.Errorf("incident = %+v", inc)
	}
	for _, r := range w.app.stripe.Requests() {
		if r.Status != 200 {
			t.Errorf("the check was refused %s %s: %d", r.Path, r.RawQuery, r.Status)
		}
	}

	var prices priceListView
	w.member.mustDo("GET", "/api/projects/"+w.project+"/stripe/prices", nil, 200).json(t, &prices)
	if len(prices.Items) != 1 || prices.Items[0].PriceID != "price_pro" || prices.Items[0].ProductName != "" || prices.Items[0].UnitAmount != 4900 {
		t.Errorf("prices = %+v", prices.Items)
	}
	if len(prices.Notes) != 1 || prices.Notes[0] != "Product names need 'Products: Read' on the restricted key." {
		t.Errorf("notes = %q", prices.Notes)
	}

	// With the full key the names are there and nothing is noted.
	w.owner.mustDo("POST", "/api/projects/"+w.project+"/stripe", map[string]string{"api_key": testStripeKey}, 200).json(t, &conn)
	if len(conn.Warnings) != 0 {
		t.Errorf("full key warned: %v", conn.Warnings)
	}
	w.member.mustDo("GET", "/api/projects/"+w.project+"/stripe/prices", nil, 200).json(t, &prices)
	if len(prices.Items) != 1 || prices.Items[0].ProductName != "Pro" || prices.Notes == nil || len(prices.Notes) != 0 {
		t.Errorf("full key: %+v %q", prices.Items, prices.Notes)
	}
}
