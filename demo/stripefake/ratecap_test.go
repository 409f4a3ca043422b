package stripefake

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// The cap counts admitted requests in any one-second window: the window
// slides, and rejected requests do not fill it.
func TestRateCapSlidingSecond(t *testing.T) {
	c := New().RateCapped(3)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	steps := []struct {
		ms   int
		want bool
	}{
		{0, true}, {400, true}, {800, true},
		{900, false},  // 4th within (−100, 900]
		{999, false},  // still 3 admitted in (−1, 999]
		{1000, true},  // the one at 0 left the window (1000−1000 is not after it)
		{1300, false}, // 400, 800, 1000 admitted in (300, 1300]
		{1401, true},  // 400 left
		{2401, true},  // every earlier one left (2401−1000 is not after 1401)
	}
	for _, s := range steps {
		if got := c.admit(at(s.ms)); got != s.want {
			t.Fatalf("request at %d ms admitted=%v, want %v", s.ms, got, s.want)
		}
	}
	if c.Rejected() != 3 {
		t.Fatalf("rejected %d, want 3", c.Rejected())
	}
}

// Over the cap the answer is Stripe's 429: rate_limit, Stripe-Should-Retry,
// the limit's reason, no Retry-After; it is logged.
func TestRateCapAnswersLikeStripe(t *testing.T) {
	f := New()
	f.AddKey("sk_test_ratecap")
	srv := httptest.NewServer(f.RateCapped(1))
	defer srv.Close()
	get := func() *http.Response {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/customers?limit=1", nil)
		req.Header.Set("Authorization", "Bearer sk_test_ratecap")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	first := get()
	first.Body.Close()
	second := get()
	defer second.Body.Close()
	if first.StatusCode != http.StatusOK || second.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("statuses %d, %d; want 200, 429 (two requests within a second at 1/s)", first.StatusCode, second.StatusCode)
	}
	var body struct {
		Error struct{ Type, Code, Message string } `json:"error"`
	}
	if err := json.NewDecoder(second.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	h := second.Header
	if body.Error.Code != "rate_limit" || body.Error.Type != "invalid_request_error" ||
		h.Get("Stripe-Should-Retry") != "true" || h.Get("Stripe-Rate-Limited-Reason") == "" ||
		h.Get("Retry-After") != "" || h.Get("Request-Id") == "" {
		t.Fatalf("429 answer %+v, headers %v", body.Error, h)
	}
	log := f.Requests()
	if len(log) != 2 || log[1].Status != http.StatusTooManyRequests || log[1].KeyLabel == "sk_test_ratecap" {
		t.Fatalf("request log %+v", log)
	}
}
