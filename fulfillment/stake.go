package fulfillment

import "strings"

// Stake bases: how an incident's monthly amount was found.
const (
	StakePrice  = "price"  // unit amount × quantity, normalised to a month
	StakeUsage  = "usage"  // metered: no amount can be named
	StakeVaries = "varies" // tiered: the current tier's amount
)

// AtStake is what a gap is worth per month, in the price's currency's minor
// unit (cents for usd, yen for jpy). MonthlyMinor is nil when the basis is
// usage, or when no price can be named.
type AtStake struct {
	MonthlyMinor *int64 `json:"monthly_minor"`
	Currency     string `json:"currency"`
	Basis        string `json:"basis"`
}

// PriceTerms are the parts of a Stripe price that say what it costs.
type PriceTerms struct {
	Currency      string `json:"currency"`
	UnitAmount    *int64 `json:"unit_amount,omitempty"` // nil for tiered prices
	Interval      string `json:"interval"`              // day, week, month, year
	IntervalCount int64  `json:"interval_count"`        // 0 reads as 1
	UsageType     string `json:"usage_type,omitempty"`  // licensed (default) or metered
	// BillingScheme is per_unit (default) or tiered; TiersMode graduated or volume.
	BillingScheme string `json:"billing_scheme,omitempty"`
	TiersMode     string `json:"tiers_mode,omitempty"`
	Tiers         []Tier `json:"tiers,omitempty"`
	// TransformQuantity divides the quantity before it is billed.
	TransformQuantity *TransformQuantity `json:"transform_quantity,omitempty"`
}

// Tier is one tier of a tiered price; UpTo nil is the last ("inf").
type Tier struct {
	UpTo       *int64 `json:"up_to"`
	UnitAmount int64  `json:"unit_amount"`
	FlatAmount int64  `json:"flat_amount"`
}

// TransformQuantity is Stripe's transform_quantity: divide_by, round up or down.
type TransformQuantity struct {
	DivideBy int64  `json:"divide_by"`
	Round    string `json:"round"` // up, down
}

// Monthly normalises what a price charges for quantity units to a month:
// a year ÷ 12, a week × 52/12, a day × 365/12, each × 1/interval_count;
// transform_quantity is applied first; a tiered price charges the current
// tier's amount (graduated: every tier up to the quantity; volume: the
// quantity's tier for all units) and reads "varies"; a metered price reads
// "usage" with no amount. Amounts round to the nearest minor unit.
func Monthly(pt PriceTerms, quantity int64) AtStake {
	out := AtStake{Currency: strings.ToLower(pt.Currency), Basis: StakePrice}
	if quantity <= 0 {
		quantity = 1
	}
	if pt.UsageType == "metered" {
		out.Basis = StakeUsage
		return out
	}
	q := quantity
	if t := pt.TransformQuantity; t != nil && t.DivideBy > 0 {
		q = quantity / t.DivideBy
		if quantity%t.DivideBy != 0 && t.Round == "up" {
			q++
		}
	}
	var per int64 // one interval's charge
	switch {
	case pt.BillingScheme == "tiered":
		out.Basis = StakeVaries
		var ok bool
		if per, ok = tieredAmount(pt, q); !ok {
			return out
		}
	case pt.UnitAmount != nil:
		per = *pt.UnitAmount * q
	default:
		return out
	}
	// Per month = per × num / den.
	n := pt.IntervalCount
	if n <= 0 {
		n = 1
	}
	var num, den int64
	switch pt.Interval {
	case "month":
		num, den = 1, n
	case "year":
		num, den = 1, 12*n
	case "week":
		num, den = 52, 12*n
	case "day":
		num, den = 365, 12*n
	default:
		return out // one-time: nothing per month
	}
	v := (per*num*2 + den) / (2 * den) // rounded half up
	out.MonthlyMinor = &v
	return out
}

