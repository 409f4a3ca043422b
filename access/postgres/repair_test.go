package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"parityrail/fulfillment"
)

var profilesMapping = Mapping{Users: TableMapping{Table: "profiles", Identity: "stripe_customer_id",
	Plan: "plan", Premium: "is_premium", TrialEnd: "trial_ends_at", Entitlements: "entitlements", Email: "email"}}

const (
	annID = "00000000-0000-0000-0000-000000000001"
	bobID = "00000000-0000-0000-0000-000000000002"
)

func repairDB(t *testing.T) *testDB {
	db := newTestDB(t, saasSchema...)
	db.exec(`INSERT INTO profiles (id, email, stripe_customer_id, plan, is_premium, trial_ends_at, entitlements) VALUES
		($1, 'ann@example.com', 'cus_A', 'free', false, NULL, '{"sso": false, "beta": true}'),
		($2, 'bob@example.com', 'cus_B', 'free', false, NULL, NULL)`, annID, bobID)
	return db
}

// runRoleSQL runs a role script as the superuser under a unique role name.
func (db *testDB) runRoleSQL(r RoleSQL) (name, connString string) {
	db.t.Helper()
	name, _ = db.role("unused")
	db.exec("DROP ROLE " + name) // role() registered the cleanup; the script creates it
	sql := strings.ReplaceAll(r.SQL, r.Role, name)
	if _, err := db.admin.Exec(context.Background(), sql); err != nil {
		db.t.Fatalf("role SQL failed: %v\n%s", err, sql)
	}
	return name, db.urlAs(name, r.Password)
}

// The read-only role SQL, run by a superuser, gives a role that connects,
// reads through row-level security, and can write nothing.
func TestReadOnlyRoleSQL(t *testing.T) {
	db := repairDB(t)
	r := ReadOnlyRoleSQL(Credential{Role: ReadRole, Password: newPassword()}, profilesMapping.Tables())
	for _, want := range []string{`CREATE ROLE "parityrail_read" LOGIN PASSWORD '` + r.Password + `'`, `GRANT USAGE ON SCHEMA "public"`,
		`GRANT SELECT ON "public"."profiles"`, `ALTER ROLE "parityrail_read" SET default_transaction_read_only = on`} {
		if !strings.Contains(r.SQL, want) {
			t.Errorf("role SQL lacks %q:\n%s", want, r.SQL)
		}
	}
	if all := ReadOnlyRoleSQL(Credential{Role: ReadRole, Password: "x"}, nil).SQL; !strings.Contains(all, "GRANT SELECT ON ALL TABLES IN SCHEMA public") {
		t.Errorf("no tables mapped yet: %s", all)
	}
	_, cs := db.runRoleSQL(r)
	s := db.source(cs) // "Test & connect"
	n := 0
	if err := s.ReadSubjects(ctxT(t), profilesMapping, func(fulfillment.Subject) error { n++; return nil }); err != nil || n != 2 {
		t.Fatalf("read %d rows through RLS, %v", n, err)
	}
	ctx := ctxT(t)
	for _, sql := range []string{`UPDATE profiles SET plan = 'pro'`, `BEGIN READ WRITE; UPDATE profiles SET plan = 'pro'; COMMIT`, `INSERT INTO organizations (name) VALUES ('x')`} {
		_, err := s.pool.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || (pgErr.Code != "25006" && pgErr.Code != "42501") {
			t.Errorf("%s: %v, want a refusal", sql, err)
		}
		s.pool.Exec(ctx, "ROLLBACK")
	}
}

