package check

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"time"

	"parityrail/billing"
	"parityrail/fulfillment"
)

// A full check spills what it reads to a scratch database (scratch.go) as
// compact binary records: varints, length-prefixed strings, presence bytes.
// Every field round-trips exactly, Go types included (a subject's raw
// value is shown by its type), which codec_test.go checks field by field
// with reflection so a field added later cannot be silently dropped.

var errCodec = errors.New("check: scratch record is corrupt")

type enc struct{ b []byte }

func (e *enc) uint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *enc) int(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *enc) str(s string)  { e.uint(uint64(len(s))); e.b = append(e.b, s...) }

func (e *enc) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

// time: 0 zero; 1 whole UTC seconds (what Stripe sends); 2 anything else,
// in time's own binary form (offset and nanoseconds kept).
func (e *enc) time(t time.Time) {
	switch {
	case t.IsZero():
		e.b = append(e.b, 0)
	case t.Location() == time.UTC && t.Nanosecond() == 0:
		e.b = append(e.b, 1)
		e.int(t.Unix())
	default:
		b, _ := t.MarshalBinary() // fails only for offsets no zone has
		e.b = append(e.b, 2)
		e.str(string(b))
	}
}

// strs keeps nil apart from empty.
func (e *enc) strs(v []string) {
	if v == nil {
		e.uint(0)
		return
	}
	e.uint(uint64(len(v)) + 1)
	for _, s := range v {
		e.str(s)
	}
}

type dec struct {
	b   []byte
	err error
	// words interns the few distinct values of low-cardinality fields
	// (statuses, price and product ids, currencies), so records decoded
	// a million times share them.
	words map[string]string
}

func (d *dec) fail() {
	if d.err == nil {
		d.err = errCodec
	}
	d.b = nil
}

func (d *dec) uint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) int() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) raw() []byte {
	n := d.uint()
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}

func (d *dec) str() string { return string(d.raw()) }

// word is str, interned.
func (d *dec) word() string {
	b := d.raw()
	if len(b) == 0 {
		return ""
	}
	if s, ok := d.words[string(b)]; ok {
		return s
	}
	s := string(b)
	if d.words == nil {
		d.words = map[string]string{}
	}
	if len(d.words) < 4096 {
		d.words[s] = s
	}
	return s
}

func (d *dec) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *dec) bool() bool { return d.byte() == 1 }

func (d *dec) time() time.Time {
	switch d.byte() {
	case 0:
		return time.Time{}
	case 1:
		return time.Unix(d.int(), 0).UTC()
	case 2:
		var t time.Time
		if t.UnmarshalBinary(d.raw()) != nil {
			d.fail()
		}
		return t
	}
	d.fail()
	return time.Time{}
}

func (d *dec) strs() []string {
	n := d.uint()
	if n == 0 {
		return nil
	}
	if n-1 > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	out := make([]string, n-1)
	for i := range out {
		out[i] = d.str()
	}
	return out
}

func (e *enc) customer(c billing.Customer) {
	e.str(c.ID)
	e.str(c.Email)
	e.str(c.Name)
	if c.Metadata == nil {
		e.uint(0)
	} else {
		e.uint(uint64(len(c.Metadata)) + 1)
		for k, v := range c.Metadata {
			e.str(k)
			e.str(v)
		}
	}
	e.time(c.Created)
	e.bool(c.Livemode)
	e.bool(c.Deleted)
}

func (d *dec) customer() billing.Customer {
	c := billing.Customer{ID: d.str(), Email: d.str(), Name: d.str()}
	if n := d.uint(); n > 0 {
		c.Metadata = make(map[string]string, min(n-1, 64))
		for range n - 1 {
			k := d.word()
			c.Metadata[k] = d.str()
		}
	}
	c.Created = d.time()
	c.Livemode = d.bool()
	c.Deleted = d.bool()
	return c
}

func (e *enc) subscription(s billing.Subscription) {
	e.str(s.ID)
	e.str(s.CustomerID)
	e.str(s.Status)
	e.time(s.Created)
	e.time(s.CurrentPeriodEnd)
	e.time(s.TrialEnd)
	e.bool(s.CancelAtPeriodEnd)
	e.bool(s.PauseCollection)
	e.bool(s.Livemode)
	if s.Items == nil {
		e.uint(0)
	} else {
		e.uint(uint64(len(s.Items)) + 1)
	}
	for _, it := range s.Items {
		e.str(it.PriceID)
		e.str(it.LookupKey)
		e.str(it.ProductID)
		e.int(it.Quantity)
		e.price(it.Price)
	}
	inv := s.LatestInvoice
	e.bool(inv != nil)
	if inv == nil {
		return
	}
	e.str(inv.ID)
	e.str(inv.Status)
	e.time(inv.Created)
	ch := inv.Charge
	e.bool(ch != nil)
	if ch == nil {
		return
	}
	e.str(ch.ID)
	e.int(ch.Amount)
	e.int(ch.AmountRefunded)
	e.bool(ch.Refunded)
	e.str(ch.Currency)
	e.str(ch.RefundID)
	e.bool(ch.Disputed)
	e.bool(ch.Dispute != nil)
	if dp := ch.Dispute; dp != nil {
		e.str(dp.ID)
		e.int(dp.Amount)
		e.str(dp.Status)
	}
}

