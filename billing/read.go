package billing

import (
	"context"
	"errors"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
)

// pageSize is Stripe's maximum list page: the fewest requests possible.
const pageSize = 100

// Customer is a Stripe customer as the promise needs it.
type Customer struct {
	ID       string
	Email    string
	Name     string
	Metadata map[string]string
	Created  time.Time
	Livemode bool
	// Deleted is true for a deleted customer, which Stripe keeps only as a
	// tombstone: such a customer is owed nothing.
	Deleted bool
}

// Subscription is a Stripe subscription as the promise needs it. Zero
// times mean "not set".
type Subscription struct {
	ID                string
	CustomerID        string
	Status            string // Stripe's status: active, trialing, past_due, …
	Created           time.Time
	CurrentPeriodEnd  time.Time
	TrialEnd          time.Time
	CancelAtPeriodEnd bool
	PauseCollection   bool
	Livemode          bool
	Items             []Item
	LatestInvoice     *Invoice // nil when the subscription has none
}

// Item is one subscription item's price.
type Item struct {
	PriceID   string
	LookupKey string
	ProductID string
	Quantity  int64
	Price     *Price // what the price charges; nil when not read
}

// Price is what a subscription item's price charges, as Stripe lists it
// (tiers are not listed with subscriptions: Stripe's four-level expansion
// limit keeps data.items.data.price.tiers out of reach, so they are read
// per price).
type Price struct {
	Currency          string
	UnitAmount        *int64 // nil for tiered prices
	BillingScheme     string // per_unit, tiered
	TiersMode         string // graduated, volume
	Interval          string // day, week, month, year; empty for one-time
	IntervalCount     int64
	UsageType         string // licensed, metered
	TransformDivideBy int64
	TransformRound    string // up, down
	// Tiers of a tiered price, nil until read by PriceTiers (a check reads
	// them once per distinct tiered price). A pointer keeps Price
	// comparable for priceIntern.
	Tiers *Tiers
}

// Invoice is a subscription's latest invoice: its creation starts the
// past_due grace period.
type Invoice struct {
	ID      string
	Status  string // draft, open, paid, uncollectible, void
	Created time.Time
	Charge  *Charge // read only while Client.ReadCharges is on
}

// Charge is an invoice's charge with its refunds and dispute.
type Charge struct {
	ID             string
	Amount         int64
	AmountRefunded int64
	Refunded       bool // fully refunded
	Currency       string
	RefundID       string // the newest refund
	Disputed       bool   // Stripe's flag; Dispute is then read (Disputes read)
	Dispute        *Dispute
}

// Dispute is a charge's dispute.
type Dispute struct {
	ID     string
	Amount int64
	Status string
}

// CustomerBilling is one customer with all their subscriptions, newest
// first.
type CustomerBilling struct {
	Customer      Customer
	Subscriptions []Subscription
}

