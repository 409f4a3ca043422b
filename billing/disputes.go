package billing

import (
	"context"
	"encoding/json"
	"net/url"
)

// readDisputes reads the dispute of every disputed latest-invoice charge
// (a charge does not carry its dispute: GET /v1/disputes?charge=…, one
// request per disputed charge — a few in any account). Only while
// ReadCharges is on.
func (c *Client) readDisputes(ctx context.Context, subs []Subscription) error {
	if !c.charges.Load() {
		return nil
	}
	for i := range subs {
		inv := subs[i].LatestInvoice
		if inv == nil || inv.Charge == nil || !inv.Charge.Disputed {
			continue
		}
		var page struct {
			Data []struct {
				ID     string `json:"id"`
				Amount int64  `json:"amount"`
				Status string `json:"status"`
			} `json:"data"`
		}
		decode := func(b []byte) error { return json.Unmarshal(b, &page) }
		q := url.Values{"charge": {inv.Charge.ID}, "limit": {"1"}}
		if err := c.get(ctx, "/v1/disputes", q, decode); err != nil {
			return c.wrapErr("disputes of "+inv.Charge.ID, err)
		}
		if len(page.Data) > 0 {
			d := page.Data[0] // newest first
			inv.Charge.Dispute = &Dispute{ID: d.ID, Amount: d.Amount, Status: d.Status}
		}
	}
	return nil
}

// ChargeCustomer reads which customer a charge belongs to ("" when none):
// a dispute event names only its charge.
func (c *Client) ChargeCustomer(ctx context.Context, chargeID string) (string, error) {
	var ch struct {
		Customer json.RawMessage `json:"customer"`
	}
	decode := func(b []byte) error { return json.Unmarshal(b, &ch) }
	if err := c.get(ctx, "/v1/charges/"+url.PathEscape(chargeID), nil, decode); err != nil {
		return "", c.wrapErr("charge "+chargeID, err)
	}
	var id string
	if json.Unmarshal(ch.Customer, &id) == nil {
		return id, nil
	}
	var expanded struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(ch.Customer, &expanded)
	return expanded.ID, nil
}
