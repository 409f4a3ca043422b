package check

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"parityrail/sources"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	stripe "github.com/stripe/stripe-go/v76"

	"parityrail/db"
	"parityrail/demo/stripefake"
	"parityrail/fulfillment"
	"parityrail/mapping"
	"parityrail/testutil/pgtest"
	"parityrail/testutil/storetest"
	"parityrail/vault"
)

// The benchmark world: customer i has one subscription whose status and
// price follow i, so the promise is known without reading Stripe; the app
// row of every 20th customer (~5%) is wrong.
func benchStatus(i int) (st stripe.SubscriptionStatus, grants bool) {
	switch r := i % 100; {
	case r < 70:
		return stripe.SubscriptionStatusActive, true
	case r < 78:
		return stripe.SubscriptionStatusTrialing, true
	case r < 83:
		return stripe.SubscriptionStatusPastDue, true // within the grace
	case r < 93:
		return stripe.SubscriptionStatusCanceled, false
	case r < 95:
		return stripe.SubscriptionStatusUnpaid, false
	case r < 97:
		return stripe.SubscriptionStatusIncompleteExpired, false
	default:
		return stripe.SubscriptionStatusPaused, false
	}
}

func benchPlan(i int) (price, plan string) {
	if i%3 == 0 {
		return "price_basic", "basic"
	}
	return "price_pro", "pro"
}

func benchDrift(i int) bool { return i%20 == 7 }

var benchNow = time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

