package billing

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	stripe "github.com/stripe/stripe-go/v76"
)

// The full read is the connector's hot path: a big account is a thousand
// list pages of subscriptions, each several hundred kilobytes of JSON.
// stripe-go decodes every field of every object (its expandable fields
// re-validate their JSON at each level), so the full read fetches pages
// itself, through the same transport (rate cap, retries, request count),
// and decodes only what a promise needs.

// wireList is one page of a Stripe list.
type wireList[T any] struct {
	Data    []T  `json:"data"`
	HasMore bool `json:"has_more"`
}

// wireID is an expandable field: an id, or the expanded object's id.
type wireID string

func (w *wireID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || b[0] == 'n':
		*w = ""
		return nil
	case b[0] == '"':
		var s string
		err := json.Unmarshal(b, &s)
		*w = wireID(s)
		return err
	}
	var o struct {
		ID string `json:"id"`
	}
	err := json.Unmarshal(b, &o)
	*w = wireID(o.ID)
	return err
}

type wireCustomer struct {
	ID       string            `json:"id"`
	Email    string            `json:"email"`
	Name     string            `json:"name"`
	Metadata map[string]string `json:"metadata"`
	Created  int64             `json:"created"`
	Livemode bool              `json:"livemode"`
	Deleted  bool              `json:"deleted"`
}

func (c *wireCustomer) customer() Customer {
	md := c.Metadata
	if md == nil {
		md = map[string]string{}
	}
	return Customer{ID: c.ID, Email: c.Email, Name: c.Name, Metadata: md, Created: unix(c.Created), Livemode: c.Livemode, Deleted: c.Deleted}
}

type wireSubscription struct {
	ID                string    `json:"id"`
	Customer          wireID    `json:"customer"`
	Status            string    `json:"status"`
	Created           int64     `json:"created"`
	CurrentPeriodEnd  int64     `json:"current_period_end"`
	TrialEnd          int64     `json:"trial_end"`
	CancelAtPeriodEnd bool      `json:"cancel_at_period_end"`
	PauseCollection   *struct{} `json:"pause_collection"`
	Livemode          bool      `json:"livemode"`
	Items             struct {
		Data []wireItem `json:"data"`
	} `json:"items"`
	LatestInvoice *wireInvoice `json:"latest_invoice"`
}

type wireItem struct {
	Price    *wirePrice `json:"price"`
	Quantity int64      `json:"quantity"`
}

type wirePrice struct {
	ID                string         `json:"id"`
	LookupKey         string         `json:"lookup_key"`
	Product           wireID         `json:"product"`
	Currency          string         `json:"currency"`
	UnitAmount        *int64         `json:"unit_amount"`
	BillingScheme     string         `json:"billing_scheme"`
	TiersMode         string         `json:"tiers_mode"`
	Recurring         *wireRecurring `json:"recurring"`
	TransformQuantity *struct {
		DivideBy int64  `json:"divide_by"`
		Round    string `json:"round"`
	} `json:"transform_quantity"`
}

type wireRecurring struct {
	Interval      string `json:"interval"`
	IntervalCount int64  `json:"interval_count"`
	UsageType     string `json:"usage_type"`
}

// terms is what the price charges (for money at stake).
func (w *wirePrice) terms() *Price {
	pr := &Price{Currency: w.Currency, UnitAmount: w.UnitAmount, BillingScheme: w.BillingScheme, TiersMode: w.TiersMode}
	if r := w.Recurring; r != nil {
		pr.Interval, pr.IntervalCount, pr.UsageType = r.Interval, r.IntervalCount, r.UsageType
	}
	if t := w.TransformQuantity; t != nil {
		pr.TransformDivideBy, pr.TransformRound = t.DivideBy, t.Round
	}
	return pr
}

