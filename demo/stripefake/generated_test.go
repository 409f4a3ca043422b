//go:build !release

package stripefake

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
)

var genNow = time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

// genWorld is a mixed account: every status, two prices, trials, a
// past-due invoice three days old, cancel-at-period-end, metadata, one
// price with a quantity, customers with set ids or Stripe-style ones.
func genWorld(n int, setIDs bool) (*Server, GeneratedSpec) {
	base := New()
	base.AddKey("sk_test_gen")
	base.AddRestrictedKey("rk_test_cust", PermCustomers)
	base.AddRestrictedKey("rk_test_subs", PermCustomers, PermSubscriptions)
	base.SetClock(func() time.Time { return genNow })
	base.AddPrice(PriceSpec{ID: "price_pro", ProductName: "Pro", UnitAmount: 4900})
	base.AddPrice(PriceSpec{ID: "price_basic", ProductName: "Basic", UnitAmount: 900})
	base.AddPrice(PriceSpec{ID: "price_year", ProductName: "Pro", UnitAmount: 49000, Interval: "year"})
	start := genNow.Add(-400 * 24 * time.Hour)
	statuses := []stripe.SubscriptionStatus{"active", "trialing", "past_due", "canceled", "unpaid", "incomplete",
		"incomplete_expired", "paused", "active", "active", "active"}
	spec := GeneratedSpec{
		N: n,
		Customer: func(i int) CustomerSpec {
			c := CustomerSpec{Email: fmt.Sprintf("c%d@gen.test", i), Created: start.Add(time.Duration(i) * 37 * time.Minute)}
			if setIDs {
				c.ID = fmt.Sprintf("cus_g%05d", i)
			}
			if i%4 == 1 {
				c.Name = fmt.Sprintf("Customer <%d> & co", i)
				c.Metadata = map[string]string{"tier": "gold"}
			}
			return c
		},
		Subscription: func(i int) SubscriptionSpec {
			st := statuses[i%len(statuses)]
			s := SubscriptionSpec{Status: st, PriceIDs: []string{[]string{"price_pro", "price_basic", "price_year"}[i%3]},
				Created: start.Add(time.Duration(i)*37*time.Minute + time.Hour)}
			switch st {
			case "trialing":
				s.TrialEnd = genNow.Add(time.Duration(1+i%9) * 24 * time.Hour)
			case "past_due":
				s.InvoiceCreated = genNow.Add(-3 * 24 * time.Hour)
			}
			if i%7 == 3 {
				s.Quantity = 3
			}
			if i%5 == 2 && st == "active" {
				s.CancelAtPeriodEnd = true
			}
			return s
		},
	}
	if setIDs {
		spec.CustomerIndex = func(id string) (int, bool) {
			n, err := strconv.Atoi(strings.TrimPrefix(id, "cus_g"))
			return n, err == nil && strings.HasPrefix(id, "cus_g") && len(id) == 10
		}
	}
	return base, spec
}

// storeWorld fills a Server with the specs, the way a stored account is.
func storeWorld(n int, setIDs bool) *Server {
	s, spec := genWorld(n, setIDs)
	for i := 0; i < n; i++ {
		id := s.AddCustomer(spec.Customer(i))
		sub := spec.Subscription(i)
		sub.CustomerID = id
		s.MustAddSubscription(sub)
	}
	return s
}

type answer struct {
	status int
	head   string
	body   []byte
}

func ask(h http.Handler, key, u string) answer {
	req := httptest.NewRequest(http.MethodGet, u, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	hd := w.Header()
	return answer{w.Code, hd.Get("Content-Type") + "|" + hd.Get("Request-Id") + "|" + hd.Get("Stripe-Version") + "|" +
		hd.Get("Www-Authenticate"), w.Body.Bytes()}
}

// sameAnswers asks both accounts the same requests in the same order and
// wants the same status, headers and bytes.
func sameAnswers(t *testing.T, stored, gen http.Handler, key string, urls []string) {
	t.Helper()
	for _, u := range urls {
		a, b := ask(stored, key, u), ask(gen, key, u)
		if a.status != b.status || a.head != b.head || !bytes.Equal(a.body, b.body) {
			al, bl := strings.Split(string(a.body), "\n"), strings.Split(string(b.body), "\n")
			line := 0
			for line < min(len(al), len(bl)) && al[line] == bl[line] {
				line++
			}
			t.Fatalf("%s %s:\nstored %d %s\ngenerated %d %s\nfirst difference at line %d:\n%s\n%s", key, u, a.status, a.head,
				b.status, b.head, line+1, strings.Join(al[line:min(line+3, len(al))], "\n"), strings.Join(bl[line:min(line+3, len(bl))], "\n"))
		}
	}
}

// walk pages a list to its end with starting_after, returning the URLs
// asked (by the stored account's answers).
func walk(t *testing.T, h http.Handler, key, u string) []string {
	t.Helper()
	var urls []string
	after := ""
	for {
		v := u
		if after != "" {
			v += "&starting_after=" + after
		}
		urls = append(urls, v)
		a := ask(h, key, v)
		if a.status != 200 {
			t.Fatalf("%s: %d %s", v, a.status, a.body)
		}
		ids := regexpIDs(a.body)
		if !bytes.Contains(a.body, []byte(`"has_more": true`)) || len(ids) == 0 {
			return urls
		}
		after = ids[len(ids)-1]
	}
}

// regexpIDs are the ids of a page's items (their "id" at item depth).
func regexpIDs(body []byte) []string {
	var ids []string
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, `      "id": "`); ok {
			ids = append(ids, strings.TrimSuffix(v, `",`))
		}
	}
	return ids
}