// The repair role SQL grants exactly what ApplyRepair needs.
func TestRepairRoleSQL(t *testing.T) {
	db := repairDB(t)
	schema, err := db.source(db.url).Schema(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	r, err := RepairRoleSQL(schema, profilesMapping, Credential{Role: RepairRole, Password: newPassword()})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`GRANT SELECT ("id", "plan", "is_premium", "trial_ends_at", "entitlements") ON "public"."profiles" TO "parityrail_repair"`,
		`GRANT UPDATE ("plan", "is_premium", "trial_ends_at", "entitlements") ON "public"."profiles" TO "parityrail_repair"`,
	} {
		if !strings.Contains(r.SQL, want) {
			t.Errorf("repair SQL lacks %q:\n%s", want, r.SQL)
		}
	}
	if _, err := RepairRoleSQL(schema, Mapping{Users: TableMapping{Table: "events", Identity: "stripe_customer_id", Plan: "plan"}}, Credential{Role: RepairRole}); err == nil ||
		!strings.Contains(err.Error(), "not repairable: the table has no primary key") {
		t.Errorf("table without a key: %v", err)
	}
	role, cs := db.runRoleSQL(r)
	rep, err := ConnectRepair(ctxT(t), cs)
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close()
	if rep.Role() != role {
		t.Errorf("role %q", rep.Role())
	}
	if err := rep.CheckGrants(ctxT(t), profilesMapping); err != nil {
		t.Errorf("CheckGrants: %v", err)
	}
	// The role can write nothing else.
	if _, err := rep.pool.Exec(ctxT(t), `UPDATE profiles SET email = 'x'`); err == nil {
		t.Error("the repair role could update an unmapped column")
	}
}

// planFor builds the repair a check would propose, stored as JSON and loaded
// back the way the approval step sees it.
func planFor(t *testing.T, s *Source, id string, changes map[string]any) fulfillment.RepairPlan {
	t.Helper()
	subj, ok, err := s.ReadSubjectByKey(ctxT(t), profilesMapping, "public.profiles", id)
	if err != nil || !ok {
		t.Fatalf("read %s: %v %v", id, ok, err)
	}
	f := subj.Fields
	fvs := map[string]*fulfillment.FieldValue{"plan": f.Plan, "premium": f.Premium, "trial_end": f.TrialEnd, "entitlements": f.Entitlements}
	plan := fulfillment.RepairPlan{Kind: fulfillment.PaidWithoutAccess, CustomerID: subj.CustomerID, SubjectKind: subj.Kind, SubjectID: subj.ID, Table: subj.Table}
	for _, field := range accessFields {
		if after, ok := changes[field]; ok {
			plan.Fields = append(plan.Fields, fulfillment.FieldChange{Field: field, Path: fvs[field].Path, Before: fvs[field].Raw, After: after})
		}
	}
	b, _ := json.Marshal(plan)
	var stored fulfillment.RepairPlan
	if err := json.Unmarshal(b, &stored); err != nil {
		t.Fatal(err)
	}
	return stored
}

type row struct {
	plan, ents string
	premium    bool
	trial      *time.Time
}

func (db *testDB) profile(id string) row {
	var r row
	if err := db.admin.QueryRow(context.Background(), `SELECT plan::text, is_premium, trial_ends_at, COALESCE(entitlements::text, '') FROM profiles WHERE id = $1`, id).
		Scan(&r.plan, &r.premium, &r.trial, &r.ents); err != nil {
		db.t.Fatal(err)
	}
	return r
}

// repairer creates a column-scoped repair role with the given UPDATE columns.
func (db *testDB) repairer(updateCols string) (string, *Repairer) {
	db.t.Helper()
	role, cs := db.role(secret,
		"GRANT USAGE ON SCHEMA public TO ROLE",
		"GRANT SELECT (id, plan, is_premium, trial_ends_at, entitlements) ON profiles TO ROLE",
		"GRANT UPDATE ("+updateCols+") ON profiles TO ROLE",
		"CREATE POLICY p_sel ON profiles FOR SELECT TO ROLE USING (true)",
		"CREATE POLICY p_upd ON profiles FOR UPDATE TO ROLE USING (true) WITH CHECK (true)")
	rep, err := ConnectRepair(ctxT(db.t), cs)
	if err != nil {
		db.t.Fatal(err)
	}
	db.t.Cleanup(rep.Close)
	return role, rep
}

