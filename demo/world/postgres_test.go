package world

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"parityrail/access/postgres"
	"parityrail/fulfillment"
	"parityrail/testutil/pgtest"
)

// loadSQL loads a script into a fresh database and opens the read-only
// access source on it.
func loadSQL(t *testing.T, script string) *postgres.Source {
	t.Helper()
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, script); err != nil {
		t.Fatalf("load the SQL: %v", err)
	}
	src, err := postgres.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(src.Close)
	return src
}

// appSubjects reads every subject of an SQL app (Postgres or SQLite) under
// the world's mapping.
func appSubjects(t *testing.T, src interface {
	ReadSubjects(context.Context, postgres.Mapping, func(fulfillment.Subject) error) error
}, w *World) []fulfillment.Subject {
	t.Helper()
	var out []fulfillment.Subject
	err := src.ReadSubjects(context.Background(), w.PostgresMapping.Postgres(), func(s fulfillment.Subject) error {
		out = append(out, s)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// linkedAsInClerk checks that an SQL app's subjects are Clerk's: the same
// ids, linked to the same customers.
func linkedAsInClerk(t *testing.T, s served, app string, subjects []fulfillment.Subject) {
	t.Helper()
	clerkLinks := map[string]string{}
	for _, sj := range clerkSubjects(t, s.clerk, s.w.ClerkMapping.Access) {
		clerkLinks[sj.ID] = sj.CustomerID
	}
	if len(subjects) != len(clerkLinks) {
		t.Errorf("%s has %d subjects, Clerk %d", app, len(subjects), len(clerkLinks))
	}
	for _, sj := range subjects {
		if cid, ok := clerkLinks[sj.ID]; !ok || cid != sj.CustomerID {
			t.Errorf("row %s#%s is linked to %q; in Clerk: %q (present %v)", sj.Table, sj.ID, sj.CustomerID, cid, ok)
		}
	}
}

// The SQL flavour, loaded into a real Postgres and read through the access
// source, gives the manifest's incidents too.
func TestPostgresFindingsMatchManifest(t *testing.T) {
	cases := []struct {
		name   string
		now    time.Time
		script func(w *World) string
	}{
		// World.SQL is written for the moment the world was built…
		{"World.SQL", time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC), func(w *World) string { return w.SQL }},
		// …app.sql for the moment it is loaded.
		{"app.sql", time.Now(), func(*World) string { return AppSQL() }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := serve(t, c.now)
			src := loadSQL(t, c.script(s.w))
			pm := s.w.PostgresMapping.Postgres()

			schema, err := src.Schema(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			v, err := postgres.ValidateMapping(schema, pm)
			if err != nil {
				t.Fatal(err)
			}
			if !v.Repairable() || len(v.Warnings) > 0 {
				t.Errorf("validation: %+v", v)
			}
			if got := postgres.Suggest(schema).Mapping(); !reflect.DeepEqual(got, pm) {
				t.Errorf("the schema suggests\n%+v\nnot the world's mapping\n%+v", got, pm)
			}

			subjects := appSubjects(t, src, s.w)
			got := evaluate(t, s.stripe, readBilling(t, s.stripe), subjects, s.w.PostgresMapping, s.w.Now)
			diffIncidents(t, s.w.Manifest, got)

			linkedAsInClerk(t, s, "Postgres", subjects)
		})
	}
}
