package clerk

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parityrail/demo/clerkfake"
	"parityrail/partition"
)

// recorder sits in front of the fake: it counts requests in flight, keeps
// when each one arrived and when each 429 left, and can act first.
type recorder struct {
	next     http.Handler
	inFlight atomic.Int32
	most     atomic.Int32
	before   func(n int, r *http.Request)

	mu       sync.Mutex
	n        int
	arrivals []time.Time
	limited  []time.Time
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	rc.n++
	n := rc.n
	rc.arrivals = append(rc.arrivals, time.Now())
	rc.mu.Unlock()
	if rc.before != nil {
		rc.before(n, r)
	}
	cur := rc.inFlight.Add(1)
	for m := rc.most.Load(); cur > m && !rc.most.CompareAndSwap(m, cur); m = rc.most.Load() {
	}
	sw := &statusWriter{ResponseWriter: w}
	rc.next.ServeHTTP(sw, r)
	rc.inFlight.Add(-1)
	if sw.status == http.StatusTooManyRequests {
		rc.mu.Lock()
		rc.limited = append(rc.limited, time.Now())
		rc.mu.Unlock()
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) { w.status = s; w.ResponseWriter.WriteHeader(s) }

// usersWorld is a fake with n users over the last year, several sharing
// each millisecond they were created in, and a client with the given cap.
func usersWorld(t *testing.T, n int, latency time.Duration, per10s int) (*clerkfake.Server, *recorder, *Client) {
	t.Helper()
	fake := clerkfake.New(clerkfake.Options{SecretKeys: []string{testKey}, Latency: latency})
	start := time.Now().Add(-365 * 24 * time.Hour).UnixMilli()
	step := (365 * 24 * time.Hour).Milliseconds() / int64(n)
	for i := range n {
		// Runs of up to 5 users in one millisecond, so window and page
		// edges fall inside them.
		ms := start + int64(i/5*5)*step
		fake.AddUser(clerkfake.UserSpec{CreatedAt: time.UnixMilli(ms)})
	}
	rec := &recorder{next: fake}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	c, err := New(Config{BaseURL: srv.URL + "/v1", SecretKey: testKey, HTTPClient: srv.Client(), RequestsPer10s: per10s})
	if err != nil {
		t.Fatal(err)
	}
	return fake, rec, c
}

// oneCursor is what the plain ascending walk returns.
func oneCursor(t *testing.T, c *Client) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for {
		q := url.Values{"limit": {strconv.Itoa(pageSize)}, "order_by": {"created_at"}}
		if cursor != "" {
			q.Set("starting_after", cursor)
		}
		data, err := c.get(t.Context(), "/users", q, "users")
		if err != nil {
			t.Fatal(err)
		}
		users, err := c.decodeUsers(data)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			ids = append(ids, u.ID)
		}
		if len(users) < pageSize {
			return ids
		}
		cursor = users[len(users)-1].ID
	}
}

// readUsers lists every user with ListUsers and its numbers.
func readUsers(t *testing.T, c *Client) ([]string, partition.Stats) {
	t.Helper()
	var st partition.Stats
	c.onList = func(s partition.Stats) { st = s }
	var got []string
	if err := seen(c.ListUsers(t.Context(), func(u User) error { got = append(got, u.ID); return nil })); err != nil {
		t.Fatal(err)
	}
	return got, st
}

// signUpDuring has every fifth request sign a user up before it is
// answered, six at most, until done, which returns who signed up.
func signUpDuring(fake *clerkfake.Server, rec *recorder) (done func() []string) {
	var during []string
	var mu sync.Mutex
	rec.before = func(n int, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if n%5 == 0 && len(during) < 6 {
			during = append(during, fake.AddUser(clerkfake.UserSpec{}))
		}
	}
	return func() []string {
		rec.before = nil
		mu.Lock()
		defer mu.Unlock()
		return during
	}
}

// TestPartitionedUsersAreOneCursor: users read over created_at windows are
// exactly those of one ascending cursor, in its order — users sharing a
// millisecond with a window edge included — and users who sign up during
// the read come after them, each at most once; within the minimum pages
// plus 2 per cursor.
func TestPartitionedUsersAreOneCursor(t *testing.T) {
	fake, rec, c := usersWorld(t, 6000, 0, -1)
	want := oneCursor(t, c)
	done := signUpDuring(fake, rec)
	fake.ResetRequests()
	got, st := readUsers(t, c)
	during := done()

	if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
		t.Fatalf("%d users read; the first %d are not one cursor's", len(got), len(want))
	}
	for i, id := range got[len(want):] {
		if !slices.Contains(during, id) || slices.Contains(got[len(want):len(want)+i], id) {
			t.Fatalf("extra user %s is not one created during the read, or read twice", id)
		}
	}
	minPages := len(want)/pageSize + 1 // the last page is short
	t.Logf("%d users (+%d created during), %d requests (minimum %d) over %d cursors, %d at once", len(want), len(got)-len(want), st.Requests, minPages, st.Cursors, st.MostActive)
	if st.Cursors < 3 {
		t.Fatalf("read by %d cursors: not partitioned", st.Cursors)
	}
	if n := len(fake.Requests()); n != st.Requests || n > minPages+len(during)/pageSize+2*st.Cursors {
		t.Fatalf("%d requests for %d pages over %d cursors", n, minPages, st.Cursors)
	}
	for _, r := range fake.Requests() {
		if r.Query.Get("limit") != "500" || r.Query.Get("order_by") != "created_at" || r.Query.Has("offset") {
			t.Fatalf("request %s?%s", r.Path, r.Query.Encode())
		}
	}
}

