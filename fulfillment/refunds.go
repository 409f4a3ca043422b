package fulfillment

import "fmt"

// Charge is the latest invoice's charge, read only while a refund or
// dispute policy field is on.
type Charge struct {
	ID             string `json:"id"`
	Amount         int64  `json:"amount"`
	AmountRefunded int64  `json:"amount_refunded"`
	Refunded       bool   `json:"refunded"` // fully refunded
	Currency       string `json:"currency"`
	// RefundID is the newest refund's id, when Stripe lists it.
	RefundID string   `json:"refund_id,omitempty"`
	Dispute  *Dispute `json:"dispute,omitempty"`
}

// Dispute is a charge's dispute.
type Dispute struct {
	ID     string `json:"id"`
	Amount int64  `json:"amount"`
	Status string `json:"status"` // warning_needs_response, warning_under_review, needs_response, under_review, won, lost, …
}

// Open reports whether the dispute is still being fought (Stripe's
// needs_response and under_review, warnings included). A lost dispute
// has taken the money back: it reads as closed here and ends access only
// through the refund rule's view of the charge.
func (d *Dispute) Open() bool {
	if d == nil {
		return false
	}
	switch d.Status {
	case "needs_response", "under_review", "warning_needs_response", "warning_under_review":
		return true
	}
	return false
}

// Revocation is why a refund or dispute ended a subscription's access,
// kept as evidence.
type Revocation struct {
	Rule     string `json:"rule"` // refunded_invoice_revokes, open_dispute_revokes
	ChargeID string `json:"charge_id"`
	// RefundID or DisputeID names what ended access; Amount is its amount
	// in the charge's currency's minor unit.
	RefundID  string `json:"refund_id,omitempty"`
	DisputeID string `json:"dispute_id,omitempty"`
	Amount    int64  `json:"amount"`
	Currency  string `json:"currency"`
	Status    string `json:"status,omitempty"` // the dispute's status
}

// revoked applies the refund and dispute rules to a subscription that
// otherwise grants: a fully refunded latest invoice, or an open dispute on
// its charge, ends access when the policy says so.
func revoked(s Subscription, p Policy) (*Revocation, string) {
	inv := s.LatestInvoice
	if inv == nil || inv.Charge == nil {
		return nil, ""
	}
	c := inv.Charge
	if p.RefundedInvoiceRevokes && c.Refunded {
		r := &Revocation{Rule: "refunded_invoice_revokes", ChargeID: c.ID, RefundID: c.RefundID, Amount: c.AmountRefunded, Currency: c.Currency}
		what := c.ID
		if c.RefundID != "" {
			what = c.RefundID + " on " + c.ID
		}
		return r, fmt.Sprintf("latest invoice %s fully refunded (%s, %d %s); the policy ends access on a refunded invoice",
			inv.ID, what, c.AmountRefunded, c.Currency)
	}
	if p.OpenDisputeRevokes && c.Dispute.Open() {
		d := c.Dispute
		r := &Revocation{Rule: "open_dispute_revokes", ChargeID: c.ID, DisputeID: d.ID, Amount: d.Amount, Currency: c.Currency, Status: d.Status}
		return r, fmt.Sprintf("dispute %s (%s, %d %s) open on charge %s of latest invoice %s; the policy ends access on an open dispute",
			d.ID, d.Status, d.Amount, c.Currency, c.ID, inv.ID)
	}
	return nil, ""
}

// ReadsCharges reports whether the policy needs the latest invoices'
// charges (and so the Charges and Disputes read permissions).
func (p Policy) ReadsCharges() bool { return p.RefundedInvoiceRevokes || p.OpenDisputeRevokes }
