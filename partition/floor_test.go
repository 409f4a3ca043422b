package partition

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"
)

// TestPieceEndsCostTheFewestPages: cut into whole pages a little short,
// n pieces over left pages cost ceil(left + n × pageSlack) pages, none
// more than a page longer than another.
func TestPieceEndsCostTheFewestPages(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		left := 1 + rng.Float64()*200
		n := 2 + rng.IntN(min(31, int(left)))
		if n > int(left) {
			continue
		}
		ends := pieceEnds(left, n)
		widths := make([]float64, n)
		from := 0.0
		for i, e := range ends {
			widths[i], from = e-from, e
		}
		widths[n-1] = left - from
		pages, most, fewest := 0.0, 0.0, math.Inf(1)
		for i, w := range widths {
			p := math.Ceil(w)
			if p-w < pageSlack-1e-9 || w <= 0 {
				t.Fatalf("left %.3f in %d: piece %d is %.3f pages, not a whole number a little short", left, n, i, w)
			}
			pages += p
			most, fewest = max(most, p), min(fewest, p)
		}
		if want := math.Ceil(left + float64(n)*pageSlack); pages != want {
			t.Fatalf("left %.3f in %d: %v cost %v pages, want %v", left, n, widths, pages, want)
		}
		if most-fewest > 1 {
			t.Fatalf("left %.3f in %d: pieces of %v to %v pages", left, n, fewest, most)
		}
	}
}

// TestTwoListsReadNearTheFloor is a full read on a fake clock: two lists
// (10,000 and 12,000 items, newest first) share a 25/s budget, at most
// 20/s each, every page taking 300 ms; each list runs the cursors its
// share of the budget keeps busy, its share following the pages it has
// left. The read ends within 1.2 × its floor (the minimum pages at 25 a
// second) with the minimum pages plus 2 per cursor at most.
func TestTwoListsReadNearTheFloor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const rps, perList, latency = 25, 20, 300 * time.Millisecond
		budget := rate.NewLimiter(rps, 1)
		lists := []*list{newestFirst(10_000, 0), newestFirst(12_000, 30)}
		var left [2]atomic.Uint64
		for i := range left {
			left[i].Store(math.Float64bits(math.Inf(1)))
		}
		share := func(i int) float64 {
			a, b := math.Float64frombits(left[i].Load()), math.Float64frombits(left[1-i].Load())
			if math.IsInf(a+b, 0) || a+b <= 0 {
				return rps / 2
			}
			return rps * a / (a + b)
		}
		start := time.Now()
		var wg sync.WaitGroup
		stats := make([]Stats, 2)
		for i, l := range lists {
			l.latency = latency
			endpoint := rate.NewLimiter(perList, 1)
			wg.Go(func() {
				defer left[i].Store(0)
				var got []string
				lister := &Lister[string]{
					PageSize: l.pageSize, Edge: 1, FirstPages: 3,
					Left: func(p float64) { left[i].Store(math.Float64bits(p)) },
					Cursors: func() int {
						return int(min(32, math.Ceil(min(share(i), perList)*latency.Seconds())+1))
					},
					Fetch: func(ctx context.Context, r Range, c string) (Page[string], error) {
						if err := endpoint.Wait(ctx); err != nil {
							return Page[string]{}, err
						}
						if err := budget.Wait(ctx); err != nil {
							return Page[string]{}, err
						}
						return l.fetch(ctx, r, c)
					},
					Emit: func(items []string) error { got = append(got, items...); return nil },
				}
				st, err := lister.Run(context.Background())
				if err != nil || !slices.Equal(got, l.all()) {
					t.Errorf("list %d: %d items read of %d, %v", i, len(got), len(l.keys), err)
				}
				stats[i] = st
			})
		}
		wg.Wait()
		wall := time.Since(start)
		minimum := 100 + 120
		floor := time.Duration(float64(minimum) / rps * float64(time.Second))
		cursors, requests := stats[0].Cursors+stats[1].Cursors, stats[0].Requests+stats[1].Requests
		t.Logf("%s for a floor of %s: %.3f×; %d requests (minimum %d) over %d cursors", wall, floor, wall.Seconds()/floor.Seconds(), requests, minimum, cursors)
		if wall.Seconds() > 1.2*floor.Seconds() {
			t.Errorf("%s, more than 1.2 × the floor %s", wall, floor)
		}
		if requests > minimum+2*cursors {
			t.Errorf("%d requests, more than %d pages + 2 × %d cursors", requests, minimum, cursors)
		}
	})
}

// newestFirst is a list of n items created a minute apart, walked newest
// first (positions are negated creation times, as for Stripe).
func newestFirst(n int, offset int64) *list {
	keys := make([]int64, n)
	for i := range keys {
		keys[i] = -(1_700_000_000 + int64(n-1-i)*60 + offset)
	}
	return &list{keys: keys, pageSize: 100}
}
