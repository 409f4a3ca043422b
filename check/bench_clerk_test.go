package check

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	stripe "github.com/stripe/stripe-go/v76"

	"parityrail/demo/clerkfake"
	"parityrail/mapping"
	"parityrail/sources"
)

// clerkPageSize is the users page the check and the floor read (Clerk's
// maximum limit).
const clerkPageSize = 500

// TestBenchClerkHelper serves the benchmark's Clerk instance in its own
// process (so the benchmark's RSS is ParityRail's alone): one user per
// Stripe customer of the benchmark world, the customer id and the plan in
// public_metadata (the same ~5% drift as the Postgres app). It prints the
// URL and serves until its stdin closes.
func TestBenchClerkHelper(t *testing.T) {
	if os.Getenv("PARITYRAIL_BENCH_CLERK") != "1" {
		t.Skip("helper process for BenchmarkClerkCheck")
	}
	n := benchSize()
	f := clerkfake.New(clerkfake.Options{Now: func() time.Time { return benchNow }})
	base := benchNow.Add(-300 * 24 * time.Hour)
	trialEnd := benchNow.Add(7 * 24 * time.Hour).Format(time.RFC3339)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("cus_b%06d", i)
		pub := map[string]any{"stripe_customer_id": id, "plan": benchAppPlan(i)}
		if st, _ := benchStatus(i); st == stripe.SubscriptionStatusTrialing {
			pub["trial_ends_at"] = trialEnd
		}
		// Users sign up a little after their customer is created.
		f.AddUser(clerkfake.UserSpec{Email: id + "@app.test", FirstName: "User", LastName: id,
			CreatedAt: base.Add(time.Duration(i)*time.Second + time.Minute), PublicMetadata: pub})
	}
	runtime.GC()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go http.Serve(ln, f)
	fmt.Printf("CLERK_URL=http://%s\n", ln.Addr())
	io.Copy(io.Discard, os.Stdin)
	ln.Close()
	os.Exit(0)
}

// clerkFloorRead reads every user the plain way — one sequential
// starting_after cursor, limit 500, oldest first, minimal structs, nothing
// kept — from the same Clerk fake in the same run: the Clerk side of the
// floor.
func clerkFloorRead(ctx context.Context, base, key string) (time.Duration, int, int, error) {
	start := time.Now()
	pages, users := 0, 0
	after := ""
	for {
		q := url.Values{"limit": {fmt.Sprint(clerkPageSize)}, "order_by": {"created_at"}}
		if after != "" {
			q.Set("starting_after", after)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/users?"+q.Encode(), nil)
		if err != nil {
			return 0, pages, users, err
		}
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, pages, users, err
		}
		var page []struct {
			ID string `json:"id"`
		}
		err = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			return 0, pages, users, fmt.Errorf("Clerk floor read: %d %v", res.StatusCode, err)
		}
		pages++
		users += len(page)
		if len(page) < clerkPageSize {
			return time.Since(start), pages, users, nil
		}
		after = page[len(page)-1].ID
	}
}

