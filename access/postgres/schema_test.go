package postgres

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// saasSchema is a SaaS app's database: Supabase-like profiles keyed by uuid
// with row-level security, B2B organizations and memberships, a legacy table
// with mixed-case quoted names, a view, a table without a primary key, and a
// schema nobody granted.
var saasSchema = []string{
	`CREATE TYPE plan_tier AS ENUM ('free', 'pro', 'team')`,
	`CREATE TABLE profiles (
		id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
		email text, full_name text,
		stripe_customer_id text UNIQUE,
		plan plan_tier NOT NULL DEFAULT 'free',
		is_premium boolean NOT NULL DEFAULT false,
		trial_ends_at timestamptz,
		entitlements jsonb,
		created_at timestamptz DEFAULT now())`,
	`ALTER TABLE profiles ENABLE ROW LEVEL SECURITY`,
	`CREATE TABLE organizations (
		id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		name text NOT NULL, stripe_customer_id text,
		subscription_plan text, features text[], trial_end date)`,
	`CREATE TABLE organization_members (
		organization_id bigint REFERENCES organizations, user_id uuid REFERENCES profiles, role text,
		PRIMARY KEY (organization_id, user_id))`,
	`CREATE TABLE "Legacy Accounts" ("AccountId" serial PRIMARY KEY, "StripeCustomerId" varchar(64), "Tier" text, "IsPaid" text, "TrialEnd" bigint)`,
	`CREATE TABLE events (stripe_customer_id text, plan text, at timestamptz)`,
	`CREATE VIEW active_profiles AS SELECT id, stripe_customer_id, plan, is_premium FROM profiles WHERE is_premium`,
	`CREATE SCHEMA billing`,
	`CREATE TABLE billing.secrets (id int PRIMARY KEY, api_key text)`,
}

