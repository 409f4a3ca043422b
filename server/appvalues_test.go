package server

import (
	"reflect"
	"strings"
	"testing"

	"parityrail/db"
	"parityrail/demo/clerkfake"
)

// planApp is a real Postgres app with its plan in two columns: "plan" (what
// step 6 would suggest) and "tier" (what the app really reads), and an
// organizations table with its own plan.
func planApp(t *testing.T) string {
	t.Helper()
	dsn := appDatabase(t)
	pgExec(t, dsn, `
		ALTER TABLE profiles ADD COLUMN tier text;
		INSERT INTO profiles (email, stripe_customer_id, plan, tier) VALUES
			('b@example.com', 'cus_B', 'pro', 'Pro'), ('c@example.com', 'cus_C', 'free', NULL),
			('d@example.com', 'cus_D', 'Team', 'Team'), ('e@example.com', NULL, '', 'Pro');
		CREATE TABLE organizations (id bigint PRIMARY KEY, name text, stripe_customer_id text, plan text);
		INSERT INTO organizations VALUES (1, 'Acme', 'cus_O1', 'team'), (2, 'Beta', 'cus_O2', 'team'), (3, 'Gamma', NULL, NULL);`)
	return dsn
}

func TestAppValuesFromPostgres(t *testing.T) {
	dsn := planApp(t)
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	member, _ := app.addUser(owner, "member@example.com", db.RoleMember)
	p := owner.stackProject("PG app", "postgres")
	path := "/api/projects/" + p.ID
	values := path + "/app-values?field=plan"

	r := member.mustDo("GET", values, nil, 409)
	if code, msg := r.errorInfo(t); code != "database_not_connected" || msg != "Connect your Postgres / Supabase database on step 3 (Database) first." {
		t.Errorf("before connecting: %s %q", code, msg)
	}
	owner.mustDo("POST", path+"/database", map[string]string{"connection_string": dsn}, 200)

	// Before steps 4 and 6: the suggested tables' columns named like a plan.
	var v appValuesView
	member.mustDo("GET", values, nil, 200).json(t, &v)
	if v.Field != "plan" || v.Source != "postgres" || len(v.Origins) != 2 {
		t.Fatalf("suggested = %+v", v)
	}
	if o := v.Origins[0]; o.Subject != "users" || o.Where != "public.profiles.plan" || o.Basis != "suggested" ||
		!strings.Contains(o.Reason, `"plan" is named like a plan`) || o.Unset != 1 || o.Distinct != 3 {
		t.Errorf("users origin = %+v", o)
	}
	if o := v.Origins[1]; o.Subject != "organizations" || o.Where != "public.organizations.plan" || o.Basis != "suggested" || o.Unset != 1 {
		t.Errorf("organizations origin = %+v", o)
	}
	// Values are compared exactly, so "team" and "Team" stay apart.
	want := []appValueItem{
		{"pro", 2, []string{"public.profiles.plan"}},
		{"team", 2, []string{"public.organizations.plan"}},
		{"Team", 1, []string{"public.profiles.plan"}},
		{"free", 1, []string{"public.profiles.plan"}},
	}
	if !reflect.DeepEqual(v.Items, want) {
		t.Errorf("items = %+v", v.Items)
	}

	// Step 4 maps the users table alone; step 6 saves "tier" as the plan.
	owner.mustDo("PUT", path+"/mappings", map[string]any{"identity": map[string]string{
		"billing_field": "stripe.customer.id", "table": "public.profiles", "column": "stripe_customer_id"}}, 200)
	member.mustDo("GET", values, nil, 200).json(t, &v)
	if len(v.Origins) != 1 || v.Origins[0].Where != "public.profiles.plan" || v.Origins[0].Basis != "suggested" {
		t.Errorf("step 4 saved = %+v", v.Origins)
	}
	owner.mustDo("PUT", path+"/mappings", map[string]any{"access": map[string]any{"users": map[string]string{"plan": "tier"}}}, 200)
	v = appValuesView{}
	member.mustDo("GET", values, nil, 200).json(t, &v)
	if len(v.Origins) != 1 || v.Origins[0].Where != "public.profiles.tier" || v.Origins[0].Basis != "mapped" || v.Origins[0].Reason != "" || v.Origins[0].Unset != 2 {
		t.Errorf("mapped origin = %+v", v.Origins)
	}
	if want := []appValueItem{{"Pro", 2, []string{"public.profiles.tier"}}, {"Team", 1, []string{"public.profiles.tier"}}}; !reflect.DeepEqual(v.Items, want) {
		t.Errorf("mapped items = %+v", v.Items)
	}

	// Members read it; nobody else.
	app.client().mustDo("GET", values, nil, 401)
}

