package billing

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"parityrail/demo/stripefake"
)

func TestBudgetDefaultsByMode(t *testing.T) {
	if DefaultBudget(ModeTest) != 25 || DefaultBudget(ModeLive) != 50 || PerEndpointBudget != 20 {
		t.Fatal("defaults")
	}
	b := NewBudget(25, nil)
	if err := b.WaitFor(context.Background(), "/v1/customers/cus_1"); err != nil {
		t.Fatal(err)
	}
	if got := b.endpoints["/v1/customers"].Limit(); got != 20 {
		t.Errorf("one endpoint gets %v/s, want 20 (under the account's 25)", got)
	}
	if b.all.Limit() != 25 {
		t.Errorf("account %v/s", b.all.Limit())
	}
	b.SetRate(0)
	if b.all.Limit() != rate.Inf || b.endpoints["/v1/customers"].Limit() != rate.Inf {
		t.Error("0 does not lift the caps")
	}
}

// A 429 from Stripe halves the budget for 10 s (logged with Stripe's
// reason); then it climbs back.
func TestBudgetHalvesOnA429ThenClimbsBack(t *testing.T) {
	f := stripefake.New()
	f.AddKey("sk_test_budget0000000000000000000001")
	f.AddCustomer(stripefake.CustomerSpec{ID: "cus_1"})
	srv := httptest.NewServer(f)
	defer srv.Close()
	var logs bytes.Buffer
	budget := NewBudget(25, slog.New(slog.NewTextHandler(&logs, nil)))
	throttles := 0
	budget.OnThrottle = func() { throttles++ }
	c, err := New(Config{Key: "sk_test_budget0000000000000000000001", APIBase: srv.URL, Limiter: budget,
		Backoff: func(int) time.Duration { return time.Millisecond }})
	if err != nil {
		t.Fatal(err)
	}
	f.RateLimitNext(1)
	if _, err := c.ReadCustomer(context.Background(), "cus_1"); err != nil {
		t.Fatalf("the retry after the 429 should succeed: %v", err)
	}
	if throttles != 1 || budget.all.Limit() != 12.5 {
		t.Fatalf("after a 429: %d throttles, %v/s", throttles, budget.all.Limit())
	}
	if !strings.Contains(logs.String(), "reason=global-rate") || !strings.Contains(logs.String(), "path=/v1/customers/cus_1") {
		t.Errorf("log: %s", logs.String())
	}
	// Ten seconds on, the next request finds the full budget again.
	budget.mu.Lock()
	budget.until = time.Now().Add(-time.Millisecond)
	budget.mu.Unlock()
	if err := budget.WaitFor(context.Background(), "/v1/customers"); err != nil {
		t.Fatal(err)
	}
	if budget.all.Limit() != 25 {
		t.Errorf("did not climb back: %v/s", budget.all.Limit())
	}
}

// Stripe out of reach reads as what happened and what to do, never as a
// raw Go error chain.
func TestUnreachableStripeSaysWhatToDo(t *testing.T) {
	for base, reason := range map[string]string{
		"http://127.0.0.1:1":          "the connection was refused",
		"http://no-such-host.invalid": "its host name does not resolve",
	} {
		c, err := New(Config{Key: "sk_test_budget0000000000000000000001", APIBase: base, MaxRetries: -1})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.ReadCustomer(context.Background(), "cus_1")
		var ne *NetworkError
		if !errors.As(err, &ne) || ne.Reason != reason || !strings.Contains(err.Error(), "Check that this server can reach it") ||
			strings.Contains(err.Error(), "dial tcp") || strings.Contains(err.Error(), `Get "`) {
			t.Errorf("%s: %v", base, err)
		}
	}
}
