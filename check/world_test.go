package check

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"parityrail/sources"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	stripe "github.com/stripe/stripe-go/v76"

	"parityrail/db"
	"parityrail/demo/clerkfake"
	"parityrail/demo/stripefake"
	"parityrail/fulfillment"
	"parityrail/mapping"
	"parityrail/testutil/pgtest"
	"parityrail/testutil/storetest"
	"parityrail/vault"
)

// T0 is the test world's "now".
var T0 = time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

const testStripeKey = "sk_test_parityrailCheckWorld000000001"

// app is the access-state side of a test world: Clerk or Postgres.
type app interface {
	// add creates a user (or organization when s.org) and returns its label
	// (the email, or the organization's name).
	add(t *testing.T, s subj)
	// setPlan changes a user's plan, as a person fixing it would.
	setPlan(t *testing.T, label, plan string)
}

// subj is one app user or organization of a test world.
type subj struct {
	org      bool
	label    string // user email or organization name
	customer string
	plan     *string
	trialEnd *time.Time
	ents     map[string]bool
	premium  *bool
}

func str(s string) *string { return &s }
func yes(b bool) *bool     { return &b }
func at(d time.Duration) *time.Time {
	t := T0.Add(d)
	return &t
}

// world is a project whose Stripe is the fake and whose app is Clerk or
// Postgres, with a real SQLite store and a runner.
type world struct {
	t         *testing.T
	store     *db.DB
	stripe    *stripefake.Server
	stripeURL string
	app       app
	project   db.Project
	runner    *Runner
	owner     db.User
	dbPath    string
	vault     *vault.Vault
	opener    *sources.Opener
	subs      map[string]string // customer → its last subscription id
}

func newWorld(t *testing.T, access string) *world {
	t.Helper()
	store, path := storetest.Open(t)
	store.SetClock(func() time.Time { return T0 })
	v := storetest.Vault(t)
	sf := stripefake.New()
	sf.AddKey(testStripeKey)
	sf.SetClock(func() time.Time { return T0 })
	ss := httptest.NewServer(sf)
	t.Cleanup(ss.Close)

	ctx := context.Background()
	owner, p := storetest.OwnerProject(t, store, "World")
	if err := store.SaveStack(ctx, p.ID, "World", "stripe", access, owner.ID); err != nil {
		t.Fatal(err)
	}
	sealed, _ := v.Seal(testStripeKey)
	whsec, _ := v.Seal("whsec_testworldsecret")
	if err := store.ConnectBilling(ctx, db.Connection{ProjectID: p.ID, Kind: "stripe", SealedSecret: sealed, SealedExtra: whsec,
		Label: "sk_test_…0001", ConnectedBy: owner.ID}); err != nil {
		t.Fatal(err)
	}

	w := &world{t: t, store: store, stripe: sf, stripeURL: ss.URL, owner: owner, dbPath: path, vault: v}
	opener := &sources.Opener{DB: store, Vault: v, StripeAPIBase: ss.URL, StripeRate: 1e9}
	var m mapping.Mapping
	switch access {
	case "clerk":
		cf := clerkfake.New(clerkfake.Options{Now: func() time.Time { return T0 }})
		cs := httptest.NewServer(cf)
		t.Cleanup(cs.Close)
		opener.ClerkAPIBase = cs.URL + "/v1"
		sealed, _ := v.Seal(clerkfake.DefaultSecretKey)
		if err := store.ConnectAccessSource(ctx, db.Connection{ProjectID: p.ID, Kind: "clerk", SealedSecret: sealed, Label: "sk_test_…0000", ConnectedBy: owner.ID}); err != nil {
			t.Fatal(err)
		}
		w.app = &clerkApp{fake: cf, ids: map[string]string{}}
		m.Identity = &mapping.Identity{Automatic: true}
		m.Access = &mapping.Access{
			Users: mapping.Fields{StripeCustomerID: "public_metadata.stripe_customer_id", Plan: "public_metadata.plan",
				TrialEnd: "public_metadata.trial_ends_at", Entitlements: "private_metadata.features"},
			Organizations:      &mapping.Fields{StripeCustomerID: "public_metadata.stripe_customer_id", Premium: "public_metadata.premium"},
			StripeEntitlements: true,
		}
	case "postgres":
		url := pgtest.NewDatabase(t)
		pa := newPostgresApp(t, url)
		w.app = pa
		sealed, _ := v.Seal(url)
		if err := store.ConnectAccessSource(ctx, db.Connection{ProjectID: p.ID, Kind: "postgres", SealedSecret: sealed, Label: "localhost / test", ConnectedBy: owner.ID}); err != nil {
			t.Fatal(err)
		}
		m.Identity = &mapping.Identity{BillingField: mapping.BillingCustomerID, Table: "app_users", Column: "stripe_customer_id",
			Organizations: &mapping.Identity{BillingField: mapping.BillingCustomerID, Table: "app_orgs", Column: "stripe_customer_id"}}
		m.Access = &mapping.Access{
			Users:              mapping.Fields{Plan: "plan", TrialEnd: "trial_ends_at", Entitlements: "features", Email: "email"},
			Organizations:      &mapping.Fields{Premium: "is_premium", Name: "name"},
			StripeEntitlements: true,
		}
	}
	m.Plans = &fulfillment.PlanMapping{NoPlanValue: "free", Rows: []fulfillment.PlanRow{
		{PriceID: "price_pro", AppValue: "pro"}, {PriceID: "price_basic", AppValue: "basic"}}}
	pol := fulfillment.DefaultPolicy()
	m.Policy = &pol
	doc, _ := json.Marshal(m)
	if err := store.SaveMapping(ctx, p.ID, string(doc), owner.ID, 4, 5, 6); err != nil {
		t.Fatal(err)
	}
	w.project, _ = store.GetProject(ctx, p.ID)
	w.opener, w.subs = opener, map[string]string{}
	w.runner = &Runner{DB: store, Opener: opener, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return T0 }, BatchSize: 7, ProgressEvery: 10 * time.Millisecond}
	return w
}

