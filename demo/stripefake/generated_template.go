//go:build !release

package stripefake

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	stripe "github.com/stripe/stripe-go/v76"
)

// Templates: the generated account renders the first object of each shape
// with the real renderer, cuts the rendered bytes at its per-object values
// (the holes below) and fills them for the next objects of that shape.

// genHole is one per-object value: a field of a generated object, named
// by the object type it sits on and its path inside that object.
type genHole struct {
	typ, path string
	num       func(v *genVals, k int) int64  // a number (a time), or
	str       func(v *genVals, k int) string // a string (an id, an e-mail)
}

// genVals are an object's hole values: every value AddCustomer and
// AddSubscription derive from a spec's per-object fields (ids, e-mail,
// name, times). What else a spec sets (status, prices, quantity, flags,
// metadata) is part of the shape.
type genVals struct {
	custID, email, name, prefix string
	custCreated                 int64

	subID, invID                                        string
	subCreated, periodStart, periodEnd                  int64
	trialStart, trialEnd, cancelAt, canceledAt, endedAt int64
	itemIDs                                             []string
	itemCreated                                         []int64

	invCreated, invPeriodStart, invPeriodEnd, invEffective, invFinalized, invPaid int64
}

func (v *genVals) equal(w *genVals) bool {
	return v.custID == w.custID && v.email == w.email && v.name == w.name && v.prefix == w.prefix &&
		v.custCreated == w.custCreated && v.subID == w.subID && v.invID == w.invID && v.subCreated == w.subCreated &&
		v.periodStart == w.periodStart && v.periodEnd == w.periodEnd && v.trialStart == w.trialStart &&
		v.trialEnd == w.trialEnd && v.cancelAt == w.cancelAt && v.canceledAt == w.canceledAt && v.endedAt == w.endedAt &&
		slices.Equal(v.itemIDs, w.itemIDs) && slices.Equal(v.itemCreated, w.itemCreated) && v.invCreated == w.invCreated &&
		v.invPeriodStart == w.invPeriodStart && v.invPeriodEnd == w.invPeriodEnd && v.invEffective == w.invEffective &&
		v.invFinalized == w.invFinalized && v.invPaid == w.invPaid
}

// valsOf reads the hole values off stored objects.
func valsOf(c *stripe.Customer, s *stripe.Subscription, in *stripe.Invoice) genVals {
	v := genVals{custID: c.ID, email: c.Email, name: c.Name, prefix: c.InvoicePrefix, custCreated: c.Created}
	if s != nil {
		v.subID, v.subCreated, v.periodStart, v.periodEnd = s.ID, s.Created, s.CurrentPeriodStart, s.CurrentPeriodEnd
		v.trialStart, v.trialEnd, v.cancelAt, v.canceledAt, v.endedAt = s.TrialStart, s.TrialEnd, s.CancelAt, s.CanceledAt, s.EndedAt
		if s.StartDate != s.Created || s.BillingCycleAnchor != s.Created {
			v.subCreated = -1 // not what the table says: no template will match
		}
		if s.Items != nil {
			for _, it := range s.Items.Data {
				v.itemIDs = append(v.itemIDs, it.ID)
				v.itemCreated = append(v.itemCreated, it.Created)
			}
		}
	}
	if in != nil {
		v.invID, v.invCreated, v.invPeriodStart, v.invPeriodEnd, v.invEffective = in.ID, in.Created, in.PeriodStart, in.PeriodEnd, in.EffectiveAt
		if in.StatusTransitions != nil {
			v.invFinalized, v.invPaid = in.StatusTransitions.FinalizedAt, in.StatusTransitions.PaidAt
		}
	}
	return v
}

func vInt(f func(v *genVals) int64) func(*genVals, int) int64 {
	return func(v *genVals, _ int) int64 { return f(v) }
}
func vStr(f func(v *genVals) string) func(*genVals, int) string {
	return func(v *genVals, _ int) string { return f(v) }
}

var (
	custID = vStr(func(v *genVals) string { return v.custID })
	subID  = vStr(func(v *genVals) string { return v.subID })
	invID  = vStr(func(v *genVals) string { return v.invID })
	subCr  = vInt(func(v *genVals) int64 { return v.subCreated })
)

