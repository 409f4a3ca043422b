package billing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"parityrail/demo/stripefake"

	stripe "github.com/stripe/stripe-go/v76"
	"golang.org/x/time/rate"
)

const testKey = "sk_test_parityrailfull0001"

// countingLimiter records every Wait, proving the cap is consulted for
// each request (retries included) without timing anything.
type countingLimiter struct{ n atomic.Int64 }

func (l *countingLimiter) Wait(ctx context.Context) error {
	l.n.Add(1)
	return ctx.Err()
}

type world struct {
	fake    *stripefake.Server
	srv     *httptest.Server
	limiter *countingLimiter
}

// newWorld starts a fake Stripe and, at the end of the test, asserts that
// nothing but GET ever reached it.
func newWorld(t *testing.T) *world {
	t.Helper()
	f := stripefake.New()
	f.AddKey(testKey)
	srv := httptest.NewServer(f)
	t.Cleanup(func() {
		srv.Close()
		if v := f.Violations(); len(v) != 0 {
			t.Errorf("non-GET requests reached Stripe: %+v", v)
		}
	})
	return &world{fake: f, srv: srv, limiter: &countingLimiter{}}
}

func (w *world) client(t *testing.T, key string) *Client {
	t.Helper()
	c, err := New(Config{Key: key, APIBase: w.srv.URL, Limiter: w.limiter, Backoff: func(int) time.Duration { return 0 }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewDefaults(t *testing.T) {
	c, err := New(Config{Key: "rk_test_abcdefgh1234"})
	if err != nil || c.Mode() != ModeTest || c.RateLimit() != DefaultTestRate || c.MaskedLabel() != "rk_test_…1234" || c.base != DefaultAPIBase {
		t.Fatalf("test key: %+v %v", c, err)
	}
	c, err = New(Config{Key: "rk_live_abcdefgh1234", APIBase: "http://127.0.0.1:9/v1/"})
	if err != nil || c.Mode() != ModeLive || c.RateLimit() != DefaultLiveRate || c.base != "http://127.0.0.1:9" {
		t.Fatalf("live key: %+v %v", c, err)
	}
	if _, err := New(Config{Key: "pk_test_abcdefgh"}); err == nil {
		t.Fatal("publishable key accepted")
	}
}

func TestTestConnectionOK(t *testing.T) {
	w := newWorld(t)
	w.fake.AddCustomer(stripefake.CustomerSpec{Email: "a@example.com"})
	c := w.client(t, testKey)

	res, err := c.TestConnection(t.Context(), ProbeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Mode != ModeTest || res.Livemode == nil || *res.Livemode || res.Requests != 5 || len(res.Checked) != 5 {
		t.Fatalf("result: %+v", res)
	}
	for _, p := range []string{"/v1/customers", "/v1/subscriptions", "/v1/invoices", "/v1/prices", "/v1/products"} {
		if w.fake.Count(p) != 1 {
			t.Errorf("%s probed %d times", p, w.fake.Count(p))
		}
	}
	for _, r := range w.fake.Requests() {
		if !strings.Contains(r.RawQuery, "limit=1") {
			t.Errorf("probe without limit=1: %s?%s", r.Path, r.RawQuery)
		}
	}

	res, err = c.TestConnection(t.Context(), ProbeOptions{Entitlements: true, CheckoutSessions: true})
	if err != nil || res.Requests != 7 || len(res.Checked) != 7 {
		t.Fatalf("with options: %+v %v", res, err)
	}
	if n := w.fake.Count("/v1/entitlements/active_entitlements"); n != 1 {
		t.Fatalf("entitlements probed %d times", n)
	}
}

// Every subset of missing permissions, required and optional, collapses
// into one PermissionError naming exactly those resources.
func TestTestConnectionMissingPermissionCombos(t *testing.T) {
	w := newWorld(t)
	w.fake.AddCustomer(stripefake.CustomerSpec{})
	all := []struct{ perm, resource string }{
		{stripefake.PermCustomers, ResourceCustomers},
		{stripefake.PermSubscriptions, ResourceSubscriptions},
		{stripefake.PermInvoices, ResourceInvoices},
		{stripefake.PermPrices, ResourcePrices},
		{stripefake.PermProducts, ResourceProducts},
		{stripefake.PermCheckoutSessions, ResourceCheckoutSessions},
		{stripefake.PermEntitlements, ResourceEntitlements},
	}
	for mask := 0; mask < 1<<len(all); mask++ {
		var granted, missing []string
		for i, p := range all {
			if mask&(1<<i) != 0 {
				missing = append(missing, p.resource)
			} else {
				granted = append(granted, p.perm)
			}
		}
		key := fmt.Sprintf("rk_test_combo%04d", mask)
		w.fake.AddRestrictedKey(key, granted...)
		before := w.fake.RequestCount()
		res, err := w.client(t, key).TestConnection(t.Context(), ProbeOptions{Entitlements: true, CheckoutSessions: true})
		if got := w.fake.RequestCount() - before; got != 7 || res.Requests != 7 {
			t.Fatalf("mask %b: %d requests, want 7 (one per probe)", mask, got)
		}
		if len(missing) == 0 {
			if err != nil {
				t.Fatalf("mask 0: %v", err)
			}
			continue
		}
		var pe *PermissionError
		if !errors.As(err, &pe) {
			t.Fatalf("mask %b: want PermissionError, got %v", mask, err)
		}
		if got := strings.Join(pe.Resources(), ","); got != strings.Join(missing, ",") {
			t.Fatalf("mask %b: missing %s, want %s", mask, got, strings.Join(missing, ","))
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "This restricted key can't read "+strings.Join(missing, ", ")+". Set ") ||
			!strings.HasSuffix(msg, " to Read on this restricted key in Stripe Dashboard → Developers → API keys.") {
			t.Fatalf("mask %b: message %q", mask, msg)
		}
		for _, m := range pe.Missing {
			wantOptional := m.Resource == ResourceCheckoutSessions || m.Resource == ResourceEntitlements ||
				m.Resource == ResourcePrices || m.Resource == ResourceProducts
			if m.Optional != wantOptional || !strings.HasPrefix(m.Permission, "rak_") {
				t.Fatalf("mask %b: %+v", mask, m)
			}
		}
		// Required names exactly the missing reads a check can't do without.
		var required []string
		for _, r := range missing {
			if r == ResourceCustomers || r == ResourceSubscriptions || r == ResourceInvoices {
				required = append(required, r)
			}
		}
		if req := pe.Required(); (req == nil) != (len(required) == 0) || (req != nil && strings.Join(req.Resources(), ",") != strings.Join(required, ",")) {
			t.Fatalf("mask %b: required %v, want %v", mask, req, required)
		}
	}
}

func TestPermissionMessage(t *testing.T) {
	w := newWorld(t)
	w.fake.AddRestrictedKey("rk_test_nosubsnoinvoices", stripefake.PermCustomers, stripefake.PermPrices, stripefake.PermProducts)
	_, err := w.client(t, "rk_test_nosubsnoinvoices").TestConnection(t.Context(), ProbeOptions{})
	want := "This restricted key can't read Subscriptions, Invoices. Set Subscriptions and Invoices to Read on this restricted key in Stripe Dashboard → Developers → API keys."
	if err == nil || err.Error() != want {
		t.Fatalf("got %v", err)
	}
	var pe *PermissionError
	errors.As(err, &pe)
	if len(pe.Missing) != 2 || pe.Missing[0].Permission != "rak_subscription_read" || pe.Missing[1].Permission != "rak_invoice_read" {
		t.Fatalf("structured: %+v", pe.Missing)
	}
}

// On an account with no customers the entitlements probe still works: it
// asks about a placeholder customer and reads "No such customer" as
// permission granted.
func TestEntitlementsProbeWithoutCustomers(t *testing.T) {
	w := newWorld(t)
	res, err := w.client(t, testKey).TestConnection(t.Context(), ProbeOptions{Entitlements: true})
	if err != nil || res.Livemode != nil || len(res.Checked) != 6 {
		t.Fatalf("%+v %v", res, err)
	}
	w.fake.AddRestrictedKey("rk_test_noentitlements", stripefake.PermCustomers, stripefake.PermSubscriptions,
		stripefake.PermInvoices, stripefake.PermPrices, stripefake.PermProducts)
	_, err = w.client(t, "rk_test_noentitlements").TestConnection(t.Context(), ProbeOptions{Entitlements: true})
	var pe *PermissionError
	if !errors.As(err, &pe) || strings.Join(pe.Resources(), ",") != ResourceEntitlements {
		t.Fatalf("got %v", err)
	}
}

func TestUnauthorized(t *testing.T) {
	w := newWorld(t)
	c := w.client(t, "rk_test_notakeyweknow99")
	_, err := c.TestConnection(t.Context(), ProbeOptions{Entitlements: true})
	var ae *AuthError
	if !errors.As(err, &ae) || !strings.HasPrefix(err.Error(), "Stripe rejected the API key (HTTP 401)") {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), "notakeyweknow") {
		t.Fatal("error repeats the key")
	}
	if w.fake.RequestCount() != 1 {
		t.Fatalf("a rejected key should stop after one request, made %d", w.fake.RequestCount())
	}
	if _, err := c.ReadAll(t.Context()); !errors.As(err, &ae) {
		t.Fatalf("ReadAll: %v", err)
	}
}

func TestReadAllPagesWithMinimumRequests(t *testing.T) {
	w := newWorld(t)
	w.fake.Generate(stripefake.GenerateSpec{Customers: 250, Subscriptions: 260, Seed: 7})
	c := w.client(t, testKey)

	got, err := c.ReadAll(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if w.fake.Count("/v1/customers") != 3 || w.fake.Count("/v1/subscriptions") != 3 || w.fake.RequestCount() != 6 || c.Requests() != 6 {
		t.Fatalf("requests: %v (client counted %d), want 3 + 3", w.fake.CountsByPath(), c.Requests())
	}
	if w.limiter.n.Load() != 6 {
		t.Fatalf("limiter consulted %d times for 6 requests", w.limiter.n.Load())
	}
	for _, r := range w.fake.Requests() {
		if !strings.Contains(r.RawQuery, "limit=100") {
			t.Fatalf("page size: %s?%s", r.Path, r.RawQuery)
		}
		if r.Path == "/v1/subscriptions" && !strings.Contains(r.RawQuery, "status=all") {
			t.Fatalf("subscriptions without status=all: %s", r.RawQuery)
		}
	}
	if len(got) != 250 {
		t.Fatalf("%d customers", len(got))
	}
	subs, multi := 0, 0
	for _, cb := range got {
		subs += len(cb.Subscriptions)
		if len(cb.Subscriptions) > 1 {
			multi++
		}
		for _, s := range cb.Subscriptions {
			if s.CustomerID != cb.Customer.ID || len(s.Items) != 1 || s.Items[0].PriceID == "" || s.Items[0].ProductID == "" || s.Items[0].LookupKey == "" {
				t.Fatalf("subscription %+v under %s", s, cb.Customer.ID)
			}
			if s.LatestInvoice == nil || s.LatestInvoice.Status == "" || s.LatestInvoice.Created.IsZero() {
				t.Fatalf("latest invoice not expanded: %+v", s)
			}
		}
	}
	if subs != 260 || multi != 10 {
		t.Fatalf("%d subscriptions, %d customers with several", subs, multi)
	}
}

func TestMixedStatusesAndDeletedCustomer(t *testing.T) {
	w := newWorld(t)
	f := w.fake
	f.AddPrice(stripefake.PriceSpec{ID: "price_pro", LookupKey: "pro", ProductID: "prod_pro", ProductName: "Pro", UnitAmount: 2000})
	f.AddPrice(stripefake.PriceSpec{ID: "price_team", ProductID: "prod_team", ProductName: "Team", UnitAmount: 9000})
	alice := f.AddCustomer(stripefake.CustomerSpec{Email: "alice@example.com", Name: "Alice", Metadata: map[string]string{"user_id": "u1"}})
	trialEnd := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	invCreated := time.Now().Add(-3 * 24 * time.Hour).Truncate(time.Second)
	f.MustAddSubscription(stripefake.SubscriptionSpec{CustomerID: alice, Status: "canceled", PriceIDs: []string{"price_pro"}})
	f.MustAddSubscription(stripefake.SubscriptionSpec{CustomerID: alice, Status: "past_due", PriceIDs: []string{"price_pro"}, InvoiceCreated: invCreated})
	f.MustAddSubscription(stripefake.SubscriptionSpec{CustomerID: alice, Status: "trialing", PriceIDs: []string{"price_team", "price_pro"}, TrialEnd: trialEnd})
	f.MustAddSubscription(stripefake.SubscriptionSpec{CustomerID: alice, Status: "active", PriceIDs: []string{"price_pro"}, CancelAtPeriodEnd: true, PauseCollection: "void"})
	bob := f.AddCustomer(stripefake.CustomerSpec{Email: "bob@example.com"})
	f.MustAddSubscription(stripefake.SubscriptionSpec{CustomerID: bob, Status: "active", PriceIDs: []string{"price_pro"}})
	if err := f.DeleteCustomer(bob); err != nil {
		t.Fatal(err)
	}
	carol := f.AddCustomer(stripefake.CustomerSpec{Email: "carol@example.com"})

	c := w.client(t, testKey)
	all, err := c.ReadAll(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[0].Customer.ID != carol || all[1].Customer.ID != alice || all[2].Customer.ID != bob {
		t.Fatalf("order: %+v", all)
	}
	if len(all[0].Subscriptions) != 0 {
		t.Fatal("carol has no subscriptions")
	}
	// Bob is deleted: absent from the customer list, found through his
	// (now canceled) subscription's expanded customer.
	if !all[2].Customer.Deleted || len(all[2].Subscriptions) != 1 || all[2].Subscriptions[0].Status != "canceled" {
		t.Fatalf("deleted customer: %+v", all[2])
	}
	a := all[1]
	if a.Customer.Email != "alice@example.com" || a.Customer.Metadata["user_id"] != "u1" || a.Customer.Deleted {
		t.Fatalf("alice: %+v", a.Customer)
	}
	byStatus := map[string]Subscription{}
	for _, s := range a.Subscriptions {
		byStatus[s.Status] = s
	}
	if len(byStatus) != 4 {
		t.Fatalf("statuses: %+v", a.Subscriptions)
	}
	if s := byStatus["trialing"]; !s.TrialEnd.Equal(trialEnd) || len(s.Items) != 2 || s.Items[0].PriceID != "price_team" || s.Items[0].LookupKey != "" || s.Items[1].LookupKey != "pro" {
		t.Fatalf("trialing: %+v", s)
	}
	if s := byStatus["past_due"]; s.LatestInvoice.Status != "open" || !s.LatestInvoice.Created.Equal(invCreated) {
		t.Fatalf("past_due invoice: %+v", s.LatestInvoice)
	}
	if s := byStatus["active"]; !s.CancelAtPeriodEnd || !s.PauseCollection || s.CurrentPeriodEnd.Before(time.Now()) || !s.TrialEnd.IsZero() {
		t.Fatalf("active: %+v", s)
	}

	// Re-check of one customer: two requests, fresh state.
	w.fake.ResetLog()
	one, err := c.ReadCustomer(t.Context(), alice)
	if err != nil || len(one.Subscriptions) != 4 || one.Customer.Email != "alice@example.com" || w.fake.RequestCount() != 2 {
		t.Fatalf("ReadCustomer: %+v %v (%d requests)", one, err, w.fake.RequestCount())
	}
	gone, err := c.ReadCustomer(t.Context(), bob)
	if err != nil || !gone.Customer.Deleted || len(gone.Subscriptions) != 1 {
		t.Fatalf("deleted ReadCustomer: %+v %v", gone, err)
	}
	if _, err := c.ReadCustomer(t.Context(), "cus_unknown"); !errors.Is(err, ErrCustomerNotFound) {
		t.Fatalf("unknown customer: %v", err)
	}

	// Streaming readers see the same data.
	var n int
	if err := c.ListSubscriptions(t.Context(), func(Subscription) error { n++; return nil }); err != nil || n != 5 {
		t.Fatalf("ListSubscriptions: %d %v", n, err)
	}
	stop := errors.New("stop")
	if err := c.ListCustomers(t.Context(), func(Customer) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("callback error: %v", err)
	}
}

func TestPricesInUse(t *testing.T) {
	w := newWorld(t)
	f := w.fake
	f.AddPrice(stripefake.PriceSpec{ID: "price_basic", LookupKey: "basic", Nickname: "Basic", ProductID: "prod_basic", ProductName: "Basic plan", UnitAmount: 900})
	f.AddPrice(stripefake.PriceSpec{ID: "price_pro_y", LookupKey: "pro_yearly", ProductID: "prod_pro", ProductName: "Pro plan", UnitAmount: 49000, Interval: "year", Currency: "eur"})
	f.AddPrice(stripefake.PriceSpec{ID: "price_unused", ProductID: "prod_pro"})
	for i := 0; i < 3; i++ {
		cus := f.AddCustomer(stripefake.CustomerSpec{})
		f.MustAddSubscription(stripefake.SubscriptionSpec{CustomerID: cus, PriceIDs: []string{"price_pro_y"}})
		f.MustAddSubscription(stripefake.SubscriptionSpec{CustomerID: cus, Status: "canceled", PriceIDs: []string{"price_basic"}})
	}
	cus := f.AddCustomer(stripefake.CustomerSpec{})
	f.MustAddSubscription(stripefake.SubscriptionSpec{CustomerID: cus, PriceIDs: []string{"price_basic"}})

	got, err := w.client(t, testKey).PricesInUse(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []PriceUsage{
		{PriceID: "price_pro_y", LookupKey: "pro_yearly", ProductID: "prod_pro", ProductName: "Pro plan", UnitAmount: 49000, BillingScheme: "per_unit", Currency: "eur", Interval: "year", Subscriptions: 3, ActiveSubscriptions: 3},
		{PriceID: "price_basic", LookupKey: "basic", Nickname: "Basic", ProductID: "prod_basic", ProductName: "Basic plan", UnitAmount: 900, BillingScheme: "per_unit", Currency: "usd", Interval: "month", Subscriptions: 4, ActiveSubscriptions: 1},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	if w.fake.Count("/v1/subscriptions") != 1 || w.fake.Count("/v1/products") != 1 || w.fake.RequestCount() != 2 {
		t.Fatalf("requests: %v", w.fake.CountsByPath())
	}

	// Without Products (or Prices) read, prices still load, unnamed, and
	// the missing read is named.
	f.AddRestrictedKey("rk_test_noproducts", stripefake.PermSubscriptions)
	found, err := w.client(t, "rk_test_noproducts").FindPrices(t.Context())
	got = found.Prices
	if err != nil || len(got) != 2 || got[0].ProductName != "" || got[0].ProductID != "prod_pro" {
		t.Fatalf("no products: %+v %v", got, err)
	}
	if len(found.Missing) != 1 || found.Missing[0].Resource != ResourceProducts || found.Missing[0].Permission != stripefake.PermProducts || !found.Missing[0].Optional {
		t.Fatalf("missing: %+v", found.Missing)
	}
	found, err = w.client(t, testKey).FindPrices(t.Context())
	if err != nil || len(found.Missing) != 0 {
		t.Fatalf("full key: %+v %v", found.Missing, err)
	}
}

func TestActiveEntitlements(t *testing.T) {
	w := newWorld(t)
	cus := w.fake.AddCustomer(stripefake.CustomerSpec{})
	keys := make([]string, 130)
	for i := range keys {
		keys[i] = fmt.Sprintf("feature_%03d", i)
	}
	w.fake.SetEntitlements(cus, keys...)
	got, err := w.client(t, testKey).ActiveEntitlements(t.Context(), cus)
	if err != nil || len(got) != 130 || got[129] != "feature_129" || w.fake.RequestCount() != 2 {
		t.Fatalf("%d keys, %v, %d requests", len(got), err, w.fake.RequestCount())
	}
	none := w.fake.AddCustomer(stripefake.CustomerSpec{})
	if got, err := w.client(t, testKey).ActiveEntitlements(t.Context(), none); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("none: %v %v", got, err)
	}
}

func TestRetries(t *testing.T) {
	cases := []struct {
		name     string
		script   func(*stripefake.Server)
		requests int
		wantErr  func(error) bool
	}{
		{"429 should-retry true", func(f *stripefake.Server) { f.RateLimitNext(2) }, 3, nil},
		{"429 without header", func(f *stripefake.Server) { f.FailNext(1, stripefake.Failure{Status: 429}) }, 2, nil},
		{"429 should-retry false", func(f *stripefake.Server) { f.FailNext(1, stripefake.Failure{Status: 429, ShouldRetry: "false"}) }, 1,
			func(err error) bool {
				var e *RateLimitError
				return errors.As(err, &e) && strings.HasPrefix(err.Error(), "Stripe rate limit hit (HTTP 429)")
			}},
		{"429 until retries run out", func(f *stripefake.Server) { f.RateLimitNext(10) }, 4,
			func(err error) bool { var e *RateLimitError; return errors.As(err, &e) }},
		{"500 retried", func(f *stripefake.Server) { f.FailNext(2, stripefake.Failure{Status: 500}) }, 3, nil},
		{"503 retried", func(f *stripefake.Server) { f.FailNext(1, stripefake.Failure{Status: 503}) }, 2, nil},
		{"500 should-retry false", func(f *stripefake.Server) { f.FailNext(1, stripefake.Failure{Status: 500, ShouldRetry: "false"}) }, 1,
			func(err error) bool { var e *APIError; return errors.As(err, &e) && e.Status == 500 }},
		{"400 not retried", func(f *stripefake.Server) { f.FailNext(1, stripefake.Failure{Status: 400}) }, 1,
			func(err error) bool { var e *APIError; return errors.As(err, &e) && e.Status == 400 }},
		{"409 should-retry true", func(f *stripefake.Server) { f.FailNext(1, stripefake.Failure{Status: 409, ShouldRetry: "true"}) }, 2, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			w.fake.AddCustomer(stripefake.CustomerSpec{})
			tc.script(w.fake)
			c := w.client(t, testKey)
			var n int
			err := c.ListCustomers(t.Context(), func(Customer) error { n++; return nil })
			if tc.wantErr == nil && (err != nil || n != 1) {
				t.Fatalf("want success, got %v (%d customers)", err, n)
			}
			if tc.wantErr != nil && !tc.wantErr(err) {
				t.Fatalf("unexpected error %v", err)
			}
			if w.fake.RequestCount() != tc.requests || c.Requests() != int64(tc.requests) || w.limiter.n.Load() != int64(tc.requests) {
				t.Fatalf("requests: fake %d, client %d, limiter %d; want %d", w.fake.RequestCount(), c.Requests(), w.limiter.n.Load(), tc.requests)
			}
		})
	}
}

func TestRetryBackoffIsCancellable(t *testing.T) {
	w := newWorld(t)
	w.fake.FailNext(1, stripefake.Failure{Status: 500})
	ctx, cancel := context.WithCancel(t.Context())
	c, err := New(Config{Key: testKey, APIBase: w.srv.URL, Limiter: w.limiter,
		// The first failure asks for an hour's wait; cancelling must end it.
		Backoff: func(int) time.Duration { cancel(); return time.Hour }})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = c.ListCustomers(ctx, func(Customer) error { return nil })
	if !errors.Is(err, context.Canceled) || time.Since(start) > 10*time.Second || w.fake.RequestCount() != 1 {
		t.Fatalf("got %v after %v, %d requests", err, time.Since(start), w.fake.RequestCount())
	}
}

func TestBackoffHonoursRetryAfterAndDefaults(t *testing.T) {
	for retry := 0; retry < 6; retry++ {
		d := defaultBackoff(retry)
		if d < 500*time.Millisecond || d > 5*time.Second {
			t.Fatalf("retry %d: %v", retry, d)
		}
	}
	resp := &http.Response{Header: http.Header{"Retry-After": {"2"}}}
	if retryAfter(resp) != 2*time.Second {
		t.Fatal("Retry-After seconds")
	}
}

// The real rate.Limiter holds requests to the cap: n requests at r per
// second cannot finish before (n-1)/r seconds. A lower bound only, so the
// test can't flake on a slow machine.
func TestRateCapHoldsRequests(t *testing.T) {
	w := newWorld(t)
	w.fake.Generate(stripefake.GenerateSpec{Customers: 250, Seed: 1})
	c, err := New(Config{Key: testKey, APIBase: w.srv.URL, RatePerSecond: 20})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := c.ListCustomers(t.Context(), func(Customer) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed < 100*time.Millisecond || c.Requests() != 3 {
		t.Fatalf("3 requests at 20/s took %v", elapsed)
	}
	// A cap shared through Config.Limiter is used as given.
	lim := rate.NewLimiter(rate.Inf, 1)
	c2, _ := New(Config{Key: testKey, APIBase: w.srv.URL, Limiter: lim})
	if c2.RateLimit() != 0 {
		t.Fatal("custom limiter reports no built-in cap")
	}
}

func TestReadOnlyTransport(t *testing.T) {
	w := newWorld(t)
	rt := &transport{next: http.DefaultTransport, limiter: w.limiter, count: &atomic.Int64{}, backoff: defaultBackoff}
	for _, m := range []string{http.MethodPost, http.MethodDelete, http.MethodPut, http.MethodPatch} {
		req, _ := http.NewRequest(m, w.srv.URL+"/v1/customers", strings.NewReader("email=x"))
		if _, err := rt.RoundTrip(req); !errors.Is(err, ErrReadOnly) {
			t.Fatalf("%s: %v", m, err)
		}
	}
	// Through stripe-go too: a write call never leaves the process.
	c := w.client(t, testKey)
	_, err := c.api.Customers.New(&stripe.CustomerParams{Email: stripe.String("x@example.com")})
	if err == nil || !errors.Is(err, ErrReadOnly) {
		t.Fatalf("stripe-go write: %v", err)
	}
	if w.fake.RequestCount() != 0 {
		t.Fatalf("%d requests reached the fake", w.fake.RequestCount())
	}
}

func TestErrorsRedactKeys(t *testing.T) {
	if got := redact("bad key 'sk_test_51Habcdefghijklmnop' here"); got != "bad key 'sk_test_…mnop' here" {
		t.Fatalf("%q", got)
	}
	w := newWorld(t)
	w.fake.FailNext(1, stripefake.Failure{Status: 400})
	err := w.client(t, testKey).ListCustomers(t.Context(), func(Customer) error { return nil })
	if err == nil || strings.Contains(err.Error(), testKey) || !strings.Contains(err.Error(), "read customers") {
		t.Fatalf("%v", err)
	}
}

func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, _ := New(Config{Key: testKey, APIBase: url, MaxRetries: -1})
	_, err := c.TestConnection(t.Context(), ProbeOptions{})
	if err == nil || !strings.Contains(err.Error(), "Stripe could not be reached") || c.Requests() != 1 {
		t.Fatalf("%v (%d requests)", err, c.Requests())
	}
}
