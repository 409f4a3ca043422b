// Package stripefake is an in-memory Stripe account that speaks Stripe's
// HTTP API (the read endpoints ParityRail uses) with Stripe's own JSON: the
// objects are stripe-go's types marshalled as-is, lists page with limit,
// starting_after and ending_before and filter on created (=, [gt], [gte],
// [lt], [lte]), expand[] works, and failures look like
// Stripe's (401 for unknown keys, 403 naming the missing rak_* permission of
// a restricted key, 429 with Stripe-Should-Retry, 5xx).
//
// It is the tests' Stripe and also the demo world's Stripe, served over
// loopback by the real binary, so it is production code. Every request is
// logged; any method other than GET is refused and recorded as a violation,
// which is how tests prove the connector never writes.
package stripefake

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
)

// Restricted-key permission names, as Stripe spells them in its 403 message.
// Prices keep Stripe's legacy "plan" slug.
const (
	PermCustomers        = "rak_customer_read"
	PermSubscriptions    = "rak_subscription_read"
	PermInvoices         = "rak_invoice_read"
	PermPrices           = "rak_plan_read"
	PermProducts         = "rak_product_read"
	PermCheckoutSessions = "rak_checkout_session_read"
	PermEntitlements     = "rak_entitlement_read"
)

// AllReadPermissions is every read permission the fake checks.
var AllReadPermissions = []string{PermCustomers, PermSubscriptions, PermInvoices, PermPrices, PermProducts, PermCheckoutSessions, PermEntitlements}

// Request is one logged request. The API key is never stored, only its
// masked form.
type Request struct {
	Method   string
	Path     string
	RawQuery string
	KeyLabel string
	Status   int
	Time     time.Time
}

// Failure scripts an error response for upcoming requests.
type Failure struct {
	// Status is the HTTP status to answer (429, 500, 503, …).
	Status int
	// ShouldRetry is sent as the Stripe-Should-Retry header when not empty
	// ("true" or "false").
	ShouldRetry string
	// Path limits the failure to requests whose path starts with it; empty
	// matches any path.
	Path string
}

type keyInfo struct {
	restricted bool
	perms      map[string]bool
}

// Server is the fake Stripe account. The zero value is not usable; call New.
type Server struct {
	// mu guards everything below; requests render under the read lock, so
	// concurrent list pages render in parallel.
	mu sync.RWMutex

	now        func() time.Time
	account    string
	livemode   bool
	apiVersion string
	latency    time.Duration

	keys     map[string]keyInfo
	seq      int
	objects  map[string]map[string]*entry // kind → id → entry
	ents     map[string][]string          // customer id → entitlement lookup keys
	failures []Failure
	log      []Request

	// order caches each kind's entries newest first and their positions;
	// a kind's cache is dropped when one of its entries is added.
	order map[string]*sortedKind
	// gen counts changes to stored objects: a list item rendered at another
	// generation is stale (an expansion may show another object).
	gen uint64
	// cacheMu guards the entries' rendered list items, which requests
	// holding only the read lock fill in.
	cacheMu sync.Mutex
}

type sortedKind struct {
	entries []*entry
	pos     map[string]int
}

// entry is one stored object with what listing needs: its creation time and
// an insertion sequence to break ties the way Stripe's newest-first order does.
type entry struct {
	id      string
	created int64
	seq     int
	v       any

	// The object rendered as a list item (indented for its place in the
	// page) for one set of expansions, at generation gen.
	item       []byte
	itemExpand string
	itemGen    uint64
}

// Object kinds stored by the fake (Stripe's "object" values).
const (
	kindCustomer     = "customer"
	kindProduct      = "product"
	kindPrice        = "price"
	kindSubscription = "subscription"
	kindInvoice      = "invoice"
	kindSession      = "checkout.session"
)

// New returns an empty test-mode account with no API keys.
func New() *Server {
	return &Server{
		now:        time.Now,
		account:    "acct_1ParityRailFake",
		apiVersion: stripe.APIVersion,
		keys:       map[string]keyInfo{},
		objects:    map[string]map[string]*entry{},
		ents:       map[string][]string{},
	}
}

// SetClock replaces the clock used for default creation times and events.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetLivemode marks objects created from now on as live-mode objects.
func (s *Server) SetLivemode(live bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.livemode = live
}

// SetLatency delays every response, to model a remote Stripe in benchmarks.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// AddKey accepts key with full read access (a secret key, or a restricted
// key with every read permission).
func (s *Server) AddKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[key] = keyInfo{}
}