// wireInvoice is the expanded latest invoice (an unexpanded id leaves only
// the id).
type wireInvoice struct {
	ID      string      `json:"id"`
	Status  string      `json:"status"`
	Created int64       `json:"created"`
	Charge  *wireCharge `json:"charge"`
}

// wireCharge is the invoice's expanded charge (an unexpanded id leaves
// only the id, and is not kept).
type wireCharge struct {
	ID             string `json:"id"`
	Amount         int64  `json:"amount"`
	AmountRefunded int64  `json:"amount_refunded"`
	Refunded       bool   `json:"refunded"`
	Disputed       bool   `json:"disputed"`
	Currency       string `json:"currency"`
	Refunds        *struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	} `json:"refunds"`
}

func (w *wireCharge) UnmarshalJSON(b []byte) error {
	type plain wireCharge
	return unmarshalExpandable(b, &w.ID, (*plain)(w))
}

func (w *wireCharge) charge() *Charge {
	if w == nil || w.Currency == "" { // not expanded
		return nil
	}
	c := &Charge{ID: w.ID, Amount: w.Amount, AmountRefunded: w.AmountRefunded, Refunded: w.Refunded, Disputed: w.Disputed, Currency: w.Currency}
	if w.Refunds != nil && len(w.Refunds.Data) > 0 {
		c.RefundID = w.Refunds.Data[0].ID // newest first
	}
	return c
}

func (w *wireInvoice) UnmarshalJSON(b []byte) error {
	type plain wireInvoice
	return unmarshalExpandable(b, &w.ID, (*plain)(w))
}

// unmarshalExpandable reads an expandable object: a bare id sets only id,
// the expanded object fills obj (a type without this UnmarshalJSON).
func unmarshalExpandable(b []byte, id *string, obj any) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, id)
	}
	return json.Unmarshal(b, obj)
}

func (s *wireSubscription) subscription() Subscription {
	out := Subscription{
		ID:                s.ID,
		CustomerID:        string(s.Customer),
		Status:            s.Status,
		Created:           unix(s.Created),
		CurrentPeriodEnd:  unix(s.CurrentPeriodEnd),
		TrialEnd:          unix(s.TrialEnd),
		CancelAtPeriodEnd: s.CancelAtPeriodEnd,
		PauseCollection:   s.PauseCollection != nil,
		Livemode:          s.Livemode,
	}
	if len(s.Items.Data) > 0 {
		out.Items = make([]Item, 0, len(s.Items.Data))
		for _, it := range s.Items.Data {
			if it.Price == nil {
				continue
			}
			out.Items = append(out.Items, Item{PriceID: it.Price.ID, LookupKey: it.Price.LookupKey, ProductID: string(it.Price.Product),
				Quantity: it.Quantity, Price: it.Price.terms()})
		}
	}
	if inv := s.LatestInvoice; inv != nil && inv.ID != "" {
		out.LatestInvoice = &Invoice{ID: inv.ID, Status: inv.Status, Created: unix(inv.Created), Charge: inv.Charge.charge()}
	}
	return out
}

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// get sends one GET to path (with query) and hands the JSON answer to
// decode (which must not keep the bytes). Errors come back as stripe-go's
// *stripe.Error, which wrapErr maps.
func (c *Client) get(ctx context.Context, path string, q url.Values, decode func([]byte) error) error {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Stripe-Version", stripe.APIVersion)
	req.Header.Set("User-Agent", "Stripe/v1 GoBindings/"+stripe.ClientVersion+" ParityRail")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		var e struct {
			Error *stripe.Error `json:"error"`
		}
		if json.Unmarshal(body, &e) != nil || e.Error == nil {
			e.Error = &stripe.Error{Type: stripe.ErrorTypeAPI, Msg: strings.TrimSpace(string(body))}
		}
		e.Error.HTTPStatusCode = resp.StatusCode
		e.Error.RequestID = resp.Header.Get("Request-Id")
		return e.Error
	}
	buf := bodyPool.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 8<<20 {
			bodyPool.Put(buf)
		}
	}()
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return err
	}
	if err := decode(buf.Bytes()); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}

