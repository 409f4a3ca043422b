package world

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

//go:embed app.sql
var appSQL string

// AppSQL is the embedded app.sql: the SQL flavour of the app state with
// times relative to when it is loaded (now()), for people to load into their
// own Postgres next to a demo Stripe built at about the same time.
func AppSQL() string { return appSQL }

// sqlTime writes times relative to now: to the literal moment when set,
// else to now() at load time.
type sqlTime struct{ now time.Time }

func (t sqlTime) at(d time.Duration) string {
	base := "now()"
	if !t.now.IsZero() {
		base = "timestamptz '" + t.now.UTC().Format(time.RFC3339) + "'"
	}
	op := "+"
	if d < 0 {
		op, d = "-", -d
	}
	days, hours := int(d/day), int(d%day/time.Hour)
	var parts []string
	if days > 0 {
		parts = append(parts, plural(days, "day"))
	}
	if hours > 0 || days == 0 {
		parts = append(parts, plural(hours, "hour"))
	}
	return fmt.Sprintf("%s %s interval '%s'", base, op, strings.Join(parts, " "))
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// renderSQL writes the app state as a script that (re)creates the schema
// parityrail_demo with profiles (users, keyed by their Clerk user id) and
// organizations (keyed by their Clerk organization id).
func renderSQL(rows []row, t sqlTime) string {
	var b strings.Builder
	b.WriteString(`-- Acme Analytics: the demo app's access state for ParityRail.
-- Generated from demo/world/table.go (go test ./demo/world -update); do not edit.
--
-- The same app state as the demo Clerk instance, as an app would keep it in
-- Postgres. Load it with:  psql "$DATABASE_URL" -f app.sql
-- It creates (and replaces) the schema parityrail_demo and nothing else.
`)
	if t.now.IsZero() {
		b.WriteString("-- Trial ends are relative to when the script runs.\n")
	} else {
		fmt.Fprintf(&b, "-- Trial ends are relative to %s.\n", t.now.UTC().Format(time.RFC3339))
	}
	b.WriteString(`
BEGIN;

CREATE SCHEMA IF NOT EXISTS parityrail_demo;
DROP TABLE IF EXISTS parityrail_demo.profiles;
DROP TABLE IF EXISTS parityrail_demo.organizations;

CREATE TABLE parityrail_demo.organizations (
  id                 text PRIMARY KEY,  -- the Clerk organization id
  name               text NOT NULL,
  stripe_customer_id text,
  plan               text DEFAULT 'free',
  created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE parityrail_demo.profiles (
  id                 text PRIMARY KEY,  -- the Clerk user id
  email              text NOT NULL,
  full_name          text,
  stripe_customer_id text,
  plan               text DEFAULT 'free',
  is_premium         boolean NOT NULL DEFAULT false,
  trial_ends_at      timestamptz,
  entitlements       jsonb,             -- {"feature": true}
  created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX profiles_stripe_customer_id_idx ON parityrail_demo.profiles (stripe_customer_id);
CREATE INDEX organizations_stripe_customer_id_idx ON parityrail_demo.organizations (stripe_customer_id);

`)
	orgs, users := appValues(rows, t.at, func(p bool) string { return fmt.Sprint(p) })
	b.WriteString("INSERT INTO parityrail_demo.organizations (id, name, stripe_customer_id, plan) VALUES\n")
	b.WriteString(strings.Join(orgs, ",\n"))
	b.WriteString(";\n\n")
	b.WriteString("INSERT INTO parityrail_demo.profiles (id, email, full_name, stripe_customer_id, plan, is_premium, trial_ends_at, entitlements) VALUES\n")
	b.WriteString(strings.Join(users, ",\n"))
	b.WriteString(";\n\nCOMMIT;\n")
	return b.String()
}

// appValues renders the app's organizations and profiles as VALUES rows,
// the same for every SQL flavour but how a trial end and a premium flag are
// written.
func appValues(rows []row, trialEnd func(time.Duration) string, premium func(bool) string) (orgs, users []string) {
	for _, r := range rows {
		for j, a := range r.App {
			if r.Org {
				orgs = append(orgs, fmt.Sprintf("  (%s, %s, %s, %s)",
					sqlText(r.subjectID(j)), sqlText(a.name(r)), sqlText(r.customerID()), sqlText(a.Plan)))
				continue
			}
			trial := "NULL"
			if a.TrialEnd != 0 {
				trial = trialEnd(a.TrialEnd)
			}
			ents := "NULL"
			if a.Entitlements != nil {
				j, _ := json.Marshal(a.Entitlements) // map keys come out sorted
				ents = sqlText(string(j))
			}
			users = append(users, fmt.Sprintf("  (%s, %s, %s, %s, %s, %s, %s, %s)",
				sqlText(r.subjectID(j)), sqlText(a.email(r)), sqlText(a.name(r)), sqlText(r.customerID()),
				sqlText(a.Plan), premium(a.premium()), trial, ents))
		}
	}
	return orgs, users
}

// sqlText quotes a string literal; empty is NULL.
func sqlText(s string) string {
	if s == "" {
		return "NULL"
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