// --- Clerk ---

type clerkApp struct {
	fake *clerkfake.Server
	ids  map[string]string // label → id
	meta map[string]map[string]any
}

func (a *clerkApp) add(t *testing.T, s subj) {
	pub := map[string]any{}
	if s.customer != "" {
		pub["stripe_customer_id"] = s.customer
	}
	if s.org {
		if s.premium != nil {
			pub["premium"] = *s.premium
		}
		a.ids[s.label] = a.fake.AddOrganization(clerkfake.OrgSpec{Name: s.label, PublicMetadata: pub})
		return
	}
	if s.plan != nil {
		pub["plan"] = *s.plan
	}
	if s.trialEnd != nil {
		pub["trial_ends_at"] = s.trialEnd.Format(time.RFC3339)
	}
	priv := map[string]any{}
	if s.ents != nil {
		feats := map[string]any{}
		for k, v := range s.ents {
			feats[k] = v
		}
		priv["features"] = feats
	}
	if a.meta == nil {
		a.meta = map[string]map[string]any{}
	}
	a.meta[s.label] = pub
	a.ids[s.label] = a.fake.AddUser(clerkfake.UserSpec{Email: s.label, PublicMetadata: pub, PrivateMetadata: priv})
}

func (a *clerkApp) setPlan(t *testing.T, label, plan string) {
	pub := a.meta[label]
	pub["plan"] = plan
	if err := a.fake.SetUserMetadata(a.ids[label], "public_metadata", pub); err != nil {
		t.Fatal(err)
	}
}

// --- Postgres ---

type postgresApp struct {
	conn *pgx.Conn
}

func newPostgresApp(t *testing.T, url string) *postgresApp {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	_, err = conn.Exec(ctx, `
		CREATE TABLE app_users (id bigserial PRIMARY KEY, email text NOT NULL, stripe_customer_id text,
			plan text, trial_ends_at timestamptz, features jsonb);
		CREATE TABLE app_orgs (id bigserial PRIMARY KEY, name text NOT NULL, stripe_customer_id text, is_premium boolean);`)
	if err != nil {
		t.Fatal(err)
	}
	return &postgresApp{conn: conn}
}

