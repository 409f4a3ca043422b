package jobs

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"parityrail/sources"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"parityrail/check"
	"parityrail/db"
	"parityrail/demo/clerkfake"
	"parityrail/demo/stripefake"
	"parityrail/fulfillment"
	"parityrail/mapping"
	"parityrail/testutil/storetest"
	"parityrail/vault"
)

const jobsStripeKey = "sk_test_parityrailJobsWorld000000001"

type jobsWorld struct {
	store   *db.DB
	runner  *check.Runner
	project string
	path    string
	log     *slog.Logger
}

// newJobsWorld is an onboarded Clerk project with two customers, one of
// them paid without access.
func newJobsWorld(t *testing.T) *jobsWorld {
	t.Helper()
	store, path := storetest.Open(t)
	v, _ := vault.New(bytes.Repeat([]byte{3}, 32))
	sf := stripefake.New()
	sf.AddKey(jobsStripeKey)
	ss := httptest.NewServer(sf)
	t.Cleanup(ss.Close)
	cf := clerkfake.New(clerkfake.Options{})
	cs := httptest.NewServer(cf)
	t.Cleanup(cs.Close)
	sf.AddPrice(stripefake.PriceSpec{ID: "price_pro", ProductName: "Pro", UnitAmount: 100})
	for _, c := range []struct{ id, plan string }{{"cus_ok", "pro"}, {"cus_bad", "free"}} {
		sf.AddCustomer(stripefake.CustomerSpec{ID: c.id})
		sf.MustAddSubscription(stripefake.SubscriptionSpec{CustomerID: c.id, PriceIDs: []string{"price_pro"}})
		cf.AddUser(clerkfake.UserSpec{Email: c.id + "@app.test", PublicMetadata: map[string]any{"stripe_customer_id": c.id, "plan": c.plan}})
	}
	ctx := context.Background()
	owner, _ := store.CreateOwner(ctx, "o@example.com", "O", "x")
	p, _ := store.CreateProject(ctx, "Jobs")
	store.SaveStack(ctx, p.ID, "Jobs", "stripe", "clerk", owner.ID)
	sealed, _ := v.Seal(jobsStripeKey)
	store.ConnectBilling(ctx, db.Connection{ProjectID: p.ID, Kind: "stripe", SealedSecret: sealed, Label: "x", ConnectedBy: owner.ID})
	sealed, _ = v.Seal(clerkfake.DefaultSecretKey)
	store.ConnectAccessSource(ctx, db.Connection{ProjectID: p.ID, Kind: "clerk", SealedSecret: sealed, Label: "x", ConnectedBy: owner.ID})
	pol := fulfillment.DefaultPolicy()
	doc, _ := json.Marshal(mapping.Mapping{Identity: &mapping.Identity{Automatic: true},
		Plans:  &fulfillment.PlanMapping{NoPlanValue: "free", Rows: []fulfillment.PlanRow{{PriceID: "price_pro", AppValue: "pro"}}},
		Access: &mapping.Access{Users: mapping.Fields{StripeCustomerID: "public_metadata.stripe_customer_id", Plan: "public_metadata.plan"}},
		Policy: &pol})
	store.SaveMapping(ctx, p.ID, string(doc), owner.ID, 4, 5, 6)
	raw, _ := sql.Open("sqlite3", path)
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE projects SET onboarded_at = ? WHERE id = ?`, time.Now().UTC().Format(time.RFC3339Nano), p.ID); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := &check.Runner{DB: store, Log: log, Opener: &sources.Opener{DB: store, Vault: v, StripeAPIBase: ss.URL, ClerkAPIBase: cs.URL + "/v1", StripeRate: 1e6}}
	t.Cleanup(r.Wait)
	return &jobsWorld{store: store, runner: r, project: p.ID, path: path, log: log}
}

func (w *jobsWorld) checks(t *testing.T) []db.Check {
	t.Helper()
	w.runner.Wait()
	list, err := w.store.ListChecks(context.Background(), w.project, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestScheduledChecks(t *testing.T) {
	w := newJobsWorld(t)
	ctx := context.Background()
	now := time.Date(2025, 6, 15, 2, 30, 0, 0, time.UTC)
	j := ScheduledChecks{DB: w.store, Runner: w.runner, Log: w.log, Now: func() time.Time { return now }}

	step := func(at time.Time) {
		t.Helper()
		now = at
		if err := j.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	step(now) // first sight: the schedules' clocks start
	if n := len(w.checks(t)); n != 0 {
		t.Fatalf("checks at first sight: %d", n)
	}
	// 03:00: the daily full check; the hourly recent one due at the same
	// minute is skipped (the full check covers it).
	step(time.Date(2025, 6, 15, 3, 0, 10, 0, time.UTC))
	list := w.checks(t)
	if len(list) != 1 || list[0].Scope != "full" || list[0].Trigger != "schedule" || list[0].Status != "finished" || list[0].Counts.Opened != 1 {
		t.Fatalf("03:00: %+v", list)
	}
	step(time.Date(2025, 6, 15, 3, 30, 0, 0, time.UTC))
	if n := len(w.checks(t)); n != 1 {
		t.Fatalf("03:30 ran a check: %d", n)
	}
	step(time.Date(2025, 6, 15, 4, 0, 5, 0, time.UTC))
	list = w.checks(t)
	if len(list) != 2 || list[0].Scope != "recent" || list[0].Status != "finished" || list[0].Counts.Checked != 1 {
		t.Fatalf("04:00: %+v", list[0])
	}
	// A check still running at 05:00: the recent check skips this hour.
	running, err := w.store.BeginCheck(ctx, db.Check{ProjectID: w.project, Scope: "full", Trigger: "person"}, "x")
	if err != nil {
		t.Fatal(err)
	}
	step(time.Date(2025, 6, 15, 5, 0, 5, 0, time.UTC))
	if list = w.checks(t); len(list) != 3 || list[0].ID != running.ID {
		t.Fatalf("05:00 with a running check: %+v", list[0])
	}
	endRunning(t, w.store)
	step(time.Date(2025, 6, 15, 5, 30, 0, 0, time.UTC))
	if n := len(w.checks(t)); n != 3 {
		t.Fatalf("05:30: the skipped run must not be caught up: %d", n)
	}

	// Edited and disabled schedules are honoured.
	if err := w.store.SaveSchedule(ctx, db.Schedule{ProjectID: w.project, Kind: "recent", Spec: "0 * * * *", Enabled: false}); err != nil {
		t.Fatal(err)
	}
	if err := w.store.SaveSchedule(ctx, db.Schedule{ProjectID: w.project, Kind: "full", Spec: "45 5 * * *", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	step(time.Date(2025, 6, 15, 5, 45, 0, 0, time.UTC))
	list = w.checks(t)
	if len(list) != 4 || list[0].Scope != "full" {
		t.Fatalf("05:45 edited schedule: %+v", list[0])
	}
	step(time.Date(2025, 6, 15, 6, 0, 0, 0, time.UTC))
	if n := len(w.checks(t)); n != 4 {
		t.Fatalf("disabled recent check ran: %d", n)
	}
}

// A burst of events for one customer is one re-check; a check running for
// the project defers the queue without losing it.
func TestRecheckWorkerCoalescesAndWaits(t *testing.T) {
	w := newJobsWorld(t)
	ctx := context.Background()
	for i, typ := range []string{"checkout.session.completed", "customer.subscription.created", "invoice.paid"} {
		if _, err := w.store.RecordWebhookEvent(ctx, w.project, db.WebhookEvent{ID: "evt_" + string(rune('a'+i)), Type: typ,
			CustomerID: "cus_bad", ActedOn: true, Created: time.Now()}, 0); err != nil {
			t.Fatal(err)
		}
	}
	due, _ := w.store.DueRechecks(ctx, 10)
	if len(due) != 1 || due[0].Events != 3 {
		t.Fatalf("queue %+v", due)
	}
	worker := RecheckWorker{DB: w.store, Runner: w.runner, Log: w.log}

	running, _ := w.store.BeginCheck(ctx, db.Check{ProjectID: w.project, Scope: "full", Trigger: "person"}, "x")
	if err := worker.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	h, _ := w.store.GetWebhookHealth(ctx, w.project)
	if h.Queued != 1 || h.Received != 3 {
		t.Fatalf("while busy: %+v", h)
	}
	if due, _ := w.store.DueRechecks(ctx, 10); len(due) != 0 {
		t.Fatalf("deferred item still due now: %+v", due)
	}
	_ = running
	endRunning(t, w.store)
	w.store.SetClock(func() time.Time { return time.Now().UTC().Add(time.Minute) })
	if err := worker.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	list := w.checks(t)
	if list[0].Trigger != "webhook" || len(list[0].CustomerIDs) != 1 || list[0].CustomerIDs[0] != "cus_bad" || list[0].Counts.Opened != 1 {
		t.Fatalf("webhook check %+v", list[0])
	}
	if h, _ := w.store.GetWebhookHealth(ctx, w.project); h.Queued != 0 {
		t.Fatalf("queue not drained: %+v", h)
	}

	// An event arriving while the re-check ran keeps the customer queued.
	w.store.RecordWebhookEvent(ctx, w.project, db.WebhookEvent{ID: "evt_z", Type: "invoice.paid", CustomerID: "cus_ok", ActedOn: true, Created: time.Now()}, 0)
	due, _ = w.store.DueRechecks(ctx, 10)
	w.store.RecordWebhookEvent(ctx, w.project, db.WebhookEvent{ID: "evt_y", Type: "invoice.paid", CustomerID: "cus_ok", ActedOn: true, Created: time.Now()}, 0)
	if err := w.store.DoneRecheck(ctx, due[0]); err != nil {
		t.Fatal(err)
	}
	if h, _ := w.store.GetWebhookHealth(ctx, w.project); h.Queued != 1 {
		t.Fatalf("newer event lost: %+v", h)
	}
}

// endRunning ends the running checks as a restart does once their process's
// heartbeat has gone stale.
func endRunning(t *testing.T, store *db.DB) {
	t.Helper()
	store.SetClock(func() time.Time { return time.Now().UTC().Add(db.StaleCheckAfter + time.Minute) })
	defer store.SetClock(func() time.Time { return time.Now().UTC() })
	if n, err := store.FailInterruptedChecks(context.Background()); err != nil || n == 0 {
		t.Fatalf("no running check ended: %d %v", n, err)
	}
}