func benchSize() int {
	if n, err := strconv.Atoi(os.Getenv("PARITYRAIL_BENCH_CUSTOMERS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// benchCustomerID is customer i's id.
func benchCustomerID(i int) string { return fmt.Sprintf("cus_b%06d", i) }

// benchAccount is the benchmark's Stripe account of n customers: the base
// (key, clock, prices) and the specs of customer i and its subscription.
// The helper generates it (stripefake.NewGenerated: nothing stored per
// customer); storeBenchAccount stores the same specs.
func benchAccount(n int) (*stripefake.Server, stripefake.GeneratedSpec) {
	f := stripefake.New()
	f.AddKey(testStripeKey)
	f.SetClock(func() time.Time { return benchNow })
	f.AddPrice(stripefake.PriceSpec{ID: "price_pro", ProductName: "Pro", UnitAmount: 4900})
	f.AddPrice(stripefake.PriceSpec{ID: "price_basic", ProductName: "Basic", UnitAmount: 900})
	base := benchNow.Add(-300 * 24 * time.Hour)
	return f, stripefake.GeneratedSpec{
		N: n,
		Customer: func(i int) stripefake.CustomerSpec {
			id := benchCustomerID(i)
			return stripefake.CustomerSpec{ID: id, Email: id + "@bench.test", Created: base.Add(time.Duration(i) * time.Second)}
		},
		Subscription: func(i int) stripefake.SubscriptionSpec {
			st, _ := benchStatus(i)
			price, _ := benchPlan(i)
			spec := stripefake.SubscriptionSpec{Status: st, PriceIDs: []string{price},
				Created: base.Add(time.Duration(i)*time.Second + time.Hour)}
			switch st {
			case stripe.SubscriptionStatusTrialing:
				spec.TrialEnd = benchNow.Add(7 * 24 * time.Hour)
			case stripe.SubscriptionStatusPastDue:
				spec.InvoiceCreated = benchNow.Add(-3 * 24 * time.Hour)
			}
			return spec
		},
		CustomerIndex: func(id string) (int, bool) {
			digits, ok := strings.CutPrefix(id, "cus_b")
			i, err := strconv.Atoi(digits)
			return i, ok && err == nil && i >= 0 && benchCustomerID(i) == id
		},
	}
}

// storeBenchAccount stores benchAccount's customers the plain way.
func storeBenchAccount(n int) *stripefake.Server {
	f, spec := benchAccount(n)
	for i := 0; i < n; i++ {
		f.AddCustomer(spec.Customer(i))
		sub := spec.Subscription(i)
		sub.CustomerID = benchCustomerID(i)
		f.MustAddSubscription(sub)
	}
	return f
}

// TestBenchStripeHelper serves the benchmark's Stripe account in its own
// process (so the benchmark's RSS is ParityRail's alone): it prints the URL
// and serves until its stdin closes. The account is generated: customers
// and subscriptions are computed and rendered as they are read, so a
// million customers fit (a stored account keeps ~15 KB a customer), and
// serving a page costs about what copying a stored page would (real
// Stripe renders on its own servers, not on the check's two cores).
// PARITYRAIL_BENCH_SHAPES=1 prints the requests served, by shape, at exit.
func TestBenchStripeHelper(t *testing.T) {
	if os.Getenv("PARITYRAIL_BENCH_STRIPE") != "1" {
		t.Skip("helper process for BenchmarkFullCheck")
	}
	base, spec := benchAccount(benchSize())
	f, err := stripefake.NewGenerated(base, spec)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go http.Serve(ln, f)
	fmt.Printf("STRIPE_URL=%s\n", "http://"+ln.Addr().String())
	io.Copy(io.Discard, os.Stdin)
	ln.Close()
	if os.Getenv("PARITYRAIL_BENCH_SHAPES") == "1" {
		shapes := f.Shapes()
		keys := make([]string, 0, len(shapes))
		for k := range shapes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(os.Stderr, "stripe helper served %7d × GET %s\n", shapes[k], k)
		}
		fmt.Fprintf(os.Stderr, "stripe helper: %+v\n", f.Stats())
	}
	os.Exit(0)
}

// startBenchStripe starts the helper and returns its URL.
func startBenchStripe(b *testing.B) string {
	return startHelper(b, "TestBenchStripeHelper", []string{"PARITYRAIL_BENCH_STRIPE=1"}, "STRIPE_URL=")
}

// fillBenchApp creates the app's users table with one row per customer.
func fillBenchApp(b testing.TB, url string, n int) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE app_users (id bigint PRIMARY KEY, email text NOT NULL, stripe_customer_id text,
		plan text, trial_ends_at timestamptz)`); err != nil {
		b.Fatal(err)
	}
	trialEnd := benchNow.Add(7 * 24 * time.Hour)
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"app_users"}, []string{"id", "email", "stripe_customer_id", "plan", "trial_ends_at"},
		pgx.CopyFromSlice(n, func(i int) ([]any, error) {
			st, _ := benchStatus(i)
			plan := benchAppPlan(i)
			var te any
			if st == stripe.SubscriptionStatusTrialing {
				te = trialEnd
			}
			id := benchCustomerID(i)
			return []any{int64(i + 1), id + "@app.test", id, plan, te}, nil
		}))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE app_users`); err != nil {
		b.Fatal(err)
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func peakRSS() (int64, error) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM")
}

// benchProject is a fresh SQLite store holding one project: Stripe at
// testStripeKey, the access source of kind access ("postgres" or "clerk")
// with secret, and the app mapped by app with the default policy.
func benchProject(tb testing.TB, access, secret string, app mapping.Mapping) (*db.DB, *vault.Vault, string) {
	store, _ := storetest.Open(tb)
	v := storetest.Vault(tb)
	ctx := context.Background()
	owner, p := storetest.OwnerProject(tb, store, "Bench")
	store.SaveStack(ctx, p.ID, "Bench", "stripe", access, owner.ID)
	sealed, _ := v.Seal(testStripeKey)
	store.ConnectBilling(ctx, db.Connection{ProjectID: p.ID, Kind: "stripe", SealedSecret: sealed, Label: "x", ConnectedBy: owner.ID})
	sealed, _ = v.Seal(secret)
	store.ConnectAccessSource(ctx, db.Connection{ProjectID: p.ID, Kind: access, SealedSecret: sealed, Label: "x", ConnectedBy: owner.ID})
	pol := fulfillment.DefaultPolicy()
	app.Plans = &fulfillment.PlanMapping{NoPlanValue: "free", Rows: []fulfillment.PlanRow{
		{PriceID: "price_pro", AppValue: "pro"}, {PriceID: "price_basic", AppValue: "basic"}}}
	app.Policy = &pol
	doc, _ := json.Marshal(app)
	if err := store.SaveMapping(ctx, p.ID, string(doc), owner.ID, 4, 5, 6); err != nil {
		tb.Fatal(err)
	}
	return store, v, p.ID
}

// benchPostgresApp maps the Postgres app's users table (fillBenchApp).
var benchPostgresApp = mapping.Mapping{
	Identity: &mapping.Identity{BillingField: mapping.BillingCustomerID, Table: "app_users", Column: "stripe_customer_id"},
	Access:   &mapping.Access{Users: mapping.Fields{Plan: "plan", TrialEnd: "trial_ends_at", Email: "email"}},
}

// benchRunner is a runner over a fresh SQLite store with one project: the
// app's users in Postgres (pgURL), Stripe at stripeURL, uncapped.
func benchRunner(tb testing.TB, pgURL, stripeURL string) (*Runner, string) {
	store, v, project := benchProject(tb, "postgres", pgURL, benchPostgresApp)
	return &Runner{DB: store, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return benchNow },
		Opener: &sources.Opener{DB: store, Vault: v, StripeAPIBase: stripeURL, StripeRate: 1e9}}, project
}

