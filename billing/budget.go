package billing

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Stripe's own limits are 25 requests/s in test mode and 100 in live mode
// per account, and 25 per endpoint by default; the customer's own app
// shares all of it. ParityRail's default budget leaves room for the app.
const (
	DefaultTestBudget  = 25 // requests/s for sk_test_/rk_test_ keys
	DefaultLiveBudget  = 50 // requests/s for live keys: half of Stripe's 100
	PerEndpointBudget  = 20 // requests/s on any one endpoint, e.g. GET /v1/customers
	throttledFor       = 10 * time.Second
	throttleMinimumRPS = 1
)

// DefaultBudget is the default rate for a key mode.
func DefaultBudget(m Mode) float64 {
	if m == ModeLive {
		return DefaultLiveBudget
	}
	return DefaultTestBudget
}

// Budget is one project's Stripe request budget, shared by everything that
// reads its account (onboarding, checks, webhook re-checks, repairs): an
// account-wide rate, at most PerEndpointBudget on one endpoint, and on a 429
// half the rate for 10 s before climbing back. Zero or negative rps lifts
// every cap (loopback benchmarks).
type Budget struct {
	mu        sync.Mutex
	rps       float64
	all       *rate.Limiter
	endpoints map[string]*rate.Limiter
	until     time.Time // throttled (halved) until then
	log       *slog.Logger
	// OnThrottle, when set, counts each 429 (metrics).
	OnThrottle func()
}

// NewBudget makes a budget of rps requests per second.
func NewBudget(rps float64, log *slog.Logger) *Budget {
	b := &Budget{endpoints: map[string]*rate.Limiter{}, log: log}
	b.SetRate(rps)
	return b
}

// Rate is the configured rate (0: uncapped).
func (b *Budget) Rate() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.rps
}

// SetRate changes the rate; waiting requests see it at once.
func (b *Budget) SetRate(rps float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if rps < 0 {
		rps = 0
	}
	b.rps = rps
	if b.all == nil {
		b.all = rate.NewLimiter(rate.Inf, 1)
	}
	b.apply()
}

// apply sets the limiters from rps and the throttle (under mu).
func (b *Budget) apply() {
	if b.rps == 0 {
		b.all.SetLimit(rate.Inf)
		for _, l := range b.endpoints {
			l.SetLimit(rate.Inf)
		}
		return
	}
	r := b.rps
	if time.Now().Before(b.until) {
		r = max(r/2, throttleMinimumRPS)
	}
	// Burst 1: a strict cap, so a burst never exceeds Stripe's limit.
	b.all.SetLimit(rate.Limit(r))
	b.all.SetBurst(1)
	for _, l := range b.endpoints {
		l.SetLimit(rate.Limit(min(r, PerEndpointBudget)))
	}
}

// Wait satisfies Limiter (no endpoint known).
func (b *Budget) Wait(ctx context.Context) error { return b.WaitFor(ctx, "") }

// WaitFor waits for room on the account and on the endpoint (a path such as
// /v1/customers; ids in paths share their collection's budget).
func (b *Budget) WaitFor(ctx context.Context, path string) error {
	b.mu.Lock()
	if !b.until.IsZero() && !time.Now().Before(b.until) {
		b.until = time.Time{} // climb back
		b.apply()
	}
	all := b.all
	var ep *rate.Limiter
	if path != "" && b.rps != 0 {
		key := endpointKey(path)
		ep = b.endpoints[key]
		if ep == nil {
			ep = rate.NewLimiter(rate.Limit(min(b.rps, PerEndpointBudget)), 1)
			b.endpoints[key] = ep
		}
	}
	b.mu.Unlock()
	if ep != nil {
		if err := ep.Wait(ctx); err != nil {
			return err
		}
	}
	return all.Wait(ctx)
}

// endpointKey is /v1/customers for /v1/customers and /v1/customers/cus_1.
func endpointKey(path string) string {
	parts := strings.SplitN(strings.TrimPrefix(path, "/"), "/", 3)
	if len(parts) >= 2 {
		return "/" + parts[0] + "/" + parts[1]
	}
	return path
}

// Throttled is Stripe answering 429: half the rate for 10 s. Stripe sends
// no Retry-After; its Stripe-Rate-Limited-Reason header says which limit.
func (b *Budget) Throttled(resp *http.Response) {
	b.mu.Lock()
	b.until = time.Now().Add(throttledFor)
	b.apply()
	rps := b.rps
	b.mu.Unlock()
	if b.OnThrottle != nil {
		b.OnThrottle()
	}
	if b.log != nil && resp != nil {
		b.log.Warn("Stripe rate limited a request: halving the request budget for 10 s",
			"path", resp.Request.URL.Path, "reason", resp.Header.Get("Stripe-Rate-Limited-Reason"), "budget_rps", rps)
	}
}
