package world

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"parityrail/access/sqlite"
	"parityrail/fulfillment"
)

// The SQLite flavour (the demo's SQL app), seeded into a file and read
// through the read-only SQLite source, gives the manifest's incidents too,
// on the same subjects as Clerk and Postgres.
func TestSQLiteFindingsMatchManifest(t *testing.T) {
	s := serve(t, time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
	path := filepath.Join(t.TempDir(), "app.db")
	if err := sqlite.Seed(path, s.w.SQLite, "v1"); err != nil {
		t.Fatal(err)
	}
	if v := sqlite.SeedVersion(path); v != "v1" {
		t.Errorf("seed version = %q", v)
	}
	src, err := sqlite.Open(context.Background(), path, SQLSchema)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var subjects []fulfillment.Subject
	if err := src.ReadSubjects(context.Background(), s.w.PostgresMapping.Postgres(), func(sj fulfillment.Subject) error {
		subjects = append(subjects, sj)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got := evaluate(t, s.stripe, readBilling(t, s.stripe), subjects, s.w.PostgresMapping, s.w.Now)
	diffIncidents(t, s.w.Manifest, got)

	clerkLinks := map[string]string{}
	for _, sj := range clerkSubjects(t, s.clerk, s.w.ClerkMapping.Access) {
		clerkLinks[sj.ID] = sj.CustomerID
	}
	if len(subjects) != len(clerkLinks) {
		t.Errorf("SQLite has %d subjects, Clerk %d", len(subjects), len(clerkLinks))
	}
	for _, sj := range subjects {
		if cid, ok := clerkLinks[sj.ID]; !ok || cid != sj.CustomerID {
			t.Errorf("row %s#%s is linked to %q; in Clerk: %q (present %v)", sj.Table, sj.ID, sj.CustomerID, cid, ok)
		}
		if sj.Table != SQLSchema+".profiles" && sj.Table != SQLSchema+".organizations" {
			t.Errorf("row %s#%s: table %q", sj.Table, sj.ID, sj.Table)
		}
	}
}
