package db

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestCountOpenIncidents(t *testing.T) {
	store := newTestStore(t)
	ctx := context.Background()
	project, _ := fillIncidents(t, store, 70) // 10 of each kind
	items, _, err := store.ListIncidents(ctx, project, IncidentFilter{Kind: "wrong_plan", Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	u, err := store.CreateOwner(ctx, "p@example.com", "P", "x")
	if err != nil {
		t.Fatal(err)
	}
	// Acknowledged still counts, ignored does not.
	if _, err := store.AcknowledgeIncident(ctx, items[0].ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := store.IgnoreIncident(ctx, items[1].ID, u.ID, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := store.IgnoreIncident(ctx, items[2].ID, u.ID, "test"); err != nil {
		t.Fatal(err)
	}
	c, err := store.CountOpenIncidents(ctx, project)
	if err != nil {
		t.Fatal(err)
	}
	if c.Total != 68 || c.ByKind["wrong_plan"] != 8 || c.ByKind["paid_without_access"] != 10 || c.BySeverity["high"] != 18 ||
		c.BySeverity["critical"] != 10 || c.BySeverity["medium"] != 30 || c.BySeverity["low"] != 10 {
		t.Errorf("counts %+v", c)
	}
	other, err := store.CreateProject(ctx, "Empty")
	if err != nil {
		t.Fatal(err)
	}
	if c, err := store.CountOpenIncidents(ctx, other.ID); err != nil || c.Total != 0 || len(c.ByKind) != 0 {
		t.Errorf("empty project %+v %v", c, err)
	}
}

// TestOpenCountsPlan: the dashboard's counts read only the kept counts
// (incident_counts), never the incidents, so they stay fast at 100,000
// open incidents.
func TestOpenCountsPlan(t *testing.T) {
	store := newTestStore(t)
	args := []any{"prj_x"}
	for _, s := range ActiveStatuses {
		args = append(args, s)
	}
	rows, err := store.read.Query(`EXPLAIN QUERY PLAN `+openCountsQuery, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	joined := strings.Join(plan, "; ")
	if !strings.Contains(joined, "incident_counts") || strings.Contains(joined, "SCAN") || strings.Contains(joined, "incidents ") {
		t.Errorf("open counts plan: %s", joined)
	}
}

// BenchmarkCountOpenIncidents: the dashboard's counts with 100,000 incidents
// in one project (go test -bench CountOpen -run ^$ ./db/).
func BenchmarkCountOpenIncidents(b *testing.B) {
	store := newTestStore(b)
	project, _ := fillIncidents(b, store, 100_000)
	ctx := context.Background()
	b.ResetTimer()
	var worst time.Duration
	for b.Loop() {
		start := time.Now()
		c, err := store.CountOpenIncidents(ctx, project)
		if err != nil || c.Total != 100_000 {
			b.Fatalf("%+v %v", c, err)
		}
		worst = max(worst, time.Since(start))
	}
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
}