// genHoles says where each value sits in the rendered objects.
var genHoles = []genHole{
	{typ: "customer", path: "id", str: custID},
	{typ: "customer", path: "email", str: vStr(func(v *genVals) string { return v.email })},
	{typ: "customer", path: "name", str: vStr(func(v *genVals) string { return v.name })},
	{typ: "customer", path: "invoice_prefix", str: vStr(func(v *genVals) string { return v.prefix })},
	{typ: "customer", path: "created", num: vInt(func(v *genVals) int64 { return v.custCreated })},

	{typ: "subscription", path: "id", str: subID},
	{typ: "subscription", path: "customer", str: custID},
	{typ: "subscription", path: "latest_invoice", str: invID},
	{typ: "subscription", path: "items.url", str: subID}, // within the URL
	{typ: "subscription", path: "created", num: subCr},
	{typ: "subscription", path: "start_date", num: subCr},
	{typ: "subscription", path: "billing_cycle_anchor", num: subCr},
	{typ: "subscription", path: "current_period_start", num: vInt(func(v *genVals) int64 { return v.periodStart })},
	{typ: "subscription", path: "current_period_end", num: vInt(func(v *genVals) int64 { return v.periodEnd })},
	{typ: "subscription", path: "trial_start", num: vInt(func(v *genVals) int64 { return v.trialStart })},
	{typ: "subscription", path: "trial_end", num: vInt(func(v *genVals) int64 { return v.trialEnd })},
	{typ: "subscription", path: "cancel_at", num: vInt(func(v *genVals) int64 { return v.cancelAt })},
	{typ: "subscription", path: "canceled_at", num: vInt(func(v *genVals) int64 { return v.canceledAt })},
	{typ: "subscription", path: "ended_at", num: vInt(func(v *genVals) int64 { return v.endedAt })},

	{typ: "subscription_item", path: "id", str: func(v *genVals, k int) string {
		if k < len(v.itemIDs) {
			return v.itemIDs[k]
		}
		return ""
	}},
	{typ: "subscription_item", path: "subscription", str: subID},
	{typ: "subscription_item", path: "created", num: func(v *genVals, k int) int64 {
		if k < len(v.itemCreated) {
			return v.itemCreated[k]
		}
		return 0
	}},

	{typ: "invoice", path: "id", str: invID},
	{typ: "invoice", path: "customer", str: custID},
	{typ: "invoice", path: "subscription", str: subID},
	{typ: "invoice", path: "created", num: vInt(func(v *genVals) int64 { return v.invCreated })},
	{typ: "invoice", path: "period_start", num: vInt(func(v *genVals) int64 { return v.invPeriodStart })},
	{typ: "invoice", path: "period_end", num: vInt(func(v *genVals) int64 { return v.invPeriodEnd })},
	{typ: "invoice", path: "effective_at", num: vInt(func(v *genVals) int64 { return v.invEffective })},
	{typ: "invoice", path: "status_transitions.finalized_at", num: vInt(func(v *genVals) int64 { return v.invFinalized })},
	{typ: "invoice", path: "status_transitions.paid_at", num: vInt(func(v *genVals) int64 { return v.invPaid })},
}

var genHoleIndex = func() map[string]int {
	m := make(map[string]int, len(genHoles))
	for i, h := range genHoles {
		m[h.typ+":"+h.path] = i
	}
	return m
}()

// genShape is what an object's shape is made of, besides which of its
// hole values are unset.
type genShape struct {
	livemode    bool
	custMeta    map[string]string
	hasSub      bool
	status      stripe.SubscriptionStatus
	cancelAtEnd bool
	pause       string
	subMeta     map[string]string
	prices      []string
	quantities  []int64
	hasInv      bool
	invStatus   stripe.InvoiceStatus
}

// shapeOf is everything about an object that is not a hole: objects of
// one shape render to the same bytes but for their holes.
func shapeOf(sh *genShape, v *genVals) string {
	b := make([]byte, 0, 128)
	meta := func(m map[string]string) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			b = strconv.AppendQuote(b, k)
			b = append(b, '=')
			b = strconv.AppendQuote(b, m[k])
			b = append(b, ',')
		}
		b = append(b, '|')
	}
	mask := func(k int) {
		for _, h := range genHoles {
			if (h.num != nil && h.num(v, k) == 0) || (h.str != nil && h.str(v, k) == "") {
				b = append(b, '0')
			} else {
				b = append(b, '1')
			}
		}
	}
	b = strconv.AppendBool(b, sh.livemode)
	meta(sh.custMeta)
	mask(0)
	if sh.hasSub {
		b = append(b, '|')
		b = append(b, sh.status...)
		b = strconv.AppendBool(b, sh.cancelAtEnd)
		b = append(b, sh.pause...)
		b = append(b, '|')
		meta(sh.subMeta)
		for k := range sh.prices {
			b = append(b, sh.prices[k]...)
			b = strconv.AppendInt(append(b, '*'), sh.quantities[k], 10)
			mask(k)
		}
	}
	if sh.hasInv {
		b = append(b, '|')
		b = append(b, sh.invStatus...)
	}
	return string(b)
}