// AddRestrictedKey accepts key with only the given rak_* permissions.
func (s *Server) AddRestrictedKey(key string, perms ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	set := map[string]bool{}
	for _, p := range perms {
		set[p] = true
	}
	s.keys[key] = keyInfo{restricted: true, perms: set}
}

// Requests returns a copy of the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// RequestCount is the number of requests received.
func (s *Server) RequestCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.log)
}

// Count is the number of requests received for exactly this path.
func (s *Server) Count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.log {
		if r.Path == path {
			n++
		}
	}
	return n
}

// CountsByPath maps each requested path to its request count.
func (s *Server) CountsByPath() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[string]int{}
	for _, r := range s.log {
		m[r.Path]++
	}
	return m
}

// Violations returns every request that was not a GET: the connector is
// read-only, so any entry here is a bug.
func (s *Server) Violations() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var v []Request
	for _, r := range s.log {
		if r.Method != http.MethodGet {
			v = append(v, r)
		}
	}
	return v
}

// ResetLog clears the request log (objects and keys stay).
func (s *Server) ResetLog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// apiError is the body of Stripe's {"error": {...}} responses.
type apiError struct {
	Code    string `json:"code,omitempty"`
	DocURL  string `json:"doc_url,omitempty"`
	Message string `json:"message"`
	Param   string `json:"param,omitempty"`
	Type    string `json:"type"`

	status      int
	shouldRetry string
}

func (e *apiError) Error() string { return e.Message }

func invalidRequest(status int, code, param, msg string) *apiError {
	e := &apiError{status: status, Type: "invalid_request_error", Code: code, Param: param, Message: msg}
	if code != "" {
		e.DocURL = "https://stripe.com/docs/error-codes/" + strings.ReplaceAll(code, "_", "-")
	}
	return e
}

func noSuch(kind, id, param string) *apiError {
	return invalidRequest(http.StatusNotFound, "resource_missing", param, fmt.Sprintf("No such %s: '%s'", kind, id))
}

// ServeHTTP answers one API request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.wait(r)

	key, hasKey := apiKey(r)
	rec := Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, KeyLabel: maskKey(key, 4), Time: time.Now()}

	body, err := s.handle(r, key, hasKey)
	status := http.StatusOK
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", s.nextID("req_"))
	w.Header().Set("Stripe-Version", s.apiVersion)
	if err != nil {
		status = err.status
		if status == http.StatusUnauthorized {
			w.Header().Set("Www-Authenticate", `Basic realm="Stripe"`)
		}
		if err.shouldRetry != "" {
			w.Header().Set("Stripe-Should-Retry", err.shouldRetry)
		}
		if status == http.StatusTooManyRequests {
			// Stripe says which limit was hit, and sends no Retry-After.
			w.Header().Set("Stripe-Rate-Limited-Reason", "global-rate")
		}
		body = map[string]any{"error": err}
	}
	rec.Status = status

	s.mu.Lock()
	s.log = append(s.log, rec)
	s.mu.Unlock()

	w.WriteHeader(status)
	// Stripe pretty-prints its responses.
	if b, ok := body.(*rendered); ok {
		writeRendered(w, b)
		return
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(body)
}

func (s *Server) handle(r *http.Request, key string, hasKey bool) (any, *apiError) {
	if r.Method != http.MethodGet {
		// Stripe would accept writes; ParityRail must never send one.
		return nil, invalidRequest(http.StatusMethodNotAllowed, "", "",
			fmt.Sprintf("The Stripe fake is read-only and refuses %s %s. ParityRail never writes to Stripe.", r.Method, r.URL.Path))
	}
	if f, ok := s.takeFailure(r.URL.Path); ok {
		return nil, failureError(f)
	}
	ki, err := s.authenticate(key, hasKey)
	if err != nil {
		return nil, err
	}
	return s.route(r, key, ki)
}

func failureError(f Failure) *apiError {
	var e *apiError
	switch {
	case f.Status == http.StatusTooManyRequests:
		e = invalidRequest(f.Status, "rate_limit", "", "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.")
	case f.Status >= 500:
		e = &apiError{status: f.Status, Type: "api_error", Message: "An unknown error occurred"}
	default:
		e = invalidRequest(f.Status, "", "", "Scripted failure.")
	}
	e.shouldRetry = f.ShouldRetry
	return e
}

// apiKey reads the key the way Stripe does: a Bearer token (what stripe-go
// sends) or HTTP basic auth with the key as the user name (curl -u).
func apiKey(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if k, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(k), true
	}
	if enc, ok := strings.CutPrefix(h, "Basic "); ok {
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
		if err == nil {
			user, _, _ := strings.Cut(string(raw), ":")
			return user, true
		}
	}
	return "", false
}

