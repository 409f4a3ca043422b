package db

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"testing"

	"parityrail/ledger"
)

// BenchmarkPromiseBatches: what a first full check writes per customer, a
// promise row and its promise_changed entry, in the check's batches (go
// test -bench PromiseBatches -run ^$ ./db/). Reports µs per customer.
func BenchmarkPromiseBatches(b *testing.B) {
	const customers = 20_000
	perBatch := 2000
	if s := os.Getenv("BENCH_PER_BATCH"); s != "" {
		perBatch, _ = strconv.Atoi(s)
	}
	ctx := context.Background()
	summary := map[string]any{"grants": true, "plan": "pro", "plan_known": true, "features": []string{"api", "sso"},
		"reason": "active subscription to Pro (sub_1PqXyZ)"}
	raw, _ := json.Marshal(summary)
	for b.Loop() {
		b.StopTimer()
		store := newTestStore(b)
		p, err := store.CreateProject(ctx, "bench")
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for done := 0; done < customers; done += perBatch {
			batch := CheckBatch{}
			for i := done; i < done+perBatch; i++ {
				id := fmt.Sprintf("cus_%08d", i)
				batch.Promises = append(batch.Promises, PromiseRow{CustomerID: id, Fingerprint: fmt.Sprintf("%064d", i), Summary: raw})
				batch.Ledger = append(batch.Ledger, LedgerEntry{Kind: ledger.PromiseChanged, CustomerID: id,
					Detail: map[string]any{"to": summary}})
			}
			if err := store.ApplyCheckBatch(ctx, p.ID, "chk_1", "schedule", &batch); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*customers), "µs/customer")
}
