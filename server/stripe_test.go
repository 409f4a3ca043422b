package server

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76"

	"parityrail/billing"
	"parityrail/db"
	"parityrail/demo/stripefake"
)

func TestConnectStripe(t *testing.T) {
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	p := owner.newProject("Billing")
	if p.WebhookURL != app.srv.URL+"/api/webhooks/stripe/"+p.ID || len(p.WebhookEvents) != len(billing.ActedOnEvents) || !slices.Contains(p.WebhookEvents, "charge.dispute.closed") {
		t.Errorf("webhook block: %q %v", p.WebhookURL, p.WebhookEvents)
	}
	path := "/api/projects/" + p.ID + "/stripe"

	restricted := "rk_test_parityrailMissingSubs9876"
	app.stripe.AddRestrictedKey(restricted, stripefake.PermCustomers, stripefake.PermPrices, stripefake.PermProducts)
	cases := []struct {
		name   string
		body   map[string]string
		status int
		code   string
		msg    string
	}{
		{"publishable key", map[string]string{"api_key": "pk_test_abc123"}, 400, "stripe_invalid_key", "publishable"},
		{"bad webhook secret", map[string]string{"api_key": testStripeKey, "webhook_secret": "sec_123"}, 400, "stripe_invalid_webhook_secret", "whsec_"},
		{"unknown key", map[string]string{"api_key": "sk_test_unknownToTheFake1"}, 422, "stripe_unauthorized", "Stripe rejected the API key (HTTP 401)"},
		{"missing scopes", map[string]string{"api_key": restricted}, 422, "stripe_missing_permissions",
			"This restricted key can't read Subscriptions, Invoices. Set Subscriptions and Invoices to Read on this restricted key"},
	}
	for _, tc := range cases {
		r := owner.mustDo("POST", path, tc.body, tc.status)
		if code, msg := r.errorInfo(t); code != tc.code || !strings.Contains(msg, tc.msg) {
			t.Errorf("%s: %s %q", tc.name, code, msg)
		}
	}
	if _, err := app.db.GetConnection(t.Context(), p.ID, "stripe"); err == nil {
		t.Fatal("a refused key was stored")
	}

	var conn connectedView
	r := owner.mustDo("POST", path, map[string]string{"api_key": " " + testStripeKey + " ", "webhook_secret": "whsec_parityrailTestSecret42"}, 200)
	r.json(t, &conn)
	if conn.Label != "sk_test_…1234" || conn.Mode != "test" || conn.ExtraLabel != "whsec_…et42" || len(conn.Warnings) != 0 {
		t.Errorf("connected = %+v", conn)
	}
	for _, secret := range []string{testStripeKey, "whsec_parityrailTestSecret42"} {
		if strings.Contains(string(r.Body), secret) {
			t.Errorf("the answer contains a secret")
		}
	}
	for _, req := range app.stripe.Requests() {
		if q, _ := url.ParseQuery(req.RawQuery); req.Method != "GET" || q.Get("limit") != "1" {
			t.Errorf("probe sent %s %s?%s", req.Method, req.Path, req.RawQuery)
		}
	}
	// Reconnecting with the optional secret left empty keeps it.
	owner.mustDo("POST", path, map[string]string{"api_key": testStripeKey}, 200).json(t, &conn)
	if conn.ExtraLabel != "whsec_…et42" {
		t.Errorf("reconnect dropped the webhook secret: %+v", conn)
	}
	owner.mustDo("GET", "/api/projects/"+p.ID, nil, 200).json(t, &p)
	if p.Onboarding.Steps[1].State != "done" {
		t.Errorf("step 2 = %s", p.Onboarding.Steps[1].State)
	}
	if v := app.stripe.Violations(); len(v) != 0 {
		t.Errorf("ParityRail sent writes to Stripe: %+v", v)
	}
}

func TestLoadPricesFromStripe(t *testing.T) {
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	p := owner.newProject("Billing")
	path := "/api/projects/" + p.ID + "/stripe/prices"
	r := owner.mustDo("GET", path, nil, 409)
	if _, msg := r.errorInfo(t); msg != "Connect Stripe on step 2 first." {
		t.Errorf("before connecting: %q", msg)
	}
	owner.mustDo("POST", "/api/projects/"+p.ID+"/stripe", map[string]string{"api_key": testStripeKey}, 200)

	pro := app.stripe.AddPrice(stripefake.PriceSpec{ID: "price_pro_monthly", LookupKey: "pro_monthly", ProductName: "Pro", UnitAmount: 4900, Currency: "usd", Interval: "month"})
	app.stripe.AddPrice(stripefake.PriceSpec{ID: "price_unused", ProductName: "Legacy", UnitAmount: 100, Currency: "usd", Interval: "month"})
	cus := app.stripe.AddCustomer(stripefake.CustomerSpec{Email: "a@example.com"})
	app.stripe.MustAddSubscription(stripefake.SubscriptionSpec{CustomerID: cus, Status: stripe.SubscriptionStatusActive, PriceIDs: []string{pro}})

	var prices list[priceView]
	owner.mustDo("GET", path, nil, 200).json(t, &prices)
	if len(prices.Items) != 1 {
		t.Fatalf("prices in use = %+v", prices.Items)
	}
	got := prices.Items[0]
	if got.PriceID != "price_pro_monthly" || got.LookupKey != "pro_monthly" || got.ProductName != "Pro" || got.ActiveSubscriptions != 1 {
		t.Errorf("price = %+v", got)
	}
}

