package world

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"parityrail/access/sqlite"
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
	subjects := appSubjects(t, src, s.w)
	got := evaluate(t, s.stripe, readBilling(t, s.stripe), subjects, s.w.PostgresMapping, s.w.Now)
	diffIncidents(t, s.w.Manifest, got)

	linkedAsInClerk(t, s, "SQLite", subjects)
	for _, sj := range subjects {
		if sj.Table != SQLSchema+".profiles" && sj.Table != SQLSchema+".organizations" {
			t.Errorf("row %s#%s: table %q", sj.Table, sj.ID, sj.Table)
		}
	}
}
