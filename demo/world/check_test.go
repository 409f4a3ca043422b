package world_test

// A real full check of the demo world — the check engine with its SQLite
// store, reading the served fakes (and Postgres) through the real connectors
// — files exactly the manifest's incidents. This is an external test package
// so the engine may depend on demo/world without an import cycle.

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"parityrail/sources"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"parityrail/check"
	"parityrail/db"
	"parityrail/demo/world"
	"parityrail/fulfillment"
	"parityrail/mapping"
	"parityrail/testutil/pgtest"
	"parityrail/testutil/storetest"
)

func TestFullCheckClerk(t *testing.T)    { testFullCheck(t, "clerk") }
func TestFullCheckPostgres(t *testing.T) { testFullCheck(t, "postgres") }

func testFullCheck(t *testing.T, access string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := world.Build(time.Now())
	stripeBase, clerkBase, err := world.Serve(ctx, w)
	if err != nil {
		t.Fatal(err)
	}

	store, _ := storetest.Open(t)
	v := storetest.Vault(t)
	owner, p := storetest.OwnerProject(t, store, "Acme Analytics (demo)")
	if err := store.SaveStack(ctx, p.ID, p.Name, "stripe", access, owner.ID); err != nil {
		t.Fatal(err)
	}
	seal := func(s string) string {
		out, err := v.Seal(s)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if err := store.ConnectBilling(ctx, db.Connection{ProjectID: p.ID, Kind: "stripe", SealedSecret: seal(world.StripeKey),
		Label: "rk_test_…0000", ConnectedBy: owner.ID}); err != nil {
		t.Fatal(err)
	}

	var m mapping.Mapping
	switch access {
	case "clerk":
		m = w.ClerkMapping
		err = store.ConnectAccessSource(ctx, db.Connection{ProjectID: p.ID, Kind: "clerk", SealedSecret: seal(world.ClerkSecretKey),
			Label: "sk_test_…0000", ConnectedBy: owner.ID})
	case "postgres":
		m = w.PostgresMapping
		url := pgtest.NewDatabase(t)
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, w.SQL); err != nil {
			t.Fatal(err)
		}
		conn.Close(ctx)
		err = store.ConnectAccessSource(ctx, db.Connection{ProjectID: p.ID, Kind: "postgres", SealedSecret: seal(url),
			Label: "127.0.0.1 / demo", ConnectedBy: owner.ID})
	}
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(m)
	if err := store.SaveMapping(ctx, p.ID, string(doc), owner.ID, 4, 5, 6); err != nil {
		t.Fatal(err)
	}

	runner := &check.Runner{
		DB:     store,
		Opener: &sources.Opener{DB: store, Vault: v, StripeAPIBase: stripeBase, ClerkAPIBase: clerkBase, StripeRate: 1e9},
		Log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:    func() time.Time { return w.Now },
	}
	res, err := runner.Run(ctx, check.Request{ProjectID: p.ID, Scope: check.ScopeFull})
	if err != nil {
		t.Fatal(err)
	}
	if res.Check.Status == "failed" {
		t.Fatalf("the check failed: %s", res.Check.Error)
	}

	var got []world.Incident
	for cursor := ""; ; {
		page, next, err := store.ListIncidents(ctx, p.ID, db.IncidentFilter{Statuses: db.ActiveStatuses, Cursor: cursor, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range page {
			subject := i.SubjectID
			if i.SubjectKind == string(fulfillment.SubjectRow) {
				// Rows are named table#pk; the world's primary keys are the Clerk ids.
				_, subject, _ = strings.Cut(subject, "#")
			}
			got = append(got, world.Incident{Kind: fulfillment.Kind(i.Kind), CustomerID: i.CustomerID, SubjectID: subject})
		}
		if next == "" {
			break
		}
		cursor = next
	}
	world.SortIncidents(got)
	want := w.Manifest.Incidents()
	wantSet, gotSet := map[world.Incident]bool{}, map[world.Incident]bool{}
	for _, i := range want {
		wantSet[i] = true
	}
	for _, i := range got {
		if gotSet[i] {
			t.Errorf("filed twice: %s", i)
		}
		gotSet[i] = true
		if !wantSet[i] {
			t.Errorf("unexpected incident: %s", i)
		}
	}
	for _, i := range want {
		if !gotSet[i] {
			t.Errorf("missing incident: %s", i)
		}
	}

	counts := map[string]int{}
	for k, n := range w.Manifest.Counts() {
		counts[string(k)] = n
	}
	for k, n := range counts {
		if res.Summary.Kinds[k] != n {
			t.Errorf("summary counts %d %s, the manifest %d", res.Summary.Kinds[k], k, n)
		}
	}
	if res.Summary.Customers != len(w.Manifest.Customers()) {
		t.Errorf("summary read %d customers, the world has %d", res.Summary.Customers, len(w.Manifest.Customers()))
	}
	t.Logf("%s: %d incidents in %d ms, %d Stripe requests; summary %+v", access, len(got), res.Summary.DurationMS, res.Summary.StripeRequests, res.Summary)
}
