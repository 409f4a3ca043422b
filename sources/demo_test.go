package sources_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"parityrail/db"
	"parityrail/demo/world"
	"parityrail/fulfillment"
	"parityrail/sources"
	"parityrail/testutil/storetest"
	"parityrail/vault"
)

// A demo project reads its own in-process world with the world's keys, and
// only where a demo world is served; a mixed stack is refused.
func TestOpenerDemo(t *testing.T) {
	ctx := context.Background()
	store, v, owner, p := demoProject(t, "Demo project", sources.SourceDemo, world.ClerkMapping())

	// Without a demo world (the CLI): a clear refusal.
	_, err := (&sources.Opener{DB: store, Vault: v}).Open(ctx, p)
	var se *sources.SourceError
	if !errors.As(err, &se) || se.Code != "demo_unavailable" {
		t.Fatalf("demo project without a demo world: %v", err)
	}

	host, err := world.StartHost()
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	o := &sources.Opener{DB: store, Vault: v, StripeAPIBase: "http://127.0.0.1:1", ClerkAPIBase: "http://127.0.0.1:1/v1",
		Demo: &sources.Demo{StripeKey: world.StripeKey, ClerkKey: world.ClerkSecretKey, Bases: host.Bases}}
	src, err := o.Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	customers, err := src.Billing.ReadAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := world.LoadManifest()
	if len(customers) != len(m.Customers()) {
		t.Errorf("read %d demo customers, the world has %d", len(customers), len(m.Customers()))
	}
	if host.Requests() == 0 {
		t.Error("the demo billing did not read the demo world")
	}

	// A stack mixing demo data with a real source cannot be opened.
	if err := store.SaveStack(ctx, p.ID, p.Name, "demo", "clerk", owner); err != nil {
		t.Fatal(err)
	}
	p, _ = store.GetProject(ctx, p.ID)
	_, err = o.Open(ctx, p)
	if !errors.As(err, &se) || se.Code != sources.CodeDemoMixed {
		t.Errorf("mixed stack: %v", err)
	}
}

// A demo project on the SQL app reads an SQLite file of its own, seeded
// from its world, through a read-only connection; its repairs go through a
// separate writer; a rebuilt world (a restart) seeds the file again, so the
// app never disagrees with its Stripe.
func TestOpenerDemoSQLApp(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, v, _, p := demoProject(t, "Demo project (SQL app)", sources.SourceDemoSQL, world.PostgresMapping())
	host, err := world.StartHost()
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	appDir := filepath.Join(dir, "demo")
	o := &sources.Opener{DB: store, Vault: v, Demo: &sources.Demo{StripeKey: world.StripeKey, ClerkKey: world.ClerkSecretKey,
		Bases: host.Bases, AppDir: appDir, AppSchema: world.SQLSchema, AppSeed: host.AppSeed}}

	readPlan := func(id string) string {
		t.Helper()
		src, err := o.Open(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		s, ok, err := src.Access.ReadSubject(ctx, "row:"+world.SQLSchema+".profiles#"+id)
		if err != nil || !ok {
			t.Fatalf("read %s: %v %v", id, ok, err)
		}
		return *s.Fields.Plan.Text
	}
	m, _ := world.LoadManifest()
	var priya string
	for _, e := range m.Entries {
		if e.Key == "priya" {
			priya = e.Subjects[0].ID
		}
	}
	if got := readPlan(priya); got != "free" {
		t.Fatalf("seeded plan = %q", got)
	}

	rep, err := o.Repairer(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	plan := fulfillment.RepairPlan{Kind: fulfillment.PaidWithoutAccess, SubjectKind: fulfillment.SubjectRow, SubjectID: priya,
		Table: world.SQLSchema + ".profiles", Fields: []fulfillment.FieldChange{{Field: "plan", Path: "plan", Before: "free", After: "pro"}}}
	if _, err := rep.ApplyRepair(ctx, world.PostgresMapping().Postgres(), plan); err != nil {
		t.Fatal(err)
	}
	rep.Close()
	if got := readPlan(priya); got != "pro" {
		t.Errorf("repaired plan = %q", got)
	}
	// The same world: the repair stays. A rebuilt world: the app is seeded again.
	host.Reset(p.ID)
	if got := readPlan(priya); got != "free" {
		t.Errorf("after the world was rebuilt the plan is %q, want the seed's", got)
	}
	if err := o.ForgetDemoApp(p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(appDir, p.ID+".db")); !os.IsNotExist(err) {
		t.Errorf("forgotten app file: %v", err)
	}
}

// demoProject is a fresh store holding one demo project whose app is
// access, mapped by m: the store, its vault, the owner's id and the project.
func demoProject(t *testing.T, name, access string, m any) (*db.DB, *vault.Vault, string, db.Project) {
	t.Helper()
	ctx := context.Background()
	store, _ := storetest.Open(t)
	owner, p := storetest.OwnerProject(t, store, name)
	doc, _ := json.Marshal(m)
	if err := store.SwitchStack(ctx, p.ID, p.Name, sources.SourceDemo, access, owner.ID, string(doc)); err != nil {
		t.Fatal(err)
	}
	p, err := store.GetProject(ctx, p.ID)
	if err != nil || p.AccessSource != access {
		t.Fatalf("project = %+v, %v", p, err)
	}
	return store, storetest.Vault(t), owner.ID, p
}
