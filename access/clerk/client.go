// Package clerk reads a Clerk instance's users and organizations — and their
// metadata — as ParityRail's access-state source. It is read-only by
// construction: every request goes through a transport that refuses any
// method but GET before it reaches the network.
package clerk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"parityrail/netcause"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	clerksdk "github.com/clerk/clerk-sdk-go/v2"
	"golang.org/x/time/rate"

	"parityrail/partition"
)

// DefaultBaseURL is Clerk's Backend API; PARITYRAIL_CLERK_API_BASE overrides it.
const DefaultBaseURL = clerksdk.APIURL

// Retry defaults. Clerk's Backend API allows 100 requests / 10 s on
// development instances, so a short burst of 429s is normal; the API
// description's own retry policy starts at 500 ms growing by 1.5×.
const (
	defaultMaxAttempts     = 5
	serverErrorMaxAttempts = 3
	defaultMaxRetryWait    = 30 * time.Second
	backoffInitial         = 500 * time.Millisecond
	backoffExponent        = 1.5
	backoffMax             = 10 * time.Second
	defaultHTTPTimeout     = 30 * time.Second
)

// Clerk's Backend API allows 1000 requests per 10 seconds on production
// instances (sk_live_ keys) and 100 on development instances (sk_test_).
const (
	LiveRequestsPer10s = 1000
	TestRequestsPer10s = 100
)

// Config configures a Client. Only SecretKey is required.
type Config struct {
	BaseURL    string       // default DefaultBaseURL; must include /v1 for the real API
	SecretKey  string       // sk_test_… or sk_live_…
	HTTPClient *http.Client // optional; copied, never modified

	// MaxAttempts bounds tries per request on HTTP 429 (default 5); 5xx and
	// network errors get at most 3.
	MaxAttempts int
	// MaxRetryWait caps one wait, including what Retry-After asks for (default 30 s).
	MaxRetryWait time.Duration
	// Sleep waits between retries; tests inject one that records durations.
	// It must return early with ctx.Err() when ctx ends.
	Sleep func(ctx context.Context, d time.Duration) error
	// OnResponse, when set, sees each request's HTTP status (0: no answer),
	// for metrics.
	OnResponse func(status int)
	// RequestsPer10s caps the request rate: 0 → Clerk's limit for the key's
	// instance (LiveRequestsPer10s or TestRequestsPer10s), negative → no cap
	// (loopback benchmarks). Ignored when Budget is set.
	RequestsPer10s int
	// Budget, when set, is the instance's budget to share with the other
	// clients of the same project (sources.Opener keeps one per project);
	// nil: a budget of this client's own.
	Budget *Budget
}

// Client reads from one Clerk instance. It is safe for concurrent use.
type Client struct {
	backend      clerksdk.Backend
	key          string
	host         string // API base host, named in network errors
	maxAttempts  int
	maxRetryWait time.Duration
	sleep        func(context.Context, time.Duration) error
	requests     atomic.Int64
	onResponse   func(int)
	budget       *Budget
	// rtt is how long Clerk takes to answer (ns, a moving average): it says
	// how many cursors keep the budget busy.
	rtt partition.RTT

	// onList, when set, sees each user list's numbers (tests).
	onList func(partition.Stats)
}

// New validates the key and base URL and builds a client on clerk-sdk-go's
// Backend. It makes no request.
func New(cfg Config) (*Client, error) {
	key, err := ValidateSecretKey(cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	base := strings.TrimSpace(cfg.BaseURL)
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, invalidInput("The Clerk API base URL %q is not an http(s) URL (expected something like %s).", base, DefaultBaseURL)
	}

	hc := &http.Client{Timeout: defaultHTTPTimeout}
	if cfg.HTTPClient != nil {
		copied := *cfg.HTTPClient
		hc = &copied
	}
	inner := hc.Transport
	if inner == nil {
		inner = http.DefaultTransport
	}
	hc.Transport = readOnlyTransport{next: inner}

	c := &Client{
		backend: clerksdk.NewBackend(&clerksdk.BackendConfig{
			HTTPClient: hc,
			URL:        clerksdk.String(strings.TrimRight(base, "/")),
			Key:        clerksdk.String(key),
		}),
		key:          key,
		host:         u.Host,
		onResponse:   cfg.OnResponse,
		maxAttempts:  cfg.MaxAttempts,
		maxRetryWait: cfg.MaxRetryWait,
		sleep:        cfg.Sleep,
	}
	if c.maxAttempts <= 0 {
		c.maxAttempts = defaultMaxAttempts
	}
	if c.maxRetryWait <= 0 {
		c.maxRetryWait = defaultMaxRetryWait
	}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	c.budget = cfg.Budget
	if c.budget == nil {
		c.budget = NewBudget(KeyMode(key), cfg.RequestsPer10s)
	}
	return c, nil
}