func TestAppValuesFromClerk(t *testing.T) {
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	p := owner.stackProject("Clerk app", "clerk")
	path := "/api/projects/" + p.ID
	values := path + "/app-values?field=plan"
	owner.mustDo("GET", values, nil, 409)
	owner.mustDo("POST", path+"/clerk", map[string]string{"secret_key": clerkfake.DefaultSecretKey}, 200)

	var v appValuesView
	owner.mustDo("GET", values, nil, 200).json(t, &v)
	if len(v.Origins) != 0 || len(v.Items) != 0 || !strings.Contains(v.Note, "none of your 0 most recent Clerk users has a metadata key named like a plan") {
		t.Errorf("no users = %+v", v)
	}

	for _, md := range []map[string]any{{"plan": "pro"}, {"plan": "pro"}, {"plan": "starter"}, {"plan": ""}, {}} {
		app.clerk.AddUser(clerkfake.UserSpec{PublicMetadata: md, PrivateMetadata: map[string]any{"tier": "gold"}})
	}
	app.clerk.AddOrganization(clerkfake.OrgSpec{Name: "Acme", PublicMetadata: map[string]any{"org_plan": "team"}})
	app.clerk.AddOrganization(clerkfake.OrgSpec{Name: "Beta", PublicMetadata: map[string]any{"org_plan": "pro"}})

	// Before step 6: the key named like a plan, public first.
	owner.mustDo("GET", values, nil, 200).json(t, &v)
	if len(v.Origins) != 1 {
		t.Fatalf("suggested = %+v", v)
	}
	if o := v.Origins[0]; o.Where != "public_metadata.plan" || o.Basis != "suggested" || o.Sampled != 5 || o.Unset != 2 || o.Distinct != 2 ||
		!strings.Contains(o.Reason, "named like a plan on your most recent users") {
		t.Errorf("suggested origin = %+v", o)
	}
	if want := []appValueItem{{"pro", 2, []string{"public_metadata.plan"}}, {"starter", 1, []string{"public_metadata.plan"}}}; !reflect.DeepEqual(v.Items, want) {
		t.Errorf("suggested items = %+v", v.Items)
	}

	// Step 6 maps the private tier for users and organizations' own key.
	owner.mustDo("PUT", path+"/mappings", map[string]any{"access": map[string]any{
		"users":         map[string]string{"stripe_customer_id": "public_metadata.stripe_customer_id", "plan": "private_metadata.tier"},
		"organizations": map[string]string{"stripe_customer_id": "public_metadata.stripe_customer_id", "plan": "public_metadata.org_plan"},
	}}, 200)
	v = appValuesView{}
	owner.mustDo("GET", values, nil, 200).json(t, &v)
	if len(v.Origins) != 2 || v.Origins[0].Where != "private_metadata.tier" || v.Origins[0].Basis != "mapped" ||
		v.Origins[1].Subject != "organizations" || v.Origins[1].Where != "public_metadata.org_plan" || v.Origins[1].Sampled != 2 {
		t.Errorf("mapped origins = %+v", v.Origins)
	}
	want := []appValueItem{
		{"gold", 5, []string{"private_metadata.tier"}},
		{"pro", 1, []string{"public_metadata.org_plan"}},
		{"team", 1, []string{"public_metadata.org_plan"}},
	}
	if !reflect.DeepEqual(v.Items, want) {
		t.Errorf("mapped items = %+v", v.Items)
	}
	if viol := app.clerk.Violations(); len(viol) != 0 {
		t.Errorf("non-GET requests reached Clerk: %+v", viol)
	}
}

func TestAppValuesRefusesAnotherField(t *testing.T) {
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	p := owner.stackProject("Clerk app", "clerk")
	for _, q := range []string{"", "?field=premium", "?field=Plan"} {
		r := owner.mustDo("GET", "/api/projects/"+p.ID+"/app-values"+q, nil, 400)
		var body struct {
			Error struct{ Code, Message, Field string } `json:"error"`
		}
		r.json(t, &body)
		if body.Error.Code != "invalid_filter" || body.Error.Field != "field" || !strings.Contains(body.Error.Message, "field must be plan") {
			t.Errorf("%q: %s", q, r.Body)
		}
	}
}
