package stripefake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	stripe "github.com/stripe/stripe-go/v76"
)

// resource describes one list/retrieve endpoint.
type resource struct {
	kind   string // stored object kind
	noun   string // Stripe's word in "No such <noun>"
	perm   string // rak_* permission a restricted key needs
	filter func(q url.Values, v any) (bool, *apiError)
}

var resources = map[string]resource{
	"/v1/customers":         {kind: kindCustomer, noun: "customer", perm: PermCustomers, filter: filterCustomer},
	"/v1/subscriptions":     {kind: kindSubscription, noun: "subscription", perm: PermSubscriptions, filter: filterSubscription},
	"/v1/invoices":          {kind: kindInvoice, noun: "invoice", perm: PermInvoices, filter: filterInvoice},
	"/v1/prices":            {kind: kindPrice, noun: "price", perm: PermPrices, filter: filterPrice},
	"/v1/products":          {kind: kindProduct, noun: "product", perm: PermProducts, filter: filterProduct},
	"/v1/checkout/sessions": {kind: kindSession, noun: "checkout.session", perm: PermCheckoutSessions, filter: filterSession},
}

// permByKind is what expanding an object of that kind requires.
var permByKind = map[string]string{
	kindCustomer:     PermCustomers,
	kindSubscription: PermSubscriptions,
	kindInvoice:      PermInvoices,
	kindPrice:        PermPrices,
	kindProduct:      PermProducts,
	kindSession:      PermCheckoutSessions,
}

// expandable lists, per object type, the fields Stripe returns as an id
// unless expanded, and the kind of object they point to.
var expandable = map[string]map[string]string{
	"subscription":     {"customer": kindCustomer, "latest_invoice": kindInvoice, "default_payment_method": "", "default_source": "", "pending_setup_intent": "", "schedule": "", "test_clock": "", "application": "", "on_behalf_of": ""},
	"invoice":          {"customer": kindCustomer, "subscription": kindSubscription, "charge": "", "payment_intent": "", "default_payment_method": "", "default_source": "", "test_clock": "", "application": "", "on_behalf_of": ""},
	"price":            {"product": kindProduct},
	"plan":             {"product": kindProduct},
	"product":          {"default_price": kindPrice, "tax_code": ""},
	"customer":         {"default_source": "", "test_clock": ""},
	"checkout.session": {"customer": kindCustomer, "subscription": kindSubscription, "invoice": kindInvoice, "payment_intent": "", "setup_intent": "", "payment_link": ""},
}

// nullIfZero are timestamps Stripe sends as null when unset; stripe-go's
// int64 fields would otherwise marshal them as 0.
var nullIfZero = map[string]bool{
	"trial_end": true, "trial_start": true, "canceled_at": true, "cancel_at": true, "ended_at": true,
	"due_date": true, "next_payment_attempt": true, "resumes_at": true, "effective_at": true,
	"finalized_at": true, "marked_uncollectible_at": true, "paid_at": true, "voided_at": true,
	"application_fee_percent": true, "days_until_due": true, "next_pending_invoice_item_invoice": true,
	"trial_period_days": true,
}

// includable are customer fields Stripe leaves out unless asked for with
// expand[]; stripe-go would marshal them as null.
var includable = []string{"subscriptions", "sources", "tax_ids", "tax", "cash_balance", "invoice_credit_balance"}

const maxExpandDepth = 4 // Stripe's limit, counting "data" on lists

func (s *Server) route(r *http.Request, key string, ki keyInfo) (any, *apiError) {
	path := strings.TrimSuffix(r.URL.Path, "/")
	q := r.URL.Query()
	expand, err := expandParams(q)
	if err != nil {
		return nil, err
	}
	need := func(perm string) *apiError {
		if ki.restricted && !ki.perms[perm] {
			return s.permissionError(key, perm)
		}
		return nil
	}

	if path == "/v1/entitlements/active_entitlements" {
		if err := need(PermEntitlements); err != nil {
			return nil, err
		}
		return s.listEntitlements(q)
	}
	if res, ok := resources[path]; ok {
		if err := need(res.perm); err != nil {
			return nil, err
		}
		// Rendered items are cached only for keys that may read everything:
		// a restricted key's expansions must meet its permission checks.
		return s.list(path, res, q, expand, need, !ki.restricted)
	}
	for prefix, res := range resources {
		id, ok := strings.CutPrefix(path, prefix+"/")
		if !ok || id == "" || strings.Contains(id, "/") {
			continue
		}
		if err := need(res.perm); err != nil {
			return nil, err
		}
		return s.retrieve(res, id, expand, need)
	}
	return nil, invalidRequest(http.StatusNotFound, "", "",
		fmt.Sprintf("Unrecognized request URL (GET: %s). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.", r.URL.Path))
}