// MaskedLabel is the client's key as it may be shown, e.g. "sk_test_…abcd".
func (c *Client) MaskedLabel() string { return MaskedLabel(c.key) }

// Budget is the request budget the client draws from (shared with the
// other clients of its project when opened through sources.Opener).
func (c *Client) Budget() *Budget { return c.budget }

// Mode is "test" or "live", from the key's prefix.
func (c *Client) Mode() string { return KeyMode(c.key) }

// Requests is how many HTTP requests this client has sent, retries included
// (for benchmarks and check summaries).
func (c *Client) Requests() int64 { return c.requests.Load() }

// get sends GET path?query through the SDK backend, retrying 429 (honouring
// Retry-After), 5xx and network failures, and returns the raw JSON body.
// what names the resource for messages ("users", "user user_123").
func (c *Client) get(ctx context.Context, path string, query url.Values, what string) ([]byte, error) {
	return c.fetch(ctx, path, query, what, false)
}

// getRaw is get for a caller whose decode checks the JSON itself (a users
// page): the body of a 2xx answer is taken at the transport, so the SDK
// does not scan it twice just to copy it (a tenth of a full check's CPU).
func (c *Client) getRaw(ctx context.Context, path string, query url.Values, what string) ([]byte, error) {
	return c.fetch(ctx, path, query, what, true)
}

func (c *Client) fetch(ctx context.Context, path string, query url.Values, what string, raw bool) ([]byte, error) {
	seen := 0 // the last pause this request has waited out
	for attempt := 1; ; attempt++ {
		if err := c.waitTurn(ctx, &seen); err != nil {
			return nil, canceled(ctx)
		}
		info := &attemptInfo{takeBody: raw}
		sent := time.Now()
		req := clerksdk.NewAPIRequest(http.MethodGet, path)
		req.SetParams(queryParams(query))
		body := &rawBody{}
		err := c.backend.Call(context.WithValue(ctx, attemptInfoKey{}, info), req, body)
		if info.sent {
			if info.status != 0 {
				c.rtt.Observe(time.Since(sent))
			}
			c.requests.Add(1)
			if c.onResponse != nil {
				c.onResponse(info.status)
			}
		}
		if err == nil {
			if raw {
				return info.body, nil
			}
			return body.data, nil
		}
		if ctx.Err() != nil {
			return nil, canceled(ctx)
		}
		e := c.classify(err, info, what)
		limit := c.maxAttempts
		switch {
		case e.Code == CodeRateLimited:
		case e.Code == CodeUnavailable || e.Code == CodeUnreachable:
			limit = min(limit, serverErrorMaxAttempts)
		default:
			return nil, e
		}
		if attempt >= limit {
			return nil, e
		}
		wait := c.retryWait(attempt, info.retryAfter)
		if e.Code == CodeRateLimited {
			seen = c.budget.pause(wait)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, canceled(ctx)
		}
	}
}

// NewLimiter is a request cap for one Clerk instance: perTenSeconds
// requests in any 10 seconds (0: Clerk's limit for the mode, "live" or
// "test"; negative: no cap). A token bucket lets through at most its burst
// plus ten seconds of its rate in any 10 seconds, so a quarter of the limit
// is kept as burst (a webhook's few reads go at once) and three quarters as
// the steady rate a full read runs at.
func NewLimiter(mode string, perTenSeconds int) *rate.Limiter {
	if perTenSeconds < 0 {
		return rate.NewLimiter(rate.Inf, 1)
	}
	if perTenSeconds == 0 {
		perTenSeconds = TestRequestsPer10s
		if mode == "live" {
			perTenSeconds = LiveRequestsPer10s
		}
	}
	burst := max(perTenSeconds/4, 1)
	return rate.NewLimiter(rate.Limit(float64(max(perTenSeconds-burst, 1))/10), burst)
}

