package clerk

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// Whatever the pattern of requests, no 10-second window holds more than
// Clerk's limit, and a burst of a quarter of it goes through at once.
func TestLimiterKeepsEveryTenSecondWindowWithinClerksLimit(t *testing.T) {
	for _, c := range []struct {
		mode  string
		limit int
	}{{"test", TestRequestsPer10s}, {"live", LiveRequestsPer10s}} {
		l := NewLimiter(c.mode, 0)
		start := time.Unix(1_700_000_000, 0)
		var allowed []time.Time
		// A burst at once, then greedy: ask every millisecond for 60 s.
		for l.AllowN(start, 1) {
			allowed = append(allowed, start)
		}
		burst := len(allowed)
		for ms := 1; ms < 60_000; ms++ {
			at := start.Add(time.Duration(ms) * time.Millisecond)
			if l.AllowN(at, 1) {
				allowed = append(allowed, at)
			}
		}
		first := 0
		for i, at := range allowed {
			for at.Sub(allowed[first]) >= 10*time.Second {
				first++
			}
			if n := i - first + 1; n > c.limit {
				t.Fatalf("%s: %d requests within 10 s ending %s, limit %d", c.mode, n, at.Sub(start), c.limit)
			}
		}
		if burst != c.limit/4 {
			t.Errorf("%s: %d requests at once, want %d", c.mode, burst, c.limit/4)
		}
		// A quarter as burst, three quarters as steady rate: 4.75 limits a minute.
		if got := len(allowed); got < c.limit*9/2 {
			t.Errorf("%s: only %d requests in 60 s; the steady rate is too low", c.mode, got)
		}
	}
}

// handlerTransport answers requests with a handler in memory, so clients
// run inside a synctest bubble on its fake clock.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// sent records when each request reached Clerk, by the client that sent
// it (its "who" query parameter); status answers it.
type sent struct {
	mu     sync.Mutex
	at     map[string][]time.Time
	status func(who string, n int) (int, string) // status, Retry-After
}

func (s *sent) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	who := r.URL.Query().Get("who")
	s.mu.Lock()
	s.at[who] = append(s.at[who], time.Now())
	n := len(s.at[who])
	s.mu.Unlock()
	status, retryAfter := http.StatusOK, ""
	if s.status != nil {
		status, retryAfter = s.status(who, n)
	}
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if status == http.StatusOK {
		_, _ = w.Write([]byte(`[]`))
		return
	}
	_, _ = w.Write([]byte(`{"errors":[{"code":"too_many_requests","message":"Too many requests"}]}`))
}

func sharingClients(t *testing.T, s *sent, b *Budget, n int) []*Client {
	t.Helper()
	var out []*Client
	for range n {
		c, err := New(Config{BaseURL: "http://clerk.invalid/v1", SecretKey: testKey,
			HTTPClient: &http.Client{Transport: handlerTransport{s}}, Budget: b})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// Two clients drawing from one budget (two checks of one project) stay
// within Clerk's limit together: no 10-second window holds more than 100
// of their requests, where each alone would be allowed 100. Clients with
// budgets of their own are not held back by each other.
func TestClientsSharingABudgetStayWithinOneLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &sent{at: map[string][]time.Time{}}
		shared := NewBudget("test", 0)
		clients := append(sharingClients(t, s, shared, 2), sharingClients(t, s, NewBudget("test", 0), 1)...)
		start := time.Now()
		var wg sync.WaitGroup
		for i, c := range clients {
			wg.Go(func() {
				for range 150 {
					if _, err := c.get(t.Context(), "/users", url.Values{"who": {strconv.Itoa(i)}}, "users"); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		both := append(append([]time.Time(nil), s.at["0"]...), s.at["1"]...)
		slices.SortFunc(both, time.Time.Compare)
		first := 0
		for i, at := range both {
			for at.Sub(both[first]) >= 10*time.Second {
				first++
			}
			if n := i - first + 1; n > TestRequestsPer10s {
				t.Fatalf("%d requests of the two sharing clients within 10 s ending %s, limit %d", n, at.Sub(start), TestRequestsPer10s)
			}
		}
		// The third client, on a budget of its own, ran at the full rate
		// alongside them: its 150 took about half as long as their 300.
		own, shared2 := s.at["2"][149].Sub(start), both[299].Sub(start)
		if own*3/2 > shared2 {
			t.Errorf("the client with its own budget took %s for 150 requests, the sharing two %s for 300", own, shared2)
		}
	})
}

// A 429 one client gets pauses every client of the budget for its
// Retry-After, not just the one that got it; a client of another budget
// goes on.
func TestA429PausesEveryClientOfTheBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &sent{at: map[string][]time.Time{}, status: func(who string, n int) (int, string) {
			if who == "a" && n == 1 {
				return http.StatusTooManyRequests, "7"
			}
			return http.StatusOK, ""
		}}
		shared := NewBudget("test", 0)
		ab := sharingClients(t, s, shared, 2)
		other := sharingClients(t, s, NewBudget("test", 0), 1)[0]
		start := time.Now()
		done := make(chan error, 1)
		go func() {
			_, err := ab[0].get(t.Context(), "/users", url.Values{"who": {"a"}}, "users")
			done <- err
		}()
		synctest.Wait() // a has its 429 and waits out its Retry-After
		var wg sync.WaitGroup
		for who, c := range map[string]*Client{"b": ab[1], "c": other} {
			wg.Go(func() {
				if _, err := c.get(t.Context(), "/users", url.Values{"who": {who}}, "users"); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if got := s.at["b"][0].Sub(start); got < 7*time.Second {
			t.Errorf("b, sharing a's budget, sent %s after a's 429 asked for 7 s", got)
		}
		if got := s.at["c"][0].Sub(start); got != 0 {
			t.Errorf("c, on a budget of its own, waited %s", got)
		}
		if got := s.at["a"][1].Sub(start); got < 7*time.Second {
			t.Errorf("a retried after %s", got)
		}
	})
}
