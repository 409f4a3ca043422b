package check

import (
	"context"
	"errors"

	"parityrail/billing"
	"parityrail/fulfillment"
	"parityrail/sources"
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
	if p.Tiers != nil {
		for _, t := range p.Tiers.Steps {
			pt.Tiers = append(pt.Tiers, fulfillment.Tier{UpTo: t.UpTo, UnitAmount: t.UnitAmount, FlatAmount: t.FlatAmount})
		}
	}
	return pt
}

// stakes is what a check knows of prices: every price seen on a
// subscription, and the account's usual currency (the most used one).
type stakes struct {
	catalog  map[string]fulfillment.PriceTerms
	uses     map[string]int
	currency string

	// tiers are the tiered prices' tiers read in this check, by price id
	// (nil: not readable), so each is read once however many customers use
	// it; noTiers is set once the key turned out unable to read prices.
	tiers   map[string]*billing.Tiers
	noTiers bool
}

// tierReader reads a tiered price's tiers; *billing.Client is one.
type tierReader interface {
	PriceTiers(ctx context.Context, priceID string) (*billing.Tiers, error)
}

// learnPrices learns what the prices seen on cbs charge, tiers included:
// each distinct tiered price is read once per check (one request, through
// the project's client and budget), and only when one is seen.
func (x *run) learnPrices(ctx context.Context, cbs []billing.CustomerBilling) error {
	if err := x.stakes.readTiers(ctx, x.src.Billing, cbs); err != nil {
		if errors.Is(err, errNoPriceRead) {
			x.r.log().Info("tiered prices show no monthly amount: the Stripe key can't read Prices", "project", x.p.project.ID)
		} else {
			return err
		}
	}
	x.stakes.learn(cbs)
	return nil
}

// errNoPriceRead: the key lacks Prices read (an optional permission), so
// tiered prices keep "varies" with no amount.
var errNoPriceRead = errors.New("no Prices read")

// readTiers reads the tiers of the tiered prices on cbs not yet read, and
// hangs them on the prices (the connector shares one Price per price id).
// A key without Prices read leaves tiers unread: money at stake is a
// weight, never a verdict, so the check goes on without it.
func (s *stakes) readTiers(ctx context.Context, b sources.Billing, cbs []billing.CustomerBilling) error {
	if s.tiers == nil {
		s.tiers = map[string]*billing.Tiers{}
	}
	tr, canRead := b.(tierReader)
	var perr error
	for i := range cbs {
		for _, sub := range cbs[i].Subscriptions {
			for _, it := range sub.Items {
				p := it.Price
				if p == nil || p.BillingScheme != "tiered" || p.Tiers != nil {
					continue
				}
				t, seen := s.tiers[it.PriceID]
				if !seen && canRead && !s.noTiers {
					var err error
					t, err = tr.PriceTiers(ctx, it.PriceID)
					var pe *billing.PermissionError
					switch {
					case errors.As(err, &pe):
						s.noTiers, perr = true, errNoPriceRead
						t = nil
					case errors.Is(err, billing.ErrPriceNotFound):
						t = nil
					case err != nil:
						return err
					}
					s.tiers[it.PriceID] = t
				}
				p.Tiers = t
			}
		}
	}
	return perr
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
