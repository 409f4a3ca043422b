package server

import (
	"encoding/json"
	"testing"
	"time"

	stripe "github.com/stripe/stripe-go/v76"

	"parityrail/db"
	"parityrail/demo/clerkfake"
	"parityrail/demo/stripefake"
	"parityrail/fulfillment"
)

// policyWorld is the check world plus customers whose verdict hangs on the
// policy: past due for 20 days (the app still grants pro, or shows free),
// and unpaid with the app granting pro.
func policyWorld(t *testing.T) *checkWorld {
	w := newCheckWorld(t)
	f := w.app.stripe
	due := time.Now().Add(-20 * 24 * time.Hour)
	for _, c := range []struct {
		id, plan string
		status   stripe.SubscriptionStatus
	}{{"cus_late", "pro", stripe.SubscriptionStatusPastDue}, {"cus_lapsed", "free", stripe.SubscriptionStatusPastDue},
		{"cus_unpaid", "pro", stripe.SubscriptionStatusUnpaid}} {
		f.AddCustomer(stripefake.CustomerSpec{ID: c.id, Email: c.id + "@billing.test"})
		w.subs[c.id] = f.MustAddSubscription(stripefake.SubscriptionSpec{CustomerID: c.id, Status: c.status, PriceIDs: []string{"price_pro"},
			InvoiceStatus: stripe.InvoiceStatusOpen, InvoiceCreated: due})
		w.app.clerk.AddUser(clerkfake.UserSpec{Email: c.id[4:] + "@app.test", PublicMetadata: map[string]any{"stripe_customer_id": c.id, "plan": c.plan}})
	}
	return w
}

type previewAnswer struct {
	WouldResolve    int    `json:"would_resolve"`
	WouldOpen       int    `json:"would_open"`
	Unchanged       int    `json:"unchanged"`
	OpenIncidents   int    `json:"open_incidents"`
	Customers       int    `json:"customers"`
	Version         string `json:"version"`
	CurrentVersion  string `json:"current_version"`
	ResolveExamples []struct {
		CustomerID string `json:"customer_id"`
		Kind       string `json:"kind"`
		IncidentID string `json:"incident_id"`
		Promise    string `json:"promise"`
	} `json:"resolve_examples"`
	OpenExamples []struct {
		CustomerID string `json:"customer_id"`
		Kind       string `json:"kind"`
	} `json:"open_examples"`
	Notes []string `json:"notes"`
}