// Budget is one Clerk instance's request budget as ParityRail spends it:
// the rate cap and the pause a 429 starts. A 429 holds every request
// drawing from the budget until its wait is over, not just the one that got
// it: the limit is the instance's. sources.Opener keeps one per project, so
// two checks, a webhook re-check and step 3 reading one project's Clerk at
// once stay within Clerk's limit together.
type Budget struct {
	limiter *rate.Limiter

	mu    sync.Mutex
	until time.Time // a 429's pause ends then
	gen   int       // pauses so far
}

// NewBudget is a budget of perTenSeconds requests in any 10 seconds for an
// instance of mode ("live" or "test"); see NewLimiter.
func NewBudget(mode string, perTenSeconds int) *Budget {
	return &Budget{limiter: NewLimiter(mode, perTenSeconds)}
}

// Limit is the budget's steady rate (rate.Inf: no cap).
func (b *Budget) Limit() rate.Limit { return b.limiter.Limit() }

// waitTurn waits out a pause a 429 started (once per pause: seen is the
// last one this request has waited out), then for room in the budget.
func (c *Client) waitTurn(ctx context.Context, seen *int) error {
	b := c.budget
	b.mu.Lock()
	until, gen := b.until, b.gen
	b.mu.Unlock()
	if gen > *seen {
		*seen = gen
		if d := time.Until(until); d > 0 {
			if err := c.sleep(ctx, d); err != nil {
				return err
			}
		}
	}
	if err := b.limiter.Wait(ctx); err != nil {
		// The wait would outlast the caller's deadline: it ends there.
		<-ctx.Done()
		return err
	}
	return nil
}

// pause holds every request drawing from the budget for d after a 429 and
// returns the pause's number (the request that got the 429 waits d itself).
func (b *Budget) pause(d time.Duration) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if until := time.Now().Add(d); until.After(b.until) {
		b.until = until
	}
	b.gen++
	return b.gen
}

// retryWait honours Retry-After (seconds or an HTTP date) when Clerk sends it,
// otherwise backs off exponentially; either way capped by maxRetryWait.
func (c *Client) retryWait(attempt int, retryAfter string) time.Duration {
	d := time.Duration(float64(backoffInitial) * math.Pow(backoffExponent, float64(attempt-1)))
	d = min(d, backoffMax)
	if ra := strings.TrimSpace(retryAfter); ra != "" {
		if secs, err := strconv.Atoi(ra); err == nil && secs >= 0 {
			d = time.Duration(secs) * time.Second
		} else if t, err := http.ParseTime(ra); err == nil {
			d = max(time.Until(t), 0)
		}
	}
	return min(d, c.maxRetryWait)
}

