package server

import (
	"strings"
	"testing"

	"parityrail/db"
	"parityrail/demo/clerkfake"
)

func TestConnectClerkStoresOnlyASealedKeyAndShowsTheMaskedLabel(t *testing.T) {
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	p := owner.stackProject("Clerk app", "clerk")

	var conn connectionView
	r := owner.mustDo("POST", "/api/projects/"+p.ID+"/clerk", map[string]string{"secret_key": "  " + clerkfake.DefaultSecretKey + "\n"}, 200)
	r.json(t, &conn)
	if conn.Kind != "clerk" || conn.Label != "sk_test_…0000" || conn.Mode != "test" {
		t.Errorf("connection = %+v", conn)
	}
	// Verified with exactly GET /users?limit=1 before saving.
	reqs := app.clerk.Requests()
	if len(reqs) != 1 || reqs[0].Method != "GET" || reqs[0].Path != "/v1/users" || reqs[0].Query.Encode() != "limit=1" {
		t.Errorf("Clerk requests = %+v", reqs)
	}

	var list list[connectionView]
	owner.mustDo("GET", "/api/projects/"+p.ID+"/connections", nil, 200).json(t, &list)
	if len(list.Items) != 1 || list.Items[0].Label != "sk_test_…0000" {
		t.Errorf("connections = %+v", list.Items)
	}
	for _, body := range [][]byte{r.Body, owner.do("GET", "/api/projects/"+p.ID+"/connections", nil).Body, owner.do("GET", "/api/projects/"+p.ID, nil).Body} {
		if strings.Contains(string(body), clerkfake.DefaultSecretKey) {
			t.Fatalf("an answer contains the secret key: %s", body)
		}
	}
	var sealed string
	rawDB(t, app, "mode=ro").QueryRow(`SELECT sealed_secret FROM connections WHERE project_id = ?`, p.ID).Scan(&sealed)
	if sealed == "" || strings.Contains(sealed, "sk_test") {
		t.Errorf("stored secret is not sealed: %q", sealed)
	}
	var got projectView
	owner.mustDo("GET", "/api/projects/"+p.ID, nil, 200).json(t, &got)
	if got.Onboarding.Steps[2].State != "done" || got.Onboarding.Steps[3].Hint != "Matched automatically." {
		t.Errorf("after connecting: step 3 %s, step 4 hint %q", got.Onboarding.Steps[2].State, got.Onboarding.Steps[3].Hint)
	}
}

// The troubleshooting table of the "Connect Clerk" page, row by row.
func TestConnectClerkTroubleshootingMessages(t *testing.T) {
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	p := owner.stackProject("Clerk app", "clerk")
	path := "/api/projects/" + p.ID + "/clerk"

	cases := []struct {
		name, key string
		status    int
		code, msg string
	}{
		{"revoked key", "sk_test_revokedkey1234", 422, "clerk_unauthorized", "Clerk rejected the secret key (HTTP 401)…"},
		{"not the sk_ pattern", "sk_test", 400, "clerk_invalid_key", "Enter a Clerk Backend API secret key (sk_test_… or sk_live_…)"},
		{"placeholder pasted", "sk_test_<...>", 400, "clerk_invalid_key", "Enter a Clerk Backend API secret key (sk_test_… or sk_live_…)"},
		{"publishable key", "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k", 400, "clerk_invalid_key", "Enter a Clerk Backend API secret key (sk_test_… or sk_live_…)"},
	}
	for _, tc := range cases {
		r := owner.mustDo("POST", path, map[string]string{"secret_key": tc.key}, tc.status)
		code, msg := r.errorInfo(t)
		if code != tc.code || !strings.HasPrefix(msg, tc.msg) {
			t.Errorf("%s: %s %q", tc.name, code, msg)
		}
		if tc.name == "revoked key" && !strings.Contains(msg, "Recopy the Secret key from Clerk Dashboard → API keys → Secret keys.") {
			t.Errorf("401 message lacks the fix: %q", msg)
		}
		if tc.name == "publishable key" && !strings.Contains(msg, "publishable key") {
			t.Errorf("pk_ message does not explain it is a publishable key: %q", msg)
		}
	}
	if _, err := app.db.GetConnection(t.Context(), p.ID, "clerk"); err == nil {
		t.Error("a refused key was stored")
	}

	// 429: backed off automatically and connected once Clerk let it through.
	app.clerk.RateLimitNext(2, 1)
	owner.mustDo("POST", path, map[string]string{"secret_key": clerkfake.DefaultSecretKey}, 200)
	// 429 that never ends: the person sees the page's message.
	app.clerk.RateLimitNext(100, 0)
	r := owner.mustDo("GET", "/api/projects/"+p.ID+"/clerk/metadata-keys", nil, 429)
	if code, msg := r.errorInfo(t); code != "clerk_rate_limited" || !strings.HasPrefix(msg, "Clerk rate limit hit (HTTP 429)…") {
		t.Errorf("exhausted 429: %s %q", code, msg)
	}
	app.clerk.RateLimitNext(0, 0)
	if v := app.clerk.Violations(); len(v) != 0 {
		t.Errorf("ParityRail sent non-GET requests to Clerk: %+v", v)
	}
}

