package db

import "testing"

func TestReadinessParts(t *testing.T) {
	d := newTestStore(t)
	ctx := t.Context()
	latest, err := LatestMigration()
	if err != nil || latest < 12 {
		t.Fatalf("latest migration %d %v", latest, err)
	}
	if v, dirty, err := d.MigrationVersion(ctx); err != nil || dirty || v != latest {
		t.Errorf("fresh database at %d (dirty %v, %v), want %d", v, dirty, err, latest)
	}
	if err := d.Writable(ctx); err != nil {
		t.Fatalf("a fresh database is not writable: %v", err)
	}
	if _, err := d.write.ExecContext(ctx, `PRAGMA query_only = ON`); err != nil {
		t.Fatal(err)
	}
	if err := d.Writable(ctx); err == nil {
		t.Error("a database refusing writes reads as writable")
	}
}