// classify turns an SDK error into an *Error with a message a person can act
// on. The status comes from the transport, so it is known even when the body
// is not Clerk's JSON (a proxy's HTML 502, say).
func (c *Client) classify(err error, info *attemptInfo, what string) *Error {
	e := &Error{Status: info.status, Err: err}
	var apiErr *clerksdk.APIErrorResponse
	clerkMsg := ""
	if errors.As(err, &apiErr) {
		e.TraceID = apiErr.TraceID
		if len(apiErr.Errors) > 0 {
			e.ClerkCode = apiErr.Errors[0].Code
			clerkMsg = apiErr.Errors[0].LongMessage
			if clerkMsg == "" {
				clerkMsg = apiErr.Errors[0].Message
			}
		}
		if e.Status == 0 {
			e.Status = apiErr.HTTPStatusCode
		}
	}
	detail := ""
	if clerkMsg != "" {
		detail = " Clerk said: " + strings.TrimSuffix(c.scrub(clerkMsg), ".") + "."
	}

	switch s := e.Status; {
	case s == 0 && !info.sent && errors.Is(err, errNotGET):
		e.Code = CodeInvalidInput
		e.Message = "ParityRail refused to send a non-GET request to Clerk; it only ever reads."
	case s == 0:
		e.Code = CodeUnreachable
		e.Message = fmt.Sprintf("Clerk's Backend API could not be reached at %s (%s). Check that this server can reach it (outbound network, proxy, PARITYRAIL_CLERK_API_BASE), then try again.", c.host, netcause.Describe(err))
	case s >= 200 && s < 300:
		e.Code = CodeBadResponse
		e.Message = fmt.Sprintf("Clerk's answer for %s at %s could not be read as Clerk Backend API JSON. Check that the API base URL points at Clerk's Backend API (%s).", what, c.host, DefaultBaseURL)
	case s == http.StatusUnauthorized:
		e.Code = CodeUnauthorized
		e.Message = msgUnauthorized
	case s == http.StatusForbidden:
		e.Code = CodeForbidden
		e.Message = fmt.Sprintf("Clerk refused access to %s (HTTP 403).%s If this is about organizations, turn Organizations on for this Clerk instance or switch off the organizations section in ParityRail.", what, detail)
	case s == http.StatusNotFound:
		e.Code = CodeNotFound
		e.Message = fmt.Sprintf("Clerk has no %s (HTTP 404).", what)
	case s == http.StatusTooManyRequests:
		e.Code = CodeRateLimited
		e.Message = msgRateLimited
	case s >= 500:
		e.Code = CodeUnavailable
		e.Message = fmt.Sprintf("Clerk's Backend API had a problem answering for %s (HTTP %d), even after retrying.%s Try again in a few minutes; check status.clerk.com if it persists.", what, s, detail)
	default:
		e.Code = CodeRejected
		e.Message = fmt.Sprintf("Clerk rejected the request for %s (HTTP %d).%s", what, s, detail)
	}
	return e
}

// scrub removes the secret key from text that came from elsewhere — belt and
// braces, since Clerk never echoes it.
func (c *Client) scrub(s string) string {
	return strings.ReplaceAll(s, c.key, MaskedLabel(c.key))
}

func canceled(ctx context.Context) *Error {
	return &Error{Code: CodeCanceled, Message: "The request to Clerk was cancelled before it finished.", Err: ctx.Err()}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// queryParams adapts url.Values to the SDK's Params: its own list params lack
// starting_after, and GET params only ever go into the query string.
type queryParams url.Values

func (q queryParams) ToQuery() url.Values                  { return url.Values(q) }
func (q queryParams) ToMultipart() ([]byte, string, error) { return nil, "", nil }

// rawBody receives the response body as-is so we can decode it ourselves with
// UseNumber; the SDK calls json.Unmarshal on it after validating the JSON.
type rawBody struct{ data []byte }

func (r *rawBody) Read(*clerksdk.APIResponse) {}

func (r *rawBody) UnmarshalJSON(b []byte) error {
	r.data = append(r.data[:0], b...)
	return nil
}

var errNotGET = errors.New("clerk: only GET requests are allowed")

// attemptInfo is filled by the transport for one SDK call: whether a request
// left, and the status and Retry-After of the (last) response.
type attemptInfo struct {
	sent       bool
	status     int
	retryAfter string
	takeBody   bool   // keep a 2xx body here and hand the SDK an empty one
	body       []byte // the kept body
}

type attemptInfoKey struct{}

// readOnlyTransport is the read-only guarantee: a non-GET request never
// reaches the network, whatever code path built it.
type readOnlyTransport struct{ next http.RoundTripper }

func (t readOnlyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodGet {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, errNotGET
	}
	resp, err := t.next.RoundTrip(r)
	if info, ok := r.Context().Value(attemptInfoKey{}).(*attemptInfo); ok {
		info.sent = true
		if resp != nil {
			info.status = resp.StatusCode
			info.retryAfter = resp.Header.Get("Retry-After")
			if info.takeBody && resp.StatusCode >= 200 && resp.StatusCode < 300 {
				info.body, err = io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					return nil, err
				}
				resp.Body = http.NoBody
			}
		}
	}
	return resp, err
}
