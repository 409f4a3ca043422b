package check

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parityrail/billing"
	"parityrail/sources"
	"parityrail/testutil/pgtest"
)

// The capped row's Stripe: 300 ms a page, at most 25 requests in any one
// second (Stripe's test-mode limit), 429 beyond.
const (
	cappedLatency = 300 * time.Millisecond
	cappedRPS     = 25
)

// cappedSize is the capped row's N (PARITYRAIL_BENCH_CAPPED_CUSTOMERS,
// default 10,000).
func cappedSize() int {
	if n, err := strconv.Atoi(os.Getenv("PARITYRAIL_BENCH_CAPPED_CUSTOMERS")); err == nil && n > 0 {
		return n
	}
	return 10_000
}

// TestBenchCappedStripeHelper serves the benchmark world's Stripe account
// (the same customers and subscriptions as TestBenchStripeHelper) in its
// own process, answering each request after cappedLatency and 429 over
// cappedRPS in any second. It prints the URL and serves until its stdin
// closes.
func TestBenchCappedStripeHelper(t *testing.T) {
	if os.Getenv("PARITYRAIL_BENCH_CAPPED_STRIPE") != "1" {
		t.Skip("helper process for BenchmarkCappedCheck")
	}
	f := storeBenchAccount(cappedSize())
	// Fill the render cache, uncapped and before the latency applies (see
	// TestBenchStripeHelper): the fake's CPU is then not the check's.
	warm := httptest.NewServer(f)
	c, err := billing.New(billing.Config{Key: testStripeKey, APIBase: warm.URL, RatePerSecond: 1e9})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	warm.Close()
	f.ResetLog()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go http.Serve(ln, f.RateCapped(cappedRPS))
	url := "http://" + ln.Addr().String()
	f.SetLatency(cappedLatency)
	runtime.GC()
	fmt.Printf("STRIPE_URL=%s\n", url)
	io.Copy(io.Discard, os.Stdin)
	ln.Close()
	os.Exit(0)
}

// BenchmarkCappedCheck is the table's capped row: a full check of
// 10,000 customers (Postgres app) against a Stripe answering each page
// after 300 ms and 429 over 25 requests in any second, the check at the
// project's default test-key budget (25/s). Its floor is the larger of the
// minimum pages at 25 a second and the same pages read by one plain
// sequential cursor in the same run (at 300 ms a page, the larger by far);
// the row reports the ratio against both, the 429s the check received and
// its requests against the minimum.
//
//	go test ./check -run '^$' -bench CappedCheck -benchtime 1x
func BenchmarkCappedCheck(b *testing.B) {
	n := cappedSize()
	b.StopTimer()
	pgURL := pgtest.NewDatabase(b)
	stripeURL := startHelper(b, "TestBenchCappedStripeHelper",
		[]string{"PARITYRAIL_BENCH_CAPPED_STRIPE=1", "PARITYRAIL_BENCH_CAPPED_CUSTOMERS=" + strconv.Itoa(n)}, "STRIPE_URL=")
	fillBenchApp(b, pgURL, n)

	store, v, projectID := benchProject(b, "postgres", pgURL, benchPostgresApp)
	ctx := context.Background()
	var limited atomic.Int64
	tl := &timeline{}
	opener := &sources.Opener{DB: store, Vault: v, StripeAPIBase: stripeURL,
		// StripeRate 0: no PARITYRAIL_STRIPE_MAX_RPS, so the project's
		// budget is a test key's default.
		OnSourceResponse: func(source string, status int) {
			if source != "stripe" {
				return
			}
			tl.add(status)
			if status == http.StatusTooManyRequests {
				limited.Add(1)
			}
		}}
	proj, err := store.GetProject(ctx, projectID)
	if err != nil {
		b.Fatal(err)
	}
	budget, from := opener.StripeBudgetRate(proj, billing.ModeTest)
	if budget != cappedRPS {
		b.Fatalf("the project's Stripe budget is %v/s (%s), not a test key's %d/s", budget, from, cappedRPS)
	}
	runner := &Runner{DB: store, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return benchNow },
		Opener: opener}

	// The lean sequential read, in the same run before the check; the cap's
	// window is empty again a second after it.
	leanFloor, pages, err := floorRead(ctx, stripeURL, testStripeKey)
	if err != nil {
		b.Fatal(err)
	}
	capFloor := time.Duration(float64(pages) / cappedRPS * float64(time.Second))
	floor := max(leanFloor, capFloor)
	time.Sleep(time.Second)

	runtime.GC()
	resetPeakRSS(b)
	b.StartTimer()
	for range b.N {
		limited.Store(0)
		tl.start(time.Now())
		res, elapsed, cpu, peak := benchRun(b, runner, projectID, n)
		b.ReportMetric(elapsed.Seconds(), "wall-s")
		b.ReportMetric(floor.Seconds(), "floor-s")
		b.ReportMetric(elapsed.Seconds()/floor.Seconds(), "check/floor")
		b.ReportMetric(elapsed.Seconds()/capFloor.Seconds(), "check/cap-floor")
		b.ReportMetric(float64(limited.Load()), "429s")
		b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MB")
		b.Logf("phases (ms): %v", res.Summary.PhasesMS)
		b.Logf("Stripe answers a second (429s in brackets): %s", tl)
		b.Logf("floor: %d pages at %d/s = %s; read by one sequential cursor at %s a page: %s",
			pages, cappedRPS, capFloor.Round(time.Millisecond), cappedLatency, leanFloor.Round(time.Millisecond))
		b.Logf("%d customers: %s wall (%s CPU), %d Stripe requests (minimum %d), %d answered 429, peak RSS %.0f MB, %d incidents opened",
			n, elapsed.Round(time.Millisecond), cpu.Round(time.Millisecond), res.Summary.StripeRequests, pages,
			limited.Load(), float64(peak)/(1<<20), res.Check.Counts.Opened)
		benchRow{N: n, Source: "Postgres", Latency: cappedLatency, Cap: fmt.Sprintf("%d/s (429), budget %v/s", cappedRPS, budget),
			Wall:     elapsed,
			Floor:    fmt.Sprintf("%s (cap %s, sequential %s)", secs(floor), secs(capFloor), secs(leanFloor)),
			Ratio:    fmt.Sprintf("%s (vs cap %s)", ratio(elapsed, floor), ratio(elapsed, capFloor)),
			Requests: fmt.Sprintf("Stripe %d/%d", res.Summary.StripeRequests, pages),
			Limited:  int(limited.Load()), PeakRSS: peak,
			Note: benchNote(fmt.Sprintf("%d incidents = drift", res.Check.Counts.Opened), cpu)}.print()
	}
}

// timeline counts answers per second since start, for the log: where a
// capped read falls short of its budget.
type timeline struct {
	mu      sync.Mutex
	t0      time.Time
	ok, lim []int
}

func (t *timeline) start(at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.t0, t.ok, t.lim = at, nil, nil
}

func (t *timeline) add(status int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.t0.IsZero() {
		return
	}
	i := int(time.Since(t.t0) / time.Second)
	for len(t.ok) <= i {
		t.ok, t.lim = append(t.ok, 0), append(t.lim, 0)
	}
	if status == http.StatusTooManyRequests {
		t.lim[i]++
	} else {
		t.ok[i]++
	}
}

func (t *timeline) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var sb strings.Builder
	for i := range t.ok {
		fmt.Fprintf(&sb, " %d", t.ok[i])
		if t.lim[i] > 0 {
			fmt.Fprintf(&sb, "[%d]", t.lim[i])
		}
	}
	return strings.TrimSpace(sb.String())
}
