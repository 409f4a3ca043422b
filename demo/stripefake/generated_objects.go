//go:build !release

package stripefake

import (
	"fmt"
	"strings"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
)

// The objects of a generated account: stored in a scratch account (to cut
// templates, to filter by what only the stored object says) or computed.

// newScratch is an account with the base's prices and products (copied:
// the scratch adds its customer's objects beside them).
func (g *Generated) newScratch() *Server {
	s := New()
	g.base.mu.RLock()
	defer g.base.mu.RUnlock()
	s.now, s.livemode, s.account, s.apiVersion = g.base.now, g.base.livemode, g.base.account, g.base.apiVersion
	for _, kind := range []string{kindPrice, kindProduct} {
		m := make(map[string]*entry, len(g.base.objects[kind]))
		for id, e := range g.base.objects[kind] {
			m[id] = e
		}
		s.objects[kind] = m
	}
	return s
}

// genObj is customer i: stored in a scratch account (s set), or only its
// hole values and shape, computed the way AddCustomer and AddSubscription
// compute them.
type genObj struct {
	i       int
	withSub bool
	s       *Server
	cust    *stripe.Customer
	sub     *stripe.Subscription
	inv     *stripe.Invoice
	used    int // ids used
	vals    genVals
	shape   string
}

// build stores customer i (and with withSub its subscription) in a
// scratch account, drawing ids from where a stored account would be at
// customer i.
func (g *Generated) build(i int, withSub bool) (*genObj, error) {
	s := g.scratch.Get().(*Server)
	for _, kind := range []string{kindCustomer, kindSubscription, kindInvoice} {
		if m := s.objects[kind]; m != nil {
			clear(m)
		}
	}
	start := g.s0 + i*g.per
	s.seq = start
	o := &genObj{i: i, withSub: withSub, s: s}
	id := s.AddCustomer(g.spec.Customer(i))
	o.cust = s.objects[kindCustomer][id].v.(*stripe.Customer)
	if withSub && g.spec.Subscription != nil {
		spec := g.spec.Subscription(i)
		spec.CustomerID = id
		sid, err := s.AddSubscription(spec)
		if err != nil {
			g.scratch.Put(s)
			return nil, err
		}
		o.sub = s.objects[kindSubscription][sid].v.(*stripe.Subscription)
		if o.sub.LatestInvoice != nil {
			o.inv = s.objects[kindInvoice][o.sub.LatestInvoice.ID].v.(*stripe.Invoice)
		}
		o.used = s.seq - start
		if g.per != 0 && o.used != g.per {
			g.scratch.Put(s)
			return nil, fmt.Errorf("stripefake: generated customer %d uses %d ids, customer 0 used %d", i, o.used, g.per)
		}
	}
	o.vals = valsOf(o.cust, o.sub, o.inv)
	sh := shapeFrom(o.cust, o.sub, o.inv)
	o.shape = shapeOf(&sh, &o.vals)
	return o, nil
}

func (g *Generated) release(o *genObj) {
	if o.s != nil {
		g.scratch.Put(o.s)
		o.s = nil
	}
}

// stored is o as stored, checking that o's values are that object's.
func (g *Generated) stored(o *genObj) (*genObj, error) {
	full, err := g.build(o.i, o.withSub)
	if err != nil {
		return nil, err
	}
	if !full.vals.equal(&o.vals) || full.shape != o.shape {
		g.release(full)
		return nil, fmt.Errorf("stripefake: generated customer %d: computed %+v %q, stored %+v %q", o.i, o.vals, o.shape, full.vals, full.shape)
	}
	return full, nil
}

