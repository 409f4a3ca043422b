package partition

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// outstanding reads l with lister while Emit is slower than the cursors,
// and returns the items handed over and the most items fetched at least
// once and not yet handed over at any time (counted at each page).
func outstanding(t *testing.T, l *list, lister *Lister[string]) ([]string, int, Stats) {
	t.Helper()
	var mu sync.Mutex
	fetched := map[string]bool{}
	handed := 0
	most := 0
	var got []string
	lister.PageSize = l.pageSize
	lister.Fetch = func(ctx context.Context, r Range, cursor string) (Page[string], error) {
		pg, err := l.fetch(ctx, r, cursor)
		mu.Lock()
		for _, it := range pg.Items {
			fetched[it] = true
		}
		most = max(most, len(fetched)-handed)
		mu.Unlock()
		return pg, err
	}
	lister.Emit = func(items []string) error {
		time.Sleep(300 * time.Microsecond) // a consumer slower than the cursors
		mu.Lock()
		got = append(got, items...)
		handed += len(items)
		mu.Unlock()
		return nil
	}
	st, err := lister.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return got, most, st
}

func uniform(n int) []int64 {
	keys := make([]int64, n)
	for i := range keys {
		keys[i] = int64(i / 3)
	}
	return keys
}

// TestLookaheadBoundsHeldItems: with a consumer slower than the cursors,
// the items fetched and not yet handed over stay within the lookahead plus
// the page each cursor (and the head) has in hand, where without it they
// grow to most of the list; the items still come out once each, in walk
// order, within the minimum pages plus 2 per cursor.
func TestLookaheadBoundsHeldItems(t *testing.T) {
	const pageSize, cursors, capItems = 50, 6, 4 * 50
	newLister := func(lookahead int) *Lister[string] {
		return &Lister[string]{Cursors: func() int { return cursors }, Edge: NoEnd, FirstPages: 1, Lookahead: lookahead}
	}
	l := &list{keys: uniform(6000), pageSize: pageSize, latency: 200 * time.Microsecond}
	got, unbounded, _ := outstanding(t, l, newLister(0))
	if !slices.Equal(got, l.all()) {
		t.Fatal("unbounded: items differ")
	}
	bound := capItems + (cursors+1)*pageSize
	if unbounded <= bound {
		t.Fatalf("without a lookahead at most %d items were outstanding: the test proves nothing", unbounded)
	}
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 3))
		l := &list{keys: clumped(rng, 2000+rng.IntN(4000), 1+rng.Int64N(5000)), pageSize: pageSize}
		got, most, st := outstanding(t, l, newLister(capItems))
		if !slices.Equal(got, l.all()) {
			t.Fatalf("seed %d: %d items read, want %d in order", seed, len(got), len(l.keys))
		}
		if most > bound {
			t.Fatalf("seed %d: %d items fetched and not handed over, bound %d (%d without a lookahead)", seed, most, bound, unbounded)
		}
		if minPages := (len(l.keys) + pageSize - 1) / pageSize; st.Requests > minPages+2*st.Cursors {
			t.Fatalf("seed %d: %d requests for %d pages over %d cursors", seed, st.Requests, minPages, st.Cursors)
		}
		if seed == 0 {
			t.Logf("%d items outstanding at most (bound %d; %d without a lookahead), %+v", most, bound, unbounded, st)
		}
	}
}

// TestUnorderedHandsOverAsPagesArrive: an unordered read hands over
// exactly one cursor's items, none twice, and with a consumer slower than
// the cursors never has more than a page per cursor outstanding.
func TestUnorderedHandsOverAsPagesArrive(t *testing.T) {
	const pageSize, cursors = 50, 6
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 4))
		l := &list{keys: clumped(rng, 2000+rng.IntN(4000), 1+rng.Int64N(5000)), pageSize: pageSize}
		lister := &Lister[string]{Cursors: func() int { return cursors }, Edge: NoEnd, FirstPages: 1, Unordered: true}
		got, most, st := outstanding(t, l, lister)
		sorted := slices.Clone(got)
		slices.SortFunc(sorted, func(a, b string) int {
			var x, y int
			fmt.Sscan(a, &x)
			fmt.Sscan(b, &y)
			return x - y
		})
		if !slices.Equal(sorted, l.all()) {
			t.Fatalf("seed %d: %d items read, want each of %d once", seed, len(got), len(l.keys))
		}
		if bound := (cursors + 1) * pageSize; most > bound {
			t.Fatalf("seed %d: %d items fetched and not handed over, bound %d", seed, most, bound)
		}
		if minPages := (len(l.keys) + pageSize - 1) / pageSize; st.Requests > minPages+2*st.Cursors {
			t.Fatalf("seed %d: %d requests for %d pages over %d cursors", seed, st.Requests, minPages, st.Cursors)
		}
		if st.Cursors < 3 {
			t.Fatalf("seed %d: %d cursors", seed, st.Cursors)
		}
	}
}
