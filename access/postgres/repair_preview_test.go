package postgres

import (
	"strings"
	"testing"
	"time"

	"parityrail/fulfillment"
)

// The approve dialog shows the UPDATE as it runs: new values, the row, and
// a NULL-safe guard per column, with every kind of value a plan holds
// written as SQL a person can read (and quotes in names and text doubled).
func TestPreviewIsTheGuardedUpdate(t *testing.T) {
	plan := fulfillment.RepairPlan{SubjectKind: fulfillment.SubjectRow, SubjectID: "o'brien", Table: "public.profiles",
		Fields: []fulfillment.FieldChange{
			{Field: fulfillment.FieldPlan, Path: "plan", Before: "free", After: "pro"},
			{Field: fulfillment.FieldPremium, Path: `is "premium"`, Before: false, After: true},
			{Field: fulfillment.FieldTrialEnd, Path: "trial_ends_at", Before: nil, After: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)},
			{Field: fulfillment.FieldEntitlements, Path: "features", Before: []any{"beta"}, After: []string{"beta", "sso"}},
		}}
	want := `UPDATE public.profiles
SET
  "plan" = 'pro',
  "is ""premium""" = true,
  "trial_ends_at" = '2026-03-01T12:00:00Z',
  "features" = ["beta","sso"]
WHERE <primary key> = 'o''brien'
  AND "plan" IS NOT DISTINCT FROM 'free'
  AND "is ""premium""" IS NOT DISTINCT FROM false
  AND "trial_ends_at" IS NOT DISTINCT FROM NULL
  AND "features" IS NOT DISTINCT FROM ["beta"];`
	if got := Preview(plan); got != want {
		t.Errorf("Preview =\n%s\nwant\n%s", got, want)
	}
	if got := PreviewWith(plan, "IS"); got == want || !strings.Contains(got, `AND "plan" IS 'free'`) {
		t.Errorf("SQLite's guard: %s", got)
	}
}
