package check

import (
	"parityrail/billing"
	"parityrail/fulfillment"
)

// priceTerms converts what the connector read of a price.
func priceTerms(p *billing.Price) *fulfillment.PriceTerms {
	if p == nil {
		return nil
	}
	pt := &fulfillment.PriceTerms{Currency: p.Currency, UnitAmount: p.UnitAmount, Interval: p.Interval,
		IntervalCount: p.IntervalCount, UsageType: p.UsageType, BillingScheme: p.BillingScheme, TiersMode: p.TiersMode}
	if p.TransformDivideBy > 0 {
		pt.TransformQuantity = &fulfillment.TransformQuantity{DivideBy: p.TransformDivideBy, Round: p.TransformRound}
	}
	return pt
}

// stakes is what a check knows of prices: every price seen on a
// subscription, and the account's usual currency (the most used one).
type stakes struct {
	catalog  map[string]fulfillment.PriceTerms
	uses     map[string]int
	currency string
}

func (s *stakes) learn(cbs []billing.CustomerBilling) {
	if s.catalog == nil {
		s.catalog, s.uses = map[string]fulfillment.PriceTerms{}, map[string]int{}
	}
	for i := range cbs {
		for _, sub := range cbs[i].Subscriptions {
			for _, it := range sub.Items {
				if it.Price == nil {
					continue
				}
				if _, ok := s.catalog[it.PriceID]; !ok {
					s.catalog[it.PriceID] = *priceTerms(it.Price)
				}
				s.uses[it.Price.Currency]++
			}
		}
	}
	best := -1
	for c, n := range s.uses {
		if n > best || (n == best && c < s.currency) {
			s.currency, best = c, n
		}
	}
}