// lean computes customer i's hole values and shape as AddCustomer and
// AddSubscription would store them, without the stripe-go objects (whose
// allocation costs more than serving them). Every template is cut from a
// stored object after checking its values against these, and every page
// checks its first object the same way.
func (g *Generated) lean(i int, withSub bool) (*genObj, error) {
	o := &genObj{i: i, withSub: withSub}
	v := &o.vals
	seq := g.s0 + i*g.per
	next := func() string {
		seq++
		n := uint64(seq) * 0x9E3779B97F4A7C15
		b := []byte("PR000000000000")
		for k := len(b) - 1; k >= 2 && n > 0; k-- {
			b[k] = base62[n%62]
			n /= 62
		}
		return string(b)
	}
	unix := func(t time.Time) int64 {
		if t.IsZero() {
			return g.now().Unix()
		}
		return t.Unix()
	}
	cs := g.spec.Customer(i)
	v.custID = cs.ID
	if v.custID == "" {
		v.custID = "cus_" + next()
	}
	seq++ // stored
	v.email, v.name, v.custCreated = cs.Email, cs.Name, unix(cs.Created)
	v.prefix = fmt.Sprintf("%X", v.custCreated%0xFFFFFF)
	sh := genShape{livemode: g.livemode, custMeta: cs.Metadata}
	if withSub && g.spec.Subscription != nil {
		ss := g.spec.Subscription(i)
		v.subID = ss.ID
		if v.subID == "" {
			v.subID = "sub_" + next()
		}
		status := ss.Status
		if status == "" {
			status = stripe.SubscriptionStatusActive
		}
		created := unix(ss.Created)
		v.subCreated = created
		interval := "month"
		qty := max(ss.Quantity, 1)
		for _, pid := range ss.PriceIDs {
			p, ok := g.prices[pid]
			if !ok {
				return nil, fmt.Errorf("stripefake: no price %s", pid)
			}
			if p.Recurring != nil {
				interval = string(p.Recurring.Interval)
			}
			v.itemIDs = append(v.itemIDs, "si_"+next())
			v.itemCreated = append(v.itemCreated, created)
			sh.prices, sh.quantities = append(sh.prices, pid), append(sh.quantities, qty)
		}
		periodStart, periodEnd := ss.currentPeriod(status, created, interval, g.now)
		v.periodStart, v.periodEnd = periodStart.Unix(), periodEnd.Unix()
		if !ss.TrialEnd.IsZero() {
			v.trialEnd, v.trialStart = ss.TrialEnd.Unix(), created
		}
		if ss.CancelAtPeriodEnd {
			v.cancelAt = periodEnd.Unix()
		}
		if status == stripe.SubscriptionStatusCanceled || status == stripe.SubscriptionStatusIncompleteExpired {
			v.endedAt, v.canceledAt = periodEnd.Unix(), periodEnd.Unix()
		}
		sh.hasSub, sh.status, sh.cancelAtEnd, sh.subMeta = true, status, ss.CancelAtPeriodEnd, orEmpty(ss.Metadata)
		if ss.PauseCollection != "" {
			sh.pause = "pause:" + ss.PauseCollection
		}
		if !ss.NoInvoice {
			inStatus, inCreated := ss.latestInvoice(status, periodStart, created)
			v.invID = "in_" + next()
			seq++ // stored
			c := unix(inCreated)
			v.invCreated, v.invPeriodStart, v.invPeriodEnd, v.invEffective = c, c, c, c
			if inStatus == stripe.InvoiceStatusPaid {
				v.invFinalized, v.invPaid = c, c
			}
			sh.hasInv, sh.invStatus = true, inStatus
		}
		seq++ // stored
	}
	if sh.custMeta == nil {
		sh.custMeta = map[string]string{}
	}
	o.shape = shapeOf(&sh, v)
	return o, nil
}

// created is the creation time of kind's object i.
func (g *Generated) created(kind string, i int) int64 {
	var t time.Time
	if kind == kindSubscription {
		t = g.spec.Subscription(i).Created
	} else {
		t = g.spec.Customer(i).Created
	}
	if t.IsZero() {
		g.base.mu.RLock()
		defer g.base.mu.RUnlock()
		return g.base.now().Unix()
	}
	return t.Unix()
}

// index finds which customer an object id belongs to.
func (g *Generated) index(kind, id string) (int, bool) {
	if kind == kindCustomer && g.spec.CustomerIndex != nil {
		i, ok := g.spec.CustomerIndex(id)
		return i, ok && i >= 0 && i < g.spec.N
	}
	_, suffix, ok := strings.Cut(id, "_")
	if !ok || g.per == 0 {
		return 0, false
	}
	seq, ok := seqOfSuffix(suffix)
	if !ok || seq <= g.s0 {
		return 0, false
	}
	i := (seq - g.s0 - 1) / g.per
	return i, i < g.spec.N
}

// seqOfSuffix inverts nextSuffixLocked.
func seqOfSuffix(s string) (int, bool) {
	if len(s) != 14 || s[:2] != "PR" {
		return 0, false
	}
	var n uint64
	for i := 2; i < len(s); i++ {
		d := strings.IndexByte(base62, s[i])
		if d < 0 {
			return 0, false
		}
		n = n*62 + uint64(d)
	}
	// The multiplier is odd, so it has an inverse mod 2^64 (Newton).
	const k = 0x9E3779B97F4A7C15
	inv := uint64(k)
	for range 6 {
		inv *= 2 - k*inv
	}
	seq := n * inv
	return int(seq), seq < 1<<62
}

// objOf is the object of kind in o.
func (o *genObj) objOf(kind string) any {
	switch kind {
	case kindCustomer:
		return o.cust
	case kindSubscription:
		return o.sub
	case kindInvoice:
		return o.inv
	}
	return nil
}

// idOf is the id of o's object of kind.
func (o *genObj) idOf(kind string) string {
	switch kind {
	case kindCustomer:
		return o.vals.custID
	case kindSubscription:
		return o.vals.subID
	case kindInvoice:
		return o.vals.invID
	}
	return ""
}