// BenchmarkFullCheck runs a full check of 100,000 customers (the Stripe fake
// in its own process over loopback, the app's users in a real PostgreSQL,
// ~5% drift) into a real SQLite store, and reports wall time, customers/s,
// Stripe requests against the minimum, and the peak RSS of the check.
//
//	go test ./check -run '^$' -bench FullCheck -benchtime 1x
//
// PARITYRAIL_BENCH_CUSTOMERS changes the size (the 1M row:
// PARITYRAIL_BENCH_CUSTOMERS=1000000, -timeout 60m).
func BenchmarkFullCheck(b *testing.B) {
	n := benchSize()
	// ns/op measures the check alone, not building the world.
	b.StopTimer()
	url := pgtest.NewDatabase(b)
	stripeURL := startBenchStripe(b)
	fillBenchApp(b, url, n)

	runner, projectID := benchRunner(b, url, stripeURL)
	ctx := context.Background()
	minimum := int64(2 * ((n + 99) / 100)) // one subscription per customer

	// The floor, read in the same run before the check (its memory is
	// not the check's: the peak is reset after it).
	floor, floorPages, err := floorRead(ctx, stripeURL, testStripeKey)
	if err != nil {
		b.Fatal(err)
	}

	runtime.GC()
	resetPeakRSS(b)
	b.StartTimer()
	for range b.N {
		res, elapsed, cpu, peak := benchRun(b, runner, projectID, n)
		b.ReportMetric(elapsed.Seconds(), "wall-s")
		b.ReportMetric(float64(n)/elapsed.Seconds(), "customers/s")
		b.ReportMetric(float64(res.Summary.StripeRequests), "stripe-requests")
		b.ReportMetric(float64(res.Summary.StripeRequests)/float64(minimum), "requests/min")
		b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MB")
		b.ReportMetric(floor.Seconds(), "floor-s")
		b.ReportMetric(elapsed.Seconds()/floor.Seconds(), "check/floor")
		// CPU time of this process (ParityRail alone; not Postgres, not the
		// fake), which a busy machine does not inflate the way it does wall.
		b.ReportMetric(cpu.Seconds(), "check-cpu-s")
		b.Logf("phases (ms): %v", res.Summary.PhasesMS)
		b.Logf("floor: %d pages read sequentially in %s; check/floor %.2f", floorPages, floor.Round(time.Millisecond),
			elapsed.Seconds()/floor.Seconds())
		b.Logf("%d customers: %s wall, %.0f customers/s, %d Stripe requests (minimum %d, ratio %.3f), peak RSS %.0f MB, %d incidents opened",
			n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), res.Summary.StripeRequests, minimum,
			float64(res.Summary.StripeRequests)/float64(minimum), float64(peak)/(1<<20), res.Check.Counts.Opened)
	}
}
