package postgres

import (
	"runtime"
	"testing"

	"parityrail/fulfillment"
)

// BenchmarkReadSubjects reads 100,000 user rows the way a full check does
// and reports rows/s and the peak heap growth while streaming.
func BenchmarkReadSubjects(b *testing.B) {
	db := newBenchDB(b)
	s, err := Connect(b.Context(), db)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	m := Mapping{Users: TableMapping{Table: "profiles", Identity: "stripe_customer_id", Plan: "plan", Premium: "is_premium", TrialEnd: "trial_ends_at", Entitlements: "entitlements"}}
	var before, peak runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	rows := 0
	for i := 0; i < b.N; i++ {
		err := s.ReadSubjects(b.Context(), m, func(fulfillment.Subject) error {
			if rows++; rows%20000 == 0 {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > peak.HeapAlloc {
					peak = ms
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak.HeapAlloc-min(peak.HeapAlloc, before.HeapAlloc))/(1<<20), "peak-heap-MiB")
}