// tieredAmount is what a tiered price charges for q units in one interval.
func tieredAmount(pt PriceTerms, q int64) (int64, bool) {
	if len(pt.Tiers) == 0 {
		return 0, false
	}
	if pt.TiersMode == "volume" {
		for _, t := range pt.Tiers {
			if t.UpTo == nil || q <= *t.UpTo {
				return t.UnitAmount*q + t.FlatAmount, true
			}
		}
		return 0, false
	}
	// Graduated: each tier bills the units that fall in it.
	var total, below int64
	for _, t := range pt.Tiers {
		if q <= below {
			break
		}
		top := q
		if t.UpTo != nil && *t.UpTo < q {
			top = *t.UpTo
		}
		total += t.UnitAmount*(top-below) + t.FlatAmount
		below = top
		if t.UpTo == nil {
			break
		}
	}
	return total, true
}

// sumStakes adds monthly amounts of one currency: usage wins (no amount can
// be named), then varies.
func sumStakes(ss []AtStake) *AtStake {
	if len(ss) == 0 {
		return nil
	}
	out := AtStake{Currency: ss[0].Currency, Basis: StakePrice}
	var total int64
	known := true
	for _, s := range ss {
		if s.Currency != out.Currency {
			continue // a subscription bills in one currency; defensive
		}
		switch {
		case s.Basis == StakeUsage:
			out.Basis = StakeUsage
		case s.Basis == StakeVaries && out.Basis == StakePrice:
			out.Basis = StakeVaries
		}
		if s.MonthlyMinor == nil {
			known = false
		} else {
			total += *s.MonthlyMinor
		}
	}
	if known && out.Basis != StakeUsage {
		out.MonthlyMinor = &total
	}
	return &out
}

// subscriptionStake is what a subscription's items are worth per month;
// nil when no item's price terms are known.
func subscriptionStake(s Subscription) *AtStake {
	var ss []AtStake
	for _, it := range s.Items {
		if it.Price == nil {
			return nil
		}
		ss = append(ss, Monthly(*it.Price, it.Quantity))
	}
	return sumStakes(ss)
}

// PlanStake is the monthly amount of the plan an app grants without
// payment: the lowest monthly amount among the mapped prices of that plan
// (catalog: price id → terms), in currency when any is; nil when no mapped
// price is known.
func PlanStake(plan string, m PlanMapping, catalog map[string]PriceTerms, currency string) *AtStake {
	var best *AtStake
	for _, r := range m.Rows {
		if r.AppValue != plan {
			continue
		}
		pt, ok := catalog[r.PriceID]
		if !ok {
			continue
		}
		s := Monthly(pt, 1)
		if better(s, best, strings.ToLower(currency)) {
			best = &s
		}
	}
	return best
}

// better: in the default currency beats others; then a named amount beats
// none; then the lower amount.
func better(s AtStake, best *AtStake, currency string) bool {
	if best == nil {
		return true
	}
	if (s.Currency == currency) != (best.Currency == currency) {
		return s.Currency == currency
	}
	if (s.MonthlyMinor == nil) != (best.MonthlyMinor == nil) {
		return s.MonthlyMinor != nil
	}
	return s.MonthlyMinor != nil && *s.MonthlyMinor < *best.MonthlyMinor
}

// SetStakes fills AtStake on findings: for paid_without_access and
// wrong_plan, the customer's granting subscription (the newest); for
// access_without_payment, the mapped price of the plan the app grants
// (PlanStake over catalog, preferring currency); nil when no price can be
// named. Other kinds carry none.
func SetStakes(fs []Finding, m PlanMapping, catalog map[string]PriceTerms, currency string) {
	for i := range fs {
		f := &fs[i]
		switch f.Kind {
		case PaidWithoutAccess, WrongPlan:
			for _, v := range f.Promise.Subscriptions {
				if v.Grants && v.Stake != nil {
					st := *v.Stake
					f.AtStake = &st
					break
				}
			}
		case AccessWithoutPayment:
			if f.Subject != nil && planPaid(f.Subject.Fields.Plan, m) {
				f.AtStake = PlanStake(*f.Subject.Fields.Plan.Text, m, catalog, currency)
			}
		}
	}
}
