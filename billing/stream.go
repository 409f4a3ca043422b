package billing

import (
	"context"
	"errors"
)

// Stream receives a full read of the account as it arrives, so a caller
// can keep it somewhere other than memory (a full check spills it to a
// scratch database and joins there). The two callbacks run at the same
// time, each called one page at a time, pages in no particular order (as
// they arrive from the concurrent cursors, so none waits in memory).
type Stream struct {
	Customers     func([]Customer) error
	Subscriptions func([]Subscription) error
}

// StreamAll reads every customer and every subscription (each with its
// items, latest invoice and, while ReadCharges is on, its charge and
// dispute) with the minimum number of requests, the two lists at once,
// each as several cursors over created ranges. A subscription may name a
// customer the customer list did not return — a deleted one (Stripe lists
// those no more) or one created during the read: the caller reads those
// with LookupCustomer, as ReadAll does.
func (c *Client) StreamAll(ctx context.Context, s Stream) error {
	return c.streamAll(anyOrder(ctx), s)
}

// streamAll is StreamAll with pages in Stripe's order unless ctx is from
// anyOrder (ReadAll keeps that order).
func (c *Client) streamAll(ctx context.Context, s Stream) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	custErr := make(chan error, 1)
	go func() {
		var buf []Customer
		err := c.listCustomersLean(ctx, func(page []wireCustomer) error {
			buf = buf[:0]
			for i := range page {
				buf = append(buf, page[i].customer())
			}
			return s.Customers(buf)
		})
		if err != nil {
			cancel() // no point reading on
		}
		custErr <- err
	}()
	subErr := c.listSubscriptionsLean(ctx, "", func(page []wireSubscription) error {
		// A fresh slice a page: ReadAll keeps them.
		conv := make([]Subscription, len(page))
		for i := range page {
			conv[i] = page[i].subscription()
		}
		if err := c.readDisputes(ctx, conv); err != nil {
			return err
		}
		return s.Subscriptions(conv)
	})
	if subErr != nil {
		cancel()
	}
	if err := <-custErr; err != nil && (subErr == nil || !errors.Is(err, context.Canceled)) {
		return err
	}
	return subErr
}

// LookupCustomer reads one customer a subscription names but the customer
// list did not return: a deleted one comes back with Deleted set, and one
// Stripe does not know at all (gone entirely, or another account's) as a
// deleted tombstone of that id — owed nothing either way.
func (c *Client) LookupCustomer(ctx context.Context, id string) (Customer, error) {
	cu, err := c.customerLean(ctx, id)
	if errors.Is(err, ErrCustomerNotFound) {
		return Customer{ID: id, Metadata: map[string]string{}, Deleted: true}, nil
	}
	return cu, err
}
