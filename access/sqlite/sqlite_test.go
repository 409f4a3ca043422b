package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"parityrail/access/postgres"
	"parityrail/access/sqlite"
	"parityrail/fulfillment"
)

const script = `
CREATE TABLE profiles (
  id TEXT PRIMARY KEY, email TEXT NOT NULL, stripe_customer_id TEXT,
  plan TEXT, is_premium BOOLEAN NOT NULL DEFAULT 0, trial_ends_at TIMESTAMPTZ, entitlements JSONB);
INSERT INTO profiles VALUES
  ('u1', 'priya@example.com', 'cus_1', 'free', 0, NULL, NULL),
  ('u2', 'ava@example.com', ' cus_2 ', 'pro', 1, '2025-03-05T12:00:00Z', '{"audit_log":false,"sso":true}');`

var mapping = postgres.Mapping{Users: postgres.TableMapping{Schema: "app", Table: "profiles", Identity: "stripe_customer_id",
	Plan: "plan", Premium: "is_premium", TrialEnd: "trial_ends_at", Entitlements: "entitlements", Email: "email"}}

func seeded(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "demo", "app.db")
	if err := sqlite.Seed(path, script, "v1"); err != nil {
		t.Fatal(err)
	}
	return path
}

func read(t *testing.T, path string) map[string]fulfillment.Subject {
	t.Helper()
	src, err := sqlite.Open(context.Background(), path, "app")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	out := map[string]fulfillment.Subject{}
	if err := src.ReadSubjects(context.Background(), mapping, func(s fulfillment.Subject) error {
		out[s.ID] = s
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// Rows read as the Postgres connector reads them: typed fields, identities
// trimmed, the table named schema.table.
func TestRead(t *testing.T) {
	path := seeded(t)
	got := read(t, path)
	u2 := got["u2"]
	if u2.Table != "app.profiles" || u2.CustomerID != "cus_2" || u2.Email != "ava@example.com" {
		t.Errorf("u2 = %+v", u2)
	}
	if f := u2.Fields.Premium; f == nil || f.Flag == nil || !*f.Flag || f.Raw != true {
		t.Errorf("premium = %+v", f)
	}
	if f := u2.Fields.TrialEnd; f == nil || f.Time == nil || !f.Time.Equal(time.Date(2025, 3, 5, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("trial end = %+v", f)
	}
	if f := u2.Fields.Entitlements; f == nil || len(f.Set) != 1 || f.Set[0] != "sso" {
		t.Errorf("entitlements = %+v", f)
	}
	if f := got["u1"].Fields.TrialEnd; f == nil || f.Raw != nil {
		t.Errorf("a NULL trial end = %+v", f)
	}

	src, err := sqlite.Open(context.Background(), path, "app")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	linked, err := src.ReadSubject(context.Background(), mapping, "cus_1")
	if err != nil || len(linked) != 1 || linked[0].ID != "u1" {
		t.Errorf("ReadSubject(cus_1) = %+v, %v", linked, err)
	}
	one, ok, err := src.ReadSubjectByKey(context.Background(), mapping, "app.profiles", "u2")
	if err != nil || !ok || one.ID != "u2" {
		t.Errorf("ReadSubjectByKey(u2) = %+v %v %v", one, ok, err)
	}
	if _, ok, err := src.ReadSubjectByKey(context.Background(), mapping, "app.profiles", "gone"); ok || err != nil {
		t.Errorf("a missing row: %v %v", ok, err)
	}
	// A table outside the app's schema is refused, not guessed.
	other := mapping
	other.Users.Schema = "public"
	if err := src.ReadSubjects(context.Background(), other, func(fulfillment.Subject) error { return nil }); !postgres.HasCode(err, postgres.CodeInvalidMapping) {
		t.Errorf("public.profiles: %v", err)
	}
}

// The read connection cannot write, whatever SQL reaches it.
func TestReadConnectionIsReadOnly(t *testing.T) {
	path := seeded(t)
	if _, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "missing.db"), "app"); err == nil {
		t.Error("a missing file opened (it must not be created empty)")
	}
	uri := "file:" + path + "?mode=ro"
	db, err := sql.Open("sqlite3", uri)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE profiles SET plan = 'pro'`); err == nil {
		t.Error("mode=ro wrote")
	}
}

func planOf(t *testing.T, s fulfillment.Subject, fields ...fulfillment.FieldChange) fulfillment.RepairPlan {
	t.Helper()
	p := fulfillment.RepairPlan{Kind: fulfillment.PaidWithoutAccess, SubjectKind: s.Kind, SubjectID: s.ID, Table: s.Table, Fields: fields}
	// The approved plan comes back from its JSON as stored.
	b, _ := json.Marshal(p)
	var out fulfillment.RepairPlan
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// An approved repair writes exactly the planned columns of one row, guarded
// by what the check read; the writer is its own connection.
func TestApplyRepair(t *testing.T) {
	path := seeded(t)
	before := read(t, path)
	u1, u2 := before["u1"], before["u2"]
	trial := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
	rep, err := sqlite.OpenRepairer(context.Background(), path, "app")
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close()

	res, err := rep.ApplyRepair(context.Background(), mapping, planOf(t, u1,
		fulfillment.FieldChange{Field: "plan", Path: "plan", Before: u1.Fields.Plan.Raw, After: "pro"},
		fulfillment.FieldChange{Field: "premium", Path: "is_premium", Before: u1.Fields.Premium.Raw, After: true},
		fulfillment.FieldChange{Field: "trial_end", Path: "trial_ends_at", Before: nil, After: trial},
		fulfillment.FieldChange{Field: "entitlements", Path: "entitlements", Before: nil, After: []string{"sso"}}))
	if err != nil {
		t.Fatal(err)
	}
	want := `UPDATE "app"."profiles" SET "plan" = ?, "is_premium" = ?, "trial_ends_at" = ?, "entitlements" = ? WHERE "id" = ? AND "plan" IS ? AND "is_premium" IS ? AND "trial_ends_at" IS ? AND "entitlements" IS ?`
	if res.SQL != want || res.Table != "app.profiles" || res.Key != "u1" || len(res.Changes) != 4 {
		t.Errorf("result = %+v", res)
	}
	u1now := read(t, path)["u1"]
	if *u1now.Fields.Plan.Text != "pro" || !*u1now.Fields.Premium.Flag || !u1now.Fields.TrialEnd.Time.Equal(trial) ||
		len(u1now.Fields.Entitlements.Set) != 1 {
		t.Errorf("u1 after the repair = %+v", u1now.Fields)
	}
	if u2now := read(t, path)["u2"]; *u2now.Fields.Plan.Text != "pro" {
		t.Errorf("another row changed: %+v", u2now.Fields)
	}

	// JSON and time guards hold for values read from the app's own text.
	if _, err := rep.ApplyRepair(context.Background(), mapping, planOf(t, u2,
		fulfillment.FieldChange{Field: "entitlements", Path: "entitlements", Before: u2.Fields.Entitlements.Raw, After: []string{"audit_log", "sso"}},
		fulfillment.FieldChange{Field: "trial_end", Path: "trial_ends_at", Before: u2.Fields.TrialEnd.Raw, After: nil})); err != nil {
		t.Fatal(err)
	}
	if u2now := read(t, path)["u2"]; len(u2now.Fields.Entitlements.Set) != 2 || u2now.Fields.TrialEnd.Raw != nil {
		t.Errorf("u2 after the repair = %+v", u2now.Fields)
	}
}

// The optimistic guard: a row that changed since the check is not written,
// and the refusal is the Postgres connector's pg_row_changed.
func TestApplyRepairRowChanged(t *testing.T) {
	path := seeded(t)
	u1 := read(t, path)["u1"]
	w, err := sql.Open("sqlite3", "file:"+path+"?mode=rw")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Exec(`UPDATE profiles SET plan = 'starter' WHERE id = 'u1'`); err != nil {
		t.Fatal(err)
	}
	rep, err := sqlite.OpenRepairer(context.Background(), path, "app")
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close()
	_, err = rep.ApplyRepair(context.Background(), mapping, planOf(t, u1,
		fulfillment.FieldChange{Field: "plan", Path: "plan", Before: u1.Fields.Plan.Raw, After: "pro"},
		fulfillment.FieldChange{Field: "premium", Path: "is_premium", Before: u1.Fields.Premium.Raw, After: true}))
	if !postgres.HasCode(err, postgres.CodeRowChanged) {
		t.Fatalf("changed row: %v", err)
	}
	now := read(t, path)["u1"]
	if *now.Fields.Plan.Text != "starter" || *now.Fields.Premium.Flag {
		t.Errorf("the refused repair wrote: %+v", now.Fields)
	}
	// A row that is gone is refused the same way.
	gone := u1
	gone.ID = "nobody"
	if _, err := rep.ApplyRepair(context.Background(), mapping, planOf(t, gone,
		fulfillment.FieldChange{Field: "plan", Path: "plan", Before: "free", After: "pro"})); !postgres.HasCode(err, postgres.CodeRowChanged) {
		t.Errorf("missing row: %v", err)
	}
}

// Only mapped access columns of a mapped table can be written.
func TestApplyRepairRefusesUnmapped(t *testing.T) {
	path := seeded(t)
	u1 := read(t, path)["u1"]
	rep, err := sqlite.OpenRepairer(context.Background(), path, "app")
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close()
	for name, plan := range map[string]fulfillment.RepairPlan{
		"unmapped column": planOf(t, u1, fulfillment.FieldChange{Field: "plan", Path: "email", Before: "priya@example.com", After: "x"}),
		"unmapped table": func() fulfillment.RepairPlan {
			p := planOf(t, u1, fulfillment.FieldChange{Field: "plan", Path: "plan", After: "pro"})
			p.Table = "app.secrets"
			return p
		}(),
		"no fields": planOf(t, u1),
	} {
		if _, err := rep.ApplyRepair(context.Background(), mapping, plan); !postgres.HasCode(err, postgres.CodeRepairRefused) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if now := read(t, path)["u1"]; now.Email != "priya@example.com" || *now.Fields.Plan.Text != "free" {
		t.Errorf("a refused repair wrote: %+v", now)
	}
}

// Seeding again replaces the file whole, repairs and all.
func TestSeedReplaces(t *testing.T) {
	path := seeded(t)
	w, err := sql.Open("sqlite3", "file:"+path+"?mode=rw")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Exec(`UPDATE profiles SET plan = 'enterprise'`); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if err := sqlite.Seed(path, script, "v2"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, path)["u1"]; *got.Fields.Plan.Text != "free" || sqlite.SeedVersion(path) != "v2" {
		t.Errorf("after reseeding: %+v, version %q", got.Fields, sqlite.SeedVersion(path))
	}
	if v := sqlite.SeedVersion(filepath.Join(t.TempDir(), "none.db")); v != "" {
		t.Errorf("a missing file's version = %q", v)
	}
}
