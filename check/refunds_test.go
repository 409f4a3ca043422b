package check

import (
	"strings"
	"testing"

	stripe "github.com/stripe/stripe-go/v76"

	"parityrail/demo/stripefake"
	"parityrail/mapping"
)

// With the refund and dispute rules on, a fully refunded latest invoice or
// an open dispute ends access, and the evidence names it; with them off
// (the default) charges and disputes are never asked for.
func TestRefundAndDisputeWorld(t *testing.T) {
	w := newProWorld(t)
	charge := map[string]string{}
	for _, id := range []string{"cus_refunded", "cus_disputed", "cus_won", "cus_paying"} {
		sub := w.subscriber(id, "pro", stripefake.SubscriptionSpec{})
		var inv string
		w.stripe.UpdateSubscription(sub, func(s *stripe.Subscription) { inv = s.LatestInvoice.ID })
		ch, err := w.stripe.PayInvoice(inv)
		if err != nil {
			t.Fatal(err)
		}
		charge[id] = ch
	}
	refund, err := w.stripe.RefundCharge(charge["cus_refunded"], 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.stripe.RefundCharge(charge["cus_paying"], 1000); err != nil { // partly: still paid
		t.Fatal(err)
	}
	dispute, _ := w.stripe.AddDispute(charge["cus_disputed"], "")
	won, _ := w.stripe.AddDispute(charge["cus_won"], "")
	w.stripe.SetDisputeStatus(won, stripe.DisputeStatusWon)

	// Off: nothing is revoked, and charges and disputes are not read.
	w.stripe.ResetLog()
	w.run(Request{Scope: ScopeFull})
	if got := w.incidents("open"); len(got) != 0 {
		t.Fatalf("policy off: %v", got)
	}
	for _, r := range w.stripe.Requests() {
		if strings.Contains(r.Path, "dispute") || strings.Contains(r.RawQuery, "charge") {
			t.Errorf("policy off asked for %s?%s", r.Path, r.RawQuery)
		}
	}

	w.editMapping(func(m *mapping.Mapping) { m.Policy.RefundedInvoiceRevokes, m.Policy.OpenDisputeRevokes = true, true })
	w.run(Request{Scope: ScopeFull})
	want := []string{"cus_disputed|access_without_payment|cus_disputed@app.test", "cus_refunded|access_without_payment|cus_refunded@app.test"}
	if d := diffSets(w.incidents("open"), want); d != "" {
		t.Fatalf("policy on:%s", d)
	}
	for _, inc := range w.listIncidents("open") {
		fd := w.finding(inc.ID)
		r := fd.Promise.Subscriptions[0].Revoked
		switch inc.CustomerID {
		case "cus_refunded":
			if r == nil || r.RefundID != refund || r.Amount != 4900 || r.Currency != "usd" || !fd.Policy.RefundedInvoiceRevokes {
				t.Errorf("refund evidence %+v", r)
			}
		case "cus_disputed":
			if r == nil || r.DisputeID != dispute || r.Amount != 4900 || r.Status != "needs_response" || !fd.Policy.OpenDisputeRevokes {
				t.Errorf("dispute evidence %+v", r)
			}
		}
	}
}
