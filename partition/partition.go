// Package partition reads a long list as several concurrent cursors over
// disjoint creation-time ranges, so a full read keeps a rate budget busy
// even when every page takes a second to come back. Stripe and Clerk both
// filter lists by creation time and page them with a cursor; what is left
// to this package is where to cut, when to cut again, and handing the
// items over in the order one cursor would have.
//
// Positions are creation times in walk order: ascending for a list walked
// oldest first (Clerk), negated for one walked newest first (Stripe). A
// range is [From, To) in those positions; Unbounded marks a missing end.
//
// How a read goes: the first cursor is the plain list, exactly what a single
// cursor would send. A list that turns out short is read with the minimum
// requests and nothing else. When a page says more is to come and there is
// room for more cursors, the cursor hands what is left of its range, from
// the position of its last item on, to new cursors over disjoint pieces and
// stops. Its items at that last position are dropped (the first piece reads
// them again), so no item is read twice and none is skipped. A piece that
// turns out dense is cut again the same way.
package partition

import (
	"context"
	"errors"
	"math"
	"sync"
)

// Unbounded marks a range end that is not sent: math.MinInt64 as From,
// math.MaxInt64 as To.
const (
	NoStart = math.MinInt64
	NoEnd   = math.MaxInt64
)

// Range is [From, To) in walk order.
type Range struct{ From, To int64 }

func (r Range) holds(p int64) bool { return p >= r.From && p < r.To }

// Page is one answer of a list request.
type Page[T any] struct {
	Items []T
	// Keys are the items' positions in walk order, one per item.
	Keys []int64
	// More says the cursor has more to read after this page.
	More bool
	// Cursor continues the walk after this page (the last item's id).
	Cursor string
}

// Lister reads one list. Fetch and Emit are required.
type Lister[T any] struct {
	// Fetch asks for one page of the items in r, after cursor ("" for the
	// first page). The range's ends are sent as the list's filters and stay
	// the same for every page of one cursor.
	Fetch func(ctx context.Context, r Range, cursor string) (Page[T], error)
	// Emit receives the items in walk order, one call at a time. An error
	// stops the read and is returned as is.
	Emit func([]T) error
	// PageSize is the list's page size (100 for Stripe, 500 for Clerk).
	PageSize int
	// Cursors is how many cursors may walk at once; asked again at each
	// decision, so it can follow the budget and the observed latency.
	// Nil or < 2: one cursor, never cut.
	Cursors func() int
	// Horizon, when set, is where an open range probably ends (Clerk: now,
	// since users are created at the end of its walk). Without it an open
	// range is cut into pieces that double in width, the last one open.
	Horizon func() int64
	// Edge is a position no item reaches (Stripe: creation times are not
	// negative); pieces stop there. NoEnd when unknown.
	Edge int64
	// FirstPages is how many pages the first cursor reads before it may be
	// cut when nothing bounds its estimate (no Horizon): a small list is read
	// with the minimum requests, never with a guess that comes back empty.
	FirstPages int
}

// Stats describes one read, for tests and benchmarks.
type Stats struct {
	Requests   int // pages asked for
	Cursors    int // cursors started, the first included
	MostActive int // the most cursors walking at once
}

// minPiecePages is the fewest pages a piece is expected to hold: cutting
// finer costs more in half-empty last pages than it saves in waiting.
const minPiecePages = 2

// Run reads the whole list.
func (l *Lister[T]) Run(ctx context.Context) (Stats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := &run[T]{l: l, ctx: ctx, cancel: cancel}
	first := &segment[T]{}
	r.head = first
	r.start(first, Range{NoStart, NoEnd}, true, false)
	r.wg.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats, r.err
}

type run[T any] struct {
	l      *Lister[T]
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	head   *segment[T] // the segment whose items are emitted as they come
	active int
	stats  Stats
	err    error
}

// segment is one cursor's share of the output, kept in walk order as a
// linked list; items of a segment behind the head wait in buf.
type segment[T any] struct {
	next *segment[T]
	buf  [][]T
	done bool // its cursor has ended (and no longer counts as walking)
}

// start runs a cursor over rg; reserved: its place is already counted.
func (r *run[T]) start(seg *segment[T], rg Range, first, reserved bool) {
	r.mu.Lock()
	if !reserved {
		r.active++
	}
	r.stats.Cursors++
	r.stats.MostActive = max(r.stats.MostActive, r.active)
	r.mu.Unlock()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		err := r.walk(seg, rg, first)
		r.mu.Lock()
		if !seg.done {
			seg.done = true
			r.active--
		}
		// The first error is the one to report: the others are cursors
		// stopped by the cancel that follows it.
		if err != nil && r.err == nil {
			r.err = err
			r.cancel()
		}
		r.mu.Unlock()
	}()
}

// walk reads one cursor's range until it ends or is cut.
func (r *run[T]) walk(seg *segment[T], rg Range, first bool) error {
	cursor := ""
	firstKey := int64(NoStart)
	for pages := 1; ; pages++ {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		pg, err := r.l.Fetch(r.ctx, rg, cursor)
		r.mu.Lock()
		r.stats.Requests++
		r.mu.Unlock()
		if err != nil {
			return err
		}
		if len(pg.Keys) != len(pg.Items) {
			return errors.New("partition: a page's keys do not match its items")
		}
		if len(pg.Items) == 0 || !pg.More {
			return r.finish(seg, inRange(pg, rg, NoEnd), nil)
		}
		if pages == 1 {
			firstKey = pg.Keys[0]
		}
		last := pg.Keys[len(pg.Keys)-1]
		if pieces := r.plan(rg, pg, first, pages, firstKey); pieces != nil {
			// Items at the last position go with the pieces: the first
			// piece starts there and reads them again.
			return r.finish(seg, inRange(pg, rg, last), pieces)
		}
		if err := r.emit(seg, inRange(pg, rg, NoEnd)); err != nil {
			return err
		}
		cursor = pg.Cursor
	}
}

