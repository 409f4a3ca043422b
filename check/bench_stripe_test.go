package check

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"parityrail/demo/stripefake"
	"parityrail/testutil/pgtest"
)

// The benchmark's Stripe account is generated (nothing stored per
// customer, so the 1M row fits). This proves it is the same account as
// the stored one the benchmark used before: a full check over the
// generated account reaches the benchmark's verdicts, and every request
// that check sent — whatever its parameters (partitioned created ranges,
// cursors, expansions, retrieves) — is answered with the same status,
// headers and bytes by a stored account of the same specs.
func TestBenchStripeGeneratedMatchesStored(t *testing.T) {
	const n = 1500 // 15 pages a list: past the first cursor's pages, so the lists are partitioned
	base, spec := benchAccount(n)
	gen, err := stripefake.NewGenerated(base, spec)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.RequestURI())
		mu.Unlock()
		gen.ServeHTTP(w, r)
	}))
	defer srv.Close()

	pg := pgtest.NewDatabase(t)
	fillBenchApp(t, pg, n)
	runner, project := benchRunner(t, pg, srv.URL)
	res, err := runner.Run(context.Background(), Request{ProjectID: project, Scope: ScopeFull, Actor: "test"})
	if err != nil || res.Check.Status != "finished" {
		t.Fatalf("check: %v %+v", err, res.Check)
	}
	if int(res.Check.Counts.Opened) != benchDrifted(n) || res.Summary.Customers != n {
		t.Fatalf("opened %d incidents for %d drifted customers (read %d customers)", res.Check.Counts.Opened, benchDrifted(n), res.Summary.Customers)
	}
	if st := gen.Stats(); st.RenderedByShape != 0 || st.Failed != 0 {
		t.Errorf("every object the check read came from a template: %+v", st)
	}
	shapes := gen.Shapes()
	for _, want := range []string{"/v1/customers?created[gte]&created[lt]&limit&starting_after",
		"/v1/subscriptions?created[gte]&created[lt]&expand[0]=data.latest_invoice&limit&starting_after&status=all"} {
		if shapes[want] == 0 {
			t.Errorf("the check sent no %s (it sent %v): the comparison below would not cover the partitioned reader", want, shapes)
		}
	}

	// Replayed in the same order on fresh accounts, so request ids line up.
	stored := storeBenchAccount(n)
	base, spec = benchAccount(n)
	if gen, err = stripefake.NewGenerated(base, spec); err != nil {
		t.Fatal(err)
	}
	for _, u := range asked {
		a, b := benchAsk(stored, u), benchAsk(gen, u)
		if a.status != b.status || a.head != b.head || !bytes.Equal(a.body, b.body) {
			t.Fatalf("GET %s:\nstored %d %s %d bytes\ngenerated %d %s %d bytes", u, a.status, a.head, len(a.body), b.status, b.head, len(b.body))
		}
		if a.status != http.StatusOK {
			t.Errorf("GET %s: %d %s", u, a.status, a.body)
		}
	}
	t.Logf("%d requests of %d shapes answered alike: %v", len(asked), len(shapes), shapes)
}

type benchAnswer struct {
	status int
	head   string
	body   []byte
}

func benchAsk(h http.Handler, uri string) benchAnswer {
	req := httptest.NewRequest(http.MethodGet, uri, nil)
	req.Header.Set("Authorization", "Bearer "+testStripeKey)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	hd := w.Header()
	return benchAnswer{w.Code, strings.Join([]string{hd.Get("Content-Type"), hd.Get("Request-Id"), hd.Get("Stripe-Version")}, "|"), w.Body.Bytes()}
}
