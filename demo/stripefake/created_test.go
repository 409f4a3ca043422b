package stripefake

import (
	"net/http"
	"slices"
	"testing"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
)

// TestCreatedFilter pins the created filter on the customer and
// subscription lists: created[gt]/[lt] exclusive, created[gte]/[lte]
// inclusive, created=<int> one second, combined with the cursors, and
// Stripe's errors for bad values and unknown keys.
func TestCreatedFilter(t *testing.T) {
	f, ts := newWorld(t)
	price := f.AddPrice(PriceSpec{UnitAmount: 900})
	// Three objects in each of the seconds 100, 101 and 102.
	var cus, subs []string // oldest first
	for sec := int64(100); sec <= 102; sec++ {
		for range 3 {
			id := f.AddCustomer(CustomerSpec{Created: time.Unix(sec, 0)})
			cus = append(cus, id)
			subs = append(subs, f.MustAddSubscription(SubscriptionSpec{CustomerID: id, PriceIDs: []string{price}, Created: time.Unix(sec, 0)}))
		}
	}
	newestFirst := func(ids []string) []string { out := slices.Clone(ids); slices.Reverse(out); return out }
	for _, l := range []struct {
		path string
		all  []string
	}{{"/v1/customers", cus}, {"/v1/subscriptions?status=all", subs}} {
		sep := "?"
		if l.path != "/v1/customers" {
			sep = "&"
		}
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"created[gte]=101", l.all[3:]},
			{"created[gt]=101", l.all[6:]},
			{"created[lt]=101", l.all[:3]},
			{"created[lte]=101", l.all[:6]},
			{"created[gte]=101&created[lt]=102", l.all[3:6]},
			{"created[gt]=100&created[lte]=101", l.all[3:6]},
			{"created=102", l.all[6:]},
			{"created[gte]=102&created[lt]=102", nil},
			{"created[gte]=0&created[lt]=99999999999", l.all},
		} {
			status, _, body := get(t, ts, fullKey, l.path+sep+"limit=100&"+tc.query)
			if status != http.StatusOK {
				t.Fatalf("%s %s: %d %v", l.path, tc.query, status, body)
			}
			if got := ids(t, body); !slices.Equal(got, newestFirst(tc.want)) {
				t.Errorf("%s %s: %v, want %v", l.path, tc.query, got, newestFirst(tc.want))
			}
			if body["has_more"] != false {
				t.Errorf("%s %s: has_more %v", l.path, tc.query, body["has_more"])
			}
		}

		// Paging inside a range: two at a time, the cursor keeps the range.
		var walked []string
		after := ""
		for range 5 {
			q := l.path + sep + "limit=2&created[gte]=101&created[lte]=102"
			if after != "" {
				q += "&starting_after=" + after
			}
			_, _, body := get(t, ts, fullKey, q)
			page := ids(t, body)
			walked = append(walked, page...)
			if body["has_more"] != true {
				break
			}
			after = page[len(page)-1]
		}
		if !slices.Equal(walked, newestFirst(l.all[3:])) {
			t.Errorf("%s paged in a range: %v", l.path, walked)
		}
		// ending_before inside the range stops at its newest end.
		_, _, body := get(t, ts, fullKey, l.path+sep+"limit=10&created[lt]=102&ending_before="+l.all[3])
		if got := ids(t, body); !slices.Equal(got, newestFirst(l.all[4:6])) {
			t.Errorf("%s ending_before in a range: %v", l.path, got)
		}
		// A cursor outside the range is no object of that list.
		if status, _, _ := get(t, ts, fullKey, l.path+sep+"created[gte]=102&starting_after="+l.all[0]); status != http.StatusNotFound {
			t.Errorf("%s cursor outside the range: %d", l.path, status)
		}
	}

	for _, tc := range []struct{ query, code, param string }{
		{"created[gte]=yesterday", "parameter_invalid_integer", "created[gte]"},
		{"created=1.5", "parameter_invalid_integer", "created"},
		{"created[lt]=", "parameter_invalid_empty", "created[lt]"},
		{"created[after]=5", "parameter_unknown", "created[after]"},
		{"created=5&created[gte]=3", "", "created"},
	} {
		status, _, body := get(t, ts, fullKey, "/v1/customers?"+tc.query)
		if status != http.StatusBadRequest || errField(body, "type") != "invalid_request_error" ||
			errField(body, "code") != tc.code || errField(body, "param") != tc.param || errField(body, "message") == "" {
			t.Errorf("%s: %d %v", tc.query, status, body)
		}
	}

	// stripe-go's own ListParams encode the range the way this fake reads it.
	sc := stripeClient(ts, fullKey)
	it := sc.Customers.List(&stripe.CustomerListParams{CreatedRange: &stripe.RangeQueryParams{GreaterThanOrEqual: 101, LesserThan: 102}})
	var got []string
	for it.Next() {
		got = append(got, it.Customer().ID)
	}
	if it.Err() != nil || !slices.Equal(got, newestFirst(cus[3:6])) {
		t.Fatalf("stripe-go range: %v %v", got, it.Err())
	}
}