// shapeFrom reads the shape off stored objects.
func shapeFrom(c *stripe.Customer, s *stripe.Subscription, in *stripe.Invoice) genShape {
	sh := genShape{livemode: c.Livemode, custMeta: c.Metadata}
	if c.Deleted {
		sh.custMeta = map[string]string{"\x00deleted": ""}
	}
	if s != nil {
		sh.hasSub, sh.status, sh.cancelAtEnd, sh.subMeta = true, s.Status, s.CancelAtPeriodEnd, s.Metadata
		if s.PauseCollection != nil {
			sh.pause = "pause:" + string(s.PauseCollection.Behavior)
		}
		if s.Items != nil {
			for _, it := range s.Items.Data {
				id := ""
				if it.Price != nil {
					id = it.Price.ID
				}
				sh.prices = append(sh.prices, id)
				sh.quantities = append(sh.quantities, it.Quantity)
			}
		}
	}
	if in != nil {
		sh.hasInv, sh.invStatus = true, in.Status
	}
	return sh
}

// template is rendered bytes cut at holes: lits[0] hole[0] lits[1] … .
type template struct {
	lits  [][]byte
	holes []tmplHole
}

type tmplHole struct {
	h     int  // index in genHoles
	k     int  // the subscription item, for item holes
	inner bool // inside a string literal: no quotes
}

// fill writes the template with o's values.
func (t *template) fill(v *genVals) []byte {
	n := 0
	for _, l := range t.lits {
		n += len(l)
	}
	out := make([]byte, 0, n+len(t.holes)*24)
	for i, l := range t.lits {
		out = append(out, l...)
		if i == len(t.holes) {
			break
		}
		th := t.holes[i]
		h := genHoles[th.h]
		if h.num != nil {
			out = strconv.AppendInt(out, h.num(v, th.k), 10)
			continue
		}
		if !th.inner {
			out = append(out, '"')
		}
		out = appendJSONString(out, h.str(v, th.k))
		if !th.inner {
			out = append(out, '"')
		}
	}
	return out
}

// appendJSONString appends s's JSON string contents the way
// encoding/json writes them (HTML characters escaped).
func appendJSONString(out []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= utf8.RuneSelf {
			q := rawString(s)
			return append(out, q[1:len(q)-1]...)
		}
	}
	return append(out, s...)
}

// holeMark stands for hole i in the bytes a template is cut from; JSON
// output never holds a NUL byte.
func holeMark(i int) []byte { return []byte("\x00" + strconv.Itoa(i) + "\x01") }

// makeTemplate renders o's object of kind and cuts it at its holes,
// checking that filling the cuts with o's values gives the rendered bytes.
func makeTemplate(o *genObj, kind string, expand []string, depth int) (*template, error) {
	all := func(string) *apiError { return nil }
	v := o.objOf(kind)
	m, aerr := o.s.render(kind, v, expand, all)
	if aerr != nil {
		return nil, aerr
	}
	var want bytes.Buffer
	writeIndented(&want, &m, depth)
	var holes []tmplHole
	if err := markHoles(o, &m, m.objectTypeOf(kind), 0, "", &holes); err != nil {
		return nil, err
	}
	var cut bytes.Buffer
	writeIndented(&cut, &m, depth)
	t := &template{holes: holes}
	rest := cut.Bytes()
	for i := range holes {
		mark := holeMark(i)
		at := bytes.Index(rest, mark)
		if at < 0 {
			return nil, fmt.Errorf("hole %d lost", i)
		}
		t.lits = append(t.lits, rest[:at])
		rest = rest[at+len(mark):]
	}
	t.lits = append(t.lits, rest)
	if got := t.fill(&o.vals); !bytes.Equal(got, want.Bytes()) {
		return nil, fmt.Errorf("the %s template does not give back the rendered object", kind)
	}
	return t, nil
}

// objectTypes are the objects whose fields may hold holes; a field of any
// other object is a constant of the shape.
var objectTypes = map[string]bool{"customer": true, "subscription": true, "subscription_item": true, "invoice": true,
	"price": true, "plan": true, "product": true}

