package server

import (
	"database/sql"
	"strings"
	"testing"

	"parityrail/db"
)

// rawDB opens the test's SQLite file directly, with the driver's options:
// mode=ro to check what is stored, _busy_timeout=5000 to tamper with it
// behind the API's back.
func rawDB(t *testing.T, app *testApp, options string) *sql.DB {
	t.Helper()
	path, err := app.db.Path()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := sql.Open("sqlite3", "file:"+path+"?"+options)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func TestProjectLifecycleAndOnboardingState(t *testing.T) {
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	admin, _ := app.addUser(owner, "admin@example.com", db.RoleAdmin)

	r := admin.mustDo("POST", "/api/projects", map[string]string{"name": "   "}, 400)
	if _, msg := r.errorInfo(t); msg != "Give the project a name." {
		t.Errorf("empty name: %q", msg)
	}
	p := admin.newProject("  Acme SaaS ")
	if p.Name != "Acme SaaS" || p.Onboarded || p.Onboarding.CurrentStep != 1 || len(p.Onboarding.Steps) != 8 {
		t.Fatalf("new project = %+v", p)
	}

	for _, tc := range []struct {
		body map[string]string
		msg  string
	}{
		{map[string]string{"name": "Acme", "billing_source": "paypal", "access_source": "clerk"}, "Choose a billing source: Stripe or Demo data."},
		{map[string]string{"name": "Acme", "billing_source": "stripe", "access_source": ""}, "Choose an access-state source: Postgres / Supabase, Clerk, or Demo data."},
	} {
		r := admin.mustDo("PUT", "/api/projects/"+p.ID+"/stack", tc.body, 400)
		if _, msg := r.errorInfo(t); msg != tc.msg {
			t.Errorf("%v: %q", tc.body, msg)
		}
	}
	admin.mustDo("GET", "/api/projects/"+p.ID, nil, 200).json(t, &p)
	if p.BillingSource != "" || p.Onboarding.Steps[0].State != "current" {
		t.Errorf("refused stack changed the project: %+v", p)
	}

	admin.mustDo("PUT", "/api/projects/"+p.ID+"/stack", map[string]string{"name": "Acme", "billing_source": "stripe", "access_source": "clerk"}, 200).json(t, &p)
	if p.BillingSource != "stripe" || p.AccessSource != "clerk" || p.Onboarding.CurrentStep != 2 ||
		p.Onboarding.Steps[0].State != "done" || p.Onboarding.Steps[1].State != "current" {
		t.Errorf("after step 1: %+v", p)
	}
	if hint := p.Onboarding.Steps[3].Hint; hint != "Matched automatically." {
		t.Errorf("clerk project's step 4 hint = %q", hint)
	}

	admin.mustDo("PATCH", "/api/projects/"+p.ID, map[string]string{"name": "Acme Inc"}, 200).json(t, &p)
	var all list[projectView]
	admin.mustDo("GET", "/api/projects", nil, 200).json(t, &all)
	if len(all.Items) != 1 || all.Items[0].Name != "Acme Inc" || all.Items[0].Onboarding.Steps[0].State != "done" {
		t.Errorf("list = %+v", all.Items)
	}

	admin.mustDo("DELETE", "/api/projects/"+p.ID, nil, 403)
	owner.mustDo("DELETE", "/api/projects/"+p.ID, nil, 204)
	owner.mustDo("GET", "/api/projects/"+p.ID, nil, 404)
}

func TestSPAServingAndAPI404s(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	for _, path := range []string{"/", "/projects/prj_1/onboarding", "/settings/team"} {
		r := c.mustDo("GET", path, nil, 200)
		if string(r.Body) != string(testUI["index.html"].Data) || r.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("%s: %d %q cache=%q", path, r.Status, r.Body, r.Header.Get("Cache-Control"))
		}
	}
	r := c.mustDo("GET", "/assets/app-1a2b.js", nil, 200)
	if r.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || r.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Errorf("asset headers: %v", r.Header)
	}
	c.mustDo("GET", "/assets/missing.js", nil, 404)
	for _, path := range []string{"/api/nope", "/api/projects/x/nothing-here"} {
		r := c.mustDo("GET", path, nil, 404)
		if code, _ := r.errorInfo(t); code != "not_found" {
			t.Errorf("%s: %s", path, r.Body)
		}
	}
}

// Projects, notification channels and API keys take a name by one rule:
// trimmed, required, at most 80 characters (not bytes), each refusal worded
// for what it names.
func TestGivenNames(t *testing.T) {
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	p := owner.newProject("  Acme  ")
	if p.Name != "Acme" {
		t.Errorf("name %q, want it trimmed", p.Name)
	}
	owner.newProject(strings.Repeat("é", 80))
	long := strings.Repeat("é", 81)
	channels := "/api/projects/" + p.ID + "/notification-channels"
	for _, tc := range []struct{ path, name, msg string }{
		{"/api/projects", " ", "Give the project a name."},
		{"/api/projects", long, "Project names can be at most 80 characters long."},
		{channels, "", `Name the channel, e.g. "#billing-alerts" or "On-call email".`},
		{channels, long, "Channel names can be at most 80 characters long."},
		{"/api/api-keys", "\t", `Name the key after what uses it, e.g. "CI pipeline".`},
		{"/api/api-keys", long, "Key names can be at most 80 characters long."},
	} {
		r := owner.mustDo("POST", tc.path, map[string]string{"name": tc.name}, 400)
		if code, msg := r.errorInfo(t); code != "invalid_name" || msg != tc.msg {
			t.Errorf("POST %s %q: %s %q, want invalid_name %q", tc.path, tc.name, code, msg, tc.msg)
		}
	}
}