func TestGeneratedMatchesStored(t *testing.T) {
	for _, setIDs := range []bool{true, false} {
		t.Run(fmt.Sprintf("set ids %v", setIDs), func(t *testing.T) {
			const n = 460
			stored := storeWorld(n, setIDs)
			base, spec := genWorld(n, setIDs)
			gen, err := NewGenerated(base, spec)
			if err != nil {
				t.Fatal(err)
			}
			subs := "/v1/subscriptions?status=all&expand[0]=data.latest_invoice&limit=100"
			var urls []string
			urls = append(urls, walk(t, stored, "sk_test_gen", "/v1/customers?limit=100")...)
			urls = append(urls, walk(t, stored, "sk_test_gen", subs)...)
			urls = append(urls, walk(t, stored, "sk_test_gen", "/v1/subscriptions?limit=7&expand[]=data.customer&expand[]=data.latest_invoice.subscription")...)

			// Ids and creation times to cut at.
			cust := func(i int) string {
				return regexpIDs(ask(stored, "sk_test_gen", "/v1/customers?limit=100&created="+
					strconv.FormatInt(spec.Customer(i).Created.Unix(), 10)).body)[0]
			}
			subAt := func(i int) (string, int64) {
				c := spec.Subscription(i).Created.Unix()
				ids := regexpIDs(ask(stored, "sk_test_gen", "/v1/subscriptions?status=all&created="+strconv.FormatInt(c, 10)).body)
				return ids[0], c
			}
			s100, c100 := subAt(100)
			s300, c300 := subAt(300)
			sLast, _ := subAt(n - 1)
			c0 := spec.Customer(0).Created.Unix()
			for _, q := range []string{
				fmt.Sprintf("created[gte]=%d&created[lt]=%d", c100, c300),
				fmt.Sprintf("created[gt]=%d&created[lte]=%d", c100, c300),
				fmt.Sprintf("created[gte]=%d", c300),
				fmt.Sprintf("created[lt]=%d", c100+1),
				fmt.Sprintf("created[gte]=%d&created[lt]=%d&starting_after=%s", c100, c300, s300),
				fmt.Sprintf("created[gte]=%d&created[lt]=%d&starting_after=%s", c100, c300+1, s300),
				fmt.Sprintf("created[gte]=%d&created[lt]=%d&starting_after=%s", c100, c300, s100), // cursor outside: 404
				fmt.Sprintf("created[lt]=%d", c0),                                                 // before everything
				"ending_before=" + s100, "ending_before=" + sLast, "starting_after=" + sLast,
				"starting_after=sub_PR0000000000zz", "starting_after=cus_nope",
				"limit=0", "limit=101", "limit=x", "starting_after=" + s100 + "&ending_before=" + s300,
				"created=abc", "created[foo]=1", "created[gte]=",
			} {
				urls = append(urls, subs+"&"+q, "/v1/subscriptions?limit=100&"+q, "/v1/customers?limit=3&"+q)
			}
			c100id, c300id := cust(100), cust(300)
			urls = append(urls,
				"/v1/customers?limit=100&starting_after="+c100id,
				fmt.Sprintf("/v1/customers?limit=100&created[gte]=%d&created[lt]=%d&starting_after=%s", c0, spec.Customer(300).Created.Unix(), c100id),
				"/v1/customers?ending_before="+c300id, "/v1/customers?email=c17@gen.test", "/v1/customers?created="+strconv.FormatInt(c0, 10),
				"/v1/subscriptions?status=canceled&limit=100", "/v1/subscriptions?status=ended", "/v1/subscriptions?status=bogus",
				"/v1/subscriptions?customer="+c100id, "/v1/subscriptions?price=price_year&limit=100&status=all",
				"/v1/customers/"+c100id, "/v1/customers/"+c300id+"?expand[]=subscriptions", "/v1/customers/cus_nope",
				"/v1/subscriptions/"+s100, "/v1/subscriptions/"+s300+"?expand[]=latest_invoice&expand[]=customer",
				"/v1/subscriptions/sub_PR0000000000zz", "/v1/subscriptions/"+c100id,
				"/v1/prices/price_pro", "/v1/prices?limit=10", "/v1/products", "/v1/nothing",
				"/v1/subscriptions?expand[]=data.latest_invoice.subscription.customer.x",
			)
			// The latest invoice of a subscription, retrieved.
			var inv string
			for _, line := range strings.Split(string(ask(stored, "sk_test_gen", "/v1/subscriptions/"+s300).body), "\n") {
				if v, ok := strings.CutPrefix(line, `  "latest_invoice": "`); ok {
					inv = strings.TrimSuffix(v, `",`)
				}
			}
			if inv == "" {
				t.Fatal("no latest invoice")
			}
			urls = append(urls, "/v1/invoices/"+inv, "/v1/invoices/"+inv+"?expand[]=subscription")

			// Fresh accounts for the comparison, so request ids line up.
			stored = storeWorld(n, setIDs)
			base, spec = genWorld(n, setIDs)
			if gen, err = NewGenerated(base, spec); err != nil {
				t.Fatal(err)
			}
			sameAnswers(t, stored, gen, "sk_test_gen", urls)
			st := gen.Stats()
			if st.RenderedByShape != 0 || st.FromTemplate == 0 || st.Failed != 0 {
				t.Errorf("a full key renders every object from a template: %+v", st)
			}
			// Restricted keys are refused alike, and rendered the slow way.
			sameAnswers(t, stored, gen, "rk_test_cust", []string{"/v1/customers?limit=5", subs, "/v1/subscriptions/" + s100})
			sameAnswers(t, stored, gen, "rk_test_subs", []string{"/v1/subscriptions?limit=5", subs, "/v1/subscriptions/" + s100 + "?expand[]=latest_invoice"})
			sameAnswers(t, stored, gen, "sk_test_nope", []string{subs})
			sameAnswers(t, stored, gen, "", []string{"/v1/customers"})
			if gen.Stats().RenderedByShape == 0 {
				t.Error("a restricted key's objects are rendered, not filled")
			}
		})
	}
}

