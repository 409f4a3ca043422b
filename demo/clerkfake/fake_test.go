package clerkfake

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	clerksdk "github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/organization"
	"github.com/clerk/clerk-sdk-go/v2/user"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func newFake(t *testing.T) (*Server, *httptest.Server) {
	t.Helper()
	f := New(Options{Now: func() time.Time { return t0 }})
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

// get sends an authenticated GET and returns status, headers and body.
func get(t *testing.T, srv *httptest.Server, path, key string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

func userIDs(t *testing.T, body []byte) []string {
	t.Helper()
	var users []*clerksdk.User
	if err := json.Unmarshal(body, &users); err != nil {
		t.Fatalf("GET /users must answer a bare array: %v\n%s", err, body)
	}
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	return ids
}

func clerkError(t *testing.T, body []byte) clerksdk.Error {
	t.Helper()
	var e clerksdk.APIErrorResponse
	if err := json.Unmarshal(body, &e); err != nil || len(e.Errors) != 1 {
		t.Fatalf("not Clerk's error shape: %v\n%s", err, body)
	}
	if e.Errors[0].Message == "" || e.Errors[0].LongMessage == "" || e.Errors[0].Code == "" {
		t.Fatalf("ClerkError requires message, long_message and code: %s", body)
	}
	return e.Errors[0]
}

func TestAuth(t *testing.T) {
	f, srv := newFake(t)
	f.AddUser(UserSpec{Email: "a@example.test"})
	for _, key := range []string{"", "sk_test_wrong", "pk_test_abc"} {
		status, _, body := get(t, srv, "/v1/users", key)
		if status != http.StatusUnauthorized {
			t.Fatalf("key %q: status %d, want 401", key, status)
		}
		if e := clerkError(t, body); e.Code != "authentication_invalid" {
			t.Errorf("code %q", e.Code)
		}
	}
	if status, _, _ := get(t, srv, "/v1/users", DefaultSecretKey); status != 200 {
		t.Fatalf("default key: %d", status)
	}
}

func TestListUsersPagingAndOrdering(t *testing.T) {
	f, srv := newFake(t)
	ids := f.GenerateUsers(25, nil) // created_at strictly increasing
	k := DefaultSecretKey

	_, _, body := get(t, srv, "/v1/users", k)
	got := userIDs(t, body)
	if len(got) != 10 || got[0] != ids[24] || got[9] != ids[15] {
		t.Fatalf("default: limit 10, newest first; got %d starting %s", len(got), got[0])
	}
	_, _, body = get(t, srv, "/users?order_by=created_at&limit=5&offset=20", k) // without /v1 too
	if got = userIDs(t, body); len(got) != 5 || got[0] != ids[20] || got[4] != ids[24] {
		t.Fatalf("ascending offset page: %v", got)
	}
	_, _, body = get(t, srv, "/v1/users?order_by=%2Bcreated_at&limit=500&starting_after="+ids[22], k)
	if got = userIDs(t, body); len(got) != 2 || got[0] != ids[23] {
		t.Fatalf("starting_after ascending: %v", got)
	}
	_, _, body = get(t, srv, "/v1/users?limit=3&starting_after="+ids[10], k)
	if got = userIDs(t, body); len(got) != 3 || got[0] != ids[9] || got[2] != ids[7] {
		t.Fatalf("starting_after descending: %v", got)
	}
	_, _, body = get(t, srv, "/v1/users?limit=500&offset=100", k)
	if string(body) != "[]\n" {
		t.Fatalf("past the end must be an empty array, got %s", body)
	}
	_, _, body = get(t, srv, "/v1/users?user_id="+ids[0]+"&user_id=%2B"+ids[1], k)
	if got = userIDs(t, body); len(got) != 2 {
		t.Fatalf("user_id filter: %v", got)
	}

	for _, bad := range []string{
		"limit=0", "limit=501", "limit=x", "offset=-1",
		"starting_after=" + ids[3] + "&offset=5", // cursor + offset
		"starting_after=" + ids[3] + "&order_by=updated_at",
		"starting_after=user_nope",
		"order_by=username",
	} {
		status, _, body := get(t, srv, "/v1/users?"+bad, k)
		if status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", bad, status)
			continue
		}
		if e := clerkError(t, body); e.Code != "form_param_value_invalid" {
			t.Errorf("%s: code %s", bad, e.Code)
		}
	}

	status, _, body := get(t, srv, "/v1/users/count", k)
	if status != 200 || !strings.Contains(string(body), `"total_count":25`) {
		t.Fatalf("count: %d %s", status, body)
	}
}

func TestOrganizations(t *testing.T) {
	f, srv := newFake(t)
	ids := f.GenerateOrganizations(12, func(i int) map[string]any { return map[string]any{"n": i} })
	k := DefaultSecretKey

	_, _, body := get(t, srv, "/v1/organizations?limit=5&offset=10&order_by=created_at", k)
	var list clerksdk.OrganizationList
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	if list.TotalCount != 12 || len(list.Organizations) != 2 || list.Organizations[0].ID != ids[10] {
		t.Fatalf("page: total %d, %d orgs", list.TotalCount, len(list.Organizations))
	}
	if !strings.Contains(string(body), `"data":[`) || !strings.Contains(string(body), `"total_count":12`) {
		t.Fatalf("shape: %s", body)
	}
	_, _, body = get(t, srv, "/v1/organizations", k)
	_ = json.Unmarshal(body, &list)
	if len(list.Organizations) != 10 || list.Organizations[0].ID != ids[11] {
		t.Fatalf("default: limit 10 newest first")
	}

	status, _, body := get(t, srv, "/v1/organizations/org-5", k) // by slug
	if status != 200 || !strings.Contains(string(body), `"id":"`+ids[4]+`"`) {
		t.Fatalf("by slug: %d %s", status, body)
	}
	status, _, body = get(t, srv, "/v1/organizations/org_missing", k)
	if status != 404 || clerkError(t, body).Code != "resource_not_found" {
		t.Fatalf("missing org: %d", status)
	}
}

func TestOrganizationsDisabled(t *testing.T) {
	srv := httptest.NewServer(New(Options{OrganizationsDisabled: true}))
	defer srv.Close()
	status, _, body := get(t, srv, "/v1/organizations", DefaultSecretKey)
	if status != http.StatusForbidden || clerkError(t, body).Code == "" {
		t.Fatalf("%d %s", status, body)
	}
}

func TestNonGETIsAViolation(t *testing.T) {
	f, srv := newFake(t)
	id := f.AddUser(UserSpec{})
	for _, m := range []string{http.MethodPost, http.MethodPatch, http.MethodDelete, http.MethodPut, http.MethodHead} {
		req, _ := http.NewRequest(m, srv.URL+"/v1/users/"+id+"/metadata", strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer "+DefaultSecretKey)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s: %d", m, resp.StatusCode)
		}
	}
	if v := f.Violations(); len(v) != 5 || v[0].Method != http.MethodPost {
		t.Fatalf("violations: %+v", v)
	}
}