func (e *enc) price(p *billing.Price) {
	e.bool(p != nil)
	if p == nil {
		return
	}
	e.str(p.Currency)
	e.bool(p.UnitAmount != nil)
	if p.UnitAmount != nil {
		e.int(*p.UnitAmount)
	}
	e.str(p.BillingScheme)
	e.str(p.TiersMode)
	e.str(p.Interval)
	e.int(p.IntervalCount)
	e.str(p.UsageType)
	e.int(p.TransformDivideBy)
	e.str(p.TransformRound)
	// A tiered price's tiers (read once per check): money at stake needs them.
	e.bool(p.Tiers != nil)
	if p.Tiers != nil {
		e.str(p.Tiers.Mode)
		e.uint(uint64(len(p.Tiers.Steps)))
		for _, t := range p.Tiers.Steps {
			e.bool(t.UpTo != nil)
			if t.UpTo != nil {
				e.int(*t.UpTo)
			}
			e.int(t.UnitAmount)
			e.int(t.FlatAmount)
		}
	}
}

func (d *dec) subscription() billing.Subscription {
	s := billing.Subscription{ID: d.str(), CustomerID: d.str(), Status: d.word(), Created: d.time(),
		CurrentPeriodEnd: d.time(), TrialEnd: d.time(), CancelAtPeriodEnd: d.bool(), PauseCollection: d.bool(), Livemode: d.bool()}
	if n := d.uint(); n > 0 {
		s.Items = make([]billing.Item, 0, min(n-1, 16))
		for range n - 1 {
			if d.err != nil {
				break
			}
			s.Items = append(s.Items, billing.Item{PriceID: d.word(), LookupKey: d.word(), ProductID: d.word(), Quantity: d.int(), Price: d.price()})
		}
	}
	if !d.bool() {
		return s
	}
	inv := &billing.Invoice{ID: d.str(), Status: d.word(), Created: d.time()}
	s.LatestInvoice = inv
	if !d.bool() {
		return s
	}
	ch := &billing.Charge{ID: d.str(), Amount: d.int(), AmountRefunded: d.int(), Refunded: d.bool(), Currency: d.word(),
		RefundID: d.str(), Disputed: d.bool()}
	inv.Charge = ch
	if d.bool() {
		ch.Dispute = &billing.Dispute{ID: d.str(), Amount: d.int(), Status: d.word()}
	}
	return s
}

func (d *dec) price() *billing.Price {
	if !d.bool() {
		return nil
	}
	p := &billing.Price{Currency: d.word()}
	if d.bool() {
		v := d.int()
		p.UnitAmount = &v
	}
	p.BillingScheme, p.TiersMode, p.Interval = d.word(), d.word(), d.word()
	p.IntervalCount = d.int()
	p.UsageType = d.word()
	p.TransformDivideBy = d.int()
	p.TransformRound = d.word()
	if d.bool() {
		p.Tiers = &billing.Tiers{Mode: d.word()}
		n := d.uint()
		p.Tiers.Steps = make([]billing.Tier, 0, min(n, 64))
		for range n {
			if d.err != nil {
				break
			}
			var t billing.Tier
			if d.bool() {
				v := d.int()
				t.UpTo = &v
			}
			t.UnitAmount, t.FlatAmount = d.int(), d.int()
			p.Tiers.Steps = append(p.Tiers.Steps, t)
		}
	}
	return p
}

// subject encodes an app subject; false when a raw value is of a type the
// codec does not know (the caller then keeps that subject in memory).
func (e *enc) subject(s fulfillment.Subject) bool {
	e.str(string(s.Kind))
	e.str(s.ID)
	e.str(s.Table)
	e.str(s.Email)
	e.str(s.Name)
	e.str(s.CustomerID)
	for _, f := range []*fulfillment.FieldValue{s.Fields.Plan, s.Fields.Premium, s.Fields.TrialEnd, s.Fields.Entitlements} {
		if !e.field(f) {
			return false
		}
	}
	return true
}

