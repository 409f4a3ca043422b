package billing

import (
	"context"
	"math"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"

	"golang.org/x/time/rate"

	"parityrail/partition"
)

// A full read lists customers and subscriptions as several cursors at once,
// each over its own created range (created[gte] … created[lt]), so the
// budget stays busy while pages take their time to come back: one cursor
// at 300 ms a page reads 3 pages a second of a 25/s budget. The first
// cursor is the plain list; a list of up to firstPages pages is read by it
// alone, with the minimum requests. See package partition for where the
// ranges are cut.

// firstPages is how many pages the plain list reads before it is cut:
// Stripe lists newest first and says nothing of where a list ends, so the
// first cuts are guesses, and a guess past the end costs an empty page.
const firstPages = 3

// uncappedCursors is how many cursors read one list when no rate is known
// (a lifted cap on loopback): enough to overlap fetching and decoding.
const uncappedCursors = 6

// maxCursors bounds the cursors of one list (1.5 s a page at 20/s is 30).
const maxCursors = 32

// anyOrderKey marks a context whose lists may hand pages over in any order.
type anyOrderKey struct{}

// anyOrder lets the partitioned lists read under ctx hand fn each page as
// it arrives rather than in Stripe's order: pages read ahead of the newest
// range then don't wait in memory for it (a full check spills them to a
// scratch table, where order does not matter).
func anyOrder(ctx context.Context) context.Context {
	return context.WithValue(ctx, anyOrderKey{}, true)
}

// listPartitioned reads every item of a list (path with q) as concurrent
// cursors over disjoint created ranges, handing fn the items in Stripe's
// order, newest first, as one cursor would return them (in any order
// under a context from anyOrder).
func listPartitioned[T any](ctx context.Context, c *Client, path string, q url.Values,
	decode func([]byte, *wireList[T]) error, id func(*T) string, created func(*T) int64, fn func([]T) error) error {
	share := c.lists.add()
	defer c.lists.remove(share)
	l := &partition.Lister[T]{
		PageSize: pageSize,
		Cursors:  func() int { return c.cursors(share) },
		Left:     share.setLeft,
		// Walk positions are -created (newest first); no object was created
		// before 1970, so no position is above 0.
		Edge:       1,
		FirstPages: firstPages,
		Emit:       fn,
		Unordered:  ctx.Value(anyOrderKey{}) != nil,
		Fetch: func(ctx context.Context, r partition.Range, cursor string) (partition.Page[T], error) {
			pq := make(url.Values, len(q)+4)
			for k, v := range q {
				pq[k] = v
			}
			pq.Set("limit", strconv.Itoa(pageSize))
			// Positions [From, To) are created times (-To, -From].
			if r.To != partition.NoEnd {
				pq.Set("created[gte]", strconv.FormatInt(-r.To+1, 10))
			}
			if r.From != partition.NoStart {
				pq.Set("created[lt]", strconv.FormatInt(-r.From+1, 10))
			}
			if cursor != "" {
				pq.Set("starting_after", cursor)
			}
			var page wireList[T]
			if err := c.get(ctx, path, pq, func(b []byte) error { return decode(b, &page) }); err != nil {
				return partition.Page[T]{}, err
			}
			out := partition.Page[T]{Items: page.Data, Keys: make([]int64, len(page.Data)), More: page.HasMore}
			for i := range page.Data {
				out.Keys[i] = -created(&page.Data[i])
			}
			if n := len(page.Data); n > 0 {
				out.Cursor = id(&page.Data[n-1])
			}
			return out, nil
		},
	}
	st, err := l.Run(ctx)
	if c.onList != nil {
		c.onList(path, st)
	}
	return err
}

// cursors is how many cursors one list may run: enough requests in flight
// to use its share of the budget at the latency Stripe shows (Little's
// law), its share being the account budget split between the lists read at
// once in proportion to the pages they have left (evenly while one of them
// does not know where it ends), at most the per-endpoint cap.
func (c *Client) cursors(s *listShare) int {
	share := c.rateHint()
	if share <= 0 {
		return uncappedCursors
	}
	share *= c.lists.weight(s)
	if _, ok := c.limiter.(*Budget); ok {
		share = min(share, PerEndpointBudget)
	}
	rtt := c.rtt.Get().Seconds()
	return int(min(maxCursors, max(2, math.Ceil(share*rtt)+1)))
}

// rateHint is the account's request rate (per second) as far as the
// limiter tells; 0 when there is no cap or it can't be known.
func (c *Client) rateHint() float64 {
	switch l := c.limiter.(type) {
	case *Budget:
		return l.Rate()
	case *rate.Limiter:
		if l.Limit() == rate.Inf {
			return 0
		}
		return float64(l.Limit())
	}
	return c.rps
}

// listShares are the lists one client reads at once: they share its budget.
type listShares struct {
	mu   sync.Mutex
	live map[*listShare]struct{}
}

// listShare is one list being read and the pages it has left (float64
// bits; +Inf until it knows where it ends).
type listShare struct{ left atomic.Uint64 }

func (s *listShare) setLeft(pages float64) { s.left.Store(math.Float64bits(pages)) }

func (s *listShare) pagesLeft() float64 { return math.Float64frombits(s.left.Load()) }

func (ls *listShares) add() *listShare {
	s := &listShare{}
	s.setLeft(math.Inf(1))
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.live == nil {
		ls.live = map[*listShare]struct{}{}
	}
	ls.live[s] = struct{}{}
	return s
}

func (ls *listShares) remove(s *listShare) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	delete(ls.live, s)
}

// weight is s's part of the budget: its pages left over all the lists'
// when every list knows how many it has left, else an even split.
func (ls *listShares) weight(s *listShare) float64 {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	n := max(1, len(ls.live))
	sum := 0.0
	for o := range ls.live {
		sum += o.pagesLeft()
	}
	if math.IsInf(sum, 0) || sum <= 0 {
		return 1 / float64(n)
	}
	return s.pagesLeft() / sum
}