func TestPolicyPreviewJudgesStoredReads(t *testing.T) {
	w := policyWorld(t)
	w.runCheck(w.member, map[string]any{"scope": "full"})
	base := "/api/projects/" + w.project + "/policy"

	// Open now: cus_noaccess (paid, app free), cus_canceled, cus_late and
	// cus_unpaid (app grants pro, Stripe promises nothing).
	if n := len(w.incidents(w.member, "?status=active").Items); n != 4 {
		t.Fatalf("open incidents after the first check: %d, want 4", n)
	}
	var cur policyView
	w.member.mustDo("GET", base, nil, 200).json(t, &cur)
	if cur.Policy != fulfillment.DefaultPolicy() || cur.Version != fulfillment.PolicyVersion(fulfillment.DefaultPolicy()) || len(cur.Bounds) != 3 {
		t.Fatalf("GET policy: %+v", cur)
	}

	// Every preview below is judged from what the check stored: Stripe is
	// never asked.
	requests := len(w.app.stripe.Requests())
	preview := func(body map[string]any) previewAnswer {
		t.Helper()
		var p previewAnswer
		w.member.mustDo("POST", base+"/preview", body, 200).json(t, &p)
		return p
	}

	// The same policy changes nothing.
	if p := preview(map[string]any{}); p.WouldResolve != 0 || p.WouldOpen != 0 || p.Unchanged != 4 || p.Customers != 3 {
		t.Errorf("unchanged policy: %+v", p)
	}

	// A 30-day grace: cus_late (20 days past due, app on pro) is owed pro
	// again, so its incident resolves; cus_lapsed (app on free) is owed pro
	// and would open as paid without access.
	p := preview(map[string]any{"past_due_grace_days": 30})
	if p.WouldResolve != 1 || p.WouldOpen != 1 || p.Unchanged != 3 || p.OpenIncidents != 4 {
		t.Fatalf("30-day grace: %+v", p)
	}
	if ex := p.ResolveExamples; len(ex) != 1 || ex[0].CustomerID != "cus_late" || ex[0].Kind != "access_without_payment" || ex[0].IncidentID == "" {
		t.Errorf("resolve examples: %+v", ex)
	}
	if ex := p.OpenExamples; len(ex) != 1 || ex[0].CustomerID != "cus_lapsed" || ex[0].Kind != "paid_without_access" {
		t.Errorf("open examples: %+v", ex)
	}
	longer := fulfillment.DefaultPolicy()
	longer.PastDueGraceDays = 30
	if p.Version != fulfillment.PolicyVersion(longer) || p.CurrentVersion != cur.Version {
		t.Errorf("versions: %s (current %s)", p.Version, p.CurrentVersion)
	}

	// Granting unpaid too resolves cus_unpaid as well.
	if p := preview(map[string]any{"past_due_grace_days": 30, "unpaid_grants": true}); p.WouldResolve != 2 || p.WouldOpen != 1 || p.Unchanged != 2 {
		t.Errorf("30 days and unpaid: %+v", p)
	}
	// Not granting past_due at all: nothing resolves, nothing opens (both
	// past-due customers are out of grace already).
	if p := preview(map[string]any{"past_due_grants": false}); p.WouldResolve != 0 || p.WouldOpen != 0 {
		t.Errorf("no past_due: %+v", p)
	}
	// A refund rule cannot be previewed from reads that skipped charges.
	if p := preview(map[string]any{"refunded_invoice_revokes": true}); len(p.Notes) != 1 {
		t.Errorf("refund rule notes: %v", p.Notes)
	}
	if n := len(w.app.stripe.Requests()); n != requests {
		t.Errorf("previews called Stripe %d times", n-requests)
	}

	// Save it; the next check judges under it, as the preview said.
	var saved policyView
	w.owner.mustDo("PUT", base, map[string]any{"past_due_grace_days": 30}, 200).json(t, &saved)
	if saved.Policy != longer || saved.Version != fulfillment.PolicyVersion(longer) {
		t.Fatalf("saved: %+v", saved)
	}
	changed := w.app.ledgerKind(w.project, db.LedgerQuery{}, "policy_changed")
	if len(changed) != 1 {
		t.Fatalf("policy_changed entries: %d", len(changed))
	}
	var detail struct {
		From        fulfillment.Policy        `json:"from"`
		To          fulfillment.Policy        `json:"to"`
		FromVersion string                    `json:"from_version"`
		ToVersion   string                    `json:"to_version"`
		Changes     map[string]map[string]int `json:"changes"`
	}
	if err := json.Unmarshal(changed[0].Detail, &detail); err != nil {
		t.Fatal(err)
	}
	if detail.From != fulfillment.DefaultPolicy() || detail.To != longer || detail.FromVersion != cur.Version || detail.ToVersion != saved.Version ||
		detail.Changes["past_due_grace_days"]["from"] != 14 || detail.Changes["past_due_grace_days"]["to"] != 30 || len(detail.Changes) != 1 {
		t.Errorf("ledger detail: %s", changed[0].Detail)
	}
	// Saving the same policy again records nothing.
	w.owner.mustDo("PUT", base, map[string]any{"past_due_grace_days": 30}, 200)

	w.runCheck(w.member, map[string]any{"scope": "full"})
	if l := w.incidents(w.member, "?status=active&customer_id=cus_late"); len(l.Items) != 0 {
		t.Errorf("cus_late still open: %+v", l.Items)
	}
	lapsed := w.incidentOf(w.member, "cus_lapsed")
	if lapsed.Kind != "paid_without_access" {
		t.Errorf("cus_lapsed: %+v", lapsed)
	}
	// Each incident names the policy it was judged under: the new one,
	// also for one found again unchanged (cus_noaccess).
	for _, id := range []string{lapsed.ID, w.incidentOf(w.member, "cus_noaccess").ID} {
		var d struct {
			PolicyVersion string             `json:"policy_version"`
			Policy        fulfillment.Policy `json:"policy"`
		}
		w.member.mustDo("GET", "/api/incidents/"+id, nil, 200).json(t, &d)
		if d.PolicyVersion != saved.Version || d.Policy != longer {
			t.Errorf("incident %s judged under %s %+v, want %s", id, d.PolicyVersion, d.Policy, saved.Version)
		}
	}
	// And the preview is now relative to the saved policy.
	if p := preview(map[string]any{"past_due_grace_days": 14}); p.WouldResolve != 1 || p.WouldOpen != 1 {
		t.Errorf("back to 14 days: %+v", p)
	}
}

func TestPolicyValidation(t *testing.T) {
	w := newCheckWorld(t)
	base := "/api/projects/" + w.project + "/policy"
	for _, tc := range []struct {
		method string
		path   string
		body   any
		field  string
	}{
		{"PUT", base, map[string]any{"past_due_grace_days": 91}, "past_due_grace_days"},
		{"PUT", base, map[string]any{"past_due_grace_days": -1}, "past_due_grace_days"},
		{"PUT", base, map[string]any{"incomplete_pending_hours": 73}, "incomplete_pending_hours"},
		{"PUT", base, map[string]any{"trial_tolerance_hours": 169}, "trial_tolerance_hours"},
		{"PUT", base, map[string]any{"past_due_grace_days": "14"}, "past_due_grace_days"},
		{"PUT", base, map[string]any{"grace": 3}, "grace"},
		{"POST", base + "/preview", map[string]any{"trial_tolerance_hours": -5}, "trial_tolerance_hours"},
	} {
		r := w.owner.do(tc.method, tc.path, tc.body)
		var b errorBody
		r.json(t, &b)
		if r.Status != 400 || b.Error.Field != tc.field || b.Error.Message == "" {
			t.Errorf("%s %v = %d %+v, want 400 on %s", tc.method, tc.body, r.Status, b.Error, tc.field)
		}
	}
	// Nothing was saved.
	var cur policyView
	w.owner.mustDo("GET", base, nil, 200).json(t, &cur)
	if cur.Policy != fulfillment.DefaultPolicy() {
		t.Errorf("policy after refused saves: %+v", cur.Policy)
	}
	// Members read and preview, never save.
	w.member.mustDo("PUT", base, map[string]any{"past_due_grace_days": 20}, 403)
	w.member.mustDo("POST", base+"/preview", map[string]any{"past_due_grace_days": 20}, 200)
}