func TestSchemaListsOnlyWhatTheRoleCanSelect(t *testing.T) {
	db := newTestDB(t, saasSchema...)
	_, cs := db.role(secret,
		"GRANT USAGE ON SCHEMA public TO ROLE",
		"GRANT SELECT (id, stripe_customer_id, plan, is_premium) ON profiles TO ROLE",
		"GRANT SELECT ON organizations, active_profiles TO ROLE")
	s, err := db.source(cs).Schema(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tb := range s.Tables {
		names = append(names, tb.QualifiedName())
	}
	if want := []string{"public.active_profiles", "public.organizations", "public.profiles"}; !slices.Equal(names, want) {
		t.Fatalf("tables %v, want %v", names, want)
	}
	p, _ := s.Table("public", "profiles")
	var cols []string
	for _, c := range p.Columns {
		cols = append(cols, c.Name)
	}
	if !slices.Equal(cols, []string{"id", "stripe_customer_id", "plan", "is_premium"}) || !slices.Equal(p.PrimaryKey, []string{"id"}) {
		t.Errorf("profiles columns %v, primary key %v", cols, p.PrimaryKey)
	}
	if !p.RowSecurity {
		t.Error("row-level security on profiles is not reported for a role that does not bypass it")
	}
	if v, _ := s.Table("public", "active_profiles"); v.Kind != "view" || len(v.PrimaryKey) != 0 {
		t.Errorf("view: %+v", v)
	}
}

func TestSchemaTypes(t *testing.T) {
	db := newTestDB(t, saasSchema...)
	s, err := db.source(db.url).Schema(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Column{
		"public.profiles.id":                      {Name: "id", Type: "uuid", Category: CatUUID},
		"public.profiles.plan":                    {Name: "plan", Type: "plan_tier", Category: CatEnum, EnumValues: []string{"free", "pro", "team"}},
		"public.profiles.is_premium":              {Name: "is_premium", Type: "boolean", Category: CatBool},
		"public.profiles.trial_ends_at":           {Name: "trial_ends_at", Type: "timestamp with time zone", Category: CatTimestamptz, Nullable: true},
		"public.profiles.entitlements":            {Name: "entitlements", Type: "jsonb", Category: CatJSONB, Nullable: true},
		"public.organizations.features":           {Name: "features", Type: "text[]", Category: CatTextArray, Nullable: true},
		"public.organizations.trial_end":          {Name: "trial_end", Type: "date", Category: CatDate, Nullable: true},
		"public.Legacy Accounts.StripeCustomerId": {Name: "StripeCustomerId", Type: "character varying(64)", Category: CatText, Nullable: true},
		"public.Legacy Accounts.TrialEnd":         {Name: "TrialEnd", Type: "bigint", Category: CatInt, Nullable: true},
		"billing.secrets.api_key":                 {Name: "api_key", Type: "text", Category: CatText, Nullable: true},
	}
	for key, w := range want {
		i := strings.LastIndex(key, ".")
		tq, col := key[:i], key[i+1:]
		j := strings.Index(tq, ".")
		tb, ok := s.Table(tq[:j], tq[j+1:])
		if !ok {
			t.Errorf("%s missing", tq)
			continue
		}
		if got, _ := tb.Column(col); !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %+v, want %+v", key, got, w)
		}
	}
	om, _ := s.Table("public", "organization_members")
	ev, _ := s.Table("public", "events")
	if !slices.Equal(om.PrimaryKey, []string{"organization_id", "user_id"}) || len(ev.PrimaryKey) != 0 {
		t.Errorf("primary keys: members %v, events %v", om.PrimaryKey, ev.PrimaryKey)
	}
	if p, _ := s.Table("public", "profiles"); p.RowSecurity {
		t.Error("a superuser bypasses row-level security")
	}

	// Suggestions from the real schema.
	sg := Suggest(s)
	if sg.Users == nil || sg.Orgs == nil || sg.Members == nil {
		t.Fatalf("suggestion %+v", sg)
	}
	wantUsers := TableMapping{Schema: "public", Table: "profiles", BillingField: BillingCustomerID, Identity: "stripe_customer_id",
		Plan: "plan", Premium: "is_premium", TrialEnd: "trial_ends_at", Entitlements: "entitlements", Email: "email", Name: "full_name"}
	wantOrgs := TableMapping{Schema: "public", Table: "organizations", BillingField: BillingCustomerID, Identity: "stripe_customer_id",
		Plan: "subscription_plan", TrialEnd: "trial_end", Entitlements: "features", Name: "name"}
	if sg.Users.Mapping != wantUsers || sg.Orgs.Mapping != wantOrgs {
		t.Errorf("users %+v\norgs %+v", sg.Users.Mapping, sg.Orgs.Mapping)
	}
	if m := sg.Members; m.Table != "organization_members" || m.OrgColumn != "organization_id" || m.UserColumn != "user_id" {
		t.Errorf("members %+v", m)
	}
	if v, err := ValidateMapping(s, sg.Mapping()); err != nil || !v.Repairable() {
		t.Errorf("the suggested mapping does not validate: %v %+v", err, v)
	}
}

// Table-driven suggestions on the schemas real apps have.
func TestSuggest(t *testing.T) {
	col := func(name, cat string) Column { return Column{Name: name, Type: cat, Category: cat} }
	table := func(name string, cols ...Column) Table {
		return Table{Schema: "public", Name: name, Kind: "table", Columns: cols, PrimaryKey: []string{cols[0].Name}}
	}
	cases := []struct {
		name           string
		schema         Schema
		users, orgs    *TableMapping
		members        string
		reasonContains string
	}{
		{
			name: "Supabase profiles keyed by uuid",
			schema: Schema{Tables: []Table{
				table("profiles", col("id", CatUUID), col("stripe_customer", CatText), col("tier", CatText), col("premium", CatBool), col("trial_end", CatTimestamptz)),
				table("todos", col("id", CatInt), col("user_id", CatUUID), col("title", CatText)),
			}},
			users:          &TableMapping{Schema: "public", Table: "profiles", BillingField: BillingCustomerID, Identity: "stripe_customer", Plan: "tier", Premium: "premium", TrialEnd: "trial_end"},
			reasonContains: `"stripe_customer" is named like a Stripe customer id`,
		},
		{
			name: "users table; text identity beats an integer customer_id",
			schema: Schema{Tables: []Table{
				table("orders", col("id", CatInt), col("customer_id", CatInt), col("plan", CatText)),
				table("users", col("id", CatInt), col("email", CatText), col("stripe_id", CatText), col("plan_id", CatInt), col("subscription_plan", CatText),
					col("premium", CatText), col("is_paid", CatBool), col("trial_expires_at", CatTimestamp), col("features", CatTextArray)),
			}},
			users: &TableMapping{Schema: "public", Table: "users", BillingField: BillingCustomerID, Identity: "stripe_id",
				Plan: "subscription_plan", Premium: "is_paid", TrialEnd: "trial_expires_at", Entitlements: "features", Email: "email"},
		},
		{
			name: "B2B organizations and memberships",
			schema: Schema{Tables: []Table{
				table("users", col("id", CatUUID), col("stripe_customer_id", CatText), col("has_access", CatBool)),
				table("workspaces", col("id", CatInt), col("name", CatText), col("stripe_customer_id", CatText), col("plan", CatEnum), col("entitlements", CatJSONB)),
				table("memberships", col("id", CatInt), col("workspace_id", CatInt), col("user_id", CatUUID)),
			}},
			users:   &TableMapping{Schema: "public", Table: "users", BillingField: BillingCustomerID, Identity: "stripe_customer_id", Premium: "has_access"},
			orgs:    &TableMapping{Schema: "public", Table: "workspaces", BillingField: BillingCustomerID, Identity: "stripe_customer_id", Plan: "plan", Entitlements: "entitlements", Name: "name"},
			members: "memberships",
		},
		{
			name: "mixed-case quoted names",
			schema: Schema{Tables: []Table{
				table("Customers", col("Id", CatInt), col("StripeCustomerId", CatText), col("Plan", CatText), col("IsPremium", CatBool), col("TrialEndsAt", CatText)),
			}},
			users: &TableMapping{Schema: "public", Table: "Customers", BillingField: BillingCustomerID, Identity: "StripeCustomerId", Plan: "Plan", Premium: "IsPremium", TrialEnd: "TrialEndsAt"},
		},
		{
			name: "only an accounts table: it is the billed subject",
			schema: Schema{Tables: []Table{
				table("accounts", col("id", CatInt), col("customer_id", CatText), col("plan", CatText)),
			}},
			users: &TableMapping{Schema: "public", Table: "accounts", BillingField: BillingCustomerID, Identity: "customer_id", Plan: "plan"},
		},
		{
			name:   "nothing looks like a Stripe customer",
			schema: Schema{Tables: []Table{table("notes", col("id", CatInt), col("body", CatText))}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sg := Suggest(c.schema)
			check := func(what string, got *TableSuggestion, want *TableMapping) {
				switch {
				case want == nil && got != nil:
					t.Errorf("%s: suggested %+v", what, got.Mapping)
				case want != nil && got == nil:
					t.Errorf("%s: nothing suggested", what)
				case want != nil && got.Mapping != *want:
					t.Errorf("%s:\n got %+v\nwant %+v", what, got.Mapping, *want)
				case want != nil:
					for _, f := range []string{"table", "identity"} {
						if got.Reasons[f] == "" {
							t.Errorf("%s: no reason for %s", what, f)
						}
					}
				}
			}
			check("users", sg.Users, c.users)
			check("orgs", sg.Orgs, c.orgs)
			if got := ""; sg.Members != nil || c.members != "" {
				if sg.Members != nil {
					got = sg.Members.Table
				}
				if got != c.members {
					t.Errorf("members %q, want %q", got, c.members)
				}
			}
			if c.reasonContains != "" && !strings.Contains(sg.Users.Reasons["identity"], c.reasonContains) {
				t.Errorf("reason %q", sg.Users.Reasons["identity"])
			}
		})
	}
}

func TestValidateMapping(t *testing.T) {
	col := func(name, typ, cat string) Column { return Column{Name: name, Type: typ, Category: cat} }
	s := Schema{Tables: []Table{
		{Schema: "public", Name: "profiles", Kind: "table", PrimaryKey: []string{"id"}, Columns: []Column{
			col("id", "uuid", CatUUID), col("stripe_customer_id", "text", CatText), col("plan", "plan_tier", CatEnum),
			col("is_premium", "boolean", CatBool), col("trial_ends_at", "timestamp with time zone", CatTimestamptz),
			col("entitlements", "jsonb", CatJSONB), col("meta", "json", CatJSON), col("created_at", "timestamp with time zone", CatTimestamptz),
			col("paid_text", "text", CatText), col("score", "numeric", CatNumeric)}},
		{Schema: "public", Name: "events", Kind: "table", Columns: []Column{col("stripe_customer_id", "text", CatText), col("plan", "text", CatText)}},
		{Schema: "public", Name: "members", Kind: "table", PrimaryKey: []string{"org_id", "user_id"}, Columns: []Column{
			col("org_id", "bigint", CatInt), col("user_id", "uuid", CatUUID), col("cus", "text", CatText), col("plan", "text", CatText)}},
		{Schema: "public", Name: "orgs", Kind: "table", PrimaryKey: []string{"id"}, RowSecurity: true, Columns: []Column{
			col("id", "bigint", CatInt), col("cus", "text", CatText), col("plan", "text", CatText)}},
	}}
	good := TableMapping{Table: "profiles", Identity: "stripe_customer_id", Plan: "plan", Premium: "is_premium", TrialEnd: "trial_ends_at", Entitlements: "entitlements"}
	with := func(f func(*TableMapping)) Mapping { m := good; f(&m); return Mapping{Users: m} }
	cases := []struct {
		name        string
		m           Mapping
		field, want string // error
		warning     string
	}{
		{name: "good", m: Mapping{Users: good}},
		{name: "text premium flag", m: with(func(m *TableMapping) { m.Premium = "paid_text" })},
		{name: "table missing", m: with(func(m *TableMapping) { m.Table = "Profiles" }), field: "users.table", want: "The table public.Profiles does not exist or the role cannot read it"},
		{name: "column missing", m: with(func(m *TableMapping) { m.Plan = "tier" }), field: "users.plan", want: `The column "tier" is not in public.profiles`},
		{name: "no identity", m: with(func(m *TableMapping) { m.Identity = "" }), field: "users.identity", want: "holds the Stripe customer"},
		{name: "premium numeric", m: with(func(m *TableMapping) { m.Premium = "score" }), field: "users.premium", want: `The premium flag column "score" is numeric; it must be boolean`},
		{name: "plan boolean", m: with(func(m *TableMapping) { m.Plan = "is_premium"; m.Premium = "" }), field: "users.plan", want: "must be text or an enum"},
		{name: "trial end jsonb", m: with(func(m *TableMapping) { m.TrialEnd = "meta" }), field: "users.trial_end", want: "must be timestamptz, timestamp, date"},
		{name: "entitlements json", m: with(func(m *TableMapping) { m.Entitlements = "meta" }), field: "users.entitlements", want: "must be jsonb"},
		{name: "neither plan nor premium", m: with(func(m *TableMapping) { m.Plan, m.Premium = "", "" }), field: "users.plan", want: "Map at least the plan or the premium flag"},
		{name: "same column twice", m: with(func(m *TableMapping) {
			m.TrialEnd = "created_at"
			m.Entitlements = ""
			m.Plan = "paid_text"
			m.Premium = "paid_text"
		}), field: "users.premium", want: `"paid_text" is mapped twice`},
		{name: "bad billing field", m: with(func(m *TableMapping) { m.BillingField = "stripe.customer.metadata." }), field: "users.billing_field", want: "metadata key"},
		{name: "no primary key", m: Mapping{Users: TableMapping{Table: "events", Identity: "stripe_customer_id", Plan: "plan"}}, warning: "public.events is not repairable: the table has no primary key."},
		{name: "composite key", m: Mapping{Users: TableMapping{Table: "members", Identity: "cus", Plan: "plan"}}, warning: "not repairable: its primary key has 2 columns"},
		{name: "row-level security", m: Mapping{Users: good, Orgs: &TableMapping{Table: "orgs", Identity: "cus", Plan: "plan"}}, warning: "Row-level security is on for public.orgs"},
		{name: "orgs = users", m: Mapping{Users: good, Orgs: &good}, field: "orgs.table", want: "must differ"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := ValidateMapping(s, c.m)
			if c.want != "" {
				var e *Error
				if !errorsAs(err, &e) || e.Code != CodeInvalidMapping || e.Field != c.field || !strings.Contains(e.Message, c.want) {
					t.Errorf("got %v (%+v), want %s: %q", err, e, c.field, c.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.warning == "" && len(v.Warnings) > 0 || c.warning != "" && !strings.Contains(strings.Join(v.Warnings, "\n"), c.warning) {
				t.Errorf("warnings %q, want %q", v.Warnings, c.warning)
			}
			if strings.Contains(c.warning, "not repairable") == v.Repairable() {
				t.Errorf("Repairable() = %v", v.Repairable())
			}
		})
	}
}
