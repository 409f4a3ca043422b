package stripefake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
)

// benchAccount builds n customers with one subscription each.
func benchAccount(n int) *Server {
	f := New()
	f.AddKey("sk_test_bench")
	now := time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)
	f.SetClock(func() time.Time { return now })
	f.AddPrice(PriceSpec{ID: "price_pro", ProductName: "Pro", UnitAmount: 4900})
	base := now.Add(-300 * 24 * time.Hour)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("cus_b%06d", i)
		f.AddCustomer(CustomerSpec{ID: id, Email: id + "@bench.test", Created: base.Add(time.Duration(i) * time.Second)})
		f.MustAddSubscription(SubscriptionSpec{CustomerID: id, Status: stripe.SubscriptionStatusActive, PriceIDs: []string{"price_pro"},
			Created: base.Add(time.Duration(i)*time.Second + time.Hour)})
	}
	return f
}

// BenchmarkListPages pages through every subscription (latest invoice
// expanded) and customer of a 10,000-customer account.
// Run: go test ./demo/stripefake -run '^$' -bench ListPages
func BenchmarkListPages(b *testing.B) {
	f := benchAccount(10_000)
	for b.Loop() {
		for _, path := range []string{"/v1/subscriptions?status=all&expand[0]=data.latest_invoice&limit=100", "/v1/customers?limit=100"} {
			after, pages := "", 0
			for {
				u := path
				if after != "" {
					u += "&starting_after=" + after
				}
				req := httptest.NewRequest(http.MethodGet, u, nil)
				req.Header.Set("Authorization", "Bearer sk_test_bench")
				w := httptest.NewRecorder()
				f.ServeHTTP(w, req)
				var page struct {
					Data    []struct{ ID string } `json:"data"`
					HasMore bool                  `json:"has_more"`
				}
				if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil || w.Code != 200 {
					b.Fatalf("%d %v", w.Code, err)
				}
				pages++
				if !page.HasMore {
					break
				}
				after = page.Data[len(page.Data)-1].ID
			}
			if pages != 100 {
				b.Fatalf("%d pages", pages)
			}
		}
	}
}
