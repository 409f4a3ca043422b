package server

import (
	"encoding/json"
	"testing"
	"time"
)

// dashboardBudget is issue 18's: the dashboard summary at p95 ≤ 100 ms.
const dashboardBudget = 100 * time.Millisecond

// BenchmarkDashboard measures GET /api/projects/{id}/dashboard through the
// real router in the benchmark world (world_bench_test.go): active
// incident counts by severity and kind, money at stake, the last and
// running check, schedules and a week of webhook health.
func BenchmarkDashboard(b *testing.B) {
	benchDashboard(b, newBenchApp(b))
}

func benchDashboard(b *testing.B, a *benchApp) {
	w, _ := newBenchWorld()
	b.Run("summary", func(b *testing.B) {
		a.timed(b, "/api/projects/"+a.project+"/dashboard", dashboardBudget, func(b *testing.B, body []byte) {
			// The answer is the world's: a fast wrong answer is no answer.
			var v dashboardView
			if err := json.Unmarshal(body, &v); err != nil {
				b.Fatal(err)
			}
			active := w.incidents / 25 * 11 // open and acknowledged
			received, week := 0, 0
			for _, d := range v.Webhooks.Days {
				received += d.Received
			}
			raw, err := openRaw(a.path)
			if err != nil {
				b.Fatal(err)
			}
			defer raw.Close()
			if err := raw.QueryRow(`SELECT COUNT(*) FROM webhook_events WHERE received_at >= ?`,
				time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -6).Format(time.RFC3339)).Scan(&week); err != nil {
				b.Fatal(err)
			}
			if v.OpenTotal != active || len(v.AtStake) != 10 || v.LastCheck == nil || received != week || week < w.events*5/7 {
				b.Fatalf("dashboard: open %d (want %d), at stake %v, last check %v, webhooks %d in 7 days (want %d of %d)",
					v.OpenTotal, active, v.AtStake, v.LastCheck, received, week, w.events)
			}
		})
	})
}