// The generated account lists nothing it cannot order.
func TestGeneratedRefusesInvoiceList(t *testing.T) {
	base, spec := genWorld(10, true)
	gen, err := NewGenerated(base, spec)
	if err != nil {
		t.Fatal(err)
	}
	if a := ask(gen, "sk_test_gen", "/v1/invoices"); a.status != http.StatusBadRequest {
		t.Fatalf("%d %s", a.status, a.body)
	}
	if got := gen.Shapes(); got["/v1/invoices?"] != 1 {
		t.Errorf("shapes %v", got)
	}
}

// A million customers cost the generated account nothing until read, and
// a page deep inside reads like any other.
func TestGeneratedDeepPage(t *testing.T) {
	base, spec := genWorld(1_000_000, true)
	gen, err := NewGenerated(base, spec)
	if err != nil {
		t.Fatal(err)
	}
	c := spec.Subscription(123_456).Created.Unix()
	a := ask(gen, "sk_test_gen", "/v1/subscriptions?status=all&limit=3&created[lte]="+strconv.FormatInt(c, 10))
	ids := regexpIDs(a.body)
	if a.status != 200 || len(ids) != 3 || !strings.Contains(string(a.body), `"customer": "cus_g123456"`) {
		t.Fatalf("%d %v %.600s", a.status, ids, a.body)
	}
	// The page's last id is a cursor the account finds again.
	b := ask(gen, "sk_test_gen", "/v1/subscriptions?status=all&limit=1&starting_after="+ids[2])
	if !strings.Contains(string(b.body), `"customer": "cus_g123453"`) {
		t.Fatalf("%.600s", b.body)
	}
	_ = url.Values{}
}

// BenchmarkGeneratedPage serves a page of 100 subscriptions (latest
// invoice expanded) and one of 100 customers from a generated account.
// Run: go test ./demo/stripefake -run '^$' -bench GeneratedPage
func BenchmarkGeneratedPage(b *testing.B) {
	base, spec := genWorld(1_000_000, true)
	gen, err := NewGenerated(base, spec)
	if err != nil {
		b.Fatal(err)
	}
	for _, u := range []string{"/v1/subscriptions?status=all&expand[0]=data.latest_invoice&limit=100", "/v1/customers?limit=100"} {
		b.Run(strings.SplitN(u, "?", 2)[0], func(b *testing.B) {
			c := spec.Subscription(500_000).Created.Unix()
			for b.Loop() {
				if a := ask(gen, "sk_test_gen", u+"&created[lt]="+strconv.FormatInt(c, 10)); a.status != 200 {
					b.Fatal(a.status)
				}
			}
		})
	}
}

// List positions follow indexes only while creation times rise with them.
func TestGeneratedWantsRisingCreationTimes(t *testing.T) {
	base, spec := genWorld(20, true)
	cust := spec.Customer
	spec.Customer = func(i int) CustomerSpec {
		c := cust(i)
		if i == 13 {
			c.Created = genNow.Add(-500 * 24 * time.Hour)
		}
		return c
	}
	if _, err := NewGenerated(base, spec); err == nil || !strings.Contains(err.Error(), "customer 13") {
		t.Fatalf("err = %v", err)
	}
}
