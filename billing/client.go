package billing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"parityrail/netcause"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
	"golang.org/x/time/rate"

	"parityrail/partition"
)

// DefaultAPIBase is Stripe's API; PARITYRAIL_STRIPE_API_BASE overrides it
// in the caller.
const DefaultAPIBase = "https://api.stripe.com"

// Default request-rate caps of a client made without a shared Budget: the
// budget defaults (see budget.go).
const (
	DefaultTestRate = DefaultTestBudget
	DefaultLiveRate = DefaultLiveBudget
)

const defaultMaxRetries = 3

// Limiter caps the request rate. *rate.Limiter satisfies it; pass one
// shared limiter per project so concurrent clients share the cap.
type Limiter interface {
	Wait(ctx context.Context) error
}

// Config configures a Client.
type Config struct {
	// Key is a restricted or secret key; it is validated with ValidateKey.
	Key string
	// APIBase is Stripe's base URL without /v1; empty → DefaultAPIBase.
	APIBase string
	// Limiter caps requests; nil → a limiter of RatePerSecond.
	Limiter Limiter
	// RatePerSecond is used when Limiter is nil; 0 → DefaultTestRate or
	// DefaultLiveRate by the key's mode.
	RatePerSecond float64
	// MaxRetries is how often a 429/5xx/network failure is retried;
	// 0 → 3, negative → never.
	MaxRetries int
	// Backoff is the wait before retry n (0-based); nil → exponential from
	// 500 ms to 5 s with jitter, like stripe-go's own.
	Backoff func(retry int) time.Duration
	// Transport is the underlying round tripper; nil → a clone of
	// http.DefaultTransport.
	Transport http.RoundTripper
	// Timeout bounds one API call including its retries; 0 → 2 minutes.
	Timeout time.Duration
	// OnResponse, when set, sees each request's HTTP status (0: no answer),
	// for metrics.
	OnResponse func(status int)
}

// Client reads one Stripe account. It is safe for concurrent use.
type Client struct {
	api      *client.API
	http     *http.Client // the full read's own requests, same transport
	key      string
	mode     Mode
	rps      float64
	label    string
	base     string
	requests *atomic.Int64
	limiter  Limiter
	// rtt is how long Stripe takes to answer (ns, a moving average), after
	// the wait for the budget: it says how many cursors keep the budget busy.
	rtt *partition.RTT
	// lists are the lists being read at once; they share the budget.
	lists listShares
	// onList, when set, sees each partitioned list's numbers (tests).
	onList func(path string, st partition.Stats)
	// charges: subscriptions are read with their latest invoice's charge,
	// its refunds and dispute (the refund and dispute policy is on).
	charges atomic.Bool
}

// ReadCharges makes subscription reads expand the latest invoice's charge,
// its refunds and its dispute (Charges and Disputes read). Only a project
// whose policy has a refund or dispute rule on asks for them.
func (c *Client) ReadCharges(on bool) { c.charges.Store(on) }