func TestApplyRepair(t *testing.T) {
	db := repairDB(t)
	s := db.source(db.url)
	_, rep := db.repairer("plan, is_premium, trial_ends_at, entitlements")
	trial := time.Date(2031, 5, 1, 12, 0, 0, 0, time.UTC)

	t.Run("changes exactly one row", func(t *testing.T) {
		plan := planFor(t, s, annID, map[string]any{"plan": "pro", "premium": true, "trial_end": trial, "entitlements": []string{"sso", "api"}})
		res, err := rep.ApplyRepair(ctxT(t), profilesMapping, plan)
		if err != nil {
			t.Fatal(err)
		}
		got := db.profile(annID)
		if got.plan != "pro" || !got.premium || got.trial == nil || !got.trial.Equal(trial) || got.ents != `{"api": true, "sso": true, "beta": false}` {
			t.Errorf("row after repair: %+v %v", got, got.trial)
		}
		if other := db.profile(bobID); other.plan != "free" || other.premium {
			t.Errorf("another row changed: %+v", other)
		}
		if len(res.Changes) != 4 || res.Key != annID || !strings.Contains(res.SQL, `UPDATE "public"."profiles" SET "plan" = $1`) ||
			!strings.Contains(res.SQL, `WHERE "id" = $5 AND "plan" IS NOT DISTINCT FROM $6`) {
			t.Errorf("result %+v", res)
		}
	})

	t.Run("guards on values that went through JSON", func(t *testing.T) {
		// Ann now has a timestamptz trial end and a jsonb object: both guard exactly.
		plan := planFor(t, s, annID, map[string]any{"plan": "free", "premium": false, "trial_end": nil, "entitlements": []string{}})
		if _, isString := plan.Fields[2].Before.(string); !isString {
			t.Fatalf("stored trial end is %T", plan.Fields[2].Before)
		}
		if _, err := rep.ApplyRepair(ctxT(t), profilesMapping, plan); err != nil {
			t.Fatal(err)
		}
		if got := db.profile(annID); got.plan != "free" || got.premium || got.trial != nil || got.ents != `{"api": false, "sso": false, "beta": false}` {
			t.Errorf("row after repair: %+v", got)
		}
	})

	t.Run("a row changed after the check is refused and untouched", func(t *testing.T) {
		plan := planFor(t, s, bobID, map[string]any{"plan": "pro", "premium": true})
		db.exec(`UPDATE profiles SET plan = 'team' WHERE id = $1`, bobID) // someone else, after the check
		_, err := rep.ApplyRepair(ctxT(t), profilesMapping, plan)
		if code(err) != CodeRowChanged || err.Error() != "This row changed since the check — re-run the check." {
			t.Fatalf("got %v", err)
		}
		if got := db.profile(bobID); got.plan != "team" || got.premium {
			t.Errorf("row touched: %+v", got)
		}
	})

	t.Run("only mapped access columns can be written", func(t *testing.T) {
		before := db.profile(bobID)
		for name, p := range map[string]fulfillment.RepairPlan{
			"unmapped column": {SubjectKind: fulfillment.SubjectRow, SubjectID: bobID, Table: "public.profiles",
				Fields: []fulfillment.FieldChange{{Field: "plan", Path: "email", Before: "bob@example.com", After: "evil@example.com"}}},
			"unknown field": {SubjectKind: fulfillment.SubjectRow, SubjectID: bobID, Table: "public.profiles",
				Fields: []fulfillment.FieldChange{{Field: "role", Path: "role", After: "admin"}}},
			"unmapped table": {SubjectKind: fulfillment.SubjectRow, SubjectID: "1", Table: "billing.secrets",
				Fields: []fulfillment.FieldChange{{Field: "plan", Path: "plan", After: "pro"}}},
			"Clerk subject": {SubjectKind: fulfillment.SubjectUser, SubjectID: "user_1", Table: "public.profiles",
				Fields: []fulfillment.FieldChange{{Field: "plan", Path: "plan", After: "pro"}}},
		} {
			_, err := rep.ApplyRepair(ctxT(t), profilesMapping, p)
			if code(err) != CodeRepairRefused || !strings.Contains(err.Error(), "Nothing was changed") {
				t.Errorf("%s: %v", name, err)
			}
		}
		if got := db.profile(bobID); got != before {
			t.Errorf("row touched: %+v", got)
		}
	})
}

