package world

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"slices"
	"testing"
	"time"

	"parityrail/billing"
	"parityrail/fulfillment"
	"parityrail/mapping"
	"parityrail/testutil/pgtest"
)

var update = flag.Bool("update", false, "rewrite manifest.json and app.sql from the world table")

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.StopThrowaway()
	os.Exit(code)
}

// The embedded files are the table's own serialisations.
func TestGeneratedFiles(t *testing.T) {
	rows := table()
	manifest, err := json.MarshalIndent(manifestOf(rows), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	manifest = append(manifest, '\n')
	sql := renderSQL(rows, sqlTime{})
	if *update {
		if err := os.WriteFile("manifest.json", manifest, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("app.sql", []byte(sql), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(manifest, ManifestJSON()) {
		t.Error("manifest.json is stale: run go test ./demo/world -run TestGeneratedFiles -update")
	}
	if sql != AppSQL() {
		t.Error("app.sql is stale: run go test ./demo/world -run TestGeneratedFiles -update")
	}
	loaded, err := LoadManifest()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(loaded, manifestOf(rows)) {
		t.Error("manifest.json does not read back as the table's manifest")
	}
}

func TestManifestShape(t *testing.T) {
	m := Build(time.Now()).Manifest
	counts := m.Counts()
	for _, k := range Kinds() {
		if counts[k] == 0 {
			t.Errorf("no %s incident in the world", k)
		}
	}
	held := 0
	keys := map[string]bool{}
	for _, e := range m.Entries {
		if keys[e.Key] {
			t.Errorf("duplicate key %s", e.Key)
		}
		keys[e.Key] = true
		if e.Customer == "customer" && len(e.Incidents) == 0 {
			held++
		}
		if e.Why == "" {
			t.Errorf("%s: say why", e.Key)
		}
	}
	if n := len(m.Customers()); n < 55 || n > 65 {
		t.Errorf("%d Stripe customers, want about 60", n)
	}
	if held < 25 {
		t.Errorf("only %d customers whose promise holds", held)
	}
	t.Logf("%d customers (%d hold), %d incidents: %v", len(m.Customers()), held, m.Total(), counts)
}

func TestBuildIsDeterministic(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	a, b := Build(now), Build(now)
	if a.SQL != b.SQL || !reflect.DeepEqual(a.Manifest, b.Manifest) {
		t.Fatal("two builds differ")
	}
	ctx := context.Background()
	sa, sb := serveWorld(t, a).stripe, serveWorld(t, b).stripe
	ra, err := sa.ReadAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := sb.ReadAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ra, rb) {
		t.Fatal("two builds serve different Stripe accounts")
	}
}

func TestMappingsAreValid(t *testing.T) {
	for name, m := range map[string]mapping.Mapping{"clerk": ClerkMapping(), "postgres": PostgresMapping()} {
		if _, err := mapping.ValidatePlans(m.Plans); err != nil {
			t.Errorf("%s plans: %v", name, err)
		}
		if err := mapping.ValidatePolicy(m.Policy); err != nil {
			t.Errorf("%s policy: %v", name, err)
		}
		if !m.Access.StripeEntitlements {
			t.Errorf("%s: entitlements not compared", name)
		}
	}
	a, err := mapping.ValidateClerkAccess(ClerkMapping().Access)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, ClerkMapping().Access) {
		t.Errorf("the Clerk access mapping is not in its normal form: %+v", a)
	}
}

// The fakes serve the whole world through the real connectors.
func TestFakesServeTheWorld(t *testing.T) {
	s := serve(t, time.Now())
	ctx := context.Background()
	m := s.w.Manifest

	listed := 0
	if err := s.stripe.ListCustomers(ctx, func(billing.Customer) error { listed++; return nil }); err != nil {
		t.Fatal(err)
	}
	all, err := s.stripe.ReadAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(m.Customers()) || listed != len(all)-1 {
		t.Errorf("Stripe lists %d customers and ReadAll finds %d; the manifest has %d (one deleted)", listed, len(all), len(m.Customers()))
	}

	entry := map[string]Entry{}
	for _, e := range m.Entries {
		entry[e.CustomerID] = e
	}
	now := s.w.Now
	statuses := map[string]int{}
	var deleted, multi, capEnd, pauseColl, pendingIncomplete, oldIncomplete, graceIn, graceOut int
	for _, cb := range all {
		e, ok := entry[cb.Customer.ID]
		if !ok {
			t.Errorf("Stripe has customer %s, the manifest doesn't", cb.Customer.ID)
			continue
		}
		if cb.Customer.Deleted {
			deleted++
			if e.Customer != "deleted" {
				t.Errorf("%s is deleted in Stripe but not in the manifest", e.Key)
			}
		} else if cb.Customer.Email != e.Email || cb.Customer.Name != e.Name {
			t.Errorf("%s: Stripe has %s <%s>", e.Key, cb.Customer.Name, cb.Customer.Email)
		}
		if len(cb.Subscriptions) > 1 {
			multi++
		}
		var got []string
		for _, sub := range cb.Subscriptions {
			got = append(got, sub.Status)
			statuses[sub.Status]++
			switch {
			case sub.Status == fulfillment.StatusActive && sub.CancelAtPeriodEnd && sub.CurrentPeriodEnd.After(now):
				capEnd++
			case sub.Status == fulfillment.StatusActive && sub.PauseCollection:
				pauseColl++
			case sub.Status == fulfillment.StatusIncomplete && now.Sub(sub.Created) < 23*time.Hour:
				pendingIncomplete++
			case sub.Status == fulfillment.StatusIncomplete:
				oldIncomplete++
			case sub.Status == fulfillment.StatusPastDue && now.Sub(sub.LatestInvoice.Created) < 14*24*time.Hour:
				graceIn++
			case sub.Status == fulfillment.StatusPastDue:
				graceOut++
			}
		}
		want := slices.Clone(e.Statuses)
		if e.Customer == "deleted" {
			for i := range want {
				want[i] = fulfillment.StatusCanceled // deleting a customer cancels its subscriptions
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: Stripe has subscriptions %v, the manifest says %v", e.Key, got, want)
		}
	}
	for _, st := range []string{fulfillment.StatusActive, fulfillment.StatusTrialing, fulfillment.StatusPastDue, fulfillment.StatusUnpaid,
		fulfillment.StatusPaused, fulfillment.StatusIncomplete, fulfillment.StatusIncompleteExpired, fulfillment.StatusCanceled} {
		if statuses[st] == 0 {
			t.Errorf("no %s subscription", st)
		}
	}
	for what, n := range map[string]int{"deleted customer": deleted, "customer with several subscriptions": multi,
		"active subscription canceling at period end": capEnd, "active subscription with pause_collection": pauseColl,
		"pending incomplete subscription": pendingIncomplete, "incomplete subscription past 23 h": oldIncomplete,
		"past_due within the grace": graceIn, "past_due beyond the grace": graceOut} {
		if n == 0 {
			t.Errorf("no %s", what)
		}
	}
	t.Logf("subscriptions by status: %v", statuses)

	// An unmapped price is in use, and a few customers have entitlements.
	prices, err := s.stripe.PricesInUse(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mapped := map[string]bool{}
	for _, r := range Plans().Rows {
		mapped[r.PriceID], mapped["lookup:"+r.LookupKey] = true, true
	}
	unmapped := 0
	for _, p := range prices {
		if !mapped[p.PriceID] && !mapped["lookup:"+p.LookupKey] {
			unmapped++
		}
	}
	if unmapped == 0 {
		t.Error("no unmapped price in use")
	}
	withEnts := 0
	for _, cb := range all {
		if cb.Customer.Deleted {
			continue
		}
		ents, err := s.stripe.ActiveEntitlements(ctx, cb.Customer.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ents) > 0 {
			withEnts++
		}
	}
	if withEnts < 3 {
		t.Errorf("%d customers with entitlements, want a few", withEnts)
	}

	// Clerk holds every app subject of the table.
	subjects := clerkSubjects(t, s.clerk, ClerkMapping().Access)
	byID := map[string]fulfillment.Subject{}
	for _, sj := range subjects {
		byID[sj.ID] = sj
	}
	n := 0
	for _, e := range m.Entries {
		for _, sj := range e.Subjects {
			n++
			got, ok := byID[sj.ID]
			if !ok || got.Kind != sj.Kind || got.CustomerID != e.CustomerID {
				t.Errorf("%s: Clerk subject %s is %+v", e.Key, sj.ID, got)
			}
		}
	}
	if len(subjects) != n {
		t.Errorf("Clerk has %d subjects, the manifest %d", len(subjects), n)
	}
	if v := s.w.Stripe.Violations(); len(v) > 0 {
		t.Errorf("non-GET requests to Stripe: %v", v)
	}
	if v := s.w.Clerk.Violations(); len(v) > 0 {
		t.Errorf("non-GET requests to Clerk: %v", v)
	}
}

// Serve stops serving when its context ends.
func TestServeStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	w := Build(time.Now())
	base, _, err := Serve(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	bc, err := billing.New(billing.Config{Key: StripeKey, APIBase: base, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := bc.ListCustomers(ctx, func(billing.Customer) error { return nil }); err != nil {
		t.Fatal(err)
	}
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for bc.ListCustomers(context.Background(), func(billing.Customer) error { return nil }) == nil {
		if time.Now().After(deadline) {
			t.Fatal("still serving after the context ended")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The product's comparison over the Clerk flavour finds exactly the
// manifest's incidents — now, and at any other moment the world is built for.
func TestClerkFindingsMatchManifest(t *testing.T) {
	for _, now := range []time.Time{time.Now(), time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} {
		t.Run(now.Format("2006-01-02"), func(t *testing.T) {
			s := serve(t, now)
			bills := readBilling(t, s.stripe)
			subjects := clerkSubjects(t, s.clerk, s.w.ClerkMapping.Access)
			got := evaluate(t, s.stripe, bills, subjects, s.w.ClerkMapping, s.w.Now)
			diffIncidents(t, s.w.Manifest, got)
		})
	}
}
