package billing

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parityrail/demo/stripefake"
	"parityrail/partition"

	"golang.org/x/time/rate"
)

// account fills a fake with customers and subscriptions whose creation
// times clump: several a second (so range and page edges fall inside a
// second), a bulk import of 250 in one second (more than a page in one
// second), and a few old ones years before (gaps). It returns the newest
// creation second.
func account(f *stripefake.Server, customers int) int64 {
	price := f.AddPrice(stripefake.PriceSpec{ID: "price_edge", UnitAmount: 900})
	const base = 1_700_000_000
	add := func(sec int64) {
		id := f.AddCustomer(stripefake.CustomerSpec{Created: time.Unix(sec, 0)})
		f.MustAddSubscription(stripefake.SubscriptionSpec{CustomerID: id, PriceIDs: []string{price}, Created: time.Unix(sec, 0)})
	}
	for i := range 5 {
		add(base - int64(i+1)*400*86400)
	}
	sec := int64(base)
	for i := range customers {
		switch {
		case i == customers/2:
			for range 250 {
				add(sec)
			}
		case i%7 == 0:
			sec += 1 + int64(i%13)
		}
		add(sec)
	}
	return sec
}

// oneCursor is what a single cursor returns, newest first: the plain list
// paged with starting_after, the way the connector read before partitions.
func oneCursor(t *testing.T, c *Client) (customers, subscriptions []string) {
	t.Helper()
	customers = cursorIDs(t, c, "/v1/customers", url.Values{}, decodeCustomerPage, func(w *wireCustomer) string { return w.ID })
	subscriptions = cursorIDs(t, c, "/v1/subscriptions", url.Values{"status": {"all"}}, decodeSubscriptionPage,
		func(w *wireSubscription) string { return w.ID })
	return customers, subscriptions
}