func TestApplyRepairMissingGrant(t *testing.T) {
	db := repairDB(t)
	s := db.source(db.url)
	role, rep := db.repairer("plan") // premium not granted
	want := fmt.Sprintf(`GRANT UPDATE ("is_premium") ON "public"."profiles" TO "%s";`, role)

	_, err := rep.ApplyRepair(ctxT(t), profilesMapping, planFor(t, s, annID, map[string]any{"plan": "pro", "premium": true}))
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeRepairPermission || !strings.Contains(e.Message, `may not update "is_premium" of public.profiles`) || !strings.Contains(e.Message, want) {
		t.Fatalf("got %v", err)
	}
	if got := db.profile(annID); got.plan != "free" {
		t.Errorf("row touched: %+v", got)
	}
	if err := rep.CheckGrants(ctxT(t), profilesMapping); code(err) != CodeRepairPermission || !strings.Contains(err.Error(), `"is_premium", "trial_ends_at", "entitlements"`) {
		t.Errorf("CheckGrants: %v", err)
	}
}

// Text flags and epoch trial ends are written in the app's own form.
func TestApplyRepairColumnForms(t *testing.T) {
	db := newTestDB(t, saasSchema...)
	db.exec(`INSERT INTO "Legacy Accounts" ("StripeCustomerId", "Tier", "IsPaid", "TrialEnd") VALUES ('cus_L', 'basic', 'no', 1751364000000)`)
	m := Mapping{Users: TableMapping{Table: "Legacy Accounts", Identity: "StripeCustomerId", Plan: "Tier", Premium: "IsPaid", TrialEnd: "TrialEnd"}}
	s := db.source(db.url)
	subj, _ := s.ReadSubject(ctxT(t), m, "cus_L")
	if len(subj) != 1 {
		t.Fatalf("read %v", subj)
	}
	f := subj[0].Fields
	trial := time.Date(2032, 1, 2, 3, 4, 5, 0, time.UTC)
	plan := fulfillment.RepairPlan{SubjectKind: fulfillment.SubjectRow, SubjectID: subj[0].ID, Table: subj[0].Table, Fields: []fulfillment.FieldChange{
		{Field: "premium", Path: "IsPaid", Before: f.Premium.Raw, After: true},
		{Field: "trial_end", Path: "TrialEnd", Before: f.TrialEnd.Raw, After: trial},
	}}
	rep, err := ConnectRepair(ctxT(t), db.url)
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close()
	if _, err := rep.ApplyRepair(ctxT(t), m, plan); err != nil {
		t.Fatal(err)
	}
	var paid string
	var epoch int64
	db.admin.QueryRow(ctxT(t), `SELECT "IsPaid", "TrialEnd" FROM "Legacy Accounts"`).Scan(&paid, &epoch)
	if paid != "true" || epoch != trial.UnixMilli() {
		t.Errorf("wrote %q, %d", paid, epoch)
	}
}

// Each project's roles have their own name (its slug and a piece of its id),
// so two projects on one database do not collide.
func TestCredentialNamesAreProjectsOwn(t *testing.T) {
	a := NewCredential(ReadRole, "Acme Billing (prod)", "prj_0123456789abcdef")
	b := NewCredential(ReadRole, "Acme Billing (prod)", "prj_fedcba9876543210")
	if a.Role != "parityrail_read_acme_billing_prod_cdef" || b.Role == a.Role || len(a.Password) < 20 || a.Password == b.Password {
		t.Errorf("credentials %+v %+v", a, b)
	}
	if c := NewCredential(RepairRole, "日本", "prj_1"); c.Role != "parityrail_repair_1" {
		t.Errorf("no ASCII in the name: %q", c.Role)
	}
	long := NewCredential(ReadRole, strings.Repeat("very long name ", 10), "prj_abcd")
	if len(long.Role) > 63 {
		t.Errorf("role name longer than PostgreSQL allows: %q", long.Role)
	}
}
