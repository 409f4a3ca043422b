// Package partition reads a long list as several concurrent cursors over
// disjoint creation-time ranges, so a full read keeps a rate budget busy
// even when every page takes a second to come back. Stripe and Clerk both
// filter lists by creation time and page them with a cursor; what is left
// to this package is where to cut, when to cut again, and handing the
// items over in the order one cursor would have — or, for a consumer that
// does not need it (Unordered), as the pages arrive, so that pages read
// ahead of a slow first range don't wait in memory.
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
// turns out dense is cut again the same way. Free places go to the cursor
// with the most pages left, so a read does not end with one long piece
// walking alone, and pieces are cut to whole pages (a little short) so
// they don't each end on a part-filled page.
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
	// Unordered hands Emit each cursor's items as its pages arrive, still
	// one call at a time but in no particular order: for a consumer that
	// does not need walk order (a full check spills to a scratch table and
	// joins there), nothing waits behind the head, so at most one page per
	// cursor is fetched and not yet handed over.
	Unordered bool
	// Lookahead, when set, bounds the items fetched by cursors behind the
	// head and kept until it passes: a cursor whose page would take them
	// over it waits until its segment becomes the head or room is made.
	// 0: no bound (a slow head then leaves most of a read in memory: 23,019
	// of 30,000 Clerk users fetched and not yet handed over, ~2 KB each),
	// since a bound slows the read down to its head's pace. Unused when
	// Unordered.
	Lookahead int
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
	// Left, when set, hears how many pages the walking cursors are expected
	// to have left (guessed where a range's end is unknown) after each
	// page: a caller reading several lists against one budget gives each
	// list cursors in proportion, so the lists end together. It is called
	// with the read's lock held and must not call back into it.
	Left func(pages float64)
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

// minPiecePages is how many pages the first piece of an open range is
// guessed to hold; a bounded range is cut into pieces of at least a page
// (a finer cut costs more in half-empty last pages than it saves).
const minPiecePages = 2