func TestMetadataKeysRetryReSamples(t *testing.T) {
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	member, _ := app.addUser(owner, "m@example.com", db.RoleMember)
	p := owner.stackProject("Clerk app", "clerk")
	path := "/api/projects/" + p.ID + "/clerk/metadata-keys"
	r := owner.mustDo("GET", path, nil, 409)
	if _, msg := r.errorInfo(t); msg != "Connect Clerk on step 3 (Database) first." {
		t.Errorf("before connecting: %q", msg)
	}
	owner.mustDo("POST", "/api/projects/"+p.ID+"/clerk", map[string]string{"secret_key": clerkfake.DefaultSecretKey}, 200)

	app.clerk.AddUser(clerkfake.UserSpec{Email: "bare@example.com"})
	var keys metadataKeysView
	member.mustDo("GET", path, nil, 200).json(t, &keys)
	if len(keys.UserKeys) != 0 || keys.UsersSampled != 1 {
		t.Errorf("users without metadata: %+v", keys)
	}

	app.clerk.AddUser(clerkfake.UserSpec{Email: "paid@example.com",
		PublicMetadata:  map[string]any{"stripe_customer_id": "cus_1", "plan": "pro", "is_premium": true},
		PrivateMetadata: map[string]any{"trial_ends_at": "2026-12-01T00:00:00Z"}})
	app.clerk.AddOrganization(clerkfake.OrgSpec{Name: "Acme", PublicMetadata: map[string]any{"stripe_customer_id": "cus_2", "plan": "team"}})
	member.mustDo("GET", path+"?organizations=true", nil, 200).json(t, &keys)
	want := "private_metadata.trial_ends_at,public_metadata.is_premium,public_metadata.plan,public_metadata.stripe_customer_id"
	if got := strings.Join(keys.UserKeys, ","); got != want {
		t.Errorf("user keys = %s, want %s", got, want)
	}
	if got := strings.Join(keys.OrganizationKeys, ","); got != "public_metadata.plan,public_metadata.stripe_customer_id" {
		t.Errorf("org keys = %s", got)
	}
}

