package stripefake

import (
	"encoding/json"
	"strings"
	"testing"
)

// A tiered price reads like Stripe's: unit_amount null, tiers only when
// expanded (each tier's unset values null), and a subscription list can't
// reach them: data.items.data.price.tiers is past the four-level limit.
func TestTieredPrices(t *testing.T) {
	f, ts := newWorld(t)
	f.AddPrice(PriceSpec{ID: "price_seats", ProductName: "Seats", TiersMode: "graduated",
		Tiers: []TierSpec{{UpTo: 5, UnitAmount: 1000}, {UnitAmount: 800, FlatAmount: 500}}})
	cus := f.AddCustomer(CustomerSpec{Email: "t@example.com"})
	f.MustAddSubscription(SubscriptionSpec{CustomerID: cus, PriceIDs: []string{"price_seats"}, Quantity: 12})

	raw := func(key, path string) (int, string) {
		code, _, b := getRaw(t, ts, key, path)
		return code, b
	}
	code, plain := raw(fullKey, "/v1/prices/price_seats")
	if code != 200 || strings.Contains(plain, `"tiers":`) || strings.Contains(plain, `"currency_options"`) ||
		!strings.Contains(plain, `"unit_amount": null`) || !strings.Contains(plain, `"billing_scheme": "tiered"`) ||
		!strings.Contains(plain, `"tiers_mode": "graduated"`) {
		t.Fatalf("unexpanded: %d\n%s", code, plain)
	}
	code, body := raw(fullKey, "/v1/prices/price_seats?expand[]=tiers")
	var p struct {
		Tiers []map[string]any `json:"tiers"`
	}
	if err := json.Unmarshal([]byte(body), &p); err != nil || code != 200 {
		t.Fatalf("expanded: %d %v\n%s", code, err, body)
	}
	tiers, _ := json.Marshal(p.Tiers)
	want := `[{"flat_amount":null,"flat_amount_decimal":null,"unit_amount":1000,"unit_amount_decimal":"1000","up_to":5},` +
		`{"flat_amount":500,"flat_amount_decimal":"500","unit_amount":800,"unit_amount_decimal":"800","up_to":null}]`
	if string(tiers) != want {
		t.Fatalf("tiers:\n got %s\nwant %s", tiers, want)
	}

	// The subscription's items carry the price inline, still without tiers,
	// and the quantity.
	code, subs := raw(fullKey, "/v1/subscriptions?status=all")
	if code != 200 || strings.Contains(subs, `"tiers":`) || !strings.Contains(subs, `"quantity": 12`) {
		t.Fatalf("subscriptions: %d\n%s", code, subs)
	}
	code, _, e := get(t, ts, fullKey, "/v1/subscriptions?expand[]=data.items.data.price.tiers")
	if code != 400 || errField(e, "message") != "You cannot expand more than 4 levels of a property. Property: data.items.data.price.tiers" ||
		errField(e, "param") != "expand" || errField(e, "type") != "invalid_request_error" {
		t.Fatalf("five levels: %d %v", code, e)
	}

	// Reading a price needs Prices read, under Stripe's legacy plan slug.
	f.AddRestrictedKey("rk_test_threescopes0001", PermCustomers, PermSubscriptions, PermInvoices)
	code, _, e = get(t, ts, "rk_test_threescopes0001", "/v1/prices/price_seats?expand[]=tiers")
	if code != 403 || !strings.HasPrefix(errField(e, "message"), "The provided key 'rk_test_") ||
		!strings.HasSuffix(errField(e, "message"), "does not have the required permissions for this endpoint on account 'acct_1ParityRailFake'. Having the 'rak_plan_read' permission would allow this request to continue.") {
		t.Fatalf("permission: %d %v", code, e)
	}
}