// expandParams reads expand[]=…, expand[0]=… (stripe-go's form) and expand=….
func expandParams(q url.Values) ([]string, *apiError) {
	var out []string
	for k, vs := range q {
		if k != "expand" && !(strings.HasPrefix(k, "expand[") && strings.HasSuffix(k, "]")) {
			continue
		}
		for _, v := range vs {
			if strings.Count(v, ".")+1 > maxExpandDepth {
				return nil, invalidRequest(http.StatusBadRequest, "", "expand",
					fmt.Sprintf("You cannot expand more than %d levels of a property. Property: %s", maxExpandDepth, v))
			}
			out = append(out, v)
		}
	}
	return out, nil
}

// arrayParam reads name[]=…, name[0]=… and name=….
func arrayParam(q url.Values, name string) []string {
	var out []string
	for k, vs := range q {
		if k == name || (strings.HasPrefix(k, name+"[") && strings.HasSuffix(k, "]")) {
			out = append(out, vs...)
		}
	}
	return out
}

func (s *Server) retrieve(res resource, id string, expand []string, need func(string) *apiError) (any, *apiError) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.getLocked(res.kind, id)
	if !ok {
		return nil, noSuch(res.noun, id, "id")
	}
	m, err := s.render(res.kind, v, expand, need)
	if err != nil {
		return nil, err
	}
	return &rendered{v: m}, nil
}

func (s *Server) list(path string, res resource, q url.Values, expand []string, need func(string) *apiError, cache bool) (any, *apiError) {
	lp, perr := parseListParams(q, expand)
	if perr != nil {
		return nil, perr
	}
	itemExpand, created := lp.itemExpand, lp.created

	// The sorted order is cached (a full read pages a big account a thousand
	// times); the cursor is found by index, so a page costs its own size.
	sorted, pos := s.sortedSnapshot(res.kind)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(sorted) > 0 {
		// The filter's parameter errors don't depend on the object.
		if _, err := res.filter(q, sorted[0].v); err != nil {
			return nil, err
		}
	}
	// The created range is a run of the newest-first order, found by binary
	// search: a page deep inside a big account costs its own size too.
	lo, hi := created.span(sorted)
	match := func(e *entry) bool {
		if !created.holds(e.created) {
			return false
		}
		ok, _ := res.filter(q, e.v)
		return ok
	}
	// cursor finds a cursor object that the list would contain.
	cursor := func(id, param string) (int, *apiError) {
		i, ok := pos[id]
		if !ok || !match(sorted[i]) {
			return 0, noSuch(res.noun, id, param)
		}
		return i, nil
	}
	positions, hasMore, werr := lp.walk(lo, hi, func(j int) bool { return match(sorted[j]) }, cursor)
	if werr != nil {
		return nil, werr
	}
	page := make([]*entry, len(positions))
	for k, j := range positions {
		page[k] = sorted[j]
	}
	data := make([]jval, 0, len(page))
	sig := strings.Join(itemExpand, "\x00")
	for _, e := range page {
		if cache {
			if b := s.cachedItem(e, sig); b != nil {
				data = append(data, jval{raw: b})
				continue
			}
		}
		m, err := s.render(res.kind, e.v, itemExpand, need)
		if err != nil {
			return nil, err
		}
		if cache {
			m = s.cacheItem(e, sig, &m)
		}
		data = append(data, m)
	}
	return listBody(path, data, hasMore), nil
}

// listItemDepth is the indentation depth of a list page's items.
const listItemDepth = 2

// cachedItem is e's rendered list item for these expansions, if current.
// Caller holds s.mu (read).
func (s *Server) cachedItem(e *entry, sig string) []byte {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	if e.item != nil && e.itemGen == s.gen && e.itemExpand == sig {
		return e.item
	}
	return nil
}

// cacheItem keeps e's rendered list item and returns it as raw bytes.
// Caller holds s.mu (read).
func (s *Server) cacheItem(e *entry, sig string, v *jval) jval {
	var buf bytes.Buffer
	writeIndented(&buf, v, listItemDepth)
	b := buf.Bytes()
	s.cacheMu.Lock()
	e.item, e.itemExpand, e.itemGen = b, sig, s.gen
	s.cacheMu.Unlock()
	return jval{raw: b}
}