func (a *postgresApp) add(t *testing.T, s subj) {
	ctx := context.Background()
	var cust any
	if s.customer != "" {
		cust = s.customer
	}
	var err error
	if s.org {
		_, err = a.conn.Exec(ctx, `INSERT INTO app_orgs (name, stripe_customer_id, is_premium) VALUES ($1, $2, $3)`, s.label, cust, s.premium)
	} else {
		var feats any
		if s.ents != nil {
			b, _ := json.Marshal(s.ents)
			feats = string(b)
		}
		_, err = a.conn.Exec(ctx, `INSERT INTO app_users (email, stripe_customer_id, plan, trial_ends_at, features) VALUES ($1, $2, $3, $4, $5::jsonb)`,
			s.label, cust, s.plan, s.trialEnd, feats)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func (a *postgresApp) setPlan(t *testing.T, label, plan string) {
	if _, err := a.conn.Exec(context.Background(), `UPDATE app_users SET plan = $1 WHERE email = $2`, plan, label); err != nil {
		t.Fatal(err)
	}
}

// --- the world's customers ---

// newProWorld is a Postgres world whose Stripe sells one price, price_pro
// ("Pro", $49).
func newProWorld(t *testing.T) *world {
	t.Helper()
	w := newWorld(t, "postgres")
	w.stripe.AddPrice(stripefake.PriceSpec{ID: "price_pro", ProductName: "Pro", UnitAmount: 4900})
	return w
}

// subscriber adds a Stripe customer (id@billing.test, created 60 days before
// T0) subscribed since 10 days before T0 as sub says (on price_pro unless it
// names prices), and its app user id@app.test on plan; it returns the
// subscription's id.
func (w *world) subscriber(id, plan string, sub stripefake.SubscriptionSpec) string {
	w.t.Helper()
	w.stripe.AddCustomer(stripefake.CustomerSpec{ID: id, Email: id + "@billing.test", Created: T0.Add(-60 * 24 * time.Hour)})
	sub.CustomerID, sub.Created = id, T0.Add(-10*24*time.Hour)
	if len(sub.PriceIDs) == 0 {
		sub.PriceIDs = []string{"price_pro"}
	}
	subID := w.stripe.MustAddSubscription(sub)
	w.app.add(w.t, subj{label: id + "@app.test", customer: id, plan: str(plan)})
	return subID
}

// build fills the world with one customer per incident kind and per
// subscription status, and returns the incidents a full check must file as
// "customer|kind|subject label".
func (w *world) build() []string {
	t, f := w.t, w.stripe
	f.AddPrice(stripefake.PriceSpec{ID: "price_pro", LookupKey: "pro_monthly", ProductName: "Pro", UnitAmount: 4900})
	f.AddPrice(stripefake.PriceSpec{ID: "price_basic", ProductName: "Basic", UnitAmount: 900})
	f.AddPrice(stripefake.PriceSpec{ID: "price_unmapped", ProductName: "Legacy", UnitAmount: 1900})
	customer := func(id string) string {
		return f.AddCustomer(stripefake.CustomerSpec{ID: id, Email: id + "@billing.test", Created: T0.Add(-90 * 24 * time.Hour)})
	}
	sub := func(spec stripefake.SubscriptionSpec) {
		if spec.Created.IsZero() {
			spec.Created = T0.Add(-10 * 24 * time.Hour)
		}
		if len(spec.PriceIDs) == 0 {
			spec.PriceIDs = []string{"price_pro"}
		}
		w.subs[spec.CustomerID] = f.MustAddSubscription(spec)
	}
	user := func(label, cust string, plan *string) subj { return subj{label: label, customer: cust, plan: plan} }
	add := func(s subj) { w.app.add(t, s) }

	// Holding promises, one per status that matters.
	customer("cus_active_ok")
	sub(stripefake.SubscriptionSpec{CustomerID: "cus_active_ok"})
	add(user("active_ok@app.test", "cus_active_ok", str("pro")))

	customer("cus_trialing_ok")
	sub(stripefake.SubscriptionSpec{CustomerID: "cus_trialing_ok", Status: stripe.SubscriptionStatusTrialing, TrialEnd: T0.Add(7 * 24 * time.Hour)})
	add(subj{label: "trialing_ok@app.test", customer: "cus_trialing_ok", plan: str("pro"), trialEnd: at(7*24*time.Hour + time.Hour)})

	customer("cus_past_due_grace")
	sub(stripefake.SubscriptionSpec{CustomerID: "cus_past_due_grace", Status: stripe.SubscriptionStatusPastDue, InvoiceCreated: T0.Add(-3 * 24 * time.Hour)})
	add(user("past_due_grace@app.test", "cus_past_due_grace", str("pro")))

	customer("cus_unpaid")
	sub(stripefake.SubscriptionSpec{CustomerID: "cus_unpaid", Status: stripe.SubscriptionStatusUnpaid})
	add(user("unpaid@app.test", "cus_unpaid", str("free")))

	customer("cus_paused")
	sub(stripefake.SubscriptionSpec{CustomerID: "cus_paused", Status: stripe.SubscriptionStatusPaused})
	add(user("paused@app.test", "cus_paused", nil))

	customer("cus_incomplete_pending")
	sub(stripefake.SubscriptionSpec{CustomerID: "cus_incomplete_pending", Status: stripe.SubscriptionStatusIncomplete, Created: T0.Add(-2 * time.Hour)})
	add(user("incomplete_pending@app.test", "cus_incomplete_pending", str("free")))

	customer("cus_incomplete_old")
	sub(stripefake.SubscriptionSpec{CustomerID: "cus_incomplete_old", Status: stripe.SubscriptionStatusIncomplete, Created: T0.Add(-30 * time.Hour)})
	add(user("incomplete_old@app.test", "cus_incomplete_old", str("free")))

	customer("cus_incomplete_expired")
	sub(stripefake.SubscriptionSpec{CustomerID: "cus_incomplete_expired", Status: stripe.SubscriptionStatusIncompleteExpired})
	add(user("incomplete_expired@app.test", "cus_incomplete_expired", str("")))

	customer("cus_cancel_at_end")
	sub(stripefake.SubscriptionSpec{CustomerID: "cus_cancel_at_end", CancelAtPeriodEnd: true, CurrentPeriodEnd: T0.Add(5 * 24 * time.Hour)})
	add(user("cancel_at_end@app.test", "cus_cancel_at_end", str("pro")))

	customer("cus_pause_collection")
	sub(stripefake.SubscriptionSpec{CustomerID: "cus_pause_collection", PauseCollection: "void"})
	add(user("pause_collection@app.test", "cus_pause_collection", str("pro")))

	customer("cus_unmapped")
	sub(stripefake.SubscriptionSpec{CustomerID: "cus_unmapped", PriceIDs: []string{"price_unmapped"}})
	add(user("unmapped@app.test", "cus_unmapped", str("pro")))

	customer("cus_free")
	add(user("free@app.test", "cus_free", str("free")))

	customer("cus_two_subs")
	sub(stripefake.SubscriptionSpec{CustomerID: "cus_two_subs", PriceIDs: []string{"price_basic"}})
	sub(stripefake.SubscriptionSpec{CustomerID: "cus_two_subs", PriceIDs: []string{"price_pro"}})
	add(user("two_subs@app.test", "cus_two_subs", str("pro")))

	// One customer per incident kind.
	customer("cus_paid_noaccess")
	sub(stripefake.SubscriptionSpec{CustomerID: "cus_paid_noaccess"})
	add(user("paid_noaccess@app.test", "cus_paid_noaccess", str("free")))

	customer("cus_wrong_plan")
	sub(stripefake.SubscriptionSpec{CustomerID: "cus_wrong_plan"})
	add(user("wrong_plan@app.test", "cus_wrong_plan", str("basic")))

	customer("cus_canceled")
	sub(stripefake.SubscriptionSpec{CustomerID: "cus_canceled", Status: stripe.SubscriptionStatusCanceled})
	add(user("canceled@app.test", "cus_canceled", str("pro")))

	customer("cus_past_due_over")
	sub(stripefake.SubscriptionSpec{CustomerID: "cus_past_due_over", Status: stripe.SubscriptionStatusPastDue, InvoiceCreated: T0.Add(-20 * 24 * time.Hour)})
	add(user("past_due_over@app.test", "cus_past_due_over", str("pro")))

	customer("cus_trial_mismatch")
	sub(stripefake.SubscriptionSpec{CustomerID: "cus_trial_mismatch", Status: stripe.SubscriptionStatusTrialing, TrialEnd: T0.Add(7 * 24 * time.Hour)})
	add(subj{label: "trial_mismatch@app.test", customer: "cus_trial_mismatch", plan: str("pro"), trialEnd: at(2 * 24 * time.Hour)})

	customer("cus_entitlement")
	sub(stripefake.SubscriptionSpec{CustomerID: "cus_entitlement"})
	f.SetEntitlements("cus_entitlement", "api", "export")
	add(subj{label: "entitlement@app.test", customer: "cus_entitlement", plan: str("pro"), ents: map[string]bool{"export": true, "sso": false}})

	customer("cus_unmatched")
	sub(stripefake.SubscriptionSpec{CustomerID: "cus_unmatched"})

	customer("cus_ambiguous")
	sub(stripefake.SubscriptionSpec{CustomerID: "cus_ambiguous", PriceIDs: []string{"price_basic"}})
	add(user("ambiguous1@app.test", "cus_ambiguous", str("basic")))
	add(user("ambiguous2@app.test", "cus_ambiguous", str("basic")))

	customer("cus_deleted")
	sub(stripefake.SubscriptionSpec{CustomerID: "cus_deleted"})
	if err := f.DeleteCustomer("cus_deleted"); err != nil {
		t.Fatal(err)
	}
	add(user("deleted@app.test", "cus_deleted", str("pro")))

	add(user("nobody@app.test", "", str("pro")))
	add(user("ghost@app.test", "cus_doesnotexist", str("pro")))

	customer("cus_org")
	sub(stripefake.SubscriptionSpec{CustomerID: "cus_org"})
	add(subj{org: true, label: "Org Without Premium", customer: "cus_org", premium: yes(false)})

	customer("cus_org_ok")
	sub(stripefake.SubscriptionSpec{CustomerID: "cus_org_ok"})
	add(subj{org: true, label: "Org With Premium", customer: "cus_org_ok", premium: yes(true)})

	return []string{
		"cus_paid_noaccess|paid_without_access|paid_noaccess@app.test",
		"cus_wrong_plan|wrong_plan|wrong_plan@app.test",
		"cus_canceled|access_without_payment|canceled@app.test",
		"cus_past_due_over|access_without_payment|past_due_over@app.test",
		"cus_trial_mismatch|trial_mismatch|trial_mismatch@app.test",
		"cus_entitlement|entitlement_mismatch|entitlement@app.test",
		"cus_unmatched|unmatched_customer|",
		"cus_ambiguous|ambiguous_match|",
		"cus_deleted|access_without_payment|deleted@app.test",
		"|access_without_payment|nobody@app.test",
		"|access_without_payment|ghost@app.test",
		"cus_org|paid_without_access|Org Without Premium",
	}
}

// incidents lists the project's incidents with a status as
// "customer|kind|subject label".
func (w *world) incidents(statuses ...string) []string {
	w.t.Helper()
	var out []string
	for _, i := range w.listIncidents(statuses...) {
		label := i.SubjectEmail
		if label == "" {
			label = i.SubjectName
		}
		out = append(out, i.CustomerID+"|"+i.Kind+"|"+label)
	}
	sort.Strings(out)
	return out
}

// editMapping changes the project's stored mapping, as the settings pages do.
func (w *world) editMapping(edit func(*mapping.Mapping)) {
	w.t.Helper()
	ctx := context.Background()
	stored, err := w.store.GetMapping(ctx, w.project.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	var m mapping.Mapping
	if err := json.Unmarshal([]byte(stored), &m); err != nil {
		w.t.Fatal(err)
	}
	edit(&m)
	b, _ := json.Marshal(m)
	if err := w.store.SaveMapping(ctx, w.project.ID, string(b), w.owner.ID, 4, 5, 6); err != nil {
		w.t.Fatal(err)
	}
}

// listIncidents lists the project's incidents with a status.
func (w *world) listIncidents(statuses ...string) []db.Incident {
	w.t.Helper()
	list, _, err := w.store.ListIncidents(context.Background(), w.project.ID, db.IncidentFilter{Statuses: statuses, Limit: 500})
	if err != nil {
		w.t.Fatal(err)
	}
	return list
}

// finding is the finding an incident was filed with.
func (w *world) finding(incidentID string) fulfillment.Finding {
	w.t.Helper()
	inc, err := w.store.GetIncident(context.Background(), incidentID)
	if err != nil {
		w.t.Fatal(err)
	}
	var f fulfillment.Finding
	if err := json.Unmarshal(inc.Finding, &f); err != nil {
		w.t.Fatal(err)
	}
	return f
}

func (w *world) run(req Request) Result {
	w.t.Helper()
	req.ProjectID = w.project.ID
	if req.Actor == "" {
		req.Actor = w.owner.ID
		req.StartedBy = w.owner.ID
	}
	res, err := w.runner.Run(context.Background(), req)
	if err != nil {
		w.t.Fatalf("check: %v", err)
	}
	if res.Check.Status != "finished" {
		w.t.Fatalf("check %s: %s", res.Check.Status, res.Check.Error)
	}
	return res
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func diffSets(got, want []string) string {
	g, wnt := map[string]bool{}, map[string]bool{}
	for _, x := range got {
		g[x] = true
	}
	for _, x := range want {
		wnt[x] = true
	}
	var b strings.Builder
	for _, x := range want {
		if !g[x] {
			fmt.Fprintf(&b, "\n  missing: %s", x)
		}
	}
	for _, x := range got {
		if !wnt[x] {
			fmt.Fprintf(&b, "\n  unexpected: %s", x)
		}
	}
	return b.String()
}
