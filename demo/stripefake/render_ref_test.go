package stripefake

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
)

// The map-based renderer the fake used before render.go: kept as the
// reference the fast renderer must match byte for byte.

// refRenderLocked turns a stored stripe-go object into Stripe's JSON: the type
// marshalled as-is, then references collapsed to ids unless expanded.
func (s *Server) refRenderLocked(kind string, v any, expand []string, need func(string) *apiError) (map[string]any, *apiError) {
	if c, ok := v.(*stripe.Customer); ok && c.Deleted {
		// Stripe keeps only a tombstone of a deleted customer.
		return map[string]any{"id": c.ID, "object": "customer", "deleted": true}, nil
	}
	m, err := toMap(v)
	if err != nil {
		return nil, &apiError{status: http.StatusInternalServerError, Type: "api_error", Message: "fake: " + err.Error()}
	}
	if err := s.refWalkLocked(m, refObjectType(m, kind), expand, need); err != nil {
		return nil, err
	}
	if kind == kindCustomer {
		for _, k := range includable {
			if m[k] == nil {
				delete(m, k)
			}
		}
	}
	return m, nil
}

func refObjectType(m map[string]any, fallback string) string {
	if o, ok := m["object"].(string); ok && o != "" {
		return o
	}
	return fallback
}

// refWalkLocked rewrites m in place: expandable references become ids (or the
// referenced object when expanded), nested objects and lists are walked, and
// stripe-go's zero values Stripe sends as null are nulled.
func (s *Server) refWalkLocked(m map[string]any, typ string, expand []string, need func(string) *apiError) *apiError {
	refPriceFields(m, typ, expand)
	refs := expandable[typ]
	for k, val := range m {
		sub := subPaths(expand, k)
		if refKind, isRef := refs[k]; isRef {
			stub, ok := val.(map[string]any)
			if !ok {
				continue // null, or already an id
			}
			id, _ := stub["id"].(string)
			if !contains(expand, k) && len(sub) == 0 {
				m[k] = id
				continue
			}
			if refKind == "" {
				m[k] = id // not something the fake stores
				continue
			}
			if err := need(permByKind[refKind]); err != nil {
				return err
			}
			target, ok := s.getLocked(refKind, id)
			if !ok {
				m[k] = id
				continue
			}
			full, err := s.refRenderLocked(refKind, target, sub, need)
			if err != nil {
				return err
			}
			m[k] = full
			continue
		}
		switch x := val.(type) {
		case map[string]any:
			if data, ok := x["data"].([]any); ok {
				if _, ok := x["has_more"]; ok {
					x["object"] = "list"
					delete(x, "total_count") // stripe-go's ListMeta field; Stripe omits it unless asked
					for _, el := range data {
						if em, ok := el.(map[string]any); ok {
							if err := s.refWalkLocked(em, refObjectType(em, ""), subPaths(sub, "data"), need); err != nil {
								return err
							}
						}
					}
					continue
				}
			}
			if err := s.refWalkLocked(x, refObjectType(x, ""), sub, need); err != nil {
				return err
			}
		case string:
			if x == "" && k != "id" {
				m[k] = nil // Stripe sends unset strings as null
			}
		case json.Number:
			if nullIfZero[k] && x.String() == "0" {
				m[k] = nil
			}
		case bool:
			if k == "deleted" && !x {
				delete(m, k) // only deleted objects carry "deleted"
			}
		case nil:
			if k == "metadata" {
				m[k] = map[string]any{}
			}
		}
	}
	return nil
}

// refPriceFields is renderPriceFields on maps.
func refPriceFields(m map[string]any, typ string, expand []string) {
	incl, ok := priceIncludable[typ]
	if !ok {
		return
	}
	for _, k := range incl {
		if _, ok := m[k]; ok && !contains(expand, k) {
			delete(m, k)
		}
	}
	if m["billing_scheme"] != "tiered" {
		return
	}
	for _, k := range tierAmountFields[typ] {
		if _, ok := m[k]; ok {
			m[k] = nil
		}
	}
	tiers, _ := m["tiers"].([]any)
	for _, el := range tiers {
		t, ok := el.(map[string]any)
		if !ok {
			continue
		}
		zero := func(k string) bool { n, ok := t[k].(json.Number); return ok && n.String() == "0" }
		if zero("up_to") {
			t["up_to"] = nil
		}
		flatSet := !zero("flat_amount")
		if !flatSet {
			t["flat_amount"], t["flat_amount_decimal"] = nil, nil
		}
		if flatSet && zero("unit_amount") {
			t["unit_amount"], t["unit_amount_decimal"] = nil, nil
		}
	}
}

