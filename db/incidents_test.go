package db

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func newTestStore(t testing.TB) *DB {
	t.Helper()
	store, err := Open(filepath.Join(t.TempDir(), "parityrail.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

var kinds = []struct{ kind, severity string }{
	{"paid_without_access", "critical"}, {"access_without_payment", "high"}, {"wrong_plan", "high"},
	{"trial_mismatch", "medium"}, {"entitlement_mismatch", "medium"}, {"unmatched_customer", "medium"}, {"ambiguous_match", "low"},
}

// fillIncidents files n incidents (one per customer) through the check path.
func fillIncidents(t testing.TB, store *DB, n int) (string, string) {
	t.Helper()
	ctx := context.Background()
	p, err := store.CreateProject(ctx, "Big")
	if err != nil {
		t.Fatal(err)
	}
	c, err := store.BeginCheck(ctx, Check{ProjectID: p.ID, Scope: "full", Trigger: "person"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	var b CheckBatch
	for i := 0; i < n; i++ {
		k := kinds[i%len(kinds)]
		b.Incidents = append(b.Incidents, IncidentWrite{Op: OpOpen, Key: IncidentKey{CustomerID: fmt.Sprintf("cus_%06d", i),
			SubjectKey: fmt.Sprintf("user:user_%06d", i), Kind: k.kind}, SubjectKind: "user", SubjectID: fmt.Sprintf("user_%06d", i),
			SubjectEmail: fmt.Sprintf("person%06d@example.com", i), Severity: k.severity, Summary: "gap",
			Fingerprint: "fp", DiffHash: "dh", Finding: []byte(`{}`), Detail: map[string]any{"kind": k.kind}})
		if len(b.Incidents) == 5000 || i == n-1 {
			if err := store.ApplyCheckBatch(ctx, p.ID, c.ID, "test", &b); err != nil {
				t.Fatal(err)
			}
			b = CheckBatch{}
		}
	}
	return p.ID, c.ID
}

func TestIncidentPagingAndFilters(t *testing.T) {
	store := newTestStore(t)
	ctx := context.Background()
	project, _ := fillIncidents(t, store, 50)
	seen := map[string]bool{}
	cursor, pages, lastRank := "", 0, 0
	for {
		items, next, err := store.ListIncidents(ctx, project, IncidentFilter{Limit: 7, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, i := range items {
			if seen[i.ID] {
				t.Fatalf("%s twice", i.ID)
			}
			seen[i.ID] = true
			if r := SeverityRank(i.Severity); r < lastRank {
				t.Fatalf("out of order: %s after rank %d", i.Severity, lastRank)
			} else {
				lastRank = r
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if len(seen) != 50 || pages != 8 {
		t.Fatalf("walked %d incidents in %d pages", len(seen), pages)
	}
	items, _, _ := store.ListIncidents(ctx, project, IncidentFilter{Statuses: []string{"open"}, Kind: "wrong_plan", Limit: 100})
	if len(items) != 7 {
		t.Errorf("kind filter: %d", len(items))
	}
	items, _, _ = store.ListIncidents(ctx, project, IncidentFilter{Severity: "medium", Limit: 100})
	if len(items) != 21 {
		t.Errorf("severity filter: %d", len(items))
	}
	items, _, _ = store.ListIncidents(ctx, project, IncidentFilter{Q: "PERSON000042", Limit: 100})
	if len(items) != 1 || items[0].CustomerID != "cus_000042" {
		t.Errorf("q: %+v", items)
	}
	items, _, _ = store.ListIncidents(ctx, project, IncidentFilter{Q: "50%_", Limit: 100})
	if len(items) != 0 {
		t.Errorf("LIKE wildcards must be literal: %d", len(items))
	}
	if _, _, err := store.ListIncidents(ctx, project, IncidentFilter{Cursor: "9.1"}); err != ErrBadCursor {
		t.Errorf("bad cursor: %v", err)
	}
	// The ledger recorded every opening, chained.
	v, err := store.VerifyLedger(ctx, project)
	if err != nil || v.Broken != nil || v.Entries != 51 {
		t.Errorf("ledger %+v %v", v, err)
	}
}

// TestIncidentListAt100k: every filter combination pages correctly at depth
// with 100,000 incidents. Its speed is measured by BenchmarkIncidentList
// (server/incidents_bench_test.go); here times are only logged, so a busy
// machine cannot fail it.
func TestIncidentListAt100k(t *testing.T) {
	if testing.Short() {
		t.Skip("fills 100,000 incidents")
	}
	store := newTestStore(t)
	ctx := context.Background()
	start := time.Now()
	project, _ := fillIncidents(t, store, 100_000)
	t.Logf("filed 100,000 incidents with their ledger entries in %s", time.Since(start).Round(time.Millisecond))
	filters := map[string]IncidentFilter{
		"all":             {},
		"open":            {Statuses: []string{"open"}},
		"active":          {Statuses: ActiveStatuses},
		"kind":            {Kind: "trial_mismatch"},
		"kind+status":     {Kind: "ambiguous_match", Statuses: []string{"open"}},
		"severity":        {Severity: "high"},
		"severity+status": {Severity: "low", Statuses: []string{"open"}},
		"customer":        {CustomerID: "cus_099999"},
		"q":               {Q: "person09999"},
	}
	for name, f := range filters {
		f.Limit = 50
		var worst time.Duration
		for page := 0; page < 20; page++ {
			t0 := time.Now()
			items, next, err := store.ListIncidents(ctx, project, f)
			if d := time.Since(t0); d > worst {
				worst = d
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
				if (f.Kind != "" && it.Kind != f.Kind) || (f.Severity != "" && it.Severity != f.Severity) ||
					(f.CustomerID != "" && it.CustomerID != f.CustomerID) ||
					(len(f.Statuses) > 0 && !slices.Contains(f.Statuses, it.Status)) {
					t.Fatalf("%s: %s does not match the filter: %s/%s/%s/%s", name, it.ID, it.Kind, it.Severity, it.CustomerID, it.Status)
				}
			}
			if next == "" || len(items) == 0 {
				break
			}
			// Jump deep: the cursor of a page far down.
			f.Cursor = next
		}
		t.Logf("%-16s worst page %s", name, worst.Round(time.Microsecond))
	}
}
