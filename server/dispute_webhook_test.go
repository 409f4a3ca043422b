package server

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	stripe "github.com/stripe/stripe-go/v76"

	"parityrail/demo/stripefake"
	"parityrail/fulfillment"
	"parityrail/jobs"
)

// charge.dispute.created names only the charge: the charge's customer is
// re-checked, and with open_dispute_revokes on, the app still granting
// becomes access without payment with the dispute in the evidence.
func TestDisputeWebhookRechecksTheChargesCustomer(t *testing.T) {
	w := newCheckWorld(t)
	ctx := t.Context()
	pol := fulfillment.DefaultPolicy()
	pol.OpenDisputeRevokes = true
	doc := map[string]any{}
	for k, v := range clerkMapping {
		doc[k] = v
	}
	doc["policy"] = pol
	w.owner.mustDo("PUT", "/api/projects/"+w.project+"/mappings", doc, 200)
	w.runCheck(w.member, map[string]any{"scope": "full"})
	before := len(w.incidents(w.member, "?status=open&customer_id=cus_kept").Items)

	f := w.app.stripe
	var inv string
	f.UpdateSubscription(w.subs["cus_kept"], func(s *stripe.Subscription) { inv = s.LatestInvoice.ID })
	ch, err := f.PayInvoice(inv)
	if err != nil {
		t.Fatal(err)
	}
	dp, err := f.AddDispute(ch, "")
	if err != nil {
		t.Fatal(err)
	}
	payload, err := f.Event("charge.dispute.created", "dispute", dp)
	if err != nil {
		t.Fatal(err)
	}
	url := w.app.srv.URL + "/api/webhooks/stripe/" + w.project
	if st, err := stripefake.SendWebhook(ctx, http.DefaultClient, url, testWebhookSecret, payload); err != nil || st != 200 {
		t.Fatalf("delivery: %d %v", st, err)
	}
	worker := jobs.RecheckWorker{DB: w.app.db, Runner: w.app.s.checks, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := worker.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if before != 0 {
		t.Fatalf("cus_kept had incidents before the dispute: %d", before)
	}
	inc := w.incidentOf(w.member, "cus_kept")
	if inc.Kind != "access_without_payment" {
		t.Fatalf("after the dispute: %+v", inc)
	}
	var d struct {
		Evidence struct {
			Promise fulfillment.Promise `json:"promise"`
		} `json:"evidence"`
	}
	w.member.mustDo("GET", "/api/incidents/"+inc.ID, nil, 200).json(t, &d)
	r := d.Evidence.Promise.Subscriptions[0].Revoked
	if r == nil || r.DisputeID != dp || r.ChargeID != ch || r.Amount != 4900 || r.Rule != "open_dispute_revokes" {
		b, _ := json.Marshal(d.Evidence.Promise.Subscriptions)
		t.Errorf("dispute evidence: %s", b)
	}
}

// Charges and Disputes read are asked for when a refund or dispute rule is
// turned on, not before.
func TestRefundPolicyNeedsChargesAndDisputesRead(t *testing.T) {
	w := newCheckWorld(t)
	key := "rk_test_parityrailNoCharges00001"
	w.app.stripe.AddRestrictedKey(key, stripefake.PermCustomers, stripefake.PermSubscriptions, stripefake.PermInvoices,
		stripefake.PermPrices, stripefake.PermProducts)
	w.owner.mustDo("POST", "/api/projects/"+w.project+"/stripe", map[string]string{"api_key": key}, 200)

	pol := fulfillment.DefaultPolicy()
	w.owner.mustDo("PUT", "/api/projects/"+w.project+"/mappings", map[string]any{"policy": pol}, 200)
	pol.RefundedInvoiceRevokes = true
	r := w.owner.do("PUT", "/api/projects/"+w.project+"/mappings", map[string]any{"policy": pol})
	code, msg := r.errorInfo(t)
	if r.Status != 422 || code != "stripe_missing_permissions" || !strings.Contains(msg, "Charges") || !strings.Contains(msg, "Disputes") {
		t.Fatalf("turning the refund rule on without Charges read: %d %s %s", r.Status, code, msg)
	}
	w.app.stripe.AddRestrictedKey(key, stripefake.PermCustomers, stripefake.PermSubscriptions, stripefake.PermInvoices,
		stripefake.PermPrices, stripefake.PermProducts, stripefake.PermCharges, stripefake.PermDisputes)
	var saved struct {
		Policy fulfillment.Policy `json:"policy"`
	}
	w.owner.mustDo("PUT", "/api/projects/"+w.project+"/mappings", map[string]any{"policy": pol}, 200).json(t, &saved)
	if !saved.Policy.RefundedInvoiceRevokes || saved.Policy.OpenDisputeRevokes {
		t.Errorf("saved policy %+v", saved.Policy)
	}
}