func TestScriptedFailures(t *testing.T) {
	f, srv := newFake(t)
	f.RateLimitNext(1, 3)
	f.FailNext(1, http.StatusServiceUnavailable)
	status, h, body := get(t, srv, "/v1/users", DefaultSecretKey)
	if status != 429 || h.Get("Retry-After") != "3" || clerkError(t, body).Code != "too_many_requests" {
		t.Fatalf("429: %d %q %s", status, h.Get("Retry-After"), body)
	}
	if status, _, _ = get(t, srv, "/v1/users", DefaultSecretKey); status != 503 {
		t.Fatalf("503: %d", status)
	}
	if status, _, _ = get(t, srv, "/v1/users", DefaultSecretKey); status != 200 {
		t.Fatalf("then 200: %d", status)
	}
	reqs := f.Requests()
	if len(reqs) != 3 || reqs[0].Status != 429 || reqs[2].Path != "/v1/users" {
		t.Fatalf("log: %+v", reqs)
	}
}

// TestSDKDecodesFake proves the JSON is what clerk-sdk-go itself parses,
// including its own user.List (which adds the /users/count call).
func TestSDKDecodesFake(t *testing.T) {
	f, srv := newFake(t)
	id := f.AddUser(UserSpec{
		Email: "ada@example.test", FirstName: "Ada", LastName: "Lovelace",
		PublicMetadata:  map[string]any{"plan": "pro", "big": json.Number("123456789012345678901")},
		PrivateMetadata: map[string]any{"stripe_customer_id": "cus_123"},
	})
	orgID := f.AddOrganization(OrgSpec{Name: "Acme Inc", PublicMetadata: map[string]any{"plan": "team"}})
	cfg := &clerksdk.ClientConfig{BackendConfig: clerksdk.BackendConfig{
		HTTPClient: srv.Client(), URL: clerksdk.String(srv.URL + "/v1"), Key: clerksdk.String(DefaultSecretKey),
	}}
	ctx := context.Background()

	u, err := user.NewClient(cfg).Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if *u.FirstName != "Ada" || *u.PrimaryEmailAddressID != u.EmailAddresses[0].ID || u.EmailAddresses[0].EmailAddress != "ada@example.test" {
		t.Fatalf("user: %+v", u)
	}
	if string(u.PublicMetadata) != `{"big":123456789012345678901,"plan":"pro"}` || string(u.UnsafeMetadata) != `{}` {
		t.Fatalf("metadata: %s / %s", u.PublicMetadata, u.UnsafeMetadata)
	}
	if u.CreatedAt != t0.UnixMilli() {
		t.Fatalf("created_at must be epoch milliseconds: %d", u.CreatedAt)
	}
	list, err := user.NewClient(cfg).List(ctx, &user.ListParams{})
	if err != nil || list.TotalCount != 1 || len(list.Users) != 1 {
		t.Fatalf("sdk list: %v %+v", err, list)
	}
	orgs, err := organization.NewClient(cfg).List(ctx, &organization.ListParams{})
	if err != nil || orgs.TotalCount != 1 || orgs.Organizations[0].Slug != "acme-inc" {
		t.Fatalf("sdk org list: %v %+v", err, orgs)
	}
	if o, err := organization.NewClient(cfg).Get(ctx, orgID); err != nil || o.Name != "Acme Inc" {
		t.Fatalf("sdk org get: %v", err)
	}
	_, err = user.NewClient(cfg).Get(ctx, "user_missing")
	var apiErr *clerksdk.APIErrorResponse
	if !asAPIError(err, &apiErr) || apiErr.HTTPStatusCode != 404 || apiErr.Errors[0].Code != "resource_not_found" {
		t.Fatalf("sdk 404: %v", err)
	}
}

func asAPIError(err error, target **clerksdk.APIErrorResponse) bool {
	e, ok := err.(*clerksdk.APIErrorResponse)
	*target = e
	return ok
}

func TestSetMetadata(t *testing.T) {
	f, srv := newFake(t)
	id := f.AddUser(UserSpec{PublicMetadata: map[string]any{"plan": "free"}})
	if err := f.SetUserMetadata(id, "public_metadata", map[string]any{"plan": "pro"}); err != nil {
		t.Fatal(err)
	}
	_, _, body := get(t, srv, "/v1/users/"+id, DefaultSecretKey)
	if !strings.Contains(string(body), `"public_metadata":{"plan":"pro"}`) {
		t.Fatalf("%s", body)
	}
	if f.SetUserMetadata(id, "nope", nil) == nil || f.SetUserMetadata("user_x", "public_metadata", nil) == nil {
		t.Fatal("bad container / unknown user must fail")
	}
}