func TestTestStripeKeyBesideLiveClerkWarns(t *testing.T) {
	app := newTestApp(t)
	owner, ownerUser := app.setupOwner()
	p := owner.stackProject("Clerk app", "clerk")
	if err := app.db.ConnectAccessSource(t.Context(), dbConnection(p.ID, "clerk", "sk_live_…abcd", true, ownerUser.ID)); err != nil {
		t.Fatal(err)
	}
	var conn connectedView
	owner.mustDo("POST", "/api/projects/"+p.ID+"/stripe", map[string]string{"api_key": testStripeKey}, 200).json(t, &conn)
	if len(conn.Warnings) != 1 || !strings.Contains(conn.Warnings[0], "Clerk is connected with a live key but Stripe with a test key") {
		t.Errorf("warnings = %v", conn.Warnings)
	}
}

func TestStripeBudgetIsShownAndSetPerProject(t *testing.T) {
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	member, _ := app.addUser(owner, "m@example.com", db.RoleMember)
	p := app.clerkProject(owner, "Acme")
	path := "/api/projects/" + p + "/stripe/budget"
	var b budgetView
	member.mustDo("GET", path, nil, 200).json(t, &b)
	if b.RPS != 25 || b.Source != "default" || b.Mode != "test" || b.PerEndpointRPS != 20 {
		t.Fatalf("default budget: %+v", b)
	}
	var e errorBody
	owner.mustDo("PUT", path, map[string]any{"max_rps": 500}, 400).json(t, &e)
	if e.Error.Field != "max_rps" {
		t.Errorf("out of range: %+v", e.Error)
	}
	member.mustDo("PUT", path, map[string]any{"max_rps": 10}, 403)
	owner.mustDo("PUT", path, map[string]any{"max_rps": 10}, 200).json(t, &b)
	if b.RPS != 10 || b.Source != "project" {
		t.Fatalf("set: %+v", b)
	}
	// Every reader of the account draws from the one budget at that rate.
	pr, _ := app.db.GetProject(t.Context(), p)
	if got := app.s.sources.StripeBudget(pr, billing.ModeTest).Rate(); got != 10 {
		t.Errorf("the shared budget runs at %v/s", got)
	}
	// The environment wins, and the page is told why it cannot change it.
	app.s.sources.StripeRate = 40
	member.mustDo("GET", path, nil, 200).json(t, &b)
	if b.RPS != 40 || b.Source != "environment" || b.ProjectRPS != 10 {
		t.Errorf("env: %+v", b)
	}
	owner.mustDo("PUT", path, map[string]any{"max_rps": 5}, 409).json(t, &e)
	if e.Error.Code != "budget_from_environment" {
		t.Errorf("env refusal: %+v", e.Error)
	}
}

// Webhook health: the last 7 days by day and type, refused signatures, and
// a warning when Stripe sends nothing while subscriptions change.
func TestWebhookHealthDaysAndSilence(t *testing.T) {
	w := newCheckWorld(t)
	url := w.app.srv.URL + "/api/webhooks/stripe/" + w.project
	payload, err := w.app.stripe.Event("customer.subscription.updated", "subscription", w.subs["cus_kept"])
	if err != nil {
		t.Fatal(err)
	}
	if st, err := stripefake.SendWebhook(t.Context(), http.DefaultClient, url, testWebhookSecret, payload); err != nil || st != 200 {
		t.Fatalf("delivery: %d %v", st, err)
	}
	if st, _ := stripefake.SendWebhook(t.Context(), http.DefaultClient, url, "whsec_wrongwrongwrongwrongwrong0000", payload); st != 400 {
		t.Fatalf("a forged event answered %d", st)
	}
	var h db.WebhookHealth
	w.member.mustDo("GET", "/api/projects/"+w.project+"/webhooks", nil, 200).json(t, &h)
	today := h.Days[len(h.Days)-1]
	if len(h.Days) != 7 || today.Received != 1 || today.ByType["customer.subscription.updated"] != 1 || today.SignatureFailures != 1 || h.Silent != "" {
		t.Fatalf("health: %+v", h)
	}
	// Two days later nothing has arrived, and a check saw promises change.
	later := time.Now().Add(49 * time.Hour)
	w.app.setClock(later)
	ctx := t.Context()
	c, err := w.app.db.BeginCheck(ctx, db.Check{ProjectID: w.project, Scope: "full", Trigger: "schedule"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.db.FinishCheck(ctx, c, db.CheckCounts{}, map[string]any{"promises_changed": 3}, "", "test"); err != nil {
		t.Fatal(err)
	}
	w.member.mustDo("GET", "/api/projects/"+w.project+"/webhooks", nil, 200).json(t, &h)
	if h.Silent != db.SilentWebhooks {
		t.Errorf("no silence warning: %+v", h)
	}
}
