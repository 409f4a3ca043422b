package billing

import (
	"net/http/httptest"
	"testing"
	"time"

	"parityrail/demo/stripefake"

	"golang.org/x/time/rate"
)

// BenchmarkFullRead reads an account of 10,000 customers and 12,000
// subscriptions (connect probe + full read) from the fake over loopback and
// reports requests made against the minimum possible:
// ceil(customers/100) + ceil(subscriptions/100) + the 5 probe requests.
// Run: go test ./billing -run '^$' -bench FullRead -benchtime 3x
func BenchmarkFullRead(b *testing.B) {
	const customers, subscriptions = 10_000, 12_000
	f := stripefake.New()
	f.AddKey(testKey)
	f.Generate(stripefake.GenerateSpec{Customers: customers, Subscriptions: subscriptions, Seed: 42})
	srv := httptest.NewServer(f)
	defer srv.Close()
	minimum := int64((customers+99)/100 + (subscriptions+99)/100 + 5)

	var requests int64
	var elapsed time.Duration
	for b.Loop() {
		// The cap is lifted so the benchmark measures the connector, not
		// the 20 req/s test-mode limit.
		took, n := timedRead(b, Config{Key: testKey, APIBase: srv.URL, Limiter: rate.NewLimiter(rate.Inf, 1)}, customers, true)
		elapsed += took
		requests = n
	}
	b.ReportMetric(float64(requests), "requests/op")
	b.ReportMetric(float64(minimum), "min-requests")
	b.ReportMetric(float64(requests)/float64(minimum), "ratio")
	b.ReportMetric(float64(customers*b.N)/elapsed.Seconds(), "customers/s")
	if v := f.Violations(); len(v) != 0 {
		b.Fatalf("non-GET requests: %v", v)
	}
	if float64(requests)/float64(minimum) > 1.05 {
		b.Fatalf("requests %d exceed 1.05 × minimum %d", requests, minimum)
	}
}

// BenchmarkFullReadLatency reads 10,000 customers and 12,000 subscriptions
// (the full read alone) from the fake answering each page after 300 ms,
// inside a test key's 25/s budget, and reports the wall time against its
// floor: the minimum pages at 25 a second.
// Run: go test ./billing -run '^$' -bench FullReadLatency -benchtime 1x
func BenchmarkFullReadLatency(b *testing.B) {
	const customers, subscriptions, budget = 10_000, 12_000, 25
	const latency = 300 * time.Millisecond
	f := stripefake.New()
	f.AddKey(testKey)
	f.Generate(stripefake.GenerateSpec{Customers: customers, Subscriptions: subscriptions, Seed: 42})
	f.SetLatency(latency)
	srv := httptest.NewServer(f)
	defer srv.Close()
	minimum := (customers+99)/100 + (subscriptions+99)/100
	floor := time.Duration(float64(minimum) / budget * float64(time.Second))

	var requests int64
	var elapsed time.Duration
	for b.Loop() {
		took, n := timedRead(b, Config{Key: testKey, APIBase: srv.URL, Limiter: NewBudget(budget, nil)}, customers, false)
		elapsed += took
		requests = n
	}
	wall := elapsed / time.Duration(b.N)
	b.ReportMetric(wall.Seconds(), "s/read")
	b.ReportMetric(floor.Seconds(), "floor-s")
	b.ReportMetric(wall.Seconds()/floor.Seconds(), "ratio")
	b.ReportMetric(float64(requests), "requests")
	b.ReportMetric(float64(minimum), "min-requests")
}

// timedRead opens a client, reads the whole account (after the connect
// probe when probe) and checks every customer came back: how long that
// took and the requests it made.
func timedRead(b *testing.B, cfg Config, customers int, probe bool) (time.Duration, int64) {
	b.Helper()
	c, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if probe {
		if _, err := c.TestConnection(b.Context(), ProbeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	all, err := c.ReadAll(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	took := time.Since(start)
	if len(all) != customers {
		b.Fatalf("read %d customers", len(all))
	}
	return took, c.Requests()
}
