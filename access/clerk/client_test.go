package clerk

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	clerksdk "github.com/clerk/clerk-sdk-go/v2"

	"parityrail/demo/clerkfake"
)

const testKey = "sk_test_parityrailSecretValue0123456789abcd"

// sleepRecorder replaces the retry sleep: tests stay fast and can assert
// exactly how long the client would have waited.
type sleepRecorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

type world struct {
	fake   *clerkfake.Server
	srv    *httptest.Server
	client *Client
	sleeps *sleepRecorder
}

func newWorld(t *testing.T) *world {
	t.Helper()
	fake := clerkfake.New(clerkfake.Options{SecretKeys: []string{testKey}})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	w := &world{fake: fake, srv: srv, sleeps: &sleepRecorder{}}
	w.client = w.newClient(t, testKey)
	return w
}

func (w *world) newClient(t *testing.T, key string) *Client {
	t.Helper()
	c, err := New(Config{BaseURL: w.srv.URL + "/v1", SecretKey: key, HTTPClient: w.srv.Client(), Sleep: w.sleeps.sleep})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// errorsSeen collects every error a test produced, to prove none carries the key.
var (
	errorsMu   sync.Mutex
	errorsSeen []error
)

func seen(err error) error {
	if err != nil {
		errorsMu.Lock()
		errorsSeen = append(errorsSeen, err)
		errorsMu.Unlock()
	}
	return err
}

// listedIDs reads every subject through list (ListUsers or
// ListOrganizations) and returns their ids in the order read.
func listedIDs[S any](t *testing.T, list func(context.Context, func(S) error) error, id func(S) string) []string {
	t.Helper()
	var ids []string
	if err := seen(list(context.Background(), func(s S) error {
		ids = append(ids, id(s))
		return nil
	})); err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestMain(m *testing.M) {
	code := m.Run()
	// The secret key must never appear in any error, at any depth.
	for _, err := range errorsSeen {
		for e := err; e != nil; e = errors.Unwrap(e) {
			if strings.Contains(e.Error(), testKey) || strings.Contains(e.Error(), "SecretValue") {
				println("secret key leaked into an error:", e.Error())
				code = 1
			}
		}
	}
	os.Exit(code)
}

func TestTestConnectionIsExactlyOneGET(t *testing.T) {
	w := newWorld(t)
	w.fake.GenerateUsers(3, nil)
	if err := seen(w.client.TestConnection(context.Background())); err != nil {
		t.Fatal(err)
	}
	reqs := w.fake.Requests()
	if len(reqs) != 1 || reqs[0].Method != http.MethodGet || reqs[0].Path != "/v1/users" || reqs[0].Query.Encode() != "limit=1" {
		t.Fatalf("want exactly GET /v1/users?limit=1, got %+v", reqs)
	}
	if w.client.MaskedLabel() != "sk_test_…abcd" || w.client.Mode() != "test" || w.client.Requests() != 1 {
		t.Fatalf("label %q mode %q requests %d", w.client.MaskedLabel(), w.client.Mode(), w.client.Requests())
	}
}

func TestUnauthorized(t *testing.T) {
	w := newWorld(t)
	wrong := w.newClient(t, "sk_test_wrongSecretValue9999")
	err := seen(wrong.TestConnection(context.Background()))
	if !IsUnauthorized(err) {
		t.Fatalf("want unauthorized, got %v", err)
	}
	msg := err.Error()
	for _, part := range []string{
		"Clerk rejected the secret key (HTTP 401)…",
		"publishable key (pk_)",
		"Recopy the Secret key from Clerk Dashboard → API keys → Secret keys.",
	} {
		if !strings.Contains(msg, part) {
			t.Errorf("401 message %q lacks %q", msg, part)
		}
	}
	if !strings.HasPrefix(msg, "Clerk rejected the secret key (HTTP 401)") {
		t.Errorf("401 message must start with the page's text: %q", msg)
	}
	var e *Error
	errors.As(err, &e)
	if e.Status != 401 || e.ClerkCode != "authentication_invalid" {
		t.Errorf("status %d clerk code %q", e.Status, e.ClerkCode)
	}
	if strings.Contains(msg, "wrongSecretValue") {
		t.Error("key in message")
	}
	if n := len(w.fake.Requests()); n != 1 {
		t.Errorf("401 must not be retried: %d requests", n)
	}
}

// TestPaging reads 1,200 users and 30 organizations completely and proves
// the request count: 3 user pages of ≤500 via starting_after, 1 org page.
func TestPaging(t *testing.T) {
	w := newWorld(t)
	userIDs := w.fake.GenerateUsers(1200, func(i int) map[string]any {
		return map[string]any{"stripe_customer_id": "cus_" + string(rune('a'+i%26)), "i": i}
	})
	orgIDs := w.fake.GenerateOrganizations(30, nil)

	gotUsers := listedIDs(t, w.client.ListUsers, func(u User) string { return u.ID })
	if !slices.Equal(gotUsers, userIDs) { // oldest first, each exactly once
		t.Fatalf("read %d users, want all %d in creation order", len(gotUsers), len(userIDs))
	}
	userReqs := w.fake.Requests()
	w.fake.ResetRequests()

	gotOrgs := listedIDs(t, w.client.ListOrganizations, func(o Organization) string { return o.ID })
	if !slices.Equal(gotOrgs, orgIDs) {
		t.Fatalf("read %d orgs, want %d", len(gotOrgs), len(orgIDs))
	}
	orgReqs := w.fake.Requests()

	t.Logf("paging: %d users in %d requests, %d organizations in %d request(s)", len(gotUsers), len(userReqs), len(gotOrgs), len(orgReqs))
	if len(userReqs) != 3 || len(orgReqs) != 1 {
		t.Fatalf("want 3 user requests and 1 org request, got %d and %d", len(userReqs), len(orgReqs))
	}
	wantUserQueries := []string{
		"limit=500&order_by=created_at",
		"limit=500&order_by=created_at&starting_after=" + userIDs[499],
		"limit=500&order_by=created_at&starting_after=" + userIDs[999],
	}
	for i, r := range userReqs {
		if r.Path != "/v1/users" || r.Query.Encode() != wantUserQueries[i] {
			t.Errorf("user request %d: %s?%s, want /v1/users?%s", i, r.Path, r.Query.Encode(), wantUserQueries[i])
		}
	}
	if r := orgReqs[0]; r.Path != "/v1/organizations" || r.Query.Encode() != "limit=500&offset=0&order_by=created_at" {
		t.Errorf("org request: %s?%s", r.Path, r.Query.Encode())
	}
	for _, r := range append(userReqs, orgReqs...) {
		if strings.HasSuffix(r.Path, "/count") {
			t.Error("the count endpoint must never be called")
		}
	}
}

func TestOrganizationOffsetPaging(t *testing.T) {
	w := newWorld(t)
	ids := w.fake.GenerateOrganizations(1001, nil)
	got := listedIDs(t, w.client.ListOrganizations, func(o Organization) string { return o.ID })
	if !slices.Equal(got, ids) {
		t.Fatalf("read %d of %d", len(got), len(ids))
	}
	var offsets []string
	for _, r := range w.fake.Requests() {
		offsets = append(offsets, r.Query.Get("offset"))
	}
	if !slices.Equal(offsets, []string{"0", "500", "1000"}) {
		t.Fatalf("offsets %v", offsets)
	}
}

func TestListUsersExactMultipleOfPage(t *testing.T) {
	w := newWorld(t)
	w.fake.GenerateUsers(500, nil)
	n := 0
	if err := seen(w.client.ListUsers(context.Background(), func(User) error { n++; return nil })); err != nil {
		t.Fatal(err)
	}
	if n != 500 || len(w.fake.Requests()) != 2 { // a full page, then an empty one
		t.Fatalf("%d users, %d requests", n, len(w.fake.Requests()))
	}
}

func TestListStopsOnCallbackError(t *testing.T) {
	w := newWorld(t)
	w.fake.GenerateUsers(600, nil)
	stop := errors.New("stop")
	n := 0
	err := w.client.ListUsers(context.Background(), func(User) error {
		if n++; n == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || len(w.fake.Requests()) != 1 {
		t.Fatalf("err %v after %d requests", err, len(w.fake.Requests()))
	}
}

func TestUserAndOrgDecoding(t *testing.T) {
	w := newWorld(t)
	created := time.Date(2024, 5, 6, 7, 8, 9, 123e6, time.UTC)
	id := w.fake.AddUser(clerkfake.UserSpec{
		Email: "ada@example.test", FirstName: "Ada", LastName: "Lovelace", CreatedAt: created,
		PublicMetadata:  map[string]any{"plan": "pro", "trial_ends_at": json.Number("1751373000123"), "big": json.Number("123456789012345678901")},
		PrivateMetadata: map[string]any{"stripe_customer_id": "cus_123"},
		UnsafeMetadata:  map[string]any{"theme": "dark"},
	})
	orgID := w.fake.AddOrganization(clerkfake.OrgSpec{Name: "Acme", PublicMetadata: map[string]any{"plan": "team"}})
	ctx := context.Background()

	u, err := w.client.GetUser(ctx, id)
	if seen(err) != nil {
		t.Fatal(err)
	}
	if u.ID != id || u.Email != "ada@example.test" || u.Name != "Ada Lovelace" || !u.CreatedAt.Equal(created) {
		t.Fatalf("user: %+v", u)
	}
	if v, _ := Lookup(u, MustParseFieldPath("public_metadata.big")); v != json.Number("123456789012345678901") {
		t.Fatalf("big number lost: %#v", v)
	}
	if v, _ := Lookup(u, MustParseFieldPath("public_metadata.trial_ends_at")); v != json.Number("1751373000123") {
		t.Fatalf("epoch ms lost: %#v", v)
	}
	if u.PrivateMetadata["stripe_customer_id"] != "cus_123" || u.UnsafeMetadata["theme"] != "dark" {
		t.Fatalf("metadata: %+v", u)
	}
	o, err := w.client.GetOrganization(ctx, orgID)
	if seen(err) != nil || o.Name != "Acme" || o.Slug != "acme" || o.PublicMetadata["plan"] != "team" {
		t.Fatalf("org: %+v %v", o, err)
	}
	if o2, err := w.client.GetOrganization(ctx, "acme"); err != nil || o2.ID != orgID {
		t.Fatalf("by slug: %v", err)
	}

	_, err = w.client.GetUser(ctx, "user_missing")
	if !IsNotFound(seen(err)) || !strings.Contains(err.Error(), "user user_missing") {
		t.Fatalf("want not found, got %v", err)
	}
	_, err = w.client.GetOrganization(ctx, "org_missing")
	if !IsNotFound(seen(err)) {
		t.Fatalf("want not found, got %v", err)
	}
	if _, err := w.client.GetUser(ctx, " "); seen(err) == nil {
		t.Fatal("empty id")
	}
	nameless := w.fake.AddUser(clerkfake.UserSpec{Username: "ada_l"})
	if u, _ := w.client.GetUser(ctx, nameless); u.Name != "ada_l" || u.Email != "" || u.PublicMetadata == nil {
		t.Fatalf("nameless user: %+v", u)
	}
}

func TestSampleMetadataKeys(t *testing.T) {
	w := newWorld(t)
	w.fake.AddUser(clerkfake.UserSpec{
		PublicMetadata:  map[string]any{"stripe_customer_id": "cus_1", "plan": "pro"},
		PrivateMetadata: map[string]any{"internal": 1},
	})
	w.fake.AddUser(clerkfake.UserSpec{
		PublicMetadata: map[string]any{"plan": "free", "is_premium": false},
		UnsafeMetadata: map[string]any{"theme": "dark"},
	})
	w.fake.AddUser(clerkfake.UserSpec{})
	w.fake.AddOrganization(clerkfake.OrgSpec{Name: "A", PublicMetadata: map[string]any{"stripe_customer_id": "cus_9"}})
	w.fake.AddOrganization(clerkfake.OrgSpec{Name: "B", PrivateMetadata: map[string]any{"plan": "team"}})
	ctx := context.Background()

	s, err := w.client.SampleMetadataKeys(ctx, false)
	if seen(err) != nil {
		t.Fatal(err)
	}
	wantUsers := []string{"private_metadata.internal", "public_metadata.is_premium", "public_metadata.plan",
		"public_metadata.stripe_customer_id", "unsafe_metadata.theme"}
	if !slices.Equal(s.UserKeys, wantUsers) || s.UsersSampled != 3 || s.OrganizationKeys != nil {
		t.Fatalf("sample: %+v", s)
	}
	reqs := w.fake.Requests()
	if len(reqs) != 1 || reqs[0].Query.Encode() != "limit=100&order_by=-created_at" {
		t.Fatalf("users only, recent first: %+v", reqs)
	}

	s, err = w.client.SampleMetadataKeys(ctx, true)
	if seen(err) != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.OrganizationKeys, []string{"private_metadata.plan", "public_metadata.stripe_customer_id"}) || s.OrganizationsSampled != 2 {
		t.Fatalf("org sample: %+v", s)
	}
	if r := w.fake.Requests()[2]; r.Path != "/v1/organizations" || r.Query.Encode() != "limit=100&order_by=-created_at" {
		t.Fatalf("org sample request: %+v", r)
	}

	empty := newWorld(t)
	empty.fake.GenerateUsers(5, nil)
	s, err = empty.client.SampleMetadataKeys(ctx, false)
	if seen(err) != nil || len(s.UserKeys) != 0 || s.UsersSampled != 5 {
		t.Fatalf("no keys: %+v %v", s, err)
	}
}

func TestRateLimitHonoursRetryAfter(t *testing.T) {
	w := newWorld(t)
	w.fake.GenerateUsers(2, nil)
	w.fake.RateLimitNext(2, 1)
	if err := seen(w.client.TestConnection(context.Background())); err != nil {
		t.Fatalf("two 429s must be absorbed by retries: %v", err)
	}
	if !slices.Equal(w.sleeps.waits, []time.Duration{time.Second, time.Second}) {
		t.Fatalf("waits %v, want [1s 1s] from Retry-After", w.sleeps.waits)
	}
	statuses := []int{}
	for _, r := range w.fake.Requests() {
		statuses = append(statuses, r.Status)
	}
	if !slices.Equal(statuses, []int{429, 429, 200}) {
		t.Fatalf("statuses %v", statuses)
	}
}

func TestRateLimitExhausted(t *testing.T) {
	w := newWorld(t)
	w.fake.RateLimitNext(100, 2)
	err := seen(w.client.TestConnection(context.Background()))
	if !IsRateLimited(err) {
		t.Fatalf("want rate limited, got %v", err)
	}
	if !strings.HasPrefix(err.Error(), "Clerk rate limit hit (HTTP 429)…") ||
		!strings.Contains(err.Error(), "Wait a moment, then retry — ParityRail already backs off automatically before surfacing this.") {
		t.Fatalf("message %q", err)
	}
	if n := len(w.fake.Requests()); n != defaultMaxAttempts {
		t.Fatalf("%d requests, want %d", n, defaultMaxAttempts)
	}
	if !slices.Equal(w.sleeps.waits, []time.Duration{2 * time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second}) {
		t.Fatalf("waits %v", w.sleeps.waits)
	}
}

func TestRateLimitBackoffWithoutRetryAfter(t *testing.T) {
	w := newWorld(t)
	w.fake.RateLimitNext(3, 0)
	w.fake.GenerateUsers(1, nil)
	if err := seen(w.client.TestConnection(context.Background())); err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{500 * time.Millisecond, 750 * time.Millisecond, 1125 * time.Millisecond}
	if !slices.Equal(w.sleeps.waits, want) {
		t.Fatalf("waits %v, want %v", w.sleeps.waits, want)
	}
}

// TestRateLimitRealSleep uses the real sleeper once, with Retry-After: 1.
func TestRateLimitRealSleep(t *testing.T) {
	fake := clerkfake.New(clerkfake.Options{SecretKeys: []string{testKey}})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL + "/v1", SecretKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	fake.RateLimitNext(1, 1)
	start := time.Now()
	if err := seen(c.TestConnection(context.Background())); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Fatalf("returned after %v; Retry-After: 1 not honoured", d)
	}

	// A long Retry-After is cut short by the caller's context.
	fake.RateLimitNext(1, 30)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start = time.Now()
	err = seen(c.TestConnection(ctx))
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeCanceled || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want canceled, got %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("cancellation did not interrupt the wait")
	}
}

func TestServerErrors(t *testing.T) {
	w := newWorld(t)
	w.fake.GenerateUsers(1, nil)
	w.fake.FailNext(2, http.StatusServiceUnavailable)
	if err := seen(w.client.TestConnection(context.Background())); err != nil {
		t.Fatalf("two 503s then 200: %v", err)
	}
	w.fake.FailNext(10, http.StatusInternalServerError)
	w.fake.ResetRequests()
	err := seen(w.client.TestConnection(context.Background()))
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeUnavailable || e.Status != 500 || !strings.Contains(err.Error(), "HTTP 500") {
		t.Fatalf("want unavailable, got %v", err)
	}
	if n := len(w.fake.Requests()); n != serverErrorMaxAttempts {
		t.Fatalf("%d attempts", n)
	}
}

func TestNonJSONAnswers(t *testing.T) {
	// A proxy's HTML error page still yields the right status and message.
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("limit") == "1" {
			w.WriteHeader(http.StatusUnauthorized)
		}
		w.Write([]byte("<html>nope</html>"))
	}))
	defer html.Close()
	c, _ := New(Config{BaseURL: html.URL, SecretKey: testKey, Sleep: (&sleepRecorder{}).sleep})
	if err := seen(c.TestConnection(context.Background())); !IsUnauthorized(err) {
		t.Fatalf("HTML 401: %v", err)
	}
	_, err := c.SampleMetadataKeys(context.Background(), false) // 200 with HTML
	var e *Error
	if !errors.As(seen(err), &e) || e.Code != CodeBadResponse || !strings.Contains(err.Error(), "API base URL") {
		t.Fatalf("HTML 200: %v", err)
	}
}

