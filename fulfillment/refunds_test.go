package fulfillment

import (
	"strings"
	"testing"
)

func TestRefundAndDisputePolicy(t *testing.T) {
	withCharge := func(c Charge) subOpt {
		return func(s *Subscription) { s.LatestInvoice.Charge = &c }
	}
	refunded := Charge{ID: "ch_1", Amount: 4900, AmountRefunded: 4900, Refunded: true, Currency: "usd", RefundID: "re_1"}
	partly := Charge{ID: "ch_2", Amount: 4900, AmountRefunded: 1000, Currency: "usd", RefundID: "re_2"}
	disputed := Charge{ID: "ch_3", Amount: 4900, Currency: "usd", Dispute: &Dispute{ID: "dp_1", Amount: 4900, Status: "needs_response"}}
	won := Charge{ID: "ch_4", Amount: 4900, Currency: "usd", Dispute: &Dispute{ID: "dp_2", Amount: 4900, Status: "won"}}
	on := DefaultPolicy()
	on.RefundedInvoiceRevokes, on.OpenDisputeRevokes = true, true
	refundOnly := DefaultPolicy()
	refundOnly.RefundedInvoiceRevokes = true
	for _, tc := range []struct {
		name   string
		c      Charge
		pol    Policy
		grants bool
		reason []string
		rule   string
	}{
		{"refunded, policy off (default)", refunded, DefaultPolicy(), true, []string{"active"}, ""},
		{"refunded, policy on", refunded, on, false, []string{"fully refunded", "re_1 on ch_1", "4900 usd"}, "refunded_invoice_revokes"},
		{"partly refunded", partly, on, true, []string{"active"}, ""},
		{"open dispute, policy on", disputed, on, false, []string{"dispute dp_1 (needs_response, 4900 usd)", "ch_3"}, "open_dispute_revokes"},
		{"open dispute, only the refund rule on", disputed, refundOnly, true, []string{"active"}, ""},
		{"won dispute", won, on, true, []string{"active"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := DerivePromise(billing(sub("sub_1", "active", "price_pro", withCharge(tc.c))), testMapping, tc.pol, now)
			if p.Grants != tc.grants {
				t.Fatalf("grants %t, want %t: %s", p.Grants, tc.grants, p.Reason)
			}
			v := p.Subscriptions[0]
			for _, part := range tc.reason {
				if !strings.Contains(v.Reason, part) {
					t.Errorf("reason %q lacks %q", v.Reason, part)
				}
			}
			if (v.Revoked == nil) != (tc.rule == "") || (v.Revoked != nil && v.Revoked.Rule != tc.rule) {
				t.Errorf("revoked %+v, want rule %q", v.Revoked, tc.rule)
			}
			if p.Policy.RefundedInvoiceRevokes != tc.pol.RefundedInvoiceRevokes || p.Policy.OpenDisputeRevokes != tc.pol.OpenDisputeRevokes {
				t.Error("the policy is stamped on the promise")
			}
		})
	}
	// The app still granting after a refund is access without payment, and
	// its evidence names the refund.
	p := DerivePromise(billing(sub("sub_1", "active", "price_pro", withCharge(refunded))), testMapping, on, now)
	fs := Compare(p, []Subject{user("u", Fields{Plan: planField("pro")})}, testMapping, on, now)
	if len(fs) != 1 || fs[0].Kind != AccessWithoutPayment || fs[0].Promise.Subscriptions[0].Revoked.RefundID != "re_1" ||
		fs[0].Promise.Subscriptions[0].Revoked.Amount != 4900 || !fs[0].Policy.RefundedInvoiceRevokes {
		t.Errorf("after a refund:%s", describe(fs))
	}
	if DefaultPolicy().ReadsCharges() || !refundOnly.ReadsCharges() {
		t.Error("charges are read only while a field is on")
	}
}