// ListCustomers streams every customer, 100 per request, newest first,
// read as concurrent cursors over created ranges (fn is called one at a
// time). Stripe's list leaves deleted customers out; ReadAll finds those
// through their subscriptions. Returning an error from fn stops the read.
func (c *Client) ListCustomers(ctx context.Context, fn func(Customer) error) error {
	return c.listCustomersLean(ctx, func(page []wireCustomer) error {
		for i := range page {
			if err := fn(page[i].customer()); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListSubscriptions streams every subscription in every status, 100 per
// request, newest first, each with its items (price and product id inline)
// and its latest invoice expanded, read like ListCustomers. Returning an
// error from fn stops the read.
func (c *Client) ListSubscriptions(ctx context.Context, fn func(Subscription) error) error {
	return c.listSubscriptionsLean(ctx, "", func(page []wireSubscription) error {
		for i := range page {
			if err := fn(page[i].subscription()); err != nil {
				return err
			}
		}
		return nil
	})
}

// ReadAll reads the whole account for a full check with the minimum number
// of requests — ceil(customers/100) + ceil(subscriptions/100), never one
// per customer — and groups subscriptions by customer, in memory (a full
// check streams instead: StreamAll). Customers come in Stripe's order
// (newest first), followed by customers known only from a subscription:
// deleted customers (Deleted set) or ones created while the read ran, each
// read once by id (LookupCustomer).
func (c *Client) ReadAll(ctx context.Context) ([]CustomerBilling, error) {
	var out []CustomerBilling
	var subs [][]Subscription
	prices := priceIntern{}
	err := c.streamAll(ctx, Stream{
		Customers: func(page []Customer) error {
			for i := range page {
				out = append(out, CustomerBilling{Customer: page[i]})
			}
			return nil
		},
		Subscriptions: func(page []Subscription) error {
			for i := range page {
				prices.share(page[i].Items)
			}
			subs = append(subs, page)
			return nil
		},
	})
	if err != nil {
		return nil, err
	}
	index := make(map[string]int, len(out))
	for i := range out {
		index[out[i].Customer.ID] = i
	}
	for p, page := range subs {
		for j := range page {
			s := &page[j]
			if s.CustomerID == "" {
				continue
			}
			i, ok := index[s.CustomerID]
			if !ok {
				cu, err := c.LookupCustomer(ctx, s.CustomerID)
				if err != nil {
					return nil, err
				}
				i = len(out)
				index[cu.ID] = i
				index[s.CustomerID] = i
				out = append(out, CustomerBilling{Customer: cu})
			}
			out[i].Subscriptions = append(out[i].Subscriptions, *s)
		}
		subs[p] = nil
	}
	return out, nil
}

// ErrCustomerNotFound is a customer id Stripe doesn't know (never existed,
// or belongs to another account or mode).
var ErrCustomerNotFound = errors.New("no such customer in this Stripe account")

// ReadCustomer reads one customer freshly for a re-check: the customer (a
// deleted one comes back with Deleted set) and all their subscriptions.
func (c *Client) ReadCustomer(ctx context.Context, customerID string) (CustomerBilling, error) {
	cu, err := c.customerLean(ctx, customerID)
	if err != nil {
		return CustomerBilling{}, err
	}
	cb := CustomerBilling{Customer: cu}
	err = c.listSubscriptionsLean(ctx, customerID, func(page []wireSubscription) error {
		for i := range page {
			cb.Subscriptions = append(cb.Subscriptions, page[i].subscription())
		}
		return nil
	})
	if err != nil {
		return CustomerBilling{}, err
	}
	if err := c.readDisputes(ctx, cb.Subscriptions); err != nil {
		return CustomerBilling{}, err
	}
	return cb, nil
}

// ActiveEntitlements returns the lookup keys of a customer's active
// entitlements (Stripe serves this list per customer only).
func (c *Client) ActiveEntitlements(ctx context.Context, customerID string) ([]string, error) {
	it := c.api.EntitlementsActiveEntitlements.List(&stripe.EntitlementsActiveEntitlementListParams{
		ListParams: listParams(ctx), Customer: stripe.String(customerID)})
	keys := []string{}
	for it.Next() {
		keys = append(keys, it.EntitlementsActiveEntitlement().LookupKey)
	}
	if err := it.Err(); err != nil {
		return nil, c.wrapErr("active entitlements of "+customerID, err)
	}
	return keys, nil
}

func listParams(ctx context.Context) stripe.ListParams {
	return stripe.ListParams{Context: ctx, Limit: stripe.Int64(pageSize)}
}

func unix(t int64) time.Time {
	if t == 0 {
		return time.Time{}
	}
	return time.Unix(t, 0).UTC()
}

// priceIntern shares one Price per price id across a full read: a million
// subscriptions of a few prices hold a few Price values, not a million.
type priceIntern map[string]*Price

func (pi priceIntern) share(items []Item) {
	for i := range items {
		it := &items[i]
		if it.Price == nil {
			continue
		}
		if p, ok := pi[it.PriceID]; ok && samePrice(p, it.Price) {
			it.Price = p
			continue
		}
		pi[it.PriceID] = it.Price
	}
}

func samePrice(a, b *Price) bool {
	x, y := *a, *b
	if (x.UnitAmount == nil) != (y.UnitAmount == nil) || (x.UnitAmount != nil && *x.UnitAmount != *y.UnitAmount) {
		return false
	}
	x.UnitAmount, y.UnitAmount = nil, nil
	return x == y
}