// New validates the key and builds a client. No request is made.
func New(cfg Config) (*Client, error) {
	key, mode, err := ValidateKey(cfg.Key)
	if err != nil {
		return nil, err
	}
	base := strings.TrimSuffix(strings.TrimRight(cfg.APIBase, "/"), "/v1")
	if base == "" {
		base = DefaultAPIBase
	}
	lim, rps := cfg.Limiter, 0.0
	if lim == nil {
		rps = cfg.RatePerSecond
		if rps <= 0 {
			rps = DefaultTestRate
			if mode == ModeLive {
				rps = DefaultLiveRate
			}
		}
		// Burst 1: a strict cap, so a burst never exceeds Stripe's limit.
		lim = rate.NewLimiter(rate.Limit(rps), 1)
	}
	retries := cfg.MaxRetries
	switch {
	case retries == 0:
		retries = defaultMaxRetries
	case retries < 0:
		retries = 0
	}
	backoff := cfg.Backoff
	if backoff == nil {
		backoff = defaultBackoff
	}
	inner := cfg.Transport
	if inner == nil {
		inner = http.DefaultTransport.(*http.Transport).Clone()
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = 2 * time.Minute
	}
	count := &atomic.Int64{}
	rt := &transport{next: inner, limiter: lim, maxRetries: retries, backoff: backoff, count: count, observe: cfg.OnResponse, rtt: &partition.RTT{}}
	rt.budget, _ = lim.(*Budget)

	httpc := &http.Client{Transport: rt, Timeout: timeout}
	backend := stripe.GetBackendWithConfig(stripe.APIBackend, &stripe.BackendConfig{
		URL:        stripe.String(base),
		HTTPClient: httpc,
		// Retries live in our transport: stripe-go retries a 429 only when
		// Stripe-Should-Retry is true or the code is lock_timeout, and it
		// sleeps with time.Sleep, which a cancelled context can't interrupt.
		MaxNetworkRetries: stripe.Int64(0),
		EnableTelemetry:   stripe.Bool(false),
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
	})
	return &Client{
		api:      client.New(key, &stripe.Backends{API: backend, Connect: backend, Uploads: backend}),
		http:     httpc,
		key:      key,
		mode:     mode,
		rps:      rps,
		label:    MaskedLabel(key),
		base:     base,
		requests: count,
		limiter:  lim,
		rtt:      rt.rtt,
	}, nil
}

// Mode is the key's mode.
func (c *Client) Mode() Mode { return c.mode }

// RateLimit is the request cap in requests per second; 0 when the caller
// supplied its own Limiter.
func (c *Client) RateLimit() float64 { return c.rps }

// MaskedLabel is the key's masked label, e.g. "rk_test_…abcd".
func (c *Client) MaskedLabel() string { return c.label }

// Requests is how many HTTP requests this client has sent, retries included.
func (c *Client) Requests() int64 { return c.requests.Load() }

// ErrReadOnly is returned if anything tries to send a non-GET request.
var ErrReadOnly = errors.New("billing: refusing a non-GET request to Stripe (the connector is read-only)")

// transport enforces read-only access, the rate cap and retries for every
// request stripe-go makes.
type transport struct {
	next       http.RoundTripper
	limiter    Limiter
	maxRetries int
	backoff    func(int) time.Duration
	count      *atomic.Int64
	observe    func(int)
	budget     *Budget // the limiter when it is a project's Budget
	rtt        *partition.RTT
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet {
		return nil, ErrReadOnly
	}
	ctx := req.Context()
	for retry := 0; ; retry++ {
		var err error
		if t.budget != nil {
			err = t.budget.WaitFor(ctx, req.URL.Path)
		} else {
			err = t.limiter.Wait(ctx)
		}
		if err != nil {
			return nil, err
		}
		// GETs carry no body (stripe-go moves params into the URL), so the
		// request can be sent again as is.
		r := req.Clone(ctx)
		r.Body, r.GetBody, r.ContentLength = http.NoBody, nil, 0
		t.count.Add(1)
		sent := time.Now()
		resp, err := t.next.RoundTrip(r)
		if err == nil {
			t.rtt.Observe(time.Since(sent))
		}
		if t.observe != nil {
			status := 0
			if err == nil {
				status = resp.StatusCode
			}
			t.observe(status)
		}
		if t.budget != nil && err == nil && resp.StatusCode == http.StatusTooManyRequests {
			t.budget.Throttled(resp)
		}
		if retry >= t.maxRetries || !shouldRetry(ctx, resp, err) {
			return resp, err
		}
		wait := t.backoff(retry)
		if resp != nil {
			if ra := retryAfter(resp); ra > wait {
				wait = ra
			}
			// Drain so the connection can be reused.
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, ctx.Err()
		case <-timer.C:
		}
	}
}