func (e *enc) field(f *fulfillment.FieldValue) bool {
	e.bool(f != nil)
	if f == nil {
		return true
	}
	e.str(f.Path)
	if !e.value(f.Raw) {
		return false
	}
	e.str(f.ParseError)
	e.bool(f.Text != nil)
	if f.Text != nil {
		e.str(*f.Text)
	}
	e.bool(f.Flag != nil)
	if f.Flag != nil {
		e.bool(*f.Flag)
	}
	e.bool(f.Time != nil)
	if f.Time != nil {
		e.time(*f.Time)
	}
	e.strs(f.Set)
	return true
}

// Raw value tags.
const (
	rawNil = iota
	rawString
	rawBool
	rawInt64
	rawFloat64
	rawNumber
	rawTime
	rawStrings
	rawBytes
	rawMap
	rawSlice
	rawInt
)

// value encodes the raw values connectors produce: nil, text, bool,
// numbers, times, string lists, bytes and decoded JSON.
func (e *enc) value(v any) bool {
	switch t := v.(type) {
	case nil:
		e.b = append(e.b, rawNil)
	case string:
		e.b = append(e.b, rawString)
		e.str(t)
	case bool:
		e.b = append(e.b, rawBool)
		e.bool(t)
	case int64:
		e.b = append(e.b, rawInt64)
		e.int(t)
	case int:
		e.b = append(e.b, rawInt)
		e.int(int64(t))
	case float64:
		e.b = append(e.b, rawFloat64)
		e.uint(math.Float64bits(t))
	case json.Number:
		e.b = append(e.b, rawNumber)
		e.str(string(t))
	case time.Time:
		e.b = append(e.b, rawTime)
		e.time(t)
	case []string:
		e.b = append(e.b, rawStrings)
		e.strs(t)
	case []byte:
		e.b = append(e.b, rawBytes)
		e.bool(t == nil)
		e.str(string(t))
	case map[string]any:
		e.b = append(e.b, rawMap)
		e.bool(t == nil)
		e.uint(uint64(len(t)))
		for k, x := range t {
			e.str(k)
			if !e.value(x) {
				return false
			}
		}
	case []any:
		e.b = append(e.b, rawSlice)
		e.bool(t == nil)
		e.uint(uint64(len(t)))
		for _, x := range t {
			if !e.value(x) {
				return false
			}
		}
	default:
		return false
	}
	return true
}

func (d *dec) subject() fulfillment.Subject {
	s := fulfillment.Subject{Kind: fulfillment.SubjectKind(d.word()), ID: d.str(), Table: d.word(), Email: d.str(), Name: d.str(),
		CustomerID: d.str()}
	s.Fields.Plan = d.field()
	s.Fields.Premium = d.field()
	s.Fields.TrialEnd = d.field()
	s.Fields.Entitlements = d.field()
	return s
}

func (d *dec) field() *fulfillment.FieldValue {
	if !d.bool() {
		return nil
	}
	f := &fulfillment.FieldValue{Path: d.word(), Raw: d.value(0), ParseError: d.str()}
	if d.bool() {
		t := d.str()
		f.Text = &t
	}
	if d.bool() {
		b := d.bool()
		f.Flag = &b
	}
	if d.bool() {
		t := d.time()
		f.Time = &t
	}
	f.Set = d.strs()
	return f
}

func (d *dec) value(depth int) any {
	if depth > 64 {
		d.fail()
		return nil
	}
	switch d.byte() {
	case rawNil:
		return nil
	case rawString:
		return d.str()
	case rawBool:
		return d.bool()
	case rawInt64:
		return d.int()
	case rawInt:
		return int(d.int())
	case rawFloat64:
		return math.Float64frombits(d.uint())
	case rawNumber:
		return json.Number(d.str())
	case rawTime:
		return d.time()
	case rawStrings:
		return d.strs()
	case rawBytes:
		isNil := d.bool()
		b := d.raw()
		if isNil {
			return []byte(nil)
		}
		return append([]byte{}, b...)
	case rawMap:
		isNil := d.bool()
		n := d.uint()
		if isNil {
			return map[string]any(nil)
		}
		m := make(map[string]any, min(n, 64))
		for range n {
			if d.err != nil {
				break
			}
			k := d.str()
			m[k] = d.value(depth + 1)
		}
		return m
	case rawSlice:
		isNil := d.bool()
		n := d.uint()
		if isNil {
			return []any(nil)
		}
		out := make([]any, 0, min(n, 64))
		for range n {
			if d.err != nil {
				break
			}
			out = append(out, d.value(depth+1))
		}
		return out
	}
	d.fail()
	return nil
}