// BenchmarkClerkCheck is the table's Clerk row: a full check of the
// benchmark world (100,000 customers by default; PARITYRAIL_BENCH_CUSTOMERS)
// whose access state is in Clerk — Stripe and Clerk fakes each in their own
// process over loopback, uncapped (PARITYRAIL_STRIPE_MAX_RPS=0) — into a
// real SQLite store. The check reads both sources at once, so its floor is
// the slower of the two plain sequential reads, each measured in the same
// run; it must open exactly one incident per drifted customer.
//
//	PARITYRAIL_BENCH_CUSTOMERS=10000 go test ./check -run '^$' -bench ClerkCheck -benchtime 1x
func BenchmarkClerkCheck(b *testing.B) {
	n := benchSize()
	b.StopTimer()
	stripeURL := startBenchStripe(b)
	clerkURL := startHelper(b, "TestBenchClerkHelper", []string{"PARITYRAIL_BENCH_CLERK=1"}, "CLERK_URL=") + "/v1"

	store, v, projectID := benchProject(b, "clerk", clerkfake.DefaultSecretKey, mapping.Mapping{
		Identity: &mapping.Identity{Automatic: true},
		Access: &mapping.Access{Users: mapping.Fields{StripeCustomerID: "public_metadata.stripe_customer_id",
			Plan: "public_metadata.plan", TrialEnd: "public_metadata.trial_ends_at"}},
	})
	ctx := context.Background()
	var limited atomic.Int64
	runner := &Runner{DB: store, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return benchNow },
		// StripeRate -1 is PARITYRAIL_STRIPE_MAX_RPS=0: no cap on Stripe or Clerk.
		Opener: &sources.Opener{DB: store, Vault: v, StripeAPIBase: stripeURL, ClerkAPIBase: clerkURL, StripeRate: -1,
			OnSourceResponse: func(_ string, status int) {
				if status == http.StatusTooManyRequests {
					limited.Add(1)
				}
			}}}
	// Both floors in the same run, before the check, each alone.
	stripeFloor, stripePages, err := floorRead(ctx, stripeURL, testStripeKey)
	if err != nil {
		b.Fatal(err)
	}
	clerkFloor, clerkPages, clerkUsers, err := clerkFloorRead(ctx, clerkURL, clerkfake.DefaultSecretKey)
	if err != nil {
		b.Fatal(err)
	}
	if clerkUsers != n {
		b.Fatalf("the Clerk floor read %d users of %d", clerkUsers, n)
	}
	floor := max(stripeFloor, clerkFloor)
	// The minimum pages are the floor's: one cursor each, 100 Stripe
	// objects and 500 Clerk users a page.
	stripeMin, clerkMin := stripePages, clerkPages

	runtime.GC()
	resetPeakRSS(b)
	b.StartTimer()
	for range b.N {
		res, elapsed, cpu, peak := benchRun(b, runner, projectID, n)
		if res.Summary.Subjects != n {
			b.Fatalf("read %d Clerk users of %d", res.Summary.Subjects, n)
		}
		b.ReportMetric(elapsed.Seconds(), "wall-s")
		b.ReportMetric(floor.Seconds(), "floor-s")
		b.ReportMetric(elapsed.Seconds()/floor.Seconds(), "check/floor")
		b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MB")
		b.ReportMetric(cpu.Seconds(), "check-cpu-s")
		b.Logf("phases (ms): %v", res.Summary.PhasesMS)
		b.Logf("floor: Stripe %d pages in %s, Clerk %d pages in %s (sequential, each alone)",
			stripePages, stripeFloor.Round(time.Millisecond), clerkPages, clerkFloor.Round(time.Millisecond))
		b.Logf("%d customers: %s wall (%s CPU), Stripe %d requests (minimum %d), Clerk %d requests (minimum %d), peak RSS %.0f MB, %d incidents opened",
			n, elapsed.Round(time.Millisecond), cpu.Round(time.Millisecond), res.Summary.StripeRequests, stripeMin,
			res.Summary.AccessRequests, clerkMin, float64(peak)/(1<<20), res.Check.Counts.Opened)
		benchRow{N: n, Source: "Clerk", Cap: "none", Wall: elapsed,
			Floor: fmt.Sprintf("%s (Stripe %s, Clerk %s)", secs(floor), secs(stripeFloor), secs(clerkFloor)),
			Ratio: ratio(elapsed, floor),
			Requests: fmt.Sprintf("Stripe %d/%d, Clerk %d/%d", res.Summary.StripeRequests, stripeMin,
				res.Summary.AccessRequests, clerkMin),
			Limited: int(limited.Load()), PeakRSS: peak,
			Note: benchNote(fmt.Sprintf("%d incidents = drift", res.Check.Counts.Opened), cpu)}.print()
	}
}
