package world

import (
	"encoding/json"
	"fmt"
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
	var orgs, users []string
	for _, r := range rows {
		for j, a := range r.App {
			if r.Org {
				orgs = append(orgs, fmt.Sprintf("  (%s, %s, %s, %s)",
					sqlText(r.subjectID(j)), sqlText(a.name(r)), sqlText(r.customerID()), sqlText(a.Plan)))
				continue
			}
			trial := "NULL"
			if a.TrialEnd != 0 {
				trial = sqlText(now.Add(a.TrialEnd).UTC().Format(time.RFC3339))
			}
			ents := "NULL"
			if a.Entitlements != nil {
				j, _ := json.Marshal(a.Entitlements) // map keys come out sorted
				ents = sqlText(string(j))
			}
			premium := 0
			if a.premium() {
				premium = 1
			}
			users = append(users, fmt.Sprintf("  (%s, %s, %s, %s, %s, %d, %s, %s)",
				sqlText(r.subjectID(j)), sqlText(a.email(r)), sqlText(a.name(r)), sqlText(r.customerID()),
				sqlText(a.Plan), premium, trial, ents))
		}
	}
	b.WriteString("INSERT INTO organizations (id, name, stripe_customer_id, plan) VALUES\n")
	b.WriteString(strings.Join(orgs, ",\n"))
	b.WriteString(";\nINSERT INTO profiles (id, email, full_name, stripe_customer_id, plan, is_premium, trial_ends_at, entitlements) VALUES\n")
	b.WriteString(strings.Join(users, ",\n"))
	b.WriteString(";\n")
	return b.String()
}
