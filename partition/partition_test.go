package partition

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// list is an in-memory list walked in ascending key order, with a cursor
// and range filters like Stripe's and Clerk's.
type list struct {
	mu       sync.Mutex
	keys     []int64 // sorted; item i is "i"
	pageSize int
	latency  time.Duration
	inFlight atomic.Int32
	most     atomic.Int32
	requests atomic.Int32
}

func (l *list) fetch(ctx context.Context, r Range, cursor string) (Page[string], error) {
	l.requests.Add(1)
	n := l.inFlight.Add(1)
	defer l.inFlight.Add(-1)
	for {
		m := l.most.Load()
		if n <= m || l.most.CompareAndSwap(m, n) {
			break
		}
	}
	if l.latency > 0 {
		time.Sleep(l.latency)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	start := sort.Search(len(l.keys), func(i int) bool { return l.keys[i] >= r.From })
	if cursor != "" {
		var c int
		fmt.Sscan(cursor, &c)
		if !r.holds(l.keys[c]) {
			return Page[string]{}, fmt.Errorf("cursor %d outside %v", c, r)
		}
		start = c + 1
	}
	var pg Page[string]
	i := start
	for ; i < len(l.keys) && l.keys[i] < r.To && len(pg.Items) < l.pageSize; i++ {
		pg.Items = append(pg.Items, fmt.Sprint(i))
		pg.Keys = append(pg.Keys, l.keys[i])
	}
	pg.More = i < len(l.keys) && l.keys[i] < r.To
	if len(pg.Items) > 0 {
		pg.Cursor = pg.Items[len(pg.Items)-1]
	}
	return pg, nil
}

func (l *list) all() []string {
	out := make([]string, len(l.keys))
	for i := range out {
		out[i] = fmt.Sprint(i)
	}
	return out
}

// clumped makes n keys in [0, span) with runs of equal keys, so page and
// piece boundaries fall inside runs.
func clumped(rng *rand.Rand, n int, span int64) []int64 {
	keys := make([]int64, 0, n)
	for len(keys) < n {
		k := rng.Int64N(span)
		for range 1 + rng.IntN(7) {
			keys = append(keys, k)
		}
	}
	keys = keys[:n]
	slices.Sort(keys)
	return keys
}

func read(t *testing.T, l *list, lister *Lister[string]) ([]string, Stats) {
	t.Helper()
	var got []string
	lister.Fetch = l.fetch
	lister.Emit = func(items []string) error { got = append(got, items...); return nil }
	lister.PageSize = l.pageSize
	st, err := lister.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return got, st
}

// TestExactlyOneCursorsItems: whatever the cuts, the items come out once
// each, in walk order, within the minimum pages plus 2 per cursor.
func TestExactlyOneCursorsItems(t *testing.T) {
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 1))
		n := rng.IntN(3000)
		l := &list{keys: clumped(rng, n, 1+rng.Int64N(5000)), pageSize: 1 + rng.IntN(60)}
		cursors := 1 + rng.IntN(12)
		lister := &Lister[string]{Cursors: func() int { return cursors }, Edge: NoEnd, FirstPages: rng.IntN(4)}
		if rng.IntN(2) == 0 {
			lister.Horizon = func() int64 { return rng.Int64N(6000) }
		}
		got, st := read(t, l, lister)
		if !slices.Equal(got, l.all()) {
			t.Fatalf("seed %d: %d items read, want %d in order", seed, len(got), n)
		}
		minPages := max(1, (n+l.pageSize-1)/l.pageSize)
		if st.Requests > minPages+2*st.Cursors || st.Requests != int(l.requests.Load()) {
			t.Fatalf("seed %d: %d requests for %d pages over %d cursors", seed, st.Requests, minPages, st.Cursors)
		}
		if st.MostActive > max(cursors, 1) {
			t.Fatalf("seed %d: %d cursors at once, allowed %d", seed, st.MostActive, cursors)
		}
	}
}

// TestShortListIsOneCursor: a list within FirstPages pages is read exactly
// as a single cursor would, with the minimum requests.
func TestShortListIsOneCursor(t *testing.T) {
	l := &list{keys: clumped(rand.New(rand.NewPCG(1, 2)), 250, 10_000), pageSize: 100}
	got, st := read(t, l, &Lister[string]{Cursors: func() int { return 8 }, Edge: NoEnd, FirstPages: 3})
	if !slices.Equal(got, l.all()) || st.Requests != 3 || st.Cursors != 1 {
		t.Fatalf("%d items, %+v", len(got), st)
	}
}

// TestCursorsOverlap: with latency per page the cursors really walk at the
// same time (counted at the server, not timed).
func TestCursorsOverlap(t *testing.T) {
	keys := make([]int64, 5000)
	for i := range keys {
		keys[i] = int64(i / 3) // three items per position
	}
	l := &list{keys: keys, pageSize: 50, latency: 5 * time.Millisecond}
	got, st := read(t, l, &Lister[string]{Cursors: func() int { return 8 }, Edge: NoEnd, FirstPages: 2})
	if !slices.Equal(got, l.all()) {
		t.Fatal("items differ")
	}
	if l.most.Load() < 6 || st.MostActive < 6 {
		t.Fatalf("at most %d requests at once (%+v); want the 8 cursors busy", l.most.Load(), st)
	}
	if minPages := 100; st.Requests > minPages+2*st.Cursors {
		t.Fatalf("%+v", st)
	}
}

// TestErrorsStopTheRead: a failing page or a failing Emit ends the read
// with that error.
func TestErrorsStopTheRead(t *testing.T) {
	keys := make([]int64, 2000)
	for i := range keys {
		keys[i] = int64(i)
	}
	l := &list{keys: keys, pageSize: 10}
	boom := errors.New("boom")
	var calls atomic.Int32
	lister := &Lister[string]{
		PageSize: 10, Cursors: func() int { return 6 }, Edge: NoEnd,
		Fetch: func(ctx context.Context, r Range, c string) (Page[string], error) {
			if calls.Add(1) == 20 {
				return Page[string]{}, boom
			}
			return l.fetch(ctx, r, c)
		},
		Emit: func([]string) error { return nil },
	}
	if _, err := lister.Run(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("fetch error: %v", err)
	}
	stop := errors.New("stop")
	lister.Fetch = l.fetch
	lister.Emit = func([]string) error { return stop }
	if _, err := lister.Run(context.Background()); !errors.Is(err, stop) {
		t.Fatalf("emit error: %v", err)
	}
}
