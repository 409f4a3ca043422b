package server

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"parityrail/demo/clerkfake"
	"parityrail/testutil/pgtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.StopThrowaway()
	os.Exit(code)
}

// profilesTable is the users table of a Supabase-style app, empty.
const profilesTable = `
		CREATE TABLE profiles (
			id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
			email text,
			stripe_customer_id text,
			plan text NOT NULL DEFAULT 'free',
			is_premium boolean NOT NULL DEFAULT false,
			trial_ends_at timestamptz
		);`

// appDatabase creates a real Postgres database shaped like a Supabase app.
func appDatabase(t *testing.T) string {
	t.Helper()
	dsn := pgtest.NewDatabase(t)
	pgExec(t, dsn, profilesTable+`
		INSERT INTO profiles (email, stripe_customer_id, plan, is_premium) VALUES ('a@example.com', 'cus_A', 'pro', true);`)
	return dsn
}

// pgExec runs SQL on the database as its superuser.
func pgExec(t *testing.T, dsn, sql string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatal(err)
	}
}

func TestConnectPostgresAndMapFromTheSchema(t *testing.T) {
	dsn := appDatabase(t)
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	p := owner.stackProject("PG app", "postgres")
	path := "/api/projects/" + p.ID

	u, _ := url.Parse(dsn)
	missing := *u
	missing.Path = "/no_such_database_here"
	missing.User = url.UserPassword("postgres", "hunter2secret")
	for _, tc := range []struct {
		conn   string
		status int
		code   string
	}{
		{"mysql://root@localhost/app", 400, "pg_invalid_connection_string"},
		{missing.String(), 422, "pg_database_missing"},
	} {
		r := owner.mustDo("POST", path+"/database", map[string]string{"connection_string": tc.conn}, tc.status)
		if code, _ := r.errorInfo(t); code != tc.code {
			t.Errorf("%s: %s", tc.conn, r.Body)
		}
		if strings.Contains(string(r.Body), "hunter2secret") {
			t.Errorf("an error answer contains the password: %s", r.Body)
		}
	}

	var conn connectedView
	r := owner.mustDo("POST", path+"/database", map[string]string{"connection_string": dsn}, 200)
	r.json(t, &conn)
	if conn.Kind != "postgres" || !strings.HasPrefix(conn.Label, "127.0.0.1") || !strings.HasSuffix(conn.Label, strings.TrimPrefix(u.Path, "/")) {
		t.Errorf("connected = %+v", conn)
	}
	if strings.Contains(string(r.Body), "postgres@") {
		t.Errorf("the answer shows more than host and database: %s", r.Body)
	}

	var sch schemaView
	owner.mustDo("GET", path+"/schema", nil, 200).json(t, &sch)
	if len(sch.Tables) != 1 || sch.Tables[0].Name != "profiles" || sch.Suggestion.Users == nil ||
		sch.Suggestion.Users.Mapping.Identity != "stripe_customer_id" || sch.Suggestion.Users.Mapping.Premium != "is_premium" {
		t.Fatalf("schema = %+v", sch)
	}

	// Step 4, validated against the live schema.
	r = owner.mustDo("PUT", path+"/mappings", map[string]any{"identity": map[string]string{
		"billing_field": "stripe.customer.id", "table": "public.profiles", "column": "stripe_id"}}, 400)
	if _, msg := r.errorInfo(t); !strings.Contains(msg, `"stripe_id" is not in public.profiles`) {
		t.Errorf("bad column: %q", msg)
	}
	owner.mustDo("PUT", path+"/mappings", map[string]any{"identity": map[string]string{
		"billing_field": "stripe.customer.id", "table": "public.profiles", "column": "stripe_customer_id"}}, 200)

	// Step 6: types must fit.
	r = owner.mustDo("PUT", path+"/mappings", map[string]any{"access": map[string]any{"users": map[string]string{"plan": "plan", "premium": "trial_ends_at"}}}, 400)
	if _, msg := r.errorInfo(t); !strings.Contains(msg, "trial_ends_at") {
		t.Errorf("wrong type: %q", msg)
	}
	owner.mustDo("PUT", path+"/mappings", map[string]any{"access": map[string]any{"users": map[string]string{
		"plan": "plan", "premium": "is_premium", "trial_end": "trial_ends_at"}}}, 200)

	var sql setupSQLView
	owner.mustDo("GET", path+"/database/setup-sql", nil, 200).json(t, &sql)
	if !strings.Contains(sql.ReadOnly.SQL, `"public"."profiles"`) || sql.Repair == nil ||
		!strings.Contains(sql.Repair.SQL, "GRANT UPDATE") || !strings.Contains(sql.Repair.SQL, `"is_premium"`) || strings.Contains(sql.Repair.SQL, `"email"`) && strings.Contains(sql.Repair.SQL, `UPDATE ("email"`) {
		t.Errorf("setup SQL = %+v", sql)
	}
	// The same roles and passwords on the next visit; a regenerated
	// password keeps the name; the roles are this project's own.
	var again, regen setupSQLView
	owner.mustDo("GET", path+"/database/setup-sql", nil, 200).json(t, &again)
	if again.ReadOnly.Role != sql.ReadOnly.Role || again.ReadOnly.Password != sql.ReadOnly.Password ||
		again.Repair.Password != sql.Repair.Password || !strings.HasPrefix(sql.ReadOnly.Role, "parityrail_read_") {
		t.Errorf("a second visit changed the roles: %+v → %+v", sql.ReadOnly, again.ReadOnly)
	}
	owner.mustDo("GET", path+"/database/setup-sql?regenerate=read", nil, 200).json(t, &regen)
	if regen.ReadOnly.Role != sql.ReadOnly.Role || regen.ReadOnly.Password == sql.ReadOnly.Password || regen.Repair.Password != sql.Repair.Password {
		t.Errorf("regenerate read: %+v", regen.ReadOnly)
	}
	other := owner.stackProject("Other", "postgres")
	var otherSQL setupSQLView
	owner.mustDo("GET", "/api/projects/"+other.ID+"/database/setup-sql", nil, 200).json(t, &otherSQL)
	if otherSQL.ReadOnly.Role == sql.ReadOnly.Role {
		t.Errorf("two projects share the role %s", sql.ReadOnly.Role)
	}

	var got projectView
	owner.mustDo("GET", path, nil, 200).json(t, &got)
	for _, i := range []int{2, 3, 5} {
		if got.Onboarding.Steps[i].State != "done" {
			t.Errorf("step %d = %s", i+1, got.Onboarding.Steps[i].State)
		}
	}
	var sealed string
	rawDB(t, app, "mode=ro").QueryRow(`SELECT sealed_secret FROM connections WHERE project_id = ?`, p.ID).Scan(&sealed)
	if strings.Contains(sealed, "postgres://") {
		t.Error("the connection string is stored in the clear")
	}

	// Switching to Clerk replaces Postgres only after confirmation.
	owner.mustDo("POST", path+"/clerk", map[string]string{"secret_key": clerkfake.DefaultSecretKey}, 409)
	owner.mustDo("POST", path+"/clerk", map[string]any{"secret_key": clerkfake.DefaultSecretKey, "replace": true}, 200)
	r = owner.mustDo("POST", path+"/database", map[string]string{"connection_string": dsn}, 409)
	if code, msg := r.errorInfo(t); code != "replace_required" || !strings.Contains(msg, "Clerk (sk_test_…0000)") {
		t.Errorf("replace Clerk: %s %q", code, msg)
	}
}