func TestConnectingClerkOverPostgresNeedsConfirmation(t *testing.T) {
	app := newTestApp(t)
	owner, ownerUser := app.setupOwner()
	p := owner.stackProject("Clerk app", "clerk")
	if err := app.db.ConnectAccessSource(t.Context(), db.Connection{ProjectID: p.ID, Kind: "postgres", SealedSecret: "v1:x", Label: "db.example.com/app", ConnectedBy: ownerUser.ID}); err != nil {
		t.Fatal(err)
	}
	path := "/api/projects/" + p.ID + "/clerk"
	r := owner.mustDo("POST", path, map[string]string{"secret_key": clerkfake.DefaultSecretKey}, 409)
	if code, msg := r.errorInfo(t); code != "replace_required" || !strings.Contains(msg, "Postgres / Supabase (db.example.com/app)") || !strings.Contains(msg, "not both") {
		t.Errorf("unconfirmed replace: %s %q", code, msg)
	}
	if _, err := app.db.GetConnection(t.Context(), p.ID, "postgres"); err != nil {
		t.Fatal("the refused replace removed Postgres")
	}
	owner.mustDo("POST", path, map[string]any{"secret_key": clerkfake.DefaultSecretKey, "replace": true}, 200)
	var conns list[connectionView]
	owner.mustDo("GET", "/api/projects/"+p.ID+"/connections", nil, 200).json(t, &conns)
	if len(conns.Items) != 1 || conns.Items[0].Kind != "clerk" {
		t.Errorf("after replace: %+v (never both)", conns.Items)
	}
	var got projectView
	owner.mustDo("GET", "/api/projects/"+p.ID, nil, 200).json(t, &got)
	if got.AccessSource != "clerk" {
		t.Errorf("access source = %s", got.AccessSource)
	}
}

func TestClerkMappings(t *testing.T) {
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	p := owner.stackProject("Clerk app", "clerk")
	path := "/api/projects/" + p.ID + "/mappings"

	// Step 4: matching is automatic; "Continue" just marks it done.
	var m map[string]any
	owner.mustDo("PUT", path, map[string]any{"identity": map[string]any{}}, 200).json(t, &m)
	if id, _ := m["identity"].(map[string]any); id["automatic"] != true {
		t.Errorf("identity = %v", m["identity"])
	}

	cases := []struct {
		users map[string]string
		msg   string
	}{
		{map[string]string{"plan": "public_metadata.plan"}, "Map the Stripe customer id field: it matches a Clerk user to its Stripe customer, and is required to reconcile."},
		{map[string]string{"stripe_customer_id": "public_metadata.stripe_customer_id"}, "Map a plan or a premium field, so ParityRail can tell who has paid access."},
		{map[string]string{"stripe_customer_id": "metadata.stripe_customer_id", "plan": "public_metadata.plan"}, `"metadata.stripe_customer_id" is not a Clerk metadata field path`},
		{map[string]string{"stripe_customer_id": "public_metadata.", "plan": "public_metadata.plan"}, `"public_metadata." has no key`},
	}
	for _, tc := range cases {
		r := owner.mustDo("PUT", path, map[string]any{"access": map[string]any{"users": tc.users}}, 400)
		if _, msg := r.errorInfo(t); !strings.HasPrefix(msg, tc.msg) {
			t.Errorf("%v: %q", tc.users, msg)
		}
	}
	owner.mustDo("PUT", path, map[string]any{"access": map[string]any{
		"users":         map[string]string{"stripe_customer_id": " public_metadata.stripe_customer_id ", "premium": "public_metadata.is_premium", "trial_end": "private_metadata.trial_ends_at"},
		"organizations": map[string]string{"stripe_customer_id": "public_metadata.stripe_customer_id", "plan": "public_metadata.plan"},
	}}, 200).json(t, &m)
	owner.mustDo("GET", path, nil, 200).json(t, &m)
	users := m["access"].(map[string]any)["users"].(map[string]any)
	if users["stripe_customer_id"] != "public_metadata.stripe_customer_id" || users["premium"] != "public_metadata.is_premium" {
		t.Errorf("stored access = %v", users)
	}
	if pol := m["policy"].(map[string]any); pol["past_due_grace_days"] != float64(14) {
		t.Errorf("default policy = %v", pol)
	}
	var got projectView
	owner.mustDo("GET", "/api/projects/"+p.ID, nil, 200).json(t, &got)
	if got.Onboarding.Steps[3].State != "done" || got.Onboarding.Steps[5].State != "done" {
		t.Errorf("steps 4 and 6 not done: %+v", got.Onboarding.Steps)
	}
}
