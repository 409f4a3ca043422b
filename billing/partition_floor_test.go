package billing

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"parityrail/demo/stripefake"
	"parityrail/partition"
)

// inMemory answers requests with a handler directly, no sockets, so the
// whole read runs inside a synctest bubble on its fake clock.
type inMemory struct{ h http.Handler }

func (m inMemory) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	m.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// TestFullReadNearItsFloor is BenchmarkFullReadLatency on a fake clock:
// 10,000 customers and 12,000 subscriptions, 300 ms a page, a 25/s budget.
// Time only passes while every goroutine waits (on the budget or a page),
// so the wall time measures the partitioning alone, whatever else the
// machine is doing. Which cursor the budget serves first among those
// waiting at one instant varies from run to run, and with it the wall
// time: 1.14–1.21 × the floor (the minimum pages at 25 a second) over
// many runs, where the reader before free places went to the piece with
// most left took 1.23–1.30 ×. It must stay within 1.22 ×, with requests
// within the minimum plus 2 per cursor. (partition's
// TestTwoListsReadNearTheFloor holds the same read within 1.2 ×.)
func TestFullReadNearItsFloor(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes 22,000 objects")
	}
	const customers, subscriptions, budget = 10_000, 12_000, 25
	synctest.Test(t, func(t *testing.T) {
		f := stripefake.New()
		f.AddKey(testKey)
		f.Generate(stripefake.GenerateSpec{Customers: customers, Subscriptions: subscriptions, Seed: 42})
		f.SetLatency(300 * time.Millisecond)
		c, err := New(Config{Key: testKey, APIBase: "http://stripe.invalid", Limiter: NewBudget(budget, nil), Transport: inMemory{f}})
		if err != nil {
			t.Fatal(err)
		}
		stats := &listStats{by: map[string]partition.Stats{}}
		c.onList = stats.record
		start := time.Now()
		all, err := c.ReadAll(t.Context())
		wall := time.Since(start)
		if err != nil || len(all) != customers {
			t.Fatalf("%d customers, %v", len(all), err)
		}
		minimum := (customers+99)/100 + (subscriptions+99)/100
		floor := time.Duration(float64(minimum) / budget * float64(time.Second))
		ratio := wall.Seconds() / floor.Seconds()
		cursors := 0
		for _, st := range stats.by {
			cursors += st.Cursors
		}
		t.Logf("%.2f s for a floor of %.2f s: %.3f×; %d requests (minimum %d) over %d cursors", wall.Seconds(), floor.Seconds(), ratio, c.Requests(), minimum, cursors)
		if ratio > 1.22 {
			t.Errorf("%.3f × the floor, want ≤ 1.22", ratio)
		}
		if c.Requests() > int64(minimum+2*cursors) {
			t.Errorf("%d requests, more than %d pages + 2 × %d cursors", c.Requests(), minimum, cursors)
		}
	})
}
