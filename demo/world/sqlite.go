package world

import (
	"strings"
	"time"
)

// renderSQLite writes the app state as an SQLite script for the demo's SQL
// app: the tables profiles and organizations of the Postgres flavour (the
// file is attached as SQLSchema, so they are parityrail_demo.profiles and
// parityrail_demo.organizations), with SQLite's storage — booleans as 0/1,
// trial ends as ISO-8601 text relative to now, entitlements as JSON text
// with sorted keys (what a repair writes back, so guards compare alike).
func renderSQLite(rows []row, now time.Time) string {
	var b strings.Builder
	b.WriteString(`-- Acme Analytics: the demo's SQL app, seeded from demo/world/table.go.
CREATE TABLE organizations (
  id                 TEXT PRIMARY KEY,  -- the Clerk-style organization id
  name               TEXT NOT NULL,
  stripe_customer_id TEXT,
  plan               TEXT DEFAULT 'free'
);
CREATE TABLE profiles (
  id                 TEXT PRIMARY KEY,  -- the Clerk-style user id
  email              TEXT NOT NULL,
  full_name          TEXT,
  stripe_customer_id TEXT,
  plan               TEXT DEFAULT 'free',
  is_premium         BOOLEAN NOT NULL DEFAULT 0,
  trial_ends_at      TIMESTAMPTZ,       -- ISO-8601, UTC
  entitlements       JSONB              -- {"feature": true}
);
CREATE INDEX profiles_stripe_customer_id_idx ON profiles (stripe_customer_id);
CREATE INDEX organizations_stripe_customer_id_idx ON organizations (stripe_customer_id);
`)
	orgs, users := appValues(rows,
		func(d time.Duration) string { return sqlText(now.Add(d).UTC().Format(time.RFC3339)) },
		func(p bool) string { // SQLite keeps booleans as 0/1
			if p {
				return "1"
			}
			return "0"
		})
	b.WriteString("INSERT INTO organizations (id, name, stripe_customer_id, plan) VALUES\n")
	b.WriteString(strings.Join(orgs, ",\n"))
	b.WriteString(";\nINSERT INTO profiles (id, email, full_name, stripe_customer_id, plan, is_premium, trial_ends_at, entitlements) VALUES\n")
	b.WriteString(strings.Join(users, ",\n"))
	b.WriteString(";\n")
	return b.String()
}