// shouldRetry follows Stripe's advice first: Stripe-Should-Retry: false
// never retries, true always does. Otherwise 409, 429 (rate limits and lock
// timeouts alike) and 5xx are retried, and so are network errors.
func shouldRetry(ctx context.Context, resp *http.Response, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if err != nil {
		return true
	}
	switch resp.Header.Get("Stripe-Should-Retry") {
	case "false":
		return false
	case "true":
		return true
	}
	return resp.StatusCode == http.StatusConflict || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
}

func retryAfter(resp *http.Response) time.Duration {
	secs, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After")))
	if err != nil || secs <= 0 {
		return 0
	}
	return min(time.Duration(secs)*time.Second, 30*time.Second)
}

func defaultBackoff(retry int) time.Duration {
	const lo, hi = 500 * time.Millisecond, 5 * time.Second
	d := min(lo+lo*time.Duration(retry*retry), hi)
	// Jitter into 75–100 % so parallel clients don't retry in lockstep.
	d -= time.Duration(rand.Int64N(int64(d / 4)))
	return max(d, lo)
}

// AuthError is Stripe refusing the key itself (HTTP 401).
type AuthError struct{}

func (*AuthError) Error() string {
	return "Stripe rejected the API key (HTTP 401). Copy the key again from Stripe Dashboard → Developers → API keys; it may have been rolled, expired or deleted, or belong to another account."
}

// RateLimitError is Stripe still answering 429 after every retry.
type RateLimitError struct{}

func (*RateLimitError) Error() string {
	return "Stripe rate limit hit (HTTP 429) even after retrying with backoff. Wait a minute and try again; if it keeps happening, another integration may be using up this account's rate limit."
}

// APIError is any other error response from Stripe, with Stripe's message
// (any key in it redacted).
type APIError struct {
	Status  int
	Type    string
	Code    string
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("Stripe returned HTTP %d: %s", e.Status, e.Message)
}

var keyLike = regexp.MustCompile(`\b(sk|rk|pk)_(test|live)_[A-Za-z0-9_*]+`)

// redact masks anything in a Stripe message that looks like a key; Stripe
// already masks keys, but ParityRail never shows even part of one beyond
// its own masked label.
func redact(msg string) string {
	return keyLike.ReplaceAllStringFunc(msg, MaskedLabel)
}

// wrapErr turns stripe-go errors into ours and adds what was being read.
func (c *Client) wrapErr(what string, err error) error {
	if err == nil {
		return nil
	}
	var se *stripe.Error
	if errors.As(err, &se) {
		switch {
		case se.HTTPStatusCode == http.StatusUnauthorized:
			return &AuthError{}
		case se.HTTPStatusCode == http.StatusForbidden:
			if perm := missingPermission(se.Msg); perm != "" {
				p := permissionFor(perm)
				return &PermissionError{Missing: []MissingPermission{p}}
			}
		case se.HTTPStatusCode == http.StatusTooManyRequests:
			return &RateLimitError{}
		}
		return fmt.Errorf("read %s: %w", what, &APIError{Status: se.HTTPStatusCode, Type: string(se.Type), Code: string(se.Code), Message: redact(se.Msg)})
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("read %s: %w", what, err)
	}
	return fmt.Errorf("read %s: %w", what, &NetworkError{Base: c.base, Reason: netcause.Describe(err), Err: err})
}

// NetworkError is Stripe not answering at all. Its message says what
// happened and what to do; the Go error chain stays behind Unwrap (logs).
type NetworkError struct {
	Base, Reason string
	Err          error
}

func (e *NetworkError) Error() string {
	return fmt.Sprintf("Stripe could not be reached at %s (%s). Check that this server can reach it (outbound network, proxy, PARITYRAIL_STRIPE_API_BASE), then run the check again.", e.Base, e.Reason)
}

func (e *NetworkError) Unwrap() error { return e.Err }