// eachPage walks a list with starting_after, 100 per page, calling fn with
// each page's items.
func eachPage[T any](ctx context.Context, c *Client, path string, q url.Values, decode func([]byte, *wireList[T]) error,
	id func(*T) string, fn func([]T) error) error {
	q.Set("limit", fmt.Sprint(pageSize))
	for {
		var page wireList[T]
		if err := c.get(ctx, path, q, func(b []byte) error { return decode(b, &page) }); err != nil {
			return err
		}
		if err := fn(page.Data); err != nil {
			return err
		}
		if !page.HasMore || len(page.Data) == 0 {
			return nil
		}
		q.Set("starting_after", id(&page.Data[len(page.Data)-1]))
	}
}

// callbackError marks an error returned by the caller's callback, which
// is passed through unwrapped.
type callbackError struct{ err error }

func (e *callbackError) Error() string { return e.err.Error() }
func (e *callbackError) Unwrap() error { return e.err }

func (c *Client) wrapRead(what string, err error) error {
	var cb *callbackError
	if errors.As(err, &cb) {
		return cb.err
	}
	return c.wrapErr(what, err)
}

// listCustomersLean streams every customer, newest first, read as
// concurrent cursors over created ranges.
func (c *Client) listCustomersLean(ctx context.Context, fn func([]wireCustomer) error) error {
	err := listPartitioned(ctx, c, "/v1/customers", url.Values{}, decodeCustomerPage,
		func(w *wireCustomer) string { return w.ID }, func(w *wireCustomer) int64 { return w.Created },
		func(p []wireCustomer) error {
			if err := fn(p); err != nil {
				return &callbackError{err}
			}
			return nil
		})
	return c.wrapRead("customers", err)
}

// listSubscriptionsLean streams subscriptions in every status (of one
// customer when customerID is set), each with its latest invoice expanded
// for the invoice's status and creation. The product object is not
// expanded: data.items.data.price.product is five levels and Stripe allows
// four; the product id is on the price.
func (c *Client) listSubscriptionsLean(ctx context.Context, customerID string, fn func([]wireSubscription) error) error {
	q := url.Values{"status": {"all"}, "expand[0]": {"data.latest_invoice"}}
	if c.charges.Load() {
		// Four levels, Stripe's limit.
		q.Set("expand[1]", "data.latest_invoice.charge")
		q.Set("expand[2]", "data.latest_invoice.charge.refunds")
	}
	id := func(w *wireSubscription) string { return w.ID }
	each := func(p []wireSubscription) error {
		if err := fn(p); err != nil {
			return &callbackError{err}
		}
		return nil
	}
	var err error
	if customerID != "" {
		// One customer's few subscriptions: one cursor.
		q.Set("customer", customerID)
		err = eachPage(ctx, c, "/v1/subscriptions", q, decodeSubscriptionPage, id, each)
	} else {
		err = listPartitioned(ctx, c, "/v1/subscriptions", q, decodeSubscriptionPage, id,
			func(w *wireSubscription) int64 { return w.Created }, each)
	}
	return c.wrapRead("subscriptions", err)
}

// customerLean reads one customer; a deleted one comes back as Stripe's
// tombstone with Deleted set.
func (c *Client) customerLean(ctx context.Context, id string) (Customer, error) {
	var w wireCustomer
	decode := func(b []byte) error { return decodeCustomer(b, &w) }
	if err := c.get(ctx, "/v1/customers/"+url.PathEscape(id), nil, decode); err != nil {
		var se *stripe.Error
		if errors.As(err, &se) && se.HTTPStatusCode == http.StatusNotFound {
			return Customer{}, fmt.Errorf("read customer %s: %w", id, ErrCustomerNotFound)
		}
		return Customer{}, c.wrapErr("customer "+id, err)
	}
	return w.customer(), nil
}
