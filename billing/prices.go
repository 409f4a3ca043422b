package billing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"sort"

	stripe "github.com/stripe/stripe-go/v76"
)

// PriceUsage is one price found on the account's subscriptions, for "Load
// from Stripe" in plan mapping.
type PriceUsage struct {
	PriceID     string
	LookupKey   string
	Nickname    string
	ProductID   string
	ProductName string // empty if the product could not be read
	UnitAmount  int64  // in the currency's minor unit; 0 for tiered prices
	// BillingScheme is per_unit or tiered (the amount then depends on the
	// quantity).
	BillingScheme string
	Currency      string
	Interval      string // day, week, month, year; empty for one-time prices
	// Subscriptions counts subscriptions using the price, in any status;
	// ActiveSubscriptions those active, trialing or past_due.
	Subscriptions       int
	ActiveSubscriptions int
}

// PricesFound is what "Load from Stripe" found: the prices, and the
// optional reads the key lacks that would have added to them (Products:
// product names).
type PricesFound struct {
	Prices  []PriceUsage
	Missing []MissingPermission
}

// PricesInUse is FindPrices without the missing permissions.
func (c *Client) PricesInUse(ctx context.Context) ([]PriceUsage, error) {
	f, err := c.FindPrices(ctx)
	return f.Prices, err
}

// FindPrices lists the prices found on subscriptions (every status), most
// used first, with their product names. It reads subscriptions without
// expansions (the price is inline on each item, so only Subscriptions read
// is needed), then the products list (usually one request); a key that
// can't read Products gets the prices without names, and Missing says so.
func (c *Client) FindPrices(ctx context.Context) (PricesFound, error) {
	byID := map[string]*PriceUsage{}
	var order []string
	p := &stripe.SubscriptionListParams{ListParams: listParams(ctx), Status: stripe.String("all")}
	it := c.api.Subscriptions.List(p)
	for it.Next() {
		s := it.Subscription()
		if s.Items == nil {
			continue
		}
		seen := map[string]bool{}
		for _, item := range s.Items.Data {
			pr := item.Price
			if pr == nil || seen[pr.ID] {
				continue
			}
			seen[pr.ID] = true
			u, ok := byID[pr.ID]
			if !ok {
				u = &PriceUsage{PriceID: pr.ID, LookupKey: pr.LookupKey, Nickname: pr.Nickname,
					UnitAmount: pr.UnitAmount, BillingScheme: string(pr.BillingScheme), Currency: string(pr.Currency)}
				if pr.Product != nil {
					u.ProductID = pr.Product.ID
				}
				if pr.Recurring != nil {
					u.Interval = string(pr.Recurring.Interval)
				}
				byID[pr.ID] = u
				order = append(order, pr.ID)
			}
			u.Subscriptions++
			switch s.Status {
			case stripe.SubscriptionStatusActive, stripe.SubscriptionStatusTrialing, stripe.SubscriptionStatusPastDue:
				u.ActiveSubscriptions++
			}
		}
	}
	if err := it.Err(); err != nil {
		return PricesFound{}, c.wrapErr("subscriptions", err)
	}

	var found PricesFound
	if len(order) > 0 {
		names, err := c.productNames(ctx)
		var perr *PermissionError
		switch {
		case errors.As(err, &perr):
			// Without Products read the prices are still useful; only the
			// names stay empty.
			for _, m := range perr.Missing {
				m.Optional = true
				found.Missing = append(found.Missing, m)
			}
		case err != nil:
			return PricesFound{}, err
		}
		for _, u := range byID {
			u.ProductName = names[u.ProductID]
		}
	}
	found.Prices = make([]PriceUsage, 0, len(order))
	for _, id := range order {
		found.Prices = append(found.Prices, *byID[id])
	}
	sort.SliceStable(found.Prices, func(i, j int) bool {
		a, b := found.Prices[i], found.Prices[j]
		if a.ActiveSubscriptions != b.ActiveSubscriptions {
			return a.ActiveSubscriptions > b.ActiveSubscriptions
		}
		return a.Subscriptions > b.Subscriptions
	})
	return found, nil
}

