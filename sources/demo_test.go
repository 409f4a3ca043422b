package sources_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"parityrail/sources"
	"path/filepath"
	"testing"

	"parityrail/db"
	"parityrail/demo/world"
	"parityrail/vault"
)

// A demo project reads its own in-process world with the world's keys, and
// only where a demo world is served; a mixed stack is refused.
func TestOpenerDemo(t *testing.T) {
	ctx := context.Background()
	store, err := db.Open(filepath.Join(t.TempDir(), "parityrail.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	v, err := vault.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	owner, err := store.CreateOwner(ctx, "owner@example.com", "Owner", "x")
	if err != nil {
		t.Fatal(err)
	}
	p, err := store.CreateProject(ctx, "Demo project")
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(world.ClerkMapping())
	if err := store.SwitchStack(ctx, p.ID, p.Name, "demo", "demo", owner.ID, string(doc)); err != nil {
		t.Fatal(err)
	}
	if p, err = store.GetProject(ctx, p.ID); err != nil {
		t.Fatal(err)
	}

	// Without a demo world (the CLI): a clear refusal.
	_, err = (&sources.Opener{DB: store, Vault: v}).Open(ctx, p)
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
	if err := store.SaveStack(ctx, p.ID, p.Name, "demo", "clerk", owner.ID); err != nil {
		t.Fatal(err)
	}
	p, _ = store.GetProject(ctx, p.ID)
	_, err = o.Open(ctx, p)
	if !errors.As(err, &se) || se.Code != sources.CodeDemoMixed {
		t.Errorf("mixed stack: %v", err)
	}
}