// TestPartitionedUsersOverlap: with 100 ms a page and a production
// instance's budget the cursors really run at once (counted at the fake).
func TestPartitionedUsersOverlap(t *testing.T) {
	_, rec, c := usersWorld(t, 8000, 100*time.Millisecond, LiveRequestsPer10s)
	got, st := readUsers(t, c)
	if len(got) != 8000 {
		t.Fatalf("%d users", len(got))
	}
	t.Logf("%d requests over %d cursors, %d in flight at most", st.Requests, st.Cursors, rec.most.Load())
	if rec.most.Load() < 4 {
		t.Fatalf("at most %d requests in flight", rec.most.Load())
	}
	if st.Requests > 17+2*st.Cursors {
		t.Fatalf("%+v", st)
	}
}

// TestPartitionedUsersHonourRetryAfter: a 429 with Retry-After: 1 in the
// middle of a partitioned read holds every cursor, not just the one that
// got it, and the read still returns each user once.
func TestPartitionedUsersHonourRetryAfter(t *testing.T) {
	fake, rec, c := usersWorld(t, 6000, 20*time.Millisecond, -1)
	c.sleep = sleepCtx // real waits
	want := oneCursor(t, c)
	rec.before = func(n int, r *http.Request) {
		if n == len(want)/pageSize+1+4 { // the read's fourth request
			fake.RateLimitNext(1, 1)
		}
	}
	got, st := readUsers(t, c)
	if !slices.Equal(got, want) {
		t.Fatalf("%d users read, want %d", len(got), len(want))
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.limited) != 1 {
		t.Fatalf("%d answers were 429", len(rec.limited))
	}
	t429 := rec.limited[0]
	early := 0
	for _, a := range rec.arrivals {
		// Requests sent before the 429 reached the client may still land
		// just after it; none may be sent while the wait lasts.
		if a.After(t429.Add(100*time.Millisecond)) && a.Before(t429.Add(900*time.Millisecond)) {
			early++
		}
	}
	t.Logf("%d requests over %d cursors", st.Requests, st.Cursors)
	if early != 0 || st.Cursors < 2 {
		t.Fatalf("%d requests arrived during the Retry-After second (%d cursors)", early, st.Cursors)
	}
}

// TestPartitionedUsersCreatedLongAgo: users who all signed up long before
// the read (one a second, two years ago) are read with the minimum pages
// plus 2 per cursor, and the windows guessed past the newest user cost at
// most one empty page per cursor the budget allows (with "now" as the end
// of the open window, 2,000 users took 25 requests where 5 do).
func TestPartitionedUsersCreatedLongAgo(t *testing.T) {
	for _, n := range []int{2000, 20000} {
		fake := clerkfake.New(clerkfake.Options{SecretKeys: []string{testKey}})
		base := time.Now().Add(-2 * 365 * 24 * time.Hour)
		for i := range n {
			fake.AddUser(clerkfake.UserSpec{CreatedAt: base.Add(time.Duration(i) * time.Second)})
		}
		srv := httptest.NewServer(fake)
		t.Cleanup(srv.Close)
		c, err := New(Config{BaseURL: srv.URL + "/v1", SecretKey: testKey, HTTPClient: srv.Client(), RequestsPer10s: -1})
		if err != nil {
			t.Fatal(err)
		}
		want := oneCursor(t, c)
		fake.ResetRequests()
		got, st := readUsers(t, c)
		if !slices.Equal(got, want) || len(got) != n {
			t.Fatalf("%d users read of %d, not one cursor's", len(got), n)
		}
		minPages := n/pageSize + 1
		t.Logf("%d users: %d requests (minimum %d) over %d cursors", n, st.Requests, minPages, st.Cursors)
		if st.Cursors < 3 {
			t.Fatalf("%d users read by %d cursors: not partitioned", n, st.Cursors)
		}
		if r := len(fake.Requests()); r != st.Requests || r > minPages+2*st.Cursors || r > minPages+uncappedCursors {
			t.Fatalf("%d users: %d requests, minimum %d, %d cursors", n, r, minPages, st.Cursors)
		}
	}
}

// TestStreamUsersAreOneCursorsUsers: StreamUsers hands over exactly the
// users of one ascending cursor, each once (in any order), plus those who
// sign up during the read, over several cursors.
func TestStreamUsersAreOneCursorsUsers(t *testing.T) {
	fake, rec, c := usersWorld(t, 6000, 0, -1)
	want := oneCursor(t, c)
	done := signUpDuring(fake, rec)
	var st partition.Stats
	c.onList = func(s partition.Stats) { st = s }
	var got []string
	if err := c.StreamUsers(t.Context(), func(u User) error { got = append(got, u.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	during := done()
	seenIDs := map[string]bool{}
	for _, id := range got {
		if seenIDs[id] {
			t.Fatalf("user %s read twice", id)
		}
		seenIDs[id] = true
	}
	for _, id := range want {
		if !seenIDs[id] {
			t.Fatalf("user %s of one cursor not read", id)
		}
	}
	for _, id := range got {
		if !slices.Contains(want, id) && !slices.Contains(during, id) {
			t.Fatalf("user %s is neither one cursor's nor created during the read", id)
		}
	}
	if st.Cursors < 3 {
		t.Fatalf("read by %d cursors: not partitioned", st.Cursors)
	}
}