// Run reads the whole list.
func (l *Lister[T]) Run(ctx context.Context) (Stats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := &run[T]{l: l, ctx: ctx, cancel: cancel, left: map[*segment[T]]float64{}, origin: NoStart}
	r.room = sync.NewCond(&r.mu)
	r.lookahead = l.Lookahead
	if r.lookahead <= 0 {
		r.lookahead = math.MaxInt
	}
	// A cursor waiting for room wakes when the read is cancelled from
	// outside too.
	stop := context.AfterFunc(ctx, func() {
		r.mu.Lock()
		r.room.Broadcast()
		r.mu.Unlock()
	})
	defer stop()
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

	mu   sync.Mutex
	head *segment[T] // the segment whose items are emitted as they come
	// room is signalled when the items held behind the head drop or the
	// read stops; held counts them, lookahead is their bound.
	room      *sync.Cond
	held      int
	lookahead int
	// emitMu makes an unordered read's Emit calls one at a time without
	// holding mu, so cursors go on paging while the consumer works.
	emitMu sync.Mutex
	active int
	stats  Stats
	err    error
	// left is how many pages each walking cursor is expected to have left
	// (a guess for an open range, see pagesLeft): free places go to the
	// cursors with the most left, so the read does not end with one long
	// cursor walking alone.
	left map[*segment[T]]float64
	// origin is the first position the list showed (its first item): an
	// open range is guessed to be at least as long again as what lies
	// between it and the cut.
	origin int64
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
		delete(r.left, seg)
		r.tellLeft()
		if !seg.done {
			seg.done = true
			r.active--
		}
		// The first error is the one to report: the others are cursors
		// stopped by the cancel that follows it.
		if err != nil && r.err == nil {
			r.err = err
			r.cancel()
			r.room.Broadcast()
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
			return r.finish(seg, inRange(pg, rg, NoEnd), nil, 0)
		}
		if pages == 1 {
			firstKey = pg.Keys[0]
			if first {
				r.mu.Lock()
				r.origin = firstKey
				r.mu.Unlock()
			}
		}
		last := pg.Keys[len(pg.Keys)-1]
		if pieces, perPage := r.plan(seg, rg, pg, first, pages, firstKey); pieces != nil {
			// Items at the last position go with the pieces: the first
			// piece starts there and reads them again.
			return r.finish(seg, inRange(pg, rg, last), pieces, perPage)
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
func (r *run[T]) plan(seg *segment[T], rg Range, pg Page[T], first bool, pages int, firstKey int64) (pieces []Range, perPage float64) {
	if r.l.Cursors == nil {
		return nil, 0
	}
	last := pg.Keys[len(pg.Keys)-1]
	// Positions one page spans, from this page: its items sit len-1 gaps
	// apart.
	perPage = float64(max(last-pg.Keys[0], 1)) * float64(r.l.PageSize) / float64(max(len(pg.Keys)-1, 1))
	r.mu.Lock()
	defer r.mu.Unlock()
	end := r.end(rg.To, last)
	left := r.pagesLeft(last, end, perPage)
	r.left[seg] = left
	r.tellLeft()
	// The pieces read the items at the last position again, so every item
	// there must be on this page (none handed over already): the page must
	// start before it. That also keeps the first cursor of a newest-first
	// list from handing out its first position, where items created during
	// the read land (a single cursor never returns those).
	if last <= pg.Keys[0] || last <= firstKey || last <= rg.From {
		return nil, 0
	}
	free := r.l.Cursors() - r.active
	if free < 1 {
		return nil, 0
	}
	// Free places go to the cursors with the most left: a cursor with less
	// than half of another's walks on and leaves them to that one, which
	// takes them at its next page.
	for s, l := range r.left {
		if s != seg && l > 2*left {
			return nil, 0
		}
	}
	n := free + 1 // this cursor's own place goes to a piece too
	if end == NoEnd {
		if first && pages < r.l.FirstPages {
			return nil, 0
		}
		// Nothing says where the list ends: guess it is as long again as
		// what it has shown so far, the first piece at least two pages.
		guess := float64(minPiecePages)
		if !first {
			// Past the first cut, an open range hands on one piece and
			// walks on past it: a guess beyond the end costs an empty page
			// each, and the other free places go to the bounded pieces.
			n = 2
		}
		if r.origin != NoStart && last > r.origin {
			shown := float64(last-r.origin) / perPage
			guess = max(guess, math.Round(shown/float64(int64(1)<<(n-1)-1)))
		}
		return r.reserve(doubling(last, perPage, guess, n, r.l.Edge)), perPage
	}
	// Pieces of at least a page each.
	n = min(n, int(left))
	if n < 2 {
		return nil, 0
	}
	// Whole pages each, a little short: cut at a fraction, every piece
	// would end on a part-filled page.
	ends := pieceEnds(left, n)
	pieces = make([]Range, 0, n)
	from := last
	for i := 1; i <= n; i++ {
		to := end
		if i < n {
			to = last + int64(ends[i-1]*perPage)
		}
		if i == n || to >= end {
			to = rg.To // the last piece keeps the open end
		}
		if to <= from {
			continue
		}
		pieces = append(pieces, Range{from, to})
		from = to
	}
	return r.reserve(pieces), perPage
}

// tellLeft tells Lister.Left the pages left over all walking cursors (under mu).
func (r *run[T]) tellLeft() {
	if r.l.Left == nil {
		return
	}
	sum := 0.0
	for _, l := range r.left {
		sum += l
	}
	r.l.Left(sum)
}

// pageSlack is how much of a page a piece cut to whole pages is left
// short, so that the density guessed from one page may be a little off
// and the piece still ends on a full page rather than one item over.
const pageSlack = 0.05

// pieceEnds cuts left pages into n pieces that cost the fewest pages
// there are, T = ceil(left + n × pageSlack), as evenly as whole pages go:
// each piece holds a whole number of pages less the same shortfall (at
// least pageSlack), so that a density a little off still ends it on a
// full page. It returns where each piece but the last ends, in pages from
// the start.
func pieceEnds(left float64, n int) []float64 {
	total := math.Ceil(left + float64(n)*pageSlack)
	short := (total - left) / float64(n)
	ends := make([]float64, n-1)
	at := 0.0
	for i := range ends {
		pages := math.Floor(total / float64(n))
		if i < int(total)%n {
			pages++
		}
		at += pages - short
		ends[i] = at
	}
	return ends
}

// end is where a range ending at to probably ends: to itself, the Horizon
// for an open range when there is one, NoEnd when nothing is known (under mu).
func (r *run[T]) end(to, last int64) int64 {
	if to == NoEnd && r.l.Horizon != nil {
		return max(r.l.Horizon(), last+1)
	}
	return to
}

// pagesLeft is how many pages lie between last and end at perPage
// positions a page. When the end is unknown it guesses the list is as
// long again as it has shown from its first item to last (+Inf before it
// has shown anything).
func (r *run[T]) pagesLeft(last, end int64, perPage float64) float64 {
	if end == NoEnd {
		if r.origin == NoStart || last <= r.origin {
			return math.Inf(1)
		}
		return float64(last-r.origin) / perPage
	}
	return float64(end-last) / perPage
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
// many pages as the one before (the first one pages), the last one open:
// with nothing to say where the list ends, a piece past its end costs one
// empty page, and the pieces that turn out dense are cut again.
func doubling(last int64, perPage, pages float64, n int, edge int64) []Range {
	pieces := make([]Range, 0, n)
	from := last
	for i := 0; i < n-1; i++ {
		to := float64(from) + (pages-pageSlack)*perPage
		if to >= float64(edge) || to >= math.MaxInt64/2 {
			break
		}
		pieces = append(pieces, Range{from, int64(to)})
		from, pages = int64(to), pages*2
	}
	if len(pieces) == 0 {
		return nil
	}
	return append(pieces, Range{from, NoEnd})
}

// emit hands items over in walk order: at once when seg is the head,
// buffered otherwise, once there is room within the lookahead (an
// unordered read hands them over at once).
func (r *run[T]) emit(seg *segment[T], items []T) error {
	if len(items) == 0 {
		return nil
	}
	if r.l.Unordered {
		r.emitMu.Lock()
		defer r.emitMu.Unlock()
		if err := r.ctx.Err(); err != nil {
			return err
		}
		return r.l.Emit(items)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	// The head never waits, and the head always moves on (see finish), so
	// a cursor behind it gets room or becomes the head.
	for r.err == nil && r.ctx.Err() == nil && seg != r.head && len(items) > r.lookahead-r.held {
		r.room.Wait()
	}
	if r.err != nil || r.ctx.Err() != nil {
		return r.ctx.Err()
	}
	if seg != r.head {
		seg.buf = append(seg.buf, items)
		r.held += len(items)
		return nil
	}
	return r.l.Emit(items)
}

// finish emits a cursor's last items, inserts the pieces it hands on right
// after it, marks it done and moves the head past finished segments.
func (r *run[T]) finish(seg *segment[T], items []T, pieces []Range, perPage float64) error {
	if err := r.emit(seg, items); err != nil {
		return err
	}
	segs := make([]*segment[T], len(pieces))
	r.mu.Lock()
	for i := len(pieces) - 1; i >= 0; i-- {
		segs[i] = &segment[T]{next: seg.next}
		seg.next = segs[i]
		// Until its first page says better, a piece holds what this
		// page's density puts in it; an open one, nothing yet known: the
		// free places wait for its first page, which may cut it.
		p := pieces[i]
		r.left[segs[i]] = math.Inf(1)
		if p.To != NoEnd || r.l.Horizon != nil {
			r.left[segs[i]] = r.pagesLeft(p.From, r.end(p.To, p.From), perPage)
		}
	}
	delete(r.left, seg)
	r.tellLeft()
	seg.done = true
	if len(pieces) == 0 {
		r.active-- // a cut cursor's place went to its pieces instead
	}
	var err error
	for r.head != nil && r.head.done && err == nil {
		r.head = r.head.next
		if r.head != nil {
			for _, b := range r.head.buf {
				r.held -= len(b)
				if err == nil {
					err = r.l.Emit(b)
				}
			}
			r.head.buf = nil
			// Its items are handed over: room for the cursors behind,
			// and this one, if waiting, is the head now.
			r.room.Broadcast()
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
