//go:build !release

package stripefake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
)

// A generated account is a Stripe account too big to store: customer i and
// its one subscription (with its latest invoice) exist only while a request
// reads them, as a stored account of the same specs (filled in index
// order) would hold them: ids drawn from the counter where that account's
// would be, times derived as AddCustomer and AddSubscription derive them.
// Its answers are byte for byte that account's, while its memory does not
// grow with the number of customers: a million serve from a few megabytes.
//
// Storing and rendering a subscription costs ~100 µs (stripe-go's structs
// built, marshalled, rewritten), too slow to serve a million on the
// benchmark's shared cores, where real Stripe renders on its own servers.
// So the first object of each shape (status, prices, which times are set,
// expansions) is stored in a scratch account by AddCustomer and
// AddSubscription and rendered by the renderer into a template whose holes
// are its per-object values (ids, times, e-mail); later objects of that
// shape compute their values (lean) and fill the holes. A template is cut
// only after the lean values match the stored object's, and gives back the
// rendered bytes; every page checks its first object the same way; tests
// compare whole answers with a stored account's.
//
// Test-only: the production binary (built with -tags release) does not
// carry it. Customers, subscriptions and invoices are generated; every
// other path (prices, products, …) is the base account's.

// GeneratedSpec describes a generated account: N customers, customer i
// from Customer(i), with the subscription Subscription(i) when set.
// Creation times must rise strictly with i (Stripe lists newest first, so
// list position and index map one to one); each customer must use the
// same number of generated ids.
type GeneratedSpec struct {
	N            int
	Customer     func(i int) CustomerSpec
	Subscription func(i int) SubscriptionSpec // nil: customers only
	// CustomerIndex inverts Customer(i).ID when the specs set ids; nil
	// when Stripe-style ids are generated.
	CustomerIndex func(id string) (int, bool)
}

// Generated serves a generated account over HTTP.
type Generated struct {
	base *Server
	spec GeneratedSpec
	s0   int // the base's id counter before customer 0
	per  int // ids each customer uses (with its subscription and invoice)

	scratch  sync.Pool // *Server holding one customer at a time
	now      func() time.Time
	livemode bool
	prices   map[string]*stripe.Price

	mu        sync.Mutex
	templates map[string]*template
	shapes    map[string]int // request shapes served (see Shapes)

	rendered, slow atomic.Int64
	failed         int // shapes no template could be made for
}

// maxTemplates bounds the templates kept; objects of further shapes are
// rendered the slow way.
const maxTemplates = 4096

// NewGenerated serves spec's customers on top of base, which holds the
// keys, clock, prices and products (add those first: base must not change
// afterwards). Request ids continue from where a stored account's would.
func NewGenerated(base *Server, spec GeneratedSpec) (*Generated, error) {
	if spec.N < 0 || spec.Customer == nil {
		return nil, fmt.Errorf("stripefake: a generated account needs N ≥ 0 and Customer")
	}
	base.mu.Lock()
	s0 := base.seq
	g := &Generated{base: base, spec: spec, s0: s0, templates: map[string]*template{}, shapes: map[string]int{},
		now: base.now, livemode: base.livemode, prices: map[string]*stripe.Price{}}
	for id, e := range base.objects[kindPrice] {
		g.prices[id] = e.v.(*stripe.Price)
	}
	base.mu.Unlock()
	g.scratch.New = func() any { return g.newScratch() }
	if spec.N > 0 {
		o, err := g.build(0, true)
		if err != nil {
			return nil, err
		}
		g.per = o.used
		g.release(o)
	}
	var prevCust, prevSub int64
	for i := 0; i < spec.N; i++ {
		c := g.created(kindCustomer, i)
		sub := prevSub + 1
		if spec.Subscription != nil {
			sub = g.created(kindSubscription, i)
		}
		if i > 0 && (c <= prevCust || sub <= prevSub) {
			return nil, fmt.Errorf("stripefake: generated customer %d is not created after customer %d", i, i-1)
		}
		prevCust, prevSub = c, sub
	}
	base.mu.Lock()
	base.seq = s0 + spec.N*g.per
	base.mu.Unlock()
	return g, nil
}