func TestOrganizationsDisabled(t *testing.T) {
	fake := clerkfake.New(clerkfake.Options{SecretKeys: []string{testKey}, OrganizationsDisabled: true})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c, _ := New(Config{BaseURL: srv.URL + "/v1", SecretKey: testKey})
	_, err := c.SampleMetadataKeys(context.Background(), true)
	var e *Error
	if !errors.As(seen(err), &e) || e.Code != CodeForbidden || !strings.Contains(err.Error(), "Organizations") {
		t.Fatalf("got %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens here now
	rec := &sleepRecorder{}
	c, _ := New(Config{BaseURL: "http://" + addr + "/v1", SecretKey: testKey, Sleep: rec.sleep})
	err = seen(c.TestConnection(context.Background()))
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeUnreachable || e.Status != 0 {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(err.Error(), addr) {
		t.Fatalf("message should name the API host %s: %q", addr, err)
	}
	if len(rec.waits) != serverErrorMaxAttempts-1 {
		t.Fatalf("network errors retried %d times", len(rec.waits))
	}
}

func TestNewValidates(t *testing.T) {
	for _, cfg := range []Config{
		{SecretKey: "pk_test_abc"},
		{SecretKey: ""},
		{SecretKey: testKey, BaseURL: "api.clerk.com/v1"},
		{SecretKey: testKey, BaseURL: "ftp://api.clerk.com"},
	} {
		if _, err := New(cfg); seen(err) == nil {
			t.Errorf("New(%+v) accepted", cfg.BaseURL)
		}
	}
	c, err := New(Config{SecretKey: " " + testKey + " "})
	if err != nil || c.host != "api.clerk.com" {
		t.Fatalf("default base: %v %v", c, err)
	}
}

// TestReadOnly runs every code path of the client against a fake that fails
// on any non-GET, and proves the transport itself refuses to send one.
func TestReadOnly(t *testing.T) {
	w := newWorld(t)
	uid := w.fake.GenerateUsers(501, func(i int) map[string]any { return map[string]any{"plan": "pro"} })[0]
	oid := w.fake.GenerateOrganizations(3, nil)[0]
	ctx := context.Background()

	paths := []func() error{
		func() error { return w.client.TestConnection(ctx) },
		func() error { _, err := w.client.SampleMetadataKeys(ctx, true); return err },
		func() error { return w.client.ListUsers(ctx, func(User) error { return nil }) },
		func() error { return w.client.ListOrganizations(ctx, func(Organization) error { return nil }) },
		func() error { _, err := w.client.GetUser(ctx, uid); return err },
		func() error { _, err := w.client.GetOrganization(ctx, oid); return err },
	}
	for i, p := range paths {
		if err := seen(p()); err != nil {
			t.Fatalf("path %d: %v", i, err)
		}
	}
	// error paths: 404, 401, 429 exhausted, 5xx
	_, _ = w.client.GetUser(ctx, "user_missing")
	_ = seen(w.newClient(t, "sk_live_otherSecret1234").TestConnection(ctx))
	w.fake.RateLimitNext(5, 1)
	_ = seen(w.client.TestConnection(ctx))
	w.fake.FailNext(3, 502)
	_ = seen(w.client.TestConnection(ctx))

	for _, r := range w.fake.Requests() {
		if r.Method != http.MethodGet {
			t.Errorf("non-GET request: %+v", r)
		}
	}
	if v := w.fake.Violations(); len(v) != 0 {
		t.Fatalf("violations: %+v", v)
	}

	// Belt and braces: even a hand-built write never leaves the process.
	before := len(w.fake.Requests())
	for _, m := range []string{http.MethodPost, http.MethodPatch, http.MethodDelete, http.MethodPut} {
		err := w.client.backend.Call(ctx, clerksdk.NewAPIRequest(m, "/users/"+uid+"/metadata"), &rawBody{})
		if !errors.Is(err, errNotGET) {
			t.Errorf("%s: %v", m, err)
		}
		info := &attemptInfo{}
		e := w.client.classify(err, info, "users")
		if e.Code != CodeInvalidInput {
			t.Errorf("%s classified %s", m, e.Code)
		}
	}
	if after := len(w.fake.Requests()); after != before || len(w.fake.Violations()) != 0 {
		t.Fatalf("a write reached the fake: %d → %d requests", before, after)
	}
}