// markHoles replaces the holes in v (an object of type typ, item k, at
// path inside it) with hole marks, recording them in order of writing.
// A field that should be a hole but holds another value is an error:
// the object was not built the way the table says.
func markHoles(o *genObj, v *jval, typ string, k int, path string, holes *[]tmplHole) error {
	// Marks must be numbered in the order writeIndented writes them: keys
	// sorted, so walk the fields in that order.
	order := make([]int, 0, len(v.kids))
	for i := range v.kids {
		if !v.kids[i].del {
			order = append(order, i)
		}
	}
	if v.k == jObj {
		sort.SliceStable(order, func(a, b int) bool { return bytes.Compare(v.kids[order[a]].key, v.kids[order[b]].key) < 0 })
	}
	for _, i := range order {
		f := &v.kids[i]
		p := path
		if v.k == jObj {
			if p != "" {
				p += "."
			}
			p += string(f.key)
		}
		switch f.v.k {
		case jObj:
			if t := f.v.objectTypeOf(""); objectTypes[t] {
				ck := k
				if v.k == jArr {
					ck = i
				}
				if err := markHoles(o, &f.v, t, ck, "", holes); err != nil {
					return err
				}
				continue
			}
			if err := markHoles(o, &f.v, typ, k, p, holes); err != nil {
				return err
			}
		case jArr:
			if err := markHoles(o, &f.v, typ, k, p, holes); err != nil {
				return err
			}
		case jRaw:
			if v.k == jArr {
				continue // arrays of literals (locales, …) are constants
			}
			hi, ok := genHoleIndex[typ+":"+p]
			if !ok {
				continue
			}
			h := genHoles[hi]
			raw := f.v.raw
			mark := holeMark(len(*holes))
			if h.num != nil {
				n := h.num(&o.vals, k)
				switch {
				case string(raw) == strconv.FormatInt(n, 10):
				case n == 0 && bytes.Equal(raw, rawNull):
					continue
				default:
					return fmt.Errorf("%s.%s is %s, not %d", typ, p, raw, n)
				}
				*holes = append(*holes, tmplHole{h: hi, k: k})
				f.v.raw = mark
				continue
			}
			s := h.str(&o.vals, k)
			q := rawString(s)
			switch {
			case bytes.Equal(raw, q):
				*holes = append(*holes, tmplHole{h: hi, k: k})
				f.v.raw = mark
			case s == "" && bytes.Equal(raw, rawNull):
			case s != "" && bytes.Count(raw, q[1:len(q)-1]) == 1:
				inner := q[1 : len(q)-1]
				at := bytes.Index(raw, inner)
				nr := append(append(append([]byte{}, raw[:at]...), mark...), raw[at+len(inner):]...)
				*holes = append(*holes, tmplHole{h: hi, k: k, inner: true})
				f.v.raw = nr
			default:
				return fmt.Errorf("%s.%s is %s, not %s", typ, p, raw, q)
			}
		}
	}
	return nil
}

// render renders o's object of kind: from its shape's template when the
// key may read everything, else (or when no template could be made) with
// the renderer.
func (g *Generated) render(o *genObj, kind string, expand []string, need func(string) *apiError, depth int, fast bool) (jval, *apiError) {
	if fast {
		key := kind + "\x00" + strings.Join(expand, "\x00") + "\x00" + strconv.Itoa(depth) + "\x00" + o.shape
		g.mu.Lock()
		t, ok := g.templates[key]
		g.mu.Unlock()
		if !ok {
			// Cut from the object as stored, which o must be.
			full, err := g.stored(o)
			if err != nil {
				return jval{}, fakeError(err)
			}
			t, err = makeTemplate(full, kind, expand, depth)
			g.release(full)
			g.mu.Lock()
			if err != nil {
				g.failed++
				t = nil
			}
			if len(g.templates) < maxTemplates {
				g.templates[key] = t
			}
			g.mu.Unlock()
		}
		if t != nil {
			g.rendered.Add(1)
			return jval{raw: t.fill(&o.vals)}, nil
		}
	}
	g.slow.Add(1)
	full := o
	if o.s == nil {
		var err error
		if full, err = g.build(o.i, o.withSub); err != nil {
			return jval{}, fakeError(err)
		}
		defer g.release(full)
	}
	return full.s.render(kind, full.objOf(kind), expand, need)
}