// TestRenderMatchesReference renders every stored object of a generated
// account, with and without expansions, through both renderers and
// compares the bytes.
func TestRenderMatchesReference(t *testing.T) {
	f := New()
	f.AddKey("sk_test_x")
	f.SetClock(func() time.Time { return time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC) })
	ids := f.Generate(GenerateSpec{Customers: 60, Subscriptions: 80, Seed: 7})
	f.AddCustomer(CustomerSpec{ID: "cus_html", Email: "a<b>&c@example.com", Name: "Zoë \"Q\" \u2028", Metadata: map[string]string{"k": "v<>", "a\"b": "c\\d", "a<": "1", "a": "2", "a\u00e9": "3"}})
	if err := f.DeleteCustomer(ids[3]); err != nil {
		t.Fatal(err)
	}
	f.AddCheckoutSession(CheckoutSessionSpec{CustomerID: ids[1]})
	f.AddPrice(PriceSpec{ID: "price_tiered", ProductName: "Seats", TiersMode: "graduated",
		Tiers: []TierSpec{{UpTo: 5, FlatAmount: 1000}, {UpTo: 10, UnitAmount: 800}, {UnitAmount: 500, FlatAmount: 100}}})
	f.MustAddSubscription(SubscriptionSpec{CustomerID: ids[1], PriceIDs: []string{"price_tiered"}, Quantity: 12})
	all := func(string) *apiError { return nil }
	expansions := [][]string{nil, {"customer"}, {"latest_invoice", "customer"}, {"product"}, {"default_price"},
		{"items.data.price.product"}, {"subscription", "invoice"}, {"latest_invoice.customer"}, {"tiers"},
		{"items.data.price.tiers", "items.data.plan.tiers"}, {"default_price.tiers"}}
	n := 0
	f.mu.Lock()
	defer f.mu.Unlock()
	for kind, m := range f.objects {
		for id, e := range m {
			for _, exp := range expansions {
				want, err := f.refRenderLocked(kind, e.v, exp, all)
				if err != nil {
					t.Fatal(err)
				}
				var wb bytes.Buffer
				enc := json.NewEncoder(&wb)
				enc.SetIndent("", "  ")
				if err := enc.Encode(want); err != nil {
					t.Fatal(err)
				}
				got, apiErr := f.render(kind, e.v, exp, all)
				if apiErr != nil {
					t.Fatal(apiErr)
				}
				var gb bytes.Buffer
				writeIndented(&gb, &got, 0)
				gb.WriteByte('\n')
				if !bytes.Equal(gb.Bytes(), wb.Bytes()) {
					t.Fatalf("%s %s expand %v differs:\n got %s\nwant %s", kind, id, exp, gb.String(), wb.String())
				}
				n++
			}
		}
	}
	if n < 1000 {
		t.Fatalf("compared only %d renderings", n)
	}
}

// TestListCacheFollowsChanges reads the same page twice (the second from
// the render cache), then changes objects the page shows — directly and
// through an expansion — and expects the page to follow; a restricted key
// still meets its permission check on a cached page.
func TestListCacheFollowsChanges(t *testing.T) {
	f, ts := newWorld(t)
	f.AddPrice(PriceSpec{ID: "price_a", ProductName: "A", UnitAmount: 100})
	cus := f.AddCustomer(CustomerSpec{Email: "c@example.com"})
	sub := f.MustAddSubscription(SubscriptionSpec{CustomerID: cus, PriceIDs: []string{"price_a"}})
	f.AddRestrictedKey("rk_test_subsonly", PermSubscriptions)
	page := "/v1/subscriptions?status=all&limit=100&expand[0]=data.latest_invoice&expand[1]=data.customer"
	raw := func(key string) (int, string) {
		code, _, b := getRaw(t, ts, key, page)
		return code, b
	}
	_, first := raw(fullKey)
	_, again := raw(fullKey)
	if first != again || !strings.Contains(first, `"status": "active"`) || !strings.Contains(first, `"email": "c@example.com"`) {
		t.Fatalf("cached page differs or is wrong:\n%s\n%s", first, again)
	}
	if code, _ := raw("rk_test_subsonly"); code != http.StatusForbidden {
		t.Fatalf("restricted key expanding customers got %d", code)
	}
	if err := f.UpdateSubscription(sub, func(s *stripe.Subscription) { s.Status = stripe.SubscriptionStatusPastDue }); err != nil {
		t.Fatal(err)
	}
	if _, b := raw(fullKey); !strings.Contains(b, `"status": "past_due"`) {
		t.Fatalf("page kept the old status:\n%s", b)
	}
	if err := f.DeleteCustomer(cus); err != nil {
		t.Fatal(err)
	}
	if _, b := raw(fullKey); !strings.Contains(b, `"deleted": true`) || !strings.Contains(b, `"status": "canceled"`) {
		t.Fatalf("page missed the deletion:\n%s", b)
	}
}
