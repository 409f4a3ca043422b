package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	stripe "github.com/stripe/stripe-go/v76"

	"parityrail/db"
	"parityrail/demo/clerkfake"
	"parityrail/demo/stripefake"
	"parityrail/jobs"
)

// TestWebhookVerdictLatency measures webhook → verdict (make bench; skipped
// otherwise): 50 customers whose app access is revoked while they still
// pay, then a burst of 4 Stripe events each, all at once, with the
// production debounce and re-check worker. Latency runs from a customer's
// first POST to its incident being opened in SQLite. It asserts the
// verdicts and the coalescing, and prints p50/p95/max (no time is asserted:
// the numbers are for the benchmark table).
func TestWebhookVerdictLatency(t *testing.T) {
	if os.Getenv("PARITYRAIL_BENCH") == "" {
		t.Skip("benchmark: run with make bench (PARITYRAIL_BENCH=1)")
	}
	const customers, events = 50, 4
	app := newTestAppWith(t, Config{Version: "test", PasswordCost: 4}, t.TempDir()+"/parityrail.db") // default debounce
	t.Cleanup(app.s.checks.Wait)
	// The Stripe budget is lifted as on a loopback benchmark
	// (PARITYRAIL_STRIPE_MAX_RPS=0); PARITYRAIL_BENCH_BUDGET=25 keeps a test
	// key's budget, which bounds a 50-customer burst at 100 requests / 25 per s.
	budget := os.Getenv("PARITYRAIL_BENCH_BUDGET")
	app.s.sources.StripeRate = -1
	if budget != "" {
		fmt.Sscan(budget, &app.s.sources.StripeRate)
	}
	owner, _ := app.setupOwner()
	p := app.clerkProject(owner, "Latency")
	owner.mustDo("POST", "/api/projects/"+p+"/stripe", map[string]string{"api_key": testStripeKey, "webhook_secret": testWebhookSecret}, 200)
	owner.mustDo("PUT", "/api/projects/"+p+"/mappings", clerkMapping, 200)
	f := app.stripe
	f.AddPrice(stripefake.PriceSpec{ID: "price_pro", ProductName: "Pro", UnitAmount: 4900})
	users, subs := map[string]string{}, map[string]string{}
	for i := range customers {
		id := fmt.Sprintf("cus_lat%03d", i)
		f.AddCustomer(stripefake.CustomerSpec{ID: id})
		subs[id] = f.MustAddSubscription(stripefake.SubscriptionSpec{CustomerID: id, Status: stripe.SubscriptionStatusActive, PriceIDs: []string{"price_pro"}})
		users[id] = app.clerk.AddUser(clerkfake.UserSpec{Email: id + "@app.test", PublicMetadata: map[string]any{"stripe_customer_id": id, "plan": "pro"}})
	}
	var started checkView
	owner.mustDo("POST", "/api/projects/"+p+"/checks", map[string]any{"scope": "full"}, 202).json(t, &started)
	app.s.checks.Wait()

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go jobs.RecheckWorker{DB: app.db, Runner: app.s.checks, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}.Run(ctx)

	// The app revokes everyone's access; Stripe then tells about each.
	for id, u := range users {
		if err := app.clerk.SetUserMetadata(u, "public_metadata", map[string]any{"stripe_customer_id": id, "plan": "free"}); err != nil {
			t.Fatal(err)
		}
	}
	url := app.srv.URL + "/api/webhooks/stripe/" + p
	first := map[string]time.Time{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for id, sub := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range events {
				kind := []string{"customer.subscription.updated", "invoice.paid", "customer.subscription.updated", "invoice.payment_succeeded"}[e]
				payload, err := f.Event(kind, "subscription", sub)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if first[id].IsZero() {
					first[id] = time.Now()
				}
				mu.Unlock()
				if st, err := stripefake.SendWebhook(ctx, http.DefaultClient, url, testWebhookSecret, payload); err != nil || st != 200 {
					t.Errorf("delivery: %d %v", st, err)
				}
			}
		}()
	}
	wg.Wait()
	// Poll SQLite for each customer's incident.
	seen := map[string]time.Duration{}
	deadline := time.Now().Add(30 * time.Second)
	for len(seen) < customers && time.Now().Before(deadline) {
		items, _, err := app.db.ListIncidents(ctx, p, db.IncidentFilter{Kind: "paid_without_access", Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		for _, i := range items {
			if _, ok := seen[i.CustomerID]; !ok {
				mu.Lock()
				seen[i.CustomerID] = now.Sub(first[i.CustomerID])
				mu.Unlock()
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	if len(seen) != customers {
		t.Fatalf("%d of %d verdicts arrived", len(seen), customers)
	}
	var lat []time.Duration
	for _, d := range seen {
		lat = append(lat, d)
	}
	slices.Sort(lat)
	checks, err := app.db.ListChecks(ctx, p, 500, "")
	if err != nil {
		t.Fatal(err)
	}
	rechecked := 0
	for _, c := range checks {
		if c.Trigger == "webhook" {
			rechecked += len(c.CustomerIDs)
		}
	}
	if rechecked != customers {
		t.Errorf("%d customers re-checked for %d customers × %d events: a burst was not coalesced", rechecked, customers, events)
	}
	if budget == "" {
		budget = "none"
	}
	fmt.Printf("webhook → verdict (Stripe budget %s): %d customers × %d events: p50 %s, p95 %s, max %s; %d customers re-checked in %d webhook checks\n",
		budget, customers, events, lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)*95/100].Round(time.Millisecond),
		lat[len(lat)-1].Round(time.Millisecond), rechecked, len(checks)-1)
}