// productNames lists products (active and archived) by id.
func (c *Client) productNames(ctx context.Context) (map[string]string, error) {
	names := map[string]string{}
	it := c.api.Products.List(&stripe.ProductListParams{ListParams: listParams(ctx)})
	for it.Next() {
		names[it.Product().ID] = it.Product().Name
	}
	if err := it.Err(); err != nil {
		return nil, c.wrapErr("products", err)
	}
	return names, nil
}

// Tiers are a tiered price's tiers. Steps is nil when an amount has a
// fraction of the currency's minor unit (unit_amount_decimal "0.5"): a
// monthly amount in whole minor units could not be named honestly.
type Tiers struct {
	Mode  string // graduated, volume
	Steps []Tier
}

// Tier is one tier; UpTo nil is the last ("inf").
type Tier struct {
	UpTo       *int64
	UnitAmount int64
	FlatAmount int64
}

// wireTiers is the part of GET /v1/prices/{id}?expand[]=tiers read here;
// every tier field is nullable.
type wireTiers struct {
	BillingScheme string `json:"billing_scheme"`
	TiersMode     string `json:"tiers_mode"`
	Tiers         []struct {
		UpTo              *int64  `json:"up_to"`
		UnitAmount        *int64  `json:"unit_amount"`
		UnitAmountDecimal *string `json:"unit_amount_decimal"`
		FlatAmount        *int64  `json:"flat_amount"`
		FlatAmountDecimal *string `json:"flat_amount_decimal"`
	} `json:"tiers"`
}

// ErrPriceNotFound is a price id Stripe doesn't know.
var ErrPriceNotFound = errors.New("no such price in this Stripe account")

// PriceTiers reads one price's tiers, one request through the client's
// budget. Tiers are "includable": Stripe sends them only when asked with
// expand[]=tiers, and on a subscription list they would sit five levels
// deep (data.items.data.price.tiers), past Stripe's limit of four, so each
// distinct tiered price is read on its own. Needs Prices read; a key
// without it gets a *PermissionError.
func (c *Client) PriceTiers(ctx context.Context, priceID string) (*Tiers, error) {
	var w wireTiers
	q := url.Values{"expand[]": {"tiers"}}
	err := c.get(ctx, "/v1/prices/"+url.PathEscape(priceID), q, func(b []byte) error { return json.Unmarshal(b, &w) })
	if err != nil {
		var se *stripe.Error
		if errors.As(err, &se) && se.HTTPStatusCode == http.StatusNotFound {
			return nil, fmt.Errorf("read price %s: %w", priceID, ErrPriceNotFound)
		}
		return nil, c.wrapErr("price "+priceID, err)
	}
	out := &Tiers{Mode: w.TiersMode}
	if w.BillingScheme != "tiered" {
		return out, nil
	}
	steps := make([]Tier, 0, len(w.Tiers))
	for _, t := range w.Tiers {
		unit, ok1 := minorAmount(t.UnitAmount, t.UnitAmountDecimal)
		flat, ok2 := minorAmount(t.FlatAmount, t.FlatAmountDecimal)
		if !ok1 || !ok2 {
			return out, nil
		}
		steps = append(steps, Tier{UpTo: t.UpTo, UnitAmount: unit, FlatAmount: flat})
	}
	out.Steps = steps
	return out, nil
}

// minorAmount is a tier amount in whole minor units: the integer field, or
// the decimal string when only that is set; null is 0. ok is false for a
// fraction of a minor unit.
func minorAmount(n *int64, dec *string) (int64, bool) {
	if n != nil {
		return *n, true
	}
	if dec == nil || *dec == "" {
		return 0, true
	}
	r, ok := new(big.Rat).SetString(*dec)
	if !ok || !r.IsInt() || !r.Num().IsInt64() {
		return 0, false
	}
	return r.Num().Int64(), true
}