func listEnvelope(url string, data []any, hasMore bool) map[string]any {
	return map[string]any{"object": "list", "data": data, "has_more": hasMore, "url": url}
}

func subPaths(expand []string, key string) []string {
	var out []string
	for _, e := range expand {
		if rest, ok := strings.CutPrefix(e, key+"."); ok {
			out = append(out, rest)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func toMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber() // keep int64 amounts and timestamps exact
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// --- list filters: the query parameters Stripe supports on each list ---

func filterCustomer(q url.Values, v any) (bool, *apiError) {
	c := v.(*stripe.Customer)
	if c.Deleted {
		return false, nil // Stripe's customer list leaves deleted customers out
	}
	if e := q.Get("email"); e != "" && e != c.Email {
		return false, nil
	}
	return true, nil
}

var subscriptionStatuses = map[string]bool{
	"active": true, "all": true, "canceled": true, "ended": true, "incomplete": true,
	"incomplete_expired": true, "past_due": true, "paused": true, "trialing": true, "unpaid": true,
}

func filterSubscription(q url.Values, v any) (bool, *apiError) {
	sub := v.(*stripe.Subscription)
	status := q.Get("status")
	if status != "" && !subscriptionStatuses[status] {
		return false, invalidRequest(http.StatusBadRequest, "", "status",
			fmt.Sprintf("Invalid status: must be one of active, all, canceled, ended, incomplete, incomplete_expired, past_due, paused, trialing, or unpaid"))
	}
	st := string(sub.Status)
	switch status {
	case "":
		// Stripe's default leaves canceled subscriptions out.
		if st == "canceled" {
			return false, nil
		}
	case "all":
	case "ended":
		if st != "canceled" && st != "incomplete_expired" {
			return false, nil
		}
	default:
		if st != status {
			return false, nil
		}
	}
	if c := q.Get("customer"); c != "" && (sub.Customer == nil || sub.Customer.ID != c) {
		return false, nil
	}
	if p := q.Get("price"); p != "" {
		found := false
		if sub.Items != nil {
			for _, it := range sub.Items.Data {
				if it.Price != nil && it.Price.ID == p {
					found = true
				}
			}
		}
		if !found {
			return false, nil
		}
	}
	return true, nil
}

func filterInvoice(q url.Values, v any) (bool, *apiError) {
	in := v.(*stripe.Invoice)
	if c := q.Get("customer"); c != "" && (in.Customer == nil || in.Customer.ID != c) {
		return false, nil
	}
	if sid := q.Get("subscription"); sid != "" && (in.Subscription == nil || in.Subscription.ID != sid) {
		return false, nil
	}
	if st := q.Get("status"); st != "" && string(in.Status) != st {
		return false, nil
	}
	return true, nil
}

func filterPrice(q url.Values, v any) (bool, *apiError) {
	p := v.(*stripe.Price)
	if a := q.Get("active"); a != "" && strconv.FormatBool(p.Active) != a {
		return false, nil
	}
	if prod := q.Get("product"); prod != "" && (p.Product == nil || p.Product.ID != prod) {
		return false, nil
	}
	if keys := arrayParam(q, "lookup_keys"); len(keys) > 0 && !contains(keys, p.LookupKey) {
		return false, nil
	}
	return true, nil
}

func filterProduct(q url.Values, v any) (bool, *apiError) {
	p := v.(*stripe.Product)
	if a := q.Get("active"); a != "" && strconv.FormatBool(p.Active) != a {
		return false, nil
	}
	return true, nil
}

func filterSession(q url.Values, v any) (bool, *apiError) {
	cs := v.(*stripe.CheckoutSession)
	if c := q.Get("customer"); c != "" && (cs.Customer == nil || cs.Customer.ID != c) {
		return false, nil
	}
	if sid := q.Get("subscription"); sid != "" && (cs.Subscription == nil || cs.Subscription.ID != sid) {
		return false, nil
	}
	return true, nil
}

// listEntitlements answers GET /v1/entitlements/active_entitlements, which
// Stripe only serves for one customer at a time.
func (s *Server) listEntitlements(q url.Values) (any, *apiError) {
	cid := q.Get("customer")
	if cid == "" {
		return nil, invalidRequest(http.StatusBadRequest, "parameter_missing", "customer", "Missing required param: customer.")
	}
	limit := 10
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 100 {
			return nil, invalidRequest(http.StatusBadRequest, "", "limit", "This value must be between 1 and 100.")
		}
		limit = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.getLocked(kindCustomer, cid); !ok {
		return nil, noSuch("customer", cid, "customer")
	}
	keys := s.ents[cid]
	all := make([]*stripe.EntitlementsActiveEntitlement, len(keys))
	for i, k := range keys {
		all[i] = &stripe.EntitlementsActiveEntitlement{
			ID:        entitlementID(cid, k),
			Object:    "entitlements.active_entitlement",
			Feature:   featureID(k),
			LookupKey: k,
			Livemode:  s.livemode,
		}
	}
	start := 0
	if after := q.Get("starting_after"); after != "" {
		start = -1
		for i, e := range all {
			if e.ID == after {
				start = i + 1
			}
		}
		if start < 0 {
			return nil, noSuch("active entitlement", after, "starting_after")
		}
	}
	end := min(len(all), start+limit)
	data := make([]any, 0, end-start)
	for _, e := range all[start:end] {
		m, err := toMap(e)
		if err != nil {
			return nil, &apiError{status: http.StatusInternalServerError, Type: "api_error", Message: "fake: " + err.Error()}
		}
		data = append(data, m)
	}
	return listEnvelope("/v1/entitlements/active_entitlements", data, end < len(all)), nil
}

// Entitlement and feature ids are derived from the lookup key so they are
// stable across requests.
func entitlementID(customerID, lookupKey string) string {
	return "ent_" + stableSuffix(customerID+"/"+lookupKey)
}

func featureID(lookupKey string) string { return "feat_" + stableSuffix(lookupKey) }

func stableSuffix(s string) string {
	var h uint64 = 14695981039346656037 // FNV-1a
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	b := []byte("PR000000000000")
	for i := len(b) - 1; i >= 2 && h > 0; i-- {
		b[i] = base62[h%62]
		h /= 62
	}
	return string(b)
}

// listParams are a list request's paging, expansion and created filter,
// as Stripe reads them for every list endpoint.
type listParams struct {
	limit         int
	after, before string
	itemExpand    []string
	created       createdFilter
}

// parseListParams reads a list request's parameters, refusing them with
// Stripe's own errors.
func parseListParams(q url.Values, expand []string) (listParams, *apiError) {
	lp := listParams{limit: 10, after: q.Get("starting_after"), before: q.Get("ending_before")}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		switch {
		case err != nil:
			return lp, invalidRequest(http.StatusBadRequest, "parameter_invalid_integer", "limit", "Invalid integer: "+l)
		case n < 1:
			return lp, invalidRequest(http.StatusBadRequest, "", "limit", "This value must be greater than or equal to 1.")
		case n > 100:
			return lp, invalidRequest(http.StatusBadRequest, "", "limit", "This value must be less than or equal to 100.")
		}
		lp.limit = n
	}
	if lp.after != "" && lp.before != "" {
		return lp, invalidRequest(http.StatusBadRequest, "", "starting_after", "You may only specify one of these parameters: ending_before, starting_after.")
	}
	for _, e := range expand {
		// On a list, expansions address the items through "data.".
		if rest, ok := strings.CutPrefix(e, "data."); ok {
			lp.itemExpand = append(lp.itemExpand, rest)
		}
	}
	var err *apiError
	lp.created, err = createdRange(q)
	return lp, err
}

// walk pages the positions lo..hi-1 of a newest-first list as the request
// asks (starting_after, ending_before, limit), keeping those that match:
// a page of positions, and whether the list has more after them. cursor
// finds the position of a cursor object the list would contain.
func (lp listParams) walk(lo, hi int, match func(int) bool, cursor func(id, param string) (int, *apiError)) (page []int, hasMore bool, err *apiError) {
	switch {
	case lp.before != "":
		i, err := cursor(lp.before, "ending_before")
		if err != nil {
			return nil, false, err
		}
		j := min(i, hi) - 1
		for ; j >= lo && len(page) < lp.limit; j-- {
			if match(j) {
				page = append(page, j)
			}
		}
		slices.Reverse(page)
		for ; j >= lo && !hasMore; j-- {
			hasMore = match(j)
		}
	default:
		start := 0
		if lp.after != "" {
			i, err := cursor(lp.after, "starting_after")
			if err != nil {
				return nil, false, err
			}
			start = i + 1
		}
		j := max(start, lo)
		for ; j < hi && len(page) < lp.limit; j++ {
			if match(j) {
				page = append(page, j)
			}
		}
		for ; j < hi && !hasMore; j++ {
			hasMore = match(j)
		}
	}
	return page, hasMore, nil
}