// generatedPath maps a request path to a generated kind: a list (id
// empty) or one object.
func generatedPath(path string) (res resource, id string, ok bool) {
	for _, p := range []string{"/v1/customers", "/v1/subscriptions", "/v1/invoices"} {
		if path == p {
			return resources[p], "", true
		}
		if rest, found := strings.CutPrefix(path, p+"/"); found && rest != "" && !strings.Contains(rest, "/") {
			return resources[p], rest, true
		}
	}
	return resource{}, "", false
}

// ServeHTTP answers the generated kinds itself and hands the rest to the
// base account.
func (g *Generated) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(r.URL.Path, "/")
	res, id, ok := generatedPath(path)
	if !ok || r.Method != http.MethodGet {
		g.base.ServeHTTP(w, r)
		return
	}
	g.noteShape(path, id, r.URL.Query())
	g.base.wait(r)
	body, err := g.handle(r, res, id)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", g.base.nextID("req_"))
	w.Header().Set("Stripe-Version", g.base.apiVersion)
	if err != nil {
		if err.status == http.StatusUnauthorized {
			w.Header().Set("Www-Authenticate", `Basic realm="Stripe"`)
		}
		if err.shouldRetry != "" {
			w.Header().Set("Stripe-Should-Retry", err.shouldRetry)
		}
		if err.status == http.StatusTooManyRequests {
			w.Header().Set("Stripe-Rate-Limited-Reason", "global-rate")
		}
		w.WriteHeader(err.status)
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(map[string]any{"error": err})
		return
	}
	w.WriteHeader(http.StatusOK)
	writeRendered(w, body)
}

func (g *Generated) handle(r *http.Request, res resource, id string) (*rendered, *apiError) {
	if f, ok := g.base.takeFailure(r.URL.Path); ok {
		return nil, failureError(f)
	}
	key, hasKey := apiKey(r)
	ki, err := g.base.authenticate(key, hasKey)
	if err != nil {
		return nil, err
	}
	need := func(perm string) *apiError {
		if ki.restricted && !ki.perms[perm] {
			return g.base.permissionError(key, perm)
		}
		return nil
	}
	if err := need(res.perm); err != nil {
		return nil, err
	}
	q := r.URL.Query()
	expand, err := expandParams(q)
	if err != nil {
		return nil, err
	}
	// Templates only for keys that may read everything, as the stored
	// account caches rendered items only for them.
	fast := !ki.restricted
	if id != "" {
		return g.retrieve(res, id, expand, need, fast)
	}
	if res.kind == kindInvoice {
		// Invoices are not created in index order; nothing lists them.
		return nil, invalidRequest(http.StatusBadRequest, "", "", "The generated Stripe account does not list invoices.")
	}
	return g.list(res, q, expand, need, fast)
}

func (g *Generated) retrieve(res resource, id string, expand []string, need func(string) *apiError, fast bool) (*rendered, *apiError) {
	i, ok := g.index(res.kind, id)
	if !ok {
		return nil, noSuch(res.noun, id, "id")
	}
	o, err := g.lean(i, res.kind != kindCustomer)
	if err != nil {
		return nil, fakeError(err)
	}
	if o.idOf(res.kind) != id {
		return nil, noSuch(res.noun, id, "id")
	}
	m, aerr := g.render(o, res.kind, expand, need, 0, fast)
	if aerr != nil {
		return nil, aerr
	}
	return &rendered{v: m}, nil
}

func fakeError(err error) *apiError {
	return &apiError{status: http.StatusInternalServerError, Type: "api_error", Message: "fake: " + err.Error()}
}

// leanQuery reports whether a list's parameters select by creation time
// alone, so objects need not be built to be filtered.
func leanQuery(kind string, q url.Values) bool {
	if kind == kindSubscription && q.Get("status") != "all" {
		return false // Stripe's default leaves canceled ones out
	}
	for k, v := range q {
		switch {
		case k == "limit" || k == "starting_after" || k == "ending_before" || k == "expand" ||
			strings.HasPrefix(k, "expand[") || strings.HasPrefix(k, "created"):
		case k == "status" && kind == kindSubscription && len(v) == 1 && v[0] == "all":
		default:
			return false
		}
	}
	return true
}