// cursorIDs is the ids one cursor over path returns, in its order.
func cursorIDs[T any](t *testing.T, c *Client, path string, q url.Values, decode func([]byte, *wireList[T]) error, id func(*T) string) []string {
	t.Helper()
	var ids []string
	err := eachPage(t.Context(), c, path, q, decode, id, func(p []T) error {
		for i := range p {
			ids = append(ids, id(&p[i]))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// wire counts the list requests at the fake, how many were in flight at
// once, and can act before a request is answered.
type wire struct {
	next     http.Handler
	inFlight atomic.Int32
	most     atomic.Int32
	before   func(n int, r *http.Request)
	mu       sync.Mutex
	n        int
}

func (w *wire) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	w.n++
	n := w.n
	w.mu.Unlock()
	if w.before != nil {
		w.before(n, r)
	}
	cur := w.inFlight.Add(1)
	for m := w.most.Load(); cur > m && !w.most.CompareAndSwap(m, cur); m = w.most.Load() {
	}
	defer w.inFlight.Add(-1)
	w.next.ServeHTTP(rw, r)
}

type listStats struct {
	mu sync.Mutex
	by map[string]partition.Stats
}

func (s *listStats) record(path string, st partition.Stats) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.by[path] = st
}

// TestPartitionedListsAreOneCursor: the partitioned read returns exactly
// what one cursor returns, in its order — objects sharing a second with a
// range edge, a page-sized bulk in one second, and objects created while
// the read runs (in the newest second and after it) included — within the
// minimum pages plus 2 per cursor.
func TestPartitionedListsAreOneCursor(t *testing.T) {
	f := stripefake.New()
	f.AddKey(testKey)
	newest := account(f, 700)
	wantCus, wantSubs := 0, 0
	w := &wire{next: f}
	srv := httptest.NewServer(w)
	defer srv.Close()
	c, err := New(Config{Key: testKey, APIBase: srv.URL, Limiter: rate.NewLimiter(rate.Inf, 1)})
	if err != nil {
		t.Fatal(err)
	}
	cus, subs := oneCursor(t, c)
	wantCus, wantSubs = len(cus), len(subs)

	// Created during the read: in the newest second and the next, as
	// Stripe stamps new objects. One cursor started before never sees them.
	var created []string
	var createdMu sync.Mutex
	pastFirst := map[string]bool{}
	var reading atomic.Bool
	reading.Store(true)
	w.before = func(n int, r *http.Request) {
		createdMu.Lock()
		defer createdMu.Unlock()
		// Only once both lists are past their first page: one cursor
		// started now would return what is created before its first page.
		if r.URL.Query().Get("starting_after") != "" {
			pastFirst[r.URL.Path] = true
		}
		if !reading.Load() || len(pastFirst) < 2 || n%4 != 0 || len(created) >= 8 {
			return
		}
		for _, sec := range []int64{newest, newest + 1} {
			id := f.AddCustomer(stripefake.CustomerSpec{Created: time.Unix(sec, 0)})
			sub := f.MustAddSubscription(stripefake.SubscriptionSpec{CustomerID: id, PriceIDs: []string{"price_edge"}, Created: time.Unix(sec, 0)})
			created = append(created, id, sub)
		}
	}
	stats := &listStats{by: map[string]partition.Stats{}}
	c.onList = stats.record
	f.ResetLog()

	var gotCus, gotSubs []string
	var mu sync.Mutex
	errs := make(chan error, 2)
	go func() {
		errs <- c.ListCustomers(t.Context(), func(cu Customer) error { mu.Lock(); gotCus = append(gotCus, cu.ID); mu.Unlock(); return nil })
	}()
	go func() {
		errs <- c.ListSubscriptions(t.Context(), func(s Subscription) error { mu.Lock(); gotSubs = append(gotSubs, s.ID); mu.Unlock(); return nil })
	}()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	reading.Store(false)
	if len(created) == 0 {
		t.Fatal("nothing was created during the read")
	}
	if !slices.Equal(gotCus, cus) {
		t.Errorf("customers: %d read, one cursor returns %d (first difference at %d)", len(gotCus), wantCus, firstDiff(gotCus, cus))
	}
	if !slices.Equal(gotSubs, subs) {
		t.Errorf("subscriptions: %d read, one cursor returns %d (first difference at %d)", len(gotSubs), wantSubs, firstDiff(gotSubs, subs))
	}
	counts := f.CountsByPath()
	for path, n := range map[string]int{"/v1/customers": wantCus, "/v1/subscriptions": wantSubs} {
		st := stats.by[path]
		minPages := (n + pageSize - 1) / pageSize
		t.Logf("%s: %d objects, %d requests (minimum %d) over %d cursors, %d at once", path, n, st.Requests, minPages, st.Cursors, st.MostActive)
		if st.Cursors < 3 {
			t.Errorf("%s: read by %d cursors; the list was not partitioned", path, st.Cursors)
		}
		if st.Requests != counts[path] || st.Requests > minPages+2*st.Cursors {
			t.Errorf("%s: %d requests (%d at the fake), more than %d pages + 2 × %d cursors", path, st.Requests, counts[path], minPages, st.Cursors)
		}
	}
	for _, r := range f.Requests() {
		if !strings.Contains(r.RawQuery, "limit=100") {
			t.Errorf("page size: %s?%s", r.Path, r.RawQuery)
		}
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestPartitionedReadKeepsTheBudgetBusy: with 200 ms a page and a 25/s
// budget, one cursor a list would have 2 requests in flight; the read keeps
// at least rate × latency = 5 in flight (counted at the fake, not timed).
func TestPartitionedReadKeepsTheBudgetBusy(t *testing.T) {
	f := stripefake.New()
	f.AddKey(testKey)
	f.Generate(stripefake.GenerateSpec{Customers: 2000, Subscriptions: 2000, Seed: 3})
	f.SetLatency(200 * time.Millisecond)
	w := &wire{next: f}
	srv := httptest.NewServer(w)
	defer srv.Close()
	c, err := New(Config{Key: testKey, APIBase: srv.URL, Limiter: NewBudget(25, nil)})
	if err != nil {
		t.Fatal(err)
	}
	stats := &listStats{by: map[string]partition.Stats{}}
	c.onList = stats.record
	all, err := c.ReadAll(t.Context())
	if err != nil || len(all) != 2000 {
		t.Fatalf("%d customers, %v", len(all), err)
	}
	t.Logf("%d requests, at most %d in flight, %+v", c.Requests(), w.most.Load(), stats.by)
	if w.most.Load() < 5 {
		t.Fatalf("at most %d requests in flight; 25/s at 200 ms needs 5", w.most.Load())
	}
	cursors := 0
	for _, st := range stats.by {
		cursors += st.Cursors
	}
	if minPages := 40; c.Requests() > int64(minPages+2*cursors) {
		t.Fatalf("%d requests, more than %d pages + 2 × %d cursors", c.Requests(), minPages, cursors)
	}
}
