package stripefake

import (
	"bytes"
	"slices"
)

// Tiered prices. Stripe leaves a price's (and a plan's) tiers out of every
// response unless asked for with expand[]=tiers, and sends unit_amount
// (amount on a plan) as null for a tiered price. A subscription list can't
// ask for them: data.items.data.price.tiers is five levels, past the limit
// of four, so a reader retrieves each tiered price with
// GET /v1/prices/{id}?expand[]=tiers.

// TierSpec is one tier of a tiered price. UpTo 0 is the last tier ("inf");
// a zero FlatAmount is unset (null), and so is a zero UnitAmount when the
// tier has a flat amount.
type TierSpec struct {
	UpTo       int64
	UnitAmount int64
	FlatAmount int64
}

// priceIncludable are price and plan fields Stripe sends only when
// expanded.
var priceIncludable = map[string][]string{
	"price": {"tiers", "currency_options"},
	"plan":  {"tiers"},
}

// tierAmountFields are, per object type, the amount fields that are null
// on a tiered price.
var tierAmountFields = map[string][]string{
	"price": {"unit_amount", "unit_amount_decimal"},
	"plan":  {"amount", "amount_decimal"},
}

var rawTiered = []byte(`"tiered"`)

// renderPriceFields applies Stripe's rules for tiers to a rendered price or
// plan: includable fields dropped unless expanded, null amounts on a tiered
// price, and each tier's unset values as null. Caller holds s.mu.
func renderPriceFields(m *jval, typ string, expand []string) {
	incl, ok := priceIncludable[typ]
	if !ok {
		return
	}
	for _, k := range incl {
		if f := m.field(k); f != nil && !slices.Contains(expand, k) {
			f.del = true
		}
	}
	if bs := m.field("billing_scheme"); bs == nil || !bytes.Equal(bs.v.raw, rawTiered) {
		return
	}
	for _, k := range tierAmountFields[typ] {
		if f := m.field(k); f != nil {
			f.v = jval{raw: rawNull}
		}
	}
	tiers := m.field("tiers")
	if tiers == nil || tiers.v.k != jArr {
		return
	}
	for i := range tiers.v.kids {
		t := &tiers.v.kids[i].v
		if t.k != jObj {
			continue
		}
		null := func(keys ...string) {
			for _, k := range keys {
				if f := t.field(k); f != nil {
					f.v = jval{raw: rawNull}
				}
			}
		}
		isZero := func(k string) bool {
			f := t.field(k)
			return f != nil && bytes.Equal(f.v.raw, rawZero)
		}
		if isZero("up_to") {
			null("up_to")
		}
		flatSet := !isZero("flat_amount")
		if !flatSet {
			null("flat_amount", "flat_amount_decimal")
		}
		if flatSet && isZero("unit_amount") {
			null("unit_amount", "unit_amount_decimal")
		}
	}
}
