package db

import (
	"context"
	"fmt"
	"reflect"
	"testing"
)

// referenceCounts counts from the incidents themselves, as the dashboard
// did before migration 0020 kept the counts.
func referenceCounts(t *testing.T, store *DB, project string) (OpenCounts, []StakeTotal) {
	t.Helper()
	c := OpenCounts{BySeverity: map[string]int{}, ByKind: map[string]int{}}
	rows, err := store.read.Query(`SELECT kind, severity_rank, COUNT(*) FROM incidents
		WHERE project_id = ? AND status IN ('open', 'acknowledged', 'repairing', 'verifying') GROUP BY kind, severity_rank`, project)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var kind string
		var rank, n int
		if err := rows.Scan(&kind, &rank, &n); err != nil {
			t.Fatal(err)
		}
		c.BySeverity[severityByRank[rank]] += n
		c.ByKind[kind] += n
		c.Total += n
	}
	rows.Close()
	totals, err := queryAll(context.Background(), store.read, "stake", func(r rowScanner) (StakeTotal, error) {
		var s StakeTotal
		return s, r.Scan(&s.Currency, &s.Kind, &s.MonthlyMinor)
	}, `SELECT at_stake_currency, kind, SUM(at_stake_minor) FROM incidents
		WHERE project_id = ? AND status NOT IN ('resolved', 'ignored') AND at_stake_minor IS NOT NULL AND at_stake_currency <> ''
		GROUP BY at_stake_currency, kind ORDER BY SUM(at_stake_minor) DESC, at_stake_currency, kind`, project)
	if err != nil {
		t.Fatal(err)
	}
	return c, totals
}

// TestDashboardCountsKept: the kept counts (incident_counts) answer what
// counting the incidents answers, after every kind of write: opening,
// acknowledging, ignoring, resolving, reopening, an amount or currency
// changing, a status set by hand, a deletion, and another project's
// writes and deletion.
func TestDashboardCountsKept(t *testing.T) {
	store := newTestStore(t)
	ctx := context.Background()
	project, check := fillIncidents(t, store, 140)
	other, _ := fillIncidents(t, store, 30)
	u, err := store.CreateOwner(ctx, "p@example.com", "P", "x")
	if err != nil {
		t.Fatal(err)
	}
	same := func(step string) {
		t.Helper()
		for _, p := range []string{project, other} {
			want, wantStake := referenceCounts(t, store, p)
			got, err := store.CountOpenIncidents(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			stake, err := store.StakeTotals(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(append([]StakeTotal{}, stake...), append([]StakeTotal{}, wantStake...)) {
				t.Fatalf("%s, %s: counts %+v stake %+v; counting the incidents: %+v stake %+v", step, p, got, stake, want, wantStake)
			}
		}
	}
	same("opened")
	items, _, err := store.ListIncidents(ctx, project, IncidentFilter{Limit: 140})
	if err != nil {
		t.Fatal(err)
	}
	// Money at stake on most, in two currencies; none on some.
	for n, i := range items {
		cur, minor := "usd", any(1000+n*37)
		switch {
		case n%5 == 0:
			cur = "eur"
		case n%11 == 0:
			minor = nil // usage: no amount
		case n%13 == 0:
			cur, minor = "", nil
		}
		if _, err := store.write.Exec(`UPDATE incidents SET at_stake_minor = ?, at_stake_currency = ?, at_stake_basis = 'price' WHERE id = ?`,
			minor, cur, i.ID); err != nil {
			t.Fatal(err)
		}
	}
	same("amounts set")
	for n := 0; n < 10; n++ {
		if _, err := store.AcknowledgeIncident(ctx, items[n].ID, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := store.IgnoreIncident(ctx, items[10+n].ID, u.ID, "test"); err != nil {
			t.Fatal(err)
		}
	}
	same("acknowledged and ignored")
	var b CheckBatch
	for _, i := range items[20:40] {
		b.Incidents = append(b.Incidents, IncidentWrite{Op: OpResolve, ID: i.ID,
			Key: IncidentKey{CustomerID: i.CustomerID, SubjectKey: i.SubjectKey, Kind: i.Kind}, Resolution: "promise_holds"})
	}
	for _, i := range items[40:50] {
		m := int64(5)
		b.Incidents = append(b.Incidents, IncidentWrite{Op: OpUpdate, ID: i.ID, Key: IncidentKey{CustomerID: i.CustomerID,
			SubjectKey: i.SubjectKey, Kind: i.Kind}, Severity: i.Severity, Summary: "changed", Fingerprint: "fp2", DiffHash: "dh2",
			Finding: []byte(`{}`), AtStake: &AtStake{MonthlyMinor: &m, Currency: "gbp", Basis: "price"}})
	}
	for _, i := range items[10:13] { // ignored ones come back changed
		b.Incidents = append(b.Incidents, IncidentWrite{Op: OpReopen, ID: i.ID, Key: IncidentKey{CustomerID: i.CustomerID,
			SubjectKey: i.SubjectKey, Kind: i.Kind}, Severity: i.Severity, Summary: "again", Fingerprint: "fp3", DiffHash: "dh3",
			Finding: []byte(`{}`)})
	}
	for n := 0; n < 5; n++ { // new gaps, and last-seen touches that move nothing
		b.Incidents = append(b.Incidents, IncidentWrite{Op: OpOpen, Key: IncidentKey{CustomerID: fmt.Sprintf("cus_new%d", n), Kind: "wrong_plan"},
			Severity: "high", Summary: "gap", Fingerprint: "fp", DiffHash: "dh", Finding: []byte(`{}`)},
			IncidentWrite{Op: OpTouch, ID: items[60+n].ID, Key: IncidentKey{CustomerID: items[60+n].CustomerID,
				SubjectKey: items[60+n].SubjectKey, Kind: items[60+n].Kind}})
	}
	if err := store.ApplyCheckBatch(ctx, project, check, "test", &b); err != nil {
		t.Fatal(err)
	}
	same("a check resolved, updated, reopened, opened and touched")
	for n, status := range []string{IncidentRepairing, IncidentVerifying, IncidentOpen} {
		if _, err := store.write.Exec(`UPDATE incidents SET status = ?, kind = 'trial_mismatch', severity_rank = ? WHERE id = ?`,
			status, n, items[70+n].ID); err != nil {
			t.Fatal(err)
		}
	}
	// An amount alone changes, appears and goes.
	if _, err := store.write.Exec(`UPDATE incidents SET at_stake_minor = CASE WHEN at_stake_minor IS NULL THEN 7 WHEN seq % 3 = 0 THEN NULL
		ELSE at_stake_minor + 100 END WHERE project_id = ? AND at_stake_currency <> ''`, project); err != nil {
		t.Fatal(err)
	}
	if _, err := store.write.Exec(`DELETE FROM incidents WHERE id IN (?, ?)`, items[80].ID, items[81].ID); err != nil {
		t.Fatal(err)
	}
	same("statuses, kinds, severities and amounts set by hand, two deleted")
	if err := store.DeleteProject(ctx, other); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := store.read.QueryRow(`SELECT COUNT(*) FROM incident_counts WHERE project_id = ?`, other).Scan(&left); err != nil || left != 0 {
		t.Fatalf("a deleted project's counts: %d left (%v)", left, err)
	}
	same("another project deleted")
}
