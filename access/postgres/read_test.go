package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"parityrail/fulfillment"
)

// render shows a FieldValue's typed result compactly.
func render(fv *fulfillment.FieldValue) string {
	switch {
	case fv == nil:
		return "unmapped"
	case fv.ParseError != "":
		return "err"
	case fv.Text != nil:
		return "text=" + *fv.Text
	case fv.Flag != nil:
		return fmt.Sprint("flag=", *fv.Flag)
	case fv.Time != nil:
		return "time=" + fv.Time.Format(time.RFC3339)
	case fv.Set != nil:
		return fmt.Sprint("set=", fv.Set)
	case fv.Raw == nil:
		return "null"
	}
	return "none"
}

// Every column type a field accepts converts into the typed value the
// comparison needs; unparseable values become ParseError, not a failure.
func TestReadConvertsValues(t *testing.T) {
	cases := []struct {
		field, typ string
		values     []string // SQL literals, one row each
		want       []string
	}{
		{"plan", "text", []string{"'pro'", "NULL", "''"}, []string{"text=pro", "null", "text="}},
		{"plan", "plan_tier", []string{"'team'"}, []string{"text=team"}},
		{"premium", "boolean", []string{"true", "false", "NULL"}, []string{"flag=true", "flag=false", "null"}},
		{"premium", "text", []string{"'Yes'", "'ACTIVE'", "' premium '", "'on'", "'1'", "'no'", "''", "'gold'"},
			[]string{"flag=true", "flag=true", "flag=true", "flag=true", "flag=true", "flag=false", "flag=false", "err"}},
		{"premium", "integer", []string{"1", "0", "2"}, []string{"flag=true", "flag=false", "flag=true"}},
		{"trial_end", "timestamptz", []string{"'2025-07-01 12:00:00+02'", "'infinity'", "NULL"}, []string{"time=2025-07-01T10:00:00Z", "err", "null"}},
		{"trial_end", "timestamp", []string{"'2025-07-01 12:00:00'"}, []string{"time=2025-07-01T12:00:00Z"}},
		{"trial_end", "date", []string{"'2025-07-01'"}, []string{"time=2025-07-01T00:00:00Z"}},
		{"trial_end", "text", []string{"'2025-07-01T10:00:00Z'", "'2025-07-01 10:00:00+00'", "'1751364000'", "'1751364000000'", "'soon'", "''"},
			[]string{"time=2025-07-01T10:00:00Z", "time=2025-07-01T10:00:00Z", "time=2025-07-01T10:00:00Z", "time=2025-07-01T10:00:00Z", "err", "none"}},
		{"trial_end", "bigint", []string{"1751364000", "1751364000000", "-5"}, []string{"time=2025-07-01T10:00:00Z", "time=2025-07-01T10:00:00Z", "err"}},
		{"entitlements", "jsonb", []string{`'{"sso": true, "api": false, "audit": null}'`, `'["b", "a"]'`, `'{"sso": "yes"}'`, "'42'", "NULL", "'{}'"},
			[]string{"set=[sso]", "set=[a b]", "err", "err", "null", "set=[]"}},
		{"entitlements", "text[]", []string{"'{b,a,b}'", "'{}'"}, []string{"set=[a b]", "set=[]"}},
	}
	db := newTestDB(t, `CREATE TYPE plan_tier AS ENUM ('free', 'pro', 'team')`)
	for i, c := range cases {
		table := fmt.Sprintf("t%d", i)
		db.exec(fmt.Sprintf("CREATE TABLE %s (id int PRIMARY KEY, cus text, other boolean, x %s)", table, c.typ))
		for j, v := range c.values {
			db.exec(fmt.Sprintf("INSERT INTO %s VALUES (%d, 'cus_%d', false, %s)", table, j, j, v))
		}
	}
	s := db.source(db.url)
	for i, c := range cases {
		t.Run(c.field+" "+c.typ, func(t *testing.T) {
			tm := TableMapping{Table: fmt.Sprintf("t%d", i), Identity: "cus", Premium: "other"}
			switch c.field {
			case "plan":
				tm.Plan = "x"
			case "premium":
				tm.Premium = "x"
			case "trial_end":
				tm.TrialEnd = "x"
			case "entitlements":
				tm.Entitlements = "x"
			}
			got := map[string]string{}
			err := s.ReadSubjects(ctxT(t), Mapping{Users: tm}, func(subj fulfillment.Subject) error {
				f := subj.Fields
				fv := map[string]*fulfillment.FieldValue{"plan": f.Plan, "premium": f.Premium, "trial_end": f.TrialEnd, "entitlements": f.Entitlements}[c.field]
				if fv.Path != "x" {
					t.Errorf("path %q", fv.Path)
				}
				got[subj.ID] = render(fv)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for j, w := range c.want {
				if g := got[fmt.Sprint(j)]; g != w {
					t.Errorf("%s %s: got %s, want %s", c.typ, c.values[j], g, w)
				}
			}
		})
	}
}

func TestReadSubjects(t *testing.T) {
	db := newTestDB(t, saasSchema...)
	db.exec(`ALTER TABLE profiles DROP CONSTRAINT profiles_stripe_customer_id_key`) // apps do end up with duplicates
	db.exec(`INSERT INTO profiles (id, email, full_name, stripe_customer_id, plan, is_premium, trial_ends_at, entitlements) VALUES
		('00000000-0000-0000-0000-000000000001', 'ann@example.com', 'Ann', 'cus_A', 'pro', true, NULL, '{"sso": true}'),
		('00000000-0000-0000-0000-000000000002', 'bob@example.com', 'Bob', NULL, 'pro', false, NULL, NULL),
		('00000000-0000-0000-0000-000000000003', 'cy@example.com', 'Cy', '  ', 'free', true, NULL, NULL),
		('00000000-0000-0000-0000-000000000004', 'dup@example.com', 'Dup', 'cus_A', 'free', false, '2030-01-01 00:00:00+00', NULL)`)
	db.exec(`INSERT INTO organizations (name, stripe_customer_id, subscription_plan, features, trial_end) VALUES ('Acme', 'cus_A', 'team', '{sso,audit}', NULL)`)
	s := db.source(db.url)
	m := Mapping{
		Users: TableMapping{Table: "profiles", Identity: "stripe_customer_id", Plan: "plan", Premium: "is_premium", TrialEnd: "trial_ends_at", Entitlements: "entitlements", Email: "email", Name: "full_name"},
		Orgs:  &TableMapping{Table: "organizations", Identity: "stripe_customer_id", Plan: "subscription_plan", Entitlements: "features", TrialEnd: "trial_end", Name: "name"},
	}
	var all []fulfillment.Subject
	if err := s.ReadSubjects(ctxT(t), m, func(subj fulfillment.Subject) error { all = append(all, subj); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(all) != 5 {
		t.Fatalf("read %d subjects, want 4 profiles + 1 organization", len(all))
	}
	byID := map[string]fulfillment.Subject{}
	for _, x := range all {
		byID[x.Table+"#"+x.ID] = x
	}
	ann := byID["public.profiles#00000000-0000-0000-0000-000000000001"]
	if ann.Kind != fulfillment.SubjectRow || ann.CustomerID != "cus_A" || ann.Email != "ann@example.com" || ann.Name != "Ann" ||
		render(ann.Fields.Plan) != "text=pro" || render(ann.Fields.Premium) != "flag=true" || render(ann.Fields.TrialEnd) != "null" ||
		render(ann.Fields.Entitlements) != "set=[sso]" {
		t.Errorf("ann = %+v", ann)
	}
	// Rows without a Stripe customer are kept, with an empty CustomerID.
	for _, id := range []string{"2", "3"} {
		if x, ok := byID["public.profiles#00000000-0000-0000-0000-00000000000"+id]; !ok || x.CustomerID != "" {
			t.Errorf("row %s without identity: %+v (found %v)", id, x, ok)
		}
	}
	org := byID["public.organizations#1"]
	if org.CustomerID != "cus_A" || org.Name != "Acme" || render(org.Fields.Plan) != "text=team" || render(org.Fields.Entitlements) != "set=[audit sso]" || org.Fields.Premium != nil {
		t.Errorf("org = %+v", org)
	}

	// One customer for a re-check: both profiles and the organization.
	got, err := s.ReadSubject(ctxT(t), m, "cus_A")
	if err != nil || len(got) != 3 {
		t.Fatalf("ReadSubject(cus_A) = %d subjects, %v", len(got), err)
	}
	if got, err := s.ReadSubject(ctxT(t), m, "cus_nobody"); err != nil || len(got) != 0 {
		t.Errorf("ReadSubject(cus_nobody) = %v, %v", got, err)
	}
	// A value that looks like SQL is only ever a parameter.
	if got, err := s.ReadSubject(ctxT(t), m, "x' OR '1'='1"); err != nil || len(got) != 0 {
		t.Errorf("injection attempt read %d rows, %v", len(got), err)
	}
	one, ok, err := s.ReadSubjectByKey(ctxT(t), m, "public.profiles", "00000000-0000-0000-0000-000000000004")
	if err != nil || !ok || one.Email != "dup@example.com" || render(one.Fields.TrialEnd) != "time=2030-01-01T00:00:00Z" {
		t.Errorf("ReadSubjectByKey = %+v, %v, %v", one, ok, err)
	}
	if _, ok, err := s.ReadSubjectByKey(ctxT(t), m, "public.profiles", "00000000-0000-0000-0000-000000000009"); ok || err != nil {
		t.Errorf("missing row: ok=%v err=%v", ok, err)
	}
	if _, _, err := s.ReadSubjectByKey(ctxT(t), m, "billing.secrets", "1"); code(err) != CodeInvalidMapping {
		t.Errorf("unmapped table: %v", err)
	}
	// A mapping naming something the schema does not have never reaches SQL.
	bad := m
	bad.Users.Plan = `plan"; DROP TABLE profiles; --`
	if err := s.ReadSubjects(ctxT(t), bad, func(fulfillment.Subject) error { return nil }); code(err) != CodeInvalidMapping {
		t.Errorf("bad mapping: %v", err)
	}
}

// Quoted, mixed-case and hostile-looking names are read through quoting.
func TestReadQuotedNames(t *testing.T) {
	db := newTestDB(t,
		`CREATE SCHEMA "App Data"`,
		`CREATE TABLE "App Data"."User""s; DROP TABLE x; --" ("Id" int PRIMARY KEY, "StripeCustomerId" text, "Plan" text)`,
		`INSERT INTO "App Data"."User""s; DROP TABLE x; --" VALUES (7, 'cus_Q', 'Pro')`)
	s := db.source(db.url)
	m := Mapping{Users: TableMapping{Schema: "App Data", Table: `User"s; DROP TABLE x; --`, Identity: "StripeCustomerId", Plan: "Plan"}}
	got, err := s.ReadSubject(ctxT(t), m, "cus_Q")
	if err != nil || len(got) != 1 || got[0].ID != "7" || render(got[0].Fields.Plan) != "text=Pro" || got[0].Table != `App Data.User"s; DROP TABLE x; --` {
		t.Fatalf("got %+v, %v", got, err)
	}
}

// Rows are handed over one by one; an error from the callback stops the
// read and comes back unchanged.
func TestReadSubjectsStreamsAndStops(t *testing.T) {
	db := newTestDB(t, `CREATE TABLE users (id int PRIMARY KEY, stripe_customer_id text, plan text)`,
		`INSERT INTO users SELECT g, 'cus_' || g, 'pro' FROM generate_series(1, 5000) g`)
	s := db.source(db.url)
	m := Mapping{Users: TableMapping{Table: "users", Identity: "stripe_customer_id", Plan: "plan"}}
	stop := errors.New("enough")
	n := 0
	err := s.ReadSubjects(ctxT(t), m, func(fulfillment.Subject) error {
		if n++; n == 3 {
			return stop
		}
		return nil
	})
	if err != stop || n != 3 {
		t.Fatalf("err = %v after %d rows", err, n)
	}
	n = 0
	if err := s.ReadSubjects(ctxT(t), m, func(fulfillment.Subject) error { n++; return nil }); err != nil || n != 5000 {
		t.Fatalf("read %d rows, %v", n, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	err = s.ReadSubjects(ctx, m, func(fulfillment.Subject) error { cancel(); return nil })
	if err != nil && code(err) != CodeCanceled {
		t.Errorf("canceled read: %v", err)
	}
}

func TestParseTrialEndAndPremium(t *testing.T) {
	for _, s := range []string{"2025-07-01", "2025-07-01T10:00", "2025-07-01 10:00:00.123456+00", "2025-07-01T10:00:00+05:30"} {
		if _, ok, err := parseTrialEnd(s); !ok || err != nil {
			t.Errorf("parseTrialEnd(%q): %v %v", s, ok, err)
		}
	}
	if _, _, err := parseTrialEnd(true); err == nil {
		t.Error("a boolean is not a date")
	}
	if _, err := parsePremium([]string{"x"}); err == nil || !strings.Contains(err.Error(), "cannot say yes or no") {
		t.Errorf("list premium: %v", err)
	}
	if got, _ := parseEntitlements(map[string]any{"b": true, "a": true}); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("sorted: %v", got)
	}
}