func (s *Server) authenticate(key string, hasKey bool) (keyInfo, *apiError) {
	if !hasKey || key == "" {
		return keyInfo{}, &apiError{status: http.StatusUnauthorized, Type: "invalid_request_error",
			Message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/."}
	}
	s.mu.Lock()
	ki, ok := s.keys[key]
	s.mu.Unlock()
	if !ok {
		return keyInfo{}, &apiError{status: http.StatusUnauthorized, Type: "invalid_request_error",
			Message: "Invalid API Key provided: " + maskKey(key, 4)}
	}
	return ki, nil
}

// permissionError is Stripe's answer to a restricted key lacking perm.
func (s *Server) permissionError(key, perm string) *apiError {
	return &apiError{status: http.StatusForbidden, Type: "invalid_request_error",
		Message: fmt.Sprintf("The provided key '%s' does not have the required permissions for this endpoint on account '%s'. Having the '%s' permission would allow this request to continue.",
			maskKey(key, 6), s.account, perm)}
}

// maskKey keeps the key's prefix (e.g. rk_test_) and its last n characters.
func maskKey(key string, n int) string {
	if key == "" {
		return ""
	}
	prefix := ""
	for _, p := range []string{"sk_test_", "sk_live_", "rk_test_", "rk_live_", "pk_test_", "pk_live_"} {
		if strings.HasPrefix(key, p) {
			prefix = p
			break
		}
	}
	rest := key[len(prefix):]
	if len(rest) <= n {
		return prefix + strings.Repeat("*", len(rest))
	}
	return prefix + strings.Repeat("*", len(rest)-n) + rest[len(rest)-n:]
}

// nextID returns a Stripe-looking id: prefix plus 14 base62 characters
// derived from a counter, so ids are unique and deterministic.
func (s *Server) nextID(prefix string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return prefix + s.nextSuffixLocked()
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// nextSuffixLocked returns 14 base62 characters. Multiplying the counter by
// an odd constant is a bijection on uint64, so ids are unique and
// deterministic yet don't look sequential.
func (s *Server) nextSuffixLocked() string {
	s.seq++
	n := uint64(s.seq) * 0x9E3779B97F4A7C15
	b := []byte("PR000000000000")
	for i := len(b) - 1; i >= 2 && n > 0; i-- {
		b[i] = base62[n%62]
		n /= 62
	}
	return string(b)
}

// put stores v under kind/id. Caller holds s.mu.
func (s *Server) putLocked(kind, id string, created int64, v any) {
	m := s.objects[kind]
	if m == nil {
		m = map[string]*entry{}
		s.objects[kind] = m
	}
	s.gen++
	if e, ok := m[id]; ok {
		e.v = v
		if e.created != created {
			e.created = created
			delete(s.order, kind)
		}
		return
	}
	s.seq++
	m[id] = &entry{id: id, created: created, seq: s.seq, v: v}
	delete(s.order, kind)
}

func (s *Server) getLocked(kind, id string) (any, bool) {
	e, ok := s.objects[kind][id]
	if !ok {
		return nil, false
	}
	return e.v, true
}

// sortedSnapshot returns kind's entries newest first (Stripe's list order)
// and each id's position. The slice is never modified once built, so the
// caller may read it after the lock is released.
func (s *Server) sortedSnapshot(kind string) ([]*entry, map[string]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.order[kind]; ok {
		return o.entries, o.pos
	}
	m := s.objects[kind]
	out := make([]*entry, 0, len(m))
	for _, e := range m {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].created != out[j].created {
			return out[i].created > out[j].created
		}
		return out[i].seq > out[j].seq
	})
	pos := make(map[string]int, len(out))
	for i, e := range out {
		pos[e.id] = i
	}
	if s.order == nil {
		s.order = map[string]*sortedKind{}
	}
	s.order[kind] = &sortedKind{entries: out, pos: pos}
	return out, pos
}

// wait holds an answer for the fake's latency (SetLatency), or until the
// request is given up.
func (s *Server) wait(r *http.Request) {
	s.mu.RLock()
	latency := s.latency
	s.mu.RUnlock()
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
		}
	}
}

// writeRendered writes a rendered object as Stripe does: pretty-printed,
// with a final newline.
func writeRendered(w http.ResponseWriter, b *rendered) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	writeIndented(buf, &b.v, 0)
	buf.WriteByte('\n')
	_, _ = w.Write(buf.Bytes())
	if buf.Cap() <= 4<<20 {
		bufPool.Put(buf)
	}
}
