package stripefake

import (
	"net/url"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
)

// Charges, refunds and disputes: the refund and dispute policy reads a
// subscription's latest invoice's charge (expand data.latest_invoice.charge
// and its refunds) and, for a disputed charge, GET /v1/disputes?charge=….
// Objects are stripe-go v76 types rendered like the others.

const (
	kindCharge  = "charge"
	kindDispute = "dispute"

	PermCharges  = "rak_charge_read"
	PermDisputes = "rak_dispute_read"
)

func init() {
	resources["/v1/charges"] = resource{kind: kindCharge, noun: "charge", perm: PermCharges, filter: filterCharge}
	resources["/v1/disputes"] = resource{kind: kindDispute, noun: "dispute", perm: PermDisputes, filter: filterDispute}
	permByKind[kindCharge], permByKind[kindDispute] = PermCharges, PermDisputes
	expandable["invoice"]["charge"] = kindCharge
	expandable["charge"] = map[string]string{"customer": kindCustomer, "invoice": kindInvoice, "balance_transaction": "",
		"payment_intent": "", "payment_method": "", "application": "", "application_fee": "", "on_behalf_of": "",
		"review": "", "source_transfer": "", "transfer": "", "failure_balance_transaction": ""}
	expandable["refund"] = map[string]string{"charge": kindCharge, "payment_intent": "", "balance_transaction": "",
		"failure_balance_transaction": "", "source_transfer_reversal": "", "transfer_reversal": ""}
	expandable["dispute"] = map[string]string{"charge": kindCharge, "payment_intent": ""}
}

func filterCharge(q url.Values, v any) (bool, *apiError) {
	c := v.(*stripe.Charge)
	if cu := q.Get("customer"); cu != "" && (c.Customer == nil || c.Customer.ID != cu) {
		return false, nil
	}
	return true, nil
}

func filterDispute(q url.Values, v any) (bool, *apiError) {
	d := v.(*stripe.Dispute)
	if ch := q.Get("charge"); ch != "" && (d.Charge == nil || d.Charge.ID != ch) {
		return false, nil
	}
	return true, nil
}

// PayInvoice records a succeeded charge paying the invoice (its amount due,
// in the invoice's currency) and returns the charge id.
func (s *Server) PayInvoice(invoiceID string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := storedLocked[*stripe.Invoice](s, kindInvoice, invoiceID)
	if err != nil {
		return "", err
	}
	id := "ch_" + s.nextSuffixLocked()
	created := s.createdLocked(time.Time{})
	c := &stripe.Charge{
		ID: id, Object: "charge", Amount: in.AmountDue, AmountCaptured: in.AmountDue, Currency: in.Currency,
		Created: created, Livemode: s.livemode, Paid: true, Captured: true, Status: stripe.ChargeStatusSucceeded,
		Customer: in.Customer, Invoice: &stripe.Invoice{ID: in.ID}, Metadata: map[string]string{},
		Refunds:        &stripe.RefundList{APIResource: stripe.APIResource{}, ListMeta: stripe.ListMeta{URL: "/v1/charges/" + id + "/refunds"}, Data: []*stripe.Refund{}},
		BillingDetails: &stripe.ChargeBillingDetails{Address: &stripe.Address{}},
		Outcome:        &stripe.ChargeOutcome{NetworkStatus: "approved_by_network", RiskLevel: "normal", SellerMessage: "Payment complete.", Type: "authorized"},
	}
	s.putLocked(kindCharge, id, created, c)
	in.Charge = &stripe.Charge{ID: id}
	return id, nil
}

// RefundCharge refunds amount of a charge (0: what is left) and returns
// the refund id; the charge reads refunded once nothing is left.
func (s *Server) RefundCharge(chargeID string, amount int64) (string, error) {
	var id string
	err := change(s, kindCharge, chargeID, func(c *stripe.Charge) {
		left := c.Amount - c.AmountRefunded
		if amount <= 0 || amount > left {
			amount = left
		}
		id = "re_" + s.nextSuffixLocked()
		r := &stripe.Refund{ID: id, Object: "refund", Amount: amount, Currency: c.Currency, Charge: &stripe.Charge{ID: c.ID},
			Created: s.createdLocked(time.Time{}), Status: stripe.RefundStatusSucceeded, Reason: stripe.RefundReasonRequestedByCustomer,
			Metadata: map[string]string{}}
		c.AmountRefunded += amount
		c.Refunded = c.AmountRefunded == c.Amount
		c.Refunds.Data = append([]*stripe.Refund{r}, c.Refunds.Data...) // newest first
		c.Refunds.TotalCount = uint32(len(c.Refunds.Data))
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// AddDispute opens a dispute on a charge (status needs_response unless
// given) and returns its id.
func (s *Server) AddDispute(chargeID string, status stripe.DisputeStatus) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := storedLocked[*stripe.Charge](s, kindCharge, chargeID)
	if err != nil {
		return "", err
	}
	if status == "" {
		status = stripe.DisputeStatusNeedsResponse
	}
	id := "dp_" + s.nextSuffixLocked()
	created := s.createdLocked(time.Time{})
	d := &stripe.Dispute{ID: id, Object: "dispute", Amount: c.Amount, Currency: c.Currency, Charge: &stripe.Charge{ID: c.ID},
		Created: created, Livemode: s.livemode, Reason: "fraudulent", Status: status, Metadata: map[string]string{},
		BalanceTransactions: []*stripe.BalanceTransaction{}, Evidence: &stripe.DisputeEvidence{},
		EvidenceDetails: &stripe.DisputeEvidenceDetails{DueBy: created + 7*24*3600}}
	s.putLocked(kindDispute, id, created, d)
	c.Disputed = true
	return id, nil
}

// SetDisputeStatus moves a dispute on (won, lost, under_review, …).
func (s *Server) SetDisputeStatus(id string, status stripe.DisputeStatus) error {
	return change(s, kindDispute, id, func(d *stripe.Dispute) { d.Status = status })
}