// inRange keeps a page's items inside the cursor's range and before stop.
// A server that reads a bound inclusively where we expect it strict would
// otherwise hand an item to two cursors.
func inRange[T any](pg Page[T], rg Range, stop int64) []T {
	out := pg.Items[:0:0]
	for i, k := range pg.Keys {
		if rg.holds(k) && k < stop {
			out = append(out, pg.Items[i])
		}
	}
	return out
}

// plan decides whether a cursor that has more to read hands the rest of
// its range to new cursors, and over which pieces. nil: it walks on.
func (r *run[T]) plan(rg Range, pg Page[T], first bool, pages int, firstKey int64) []Range {
	if r.l.Cursors == nil {
		return nil
	}
	last := pg.Keys[len(pg.Keys)-1]
	// The pieces read the items at the last position again, so every item
	// there must be on this page (none handed over already): the page must
	// start before it. That also keeps the first cursor of a newest-first
	// list from handing out its first position, where items created during
	// the read land (a single cursor never returns those).
	if last <= pg.Keys[0] || last <= firstKey || last <= rg.From {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	free := r.l.Cursors() - r.active
	if free < 1 {
		return nil
	}
	n := free + 1 // this cursor's own place goes to a piece too
	// Items per unit of position, from this page.
	width := max(last-pg.Keys[0], 1)
	perPage := float64(width) * float64(r.l.PageSize) / float64(len(pg.Keys)) // positions one page spans

	end := rg.To
	if end == NoEnd && r.l.Horizon != nil {
		end = max(r.l.Horizon(), last+1)
	}
	if end == NoEnd {
		if first && pages < r.l.FirstPages {
			return nil
		}
		return r.reserve(doubling(last, perPage, n, r.l.Edge))
	}
	expected := float64(end-last) / perPage
	n = min(n, int(expected/minPiecePages))
	if n < 2 {
		return nil
	}
	pieces := make([]Range, 0, n)
	from := last
	for i := 1; i <= n; i++ {
		to := last + int64(float64(end-last)*float64(i)/float64(n))
		if i == n {
			to = rg.To // the last piece keeps the open end
		}
		if to <= from {
			continue
		}
		pieces = append(pieces, Range{from, to})
		from = to
	}
	if len(pieces) < 2 {
		return nil
	}
	return r.reserve(pieces)
}

// reserve counts the pieces as walking from now on, so cursors deciding at
// the same time don't both take the same free places (under mu). The
// cursor that is cut gives its own place to its first piece.
func (r *run[T]) reserve(pieces []Range) []Range {
	if len(pieces) < 2 {
		return nil
	}
	r.active += len(pieces) - 1
	r.stats.MostActive = max(r.stats.MostActive, r.active)
	return pieces
}

// doubling cuts an open range from last on into n pieces, each twice as
// wide as the one before (the first two pages wide), the last one open:
// with nothing to say where the list ends, a piece past its end costs one
// empty page, and the pieces that turn out dense are cut again.
func doubling(last int64, perPage float64, n int, edge int64) []Range {
	pieces := make([]Range, 0, n)
	from, width := last, perPage*minPiecePages
	for i := 0; i < n-1; i++ {
		to := float64(from) + width
		if to >= float64(edge) || to >= math.MaxInt64/2 {
			break
		}
		pieces = append(pieces, Range{from, int64(to)})
		from, width = int64(to), width*2
	}
	if len(pieces) == 0 {
		return nil
	}
	return append(pieces, Range{from, NoEnd})
}

// emit hands items over in walk order: at once when seg is the head,
// buffered otherwise.
func (r *run[T]) emit(seg *segment[T], items []T) error {
	if len(items) == 0 {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.ctx.Err()
	}
	if seg != r.head {
		seg.buf = append(seg.buf, items)
		return nil
	}
	return r.l.Emit(items)
}

// finish emits a cursor's last items, inserts the pieces it hands on right
// after it, marks it done and moves the head past finished segments.
func (r *run[T]) finish(seg *segment[T], items []T, pieces []Range) error {
	if err := r.emit(seg, items); err != nil {
		return err
	}
	segs := make([]*segment[T], len(pieces))
	r.mu.Lock()
	for i := len(pieces) - 1; i >= 0; i-- {
		segs[i] = &segment[T]{next: seg.next}
		seg.next = segs[i]
	}
	seg.done = true
	if len(pieces) == 0 {
		r.active-- // a cut cursor's place went to its pieces instead
	}
	var err error
	for r.head != nil && r.head.done && err == nil {
		r.head = r.head.next
		if r.head != nil {
			for _, b := range r.head.buf {
				if err = r.l.Emit(b); err != nil {
					break
				}
			}
			r.head.buf = nil
		}
	}
	r.mu.Unlock()
	if err != nil {
		return err
	}
	for i, p := range pieces {
		r.start(segs[i], p, false, true)
	}
	return nil
}