// list is api.go's list over generated positions: position p (newest
// first) is customer N-1-p.
func (g *Generated) list(res resource, q url.Values, expand []string, need func(string) *apiError, fast bool) (*rendered, *apiError) {
	path := "/v1/customers"
	if res.kind == kindSubscription {
		path = "/v1/subscriptions"
		if g.spec.Subscription == nil {
			return listBody(path, nil, false), nil
		}
	}
	lp, perr := parseListParams(q, expand)
	if perr != nil {
		return nil, perr
	}
	itemExpand, created := lp.itemExpand, lp.created
	n := g.spec.N
	at := func(p int) int64 { return g.created(res.kind, n-1-p) }
	// The objects of this request, by position (a page and its
	// look-ahead): computed when only creation times select them, else
	// stored in scratch accounts to be filtered as stored objects are.
	lean := leanQuery(res.kind, q)
	withSub := res.kind != kindCustomer
	built := map[int]*genObj{}
	defer func() {
		for _, o := range built {
			g.release(o)
		}
	}()
	var berr error
	obj := func(p int) *genObj {
		if o, ok := built[p]; ok {
			return o
		}
		var o *genObj
		var err error
		if lean {
			o, err = g.lean(n-1-p, withSub)
		} else {
			o, err = g.build(n-1-p, withSub)
		}
		if err != nil {
			berr = err
			return nil
		}
		built[p] = o
		return o
	}
	if n > 0 && !lean {
		o := obj(0)
		if o == nil {
			return nil, fakeError(berr)
		}
		if _, err := res.filter(q, o.objOf(res.kind)); err != nil {
			return nil, err
		}
	}
	lo := sort.Search(n, func(p int) bool { return at(p) <= created.max })
	hi := max(lo, sort.Search(n, func(p int) bool { return at(p) < created.min }))
	match := func(p int) bool {
		if !created.holds(at(p)) {
			return false
		}
		if lean {
			return true
		}
		o := obj(p)
		if o == nil {
			return false
		}
		ok, _ := res.filter(q, o.objOf(res.kind))
		return ok
	}
	cursor := func(id, param string) (int, *apiError) {
		i, ok := g.index(res.kind, id)
		if !ok {
			return 0, noSuch(res.noun, id, param)
		}
		p := n - 1 - i
		if o := obj(p); o == nil || o.idOf(res.kind) != id || !match(p) {
			return 0, noSuch(res.noun, id, param)
		}
		return p, nil
	}
	page, hasMore, werr := lp.walk(lo, hi, match, cursor)
	if werr != nil {
		return nil, werr
	}
	if berr != nil {
		return nil, fakeError(berr)
	}
	for _, p := range page {
		obj(p)
	}
	if berr != nil {
		return nil, fakeError(berr)
	}
	if lean && len(page) > 0 {
		// Each page checks its first object against the stored one.
		full, err := g.stored(built[page[0]])
		if err != nil {
			return nil, fakeError(err)
		}
		g.release(full)
	}
	data := make([]jval, 0, len(page))
	for _, p := range page {
		m, err := g.render(built[p], res.kind, itemExpand, need, listItemDepth, fast)
		if err != nil {
			return nil, err
		}
		data = append(data, m)
	}
	return listBody(path, data, hasMore), nil
}

// noteShape counts a request by its path (ids as {id}) and the names of
// its parameters.
func (g *Generated) noteShape(path, id string, q url.Values) {
	if id != "" {
		path = strings.TrimSuffix(path, id) + "{id}"
	}
	names := make([]string, 0, len(q))
	for k, v := range q {
		if k == "status" || strings.HasPrefix(k, "expand") {
			k += "=" + strings.Join(v, ",")
		}
		names = append(names, k)
	}
	sort.Strings(names)
	shape := path + "?" + strings.Join(names, "&")
	g.mu.Lock()
	if len(g.shapes) < 1000 {
		g.shapes[shape]++
	}
	g.mu.Unlock()
}

// Shapes maps each request shape served (path, then the sorted parameter
// names, with the values of status and expand) to its count.
func (g *Generated) Shapes() map[string]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make(map[string]int, len(g.shapes))
	for k, v := range g.shapes {
		out[k] = v
	}
	return out
}

// GeneratedStats says how objects were rendered: from templates, or the
// slow way (a restricted key, a shape with no template).
type GeneratedStats struct {
	Templates       int
	FromTemplate    int64
	RenderedByShape int64
	// Failed counts shapes no template could be made for (a value the
	// hole table does not know): their objects render the slow way.
	Failed int
}

// Stats reports how the generated account rendered.
func (g *Generated) Stats() GeneratedStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	return GeneratedStats{Templates: len(g.templates), FromTemplate: g.rendered.Load(), RenderedByShape: g.slow.Load(), Failed: g.failed}
}