func TestDatabaseRoutesByRole(t *testing.T) {
	dsn := appDatabase(t)
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	admin, _ := app.addUser(owner, "admin@example.com", "admin")
	member, _ := app.addUser(owner, "member@example.com", "member")
	p := owner.stackProject("PG app", "postgres")
	path := "/api/projects/" + p.ID
	app.client().mustDo("POST", path+"/database", map[string]string{"connection_string": dsn}, 401)
	member.mustDo("POST", path+"/database", map[string]string{"connection_string": dsn}, 403)
	admin.mustDo("POST", path+"/database", map[string]string{"connection_string": dsn}, 200)
	app.client().mustDo("GET", path+"/schema", nil, 401)
	member.mustDo("GET", path+"/schema", nil, 200)
}

func TestIdentityWithOrganizationsIsValidatedOnStep4(t *testing.T) {
	dsn := appDatabase(t)
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(context.Background(), `CREATE TABLE organizations (id bigint PRIMARY KEY, name text, stripe_customer_id text, plan text)`); err != nil {
		t.Fatal(err)
	}
	conn.Close(context.Background())
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	p := owner.stackProject("PG app", "postgres")
	path := "/api/projects/" + p.ID
	owner.mustDo("POST", path+"/database", map[string]string{"connection_string": dsn}, 200)

	users := map[string]any{"billing_field": "stripe.customer.id", "table": "public.profiles", "column": "stripe_customer_id"}
	withOrgs := func(orgs map[string]any) map[string]any {
		id := map[string]any{}
		for k, v := range users {
			id[k] = v
		}
		id["organizations"] = orgs
		return map[string]any{"identity": id}
	}
	for _, tc := range []struct {
		orgs map[string]any
		want string
	}{
		{map[string]any{"billing_field": "stripe.customer.id", "table": "public.organizations", "column": "stripe_id"}, `"stripe_id" is not in public.organizations`},
		{map[string]any{"billing_field": "stripe.customer.metadata", "table": "public.organizations", "column": "stripe_customer_id"}, "metadata key that holds the app's id (organizations)"},
		{map[string]any{"billing_field": "stripe.customer.id", "table": "public.profiles", "column": "stripe_customer_id"}, "must differ from the users table"},
		{map[string]any{"billing_field": "stripe.customer.id", "table": "public.teams", "column": "stripe_customer_id"}, "public.teams does not exist"},
	} {
		r := owner.mustDo("PUT", path+"/mappings", withOrgs(tc.orgs), 400)
		if _, msg := r.errorInfo(t); !strings.Contains(msg, tc.want) {
			t.Errorf("orgs %v: %q, want %q", tc.orgs, msg, tc.want)
		}
	}
	var saved struct {
		Identity struct {
			Organizations *struct{ Table, Column string } `json:"organizations"`
		} `json:"identity"`
		Warnings []string `json:"warnings"`
	}
	owner.mustDo("PUT", path+"/mappings", withOrgs(map[string]any{"billing_field": "stripe.customer.id", "table": "public.organizations", "column": "stripe_customer_id"}), 200).json(t, &saved)
	if o := saved.Identity.Organizations; o == nil || o.Table != "public.organizations" || o.Column != "stripe_customer_id" || len(saved.Warnings) != 0 {
		t.Errorf("saved = %+v", saved)
	}
}
