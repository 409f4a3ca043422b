package server

import (
	"fmt"
	"strings"
	"testing"

	"parityrail/db"
	"parityrail/demo/clerkfake"
)

// fixture is what one request in the role walk needs, created fresh by the
// owner before each request so every call sees the same starting point.
type fixture struct {
	project  string // project id
	member   string // a removable member's user id
	invite   string // pending invite id
	token    string // pending invite token
	incident string // an open incident of the project
	check    string // a finished check of the project
	dryRun   string // a finished dry run of the project
	repair   string // the incident's proposed repair
	apiKey   string // an API key's id
	channel  string // a notification channel's id
}

// TestEveryRouteByRole walks every API route as nobody, member, admin and
// owner and asserts who is let in (the route's success status) and who is
// refused (401 without a session, 403 below the route's role).
func TestEveryRouteByRole(t *testing.T) {
	type route struct {
		method, path string
		min          string // "public", or the lowest role allowed
		ok           int    // status when allowed
		body         func(f fixture) any
	}
	n := 0
	uniq := func() string { n++; return fmt.Sprintf("%d", n) }
	routes := []route{
		{"GET", "/api/health", "public", 200, nil},
		{"GET", "/api/openapi.yaml", "public", 200, nil},
		{"GET", "/api/setup", "public", 200, nil},
		{"GET", "/api/invites/{token}", "public", 200, nil},
		{"GET", "/api/me", "member", 200, nil},
		{"GET", "/api/projects", "member", 200, nil},
		{"POST", "/api/projects", "admin", 201, func(fixture) any { return map[string]string{"name": "New"} }},
		{"GET", "/api/projects/{project}", "member", 200, nil},
		{"PATCH", "/api/projects/{project}", "admin", 200, func(fixture) any { return map[string]string{"name": "Renamed"} }},
		{"DELETE", "/api/projects/{project}", "owner", 204, nil},
		{"PUT", "/api/projects/{project}/stack", "admin", 200, func(fixture) any {
			return map[string]string{"name": "Acme", "billing_source": "stripe", "access_source": "clerk"}
		}},
		{"GET", "/api/projects/{project}/connections", "member", 200, nil},
		{"POST", "/api/projects/{project}/stripe", "admin", 200, func(fixture) any {
			return map[string]any{"api_key": testStripeKey}
		}},
		{"GET", "/api/projects/{project}/stripe/prices", "member", 200, nil},
		{"GET", "/api/projects/{project}/stripe/budget", "member", 200, nil},
		{"PUT", "/api/projects/{project}/stripe/budget", "admin", 200, func(fixture) any { return map[string]any{"max_rps": 10} }},
		{"GET", "/api/projects/{project}/database/setup-sql", "admin", 200, nil},
		{"POST", "/api/projects/{project}/clerk", "admin", 200, func(fixture) any {
			return map[string]any{"secret_key": clerkfake.DefaultSecretKey}
		}},
		{"GET", "/api/projects/{project}/clerk/metadata-keys", "member", 200, nil},
		{"GET", "/api/projects/{project}/app-values?field=plan", "member", 200, nil},
		{"GET", "/api/projects/{project}/mappings", "member", 200, nil},
		{"PUT", "/api/projects/{project}/mappings", "admin", 200, func(fixture) any {
			return map[string]any{"access": map[string]any{"users": map[string]string{
				"stripe_customer_id": "public_metadata.stripe_customer_id", "plan": "public_metadata.plan"}}}
		}},
		{"GET", "/api/projects/{project}/policy", "member", 200, nil},
		{"POST", "/api/projects/{project}/policy/preview", "member", 200, func(fixture) any { return map[string]any{"past_due_grace_days": 30} }},
		{"PUT", "/api/projects/{project}/policy", "admin", 200, func(fixture) any { return map[string]any{"past_due_grace_days": 30} }},
		{"GET", "/api/team/members", "member", 200, nil},
		{"PATCH", "/api/team/members/{member}", "owner", 200, func(fixture) any { return map[string]string{"role": "admin"} }},
		{"DELETE", "/api/team/members/{member}", "admin", 204, nil},
		{"GET", "/api/team/invites", "admin", 200, nil},
		{"POST", "/api/team/invites", "admin", 201, func(fixture) any {
			return map[string]string{"email": "new" + uniq() + "@example.com", "role": "member"}
		}},
		{"DELETE", "/api/team/invites/{invite}", "admin", 204, nil},
		{"POST", "/api/projects/{project}/checks", "member", 202, func(fixture) any { return map[string]any{"scope": "full"} }},
		{"GET", "/api/projects/{project}/checks", "member", 200, nil},
		{"GET", "/api/projects/{project}/checks/{check}", "member", 200, nil},
		{"GET", "/api/projects/{project}/incidents", "member", 200, nil},
		{"POST", "/api/projects/{project}/incidents/acknowledge", "member", 200, func(f fixture) any {
			return map[string]any{"ids": []string{f.incident}}
		}},
		{"GET", "/api/incidents/{incident}", "member", 200, nil},
		{"POST", "/api/incidents/{incident}/acknowledge", "member", 200, nil},
		{"POST", "/api/incidents/{incident}/ignore", "member", 200, func(fixture) any { return map[string]string{"reason": "test account"} }},
		{"POST", "/api/incidents/{incident}/recheck", "member", 200, nil},
		// The fixture is a real project: a member passes the guard and is told it is not a demo.
		{"POST", "/api/incidents/{incident}/demo/apply", "member", 409, nil},
		{"GET", "/api/projects/{project}/customers/{customer}", "member", 200, nil},
		{"GET", "/api/projects/{project}/schedules", "member", 200, nil},
		{"PUT", "/api/projects/{project}/schedules", "admin", 200, func(fixture) any {
			return map[string]any{"full": map[string]any{"spec": "30 4 * * *"}}
		}},
		{"GET", "/api/projects/{project}/webhooks", "member", 200, nil},
		{"POST", "/api/webhooks/stripe/{webhookProject}", "public", 400, func(fixture) any { return map[string]string{"id": "evt_unsigned"} }},
		{"POST", "/api/projects/demo", "admin", 201, nil},
		// The fixture is a real project: an admin passes the guard and is
		// told it is not a demo (resetting a demo is in TestResetDemo).
		{"POST", "/api/projects/{project}/demo/reset", "admin", 409, nil},
		{"POST", "/api/projects/{project}/onboarding/dry-run", "member", 200, func(f fixture) any { return map[string]string{"check_id": f.dryRun} }},
		{"POST", "/api/projects/{project}/go-live", "admin", 200, func(fixture) any { return map[string]any{} }},
		{"GET", "/api/projects/{project}/dashboard", "member", 200, nil},
		// The fixture's repair is of a Clerk subject: an admin's approval is refused as guided (409).
		{"POST", "/api/repairs/{repair}/approve", "admin", 409, nil},
		{"POST", "/api/repairs/{repair}/reject", "admin", 200, func(fixture) any { return map[string]string{"reason": "not needed"} }},
		{"GET", "/api/projects/{project}/notification-channels", "member", 200, nil},
		{"POST", "/api/projects/{project}/notification-channels", "admin", 201, func(fixture) any {
			return map[string]any{"kind": "webhook", "name": "hook", "url": "http://127.0.0.1:9/hook", "events": map[string]any{"digest": true}}
		}},
		{"PATCH", "/api/projects/{project}/notification-channels/{channel}", "admin", 200, func(fixture) any { return map[string]any{"name": "renamed"} }},
		{"DELETE", "/api/projects/{project}/notification-channels/{channel}", "admin", 204, nil},
		// The fixture's receiver does not listen: the test is answered, undelivered.
		{"POST", "/api/projects/{project}/notification-channels/{channel}/test", "admin", 200, nil},
		{"GET", "/api/projects/{project}/notification-deliveries", "member", 200, nil},
		{"GET", "/api/projects/{project}/digest/preview", "member", 200, nil},
		// The fixture's channel takes the digest.
		{"POST", "/api/projects/{project}/digest/send", "admin", 202, nil},
		{"GET", "/api/settings/smtp", "admin", 200, nil},
		{"PUT", "/api/settings/smtp", "admin", 200, func(fixture) any {
			return map[string]any{"host": "127.0.0.1", "port": 2525, "from": "alerts@example.com", "tls": "none"}
		}},
		{"GET", "/api/api-keys", "admin", 200, nil},
		{"POST", "/api/api-keys", "admin", 201, func(fixture) any { return map[string]string{"name": "CI", "capability": "read"} }},
		{"DELETE", "/api/api-keys/{apiKey}", "admin", 204, nil},
	}
	// Routes whose rules are not a role: tested in their own tests.
	special := map[string]bool{
		// Need a real Postgres: their roles are walked in TestDatabaseRoutesByRole.
		"POST /api/projects/:id/database": true,
		"GET /api/projects/:id/schema":    true,
		"POST /api/setup":                 true, // only while nobody exists
		"POST /api/auth/login":            true,
		"POST /api/auth/logout":           true,
		"GET /api/ready":                  true, // public; its answers in TestReadiness
		// Act on the caller's own account: TestAccountPasswordAndSessions.
		"POST /api/me/password":            true,
		"POST /api/me/sign-out-everywhere": true,
		"POST /api/invites/:token/accept":  true, // signed-out or matching email
	}

	app := newTestApp(t)
	t.Cleanup(app.s.checks.Wait) // background checks end before the store closes
	owner, _ := app.setupOwner()
	admin, _ := app.addUser(owner, "admin@example.com", db.RoleAdmin)
	member, _ := app.addUser(owner, "member@example.com", db.RoleMember)
	callers := []struct {
		role string
		c    *client
	}{{"none", app.client()}, {"member", member}, {"admin", admin}, {"owner", owner}}
	rank := map[string]int{"public": 0, "none": 0, "member": 1, "admin": 2, "owner": 3}

	newFixture := func() fixture {
		project := app.clerkProject(owner, "Fixture")
		_, u := app.addUser(owner, "target"+uniq()+"@example.com", db.RoleMember)
		var pending inviteView
		owner.mustDo("POST", "/api/team/invites", map[string]string{"email": "pending" + uniq() + "@example.com", "role": "member"}, 201).json(t, &pending)
		incident, check := app.checkFixture(owner, project)
		dry, err := app.db.BeginCheck(t.Context(), db.Check{ProjectID: project, Scope: "full", Trigger: "dry_run", DryRun: true}, "test")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.db.FinishCheck(t.Context(), dry, db.CheckCounts{}, map[string]any{}, "", "test"); err != nil {
			t.Fatal(err)
		}
		rep, err := app.db.LatestRepair(t.Context(), incident)
		if err != nil {
			t.Fatal(err)
		}
		key, err := app.db.CreateAPIKey(t.Context(), db.APIKey{Name: "fixture", Capability: "read", Prefix: "sk_prail_fixt", Last4: "fixt"}, uniq())
		if err != nil {
			t.Fatal(err)
		}
		var ch channelView
		owner.mustDo("POST", "/api/projects/"+project+"/notification-channels", map[string]any{"kind": "webhook", "name": "fixture",
			"url": "http://127.0.0.1:9/hook", "events": map[string]any{"digest": true}}, 201).json(t, &ch)
		return fixture{project: project, member: u.ID, invite: pending.ID, token: tokenOf(pending.URL), incident: incident, check: check, dryRun: dry.ID,
			repair: rep.ID, apiKey: key.ID, channel: ch.ID}
	}

	covered := map[string]bool{}
	for _, rt := range routes {
		echoPath := strings.NewReplacer("{project}", ":id", "{member}", ":userId", "{invite}", ":inviteId", "{token}", ":token",
			"{incident}", ":incidentId", "{check}", ":checkId", "{customer}", ":customerId", "{webhookProject}", ":projectId",
			"{repair}", ":repairId", "{apiKey}", ":keyId", "{channel}", ":channelId").Replace(rt.path)
		echoPath, _, _ = strings.Cut(echoPath, "?")
		covered[rt.method+" "+echoPath] = true
		for _, caller := range callers {
			f := newFixture()
			path := strings.NewReplacer("{project}", f.project, "{member}", f.member, "{invite}", f.invite, "{token}", f.token,
				"{incident}", f.incident, "{check}", f.check, "{customer}", "cus_fixture", "{webhookProject}", f.project,
				"{repair}", f.repair, "{apiKey}", f.apiKey, "{channel}", f.channel).Replace(rt.path)
			var body any
			if rt.body != nil {
				body = rt.body(f)
			}
			r := caller.c.do(rt.method, path, body)
			want := rt.ok
			switch {
			case rt.min == "public":
			case caller.role == "none":
				want = 401
			case rank[caller.role] < rank[rt.min]:
				want = 403
			}
			if r.Status != want {
				t.Errorf("%s %s as %s = %d, want %d: %s", rt.method, rt.path, caller.role, r.Status, want, r.Body)
			}
		}
	}

	// Every registered API route is in the walk (or deliberately special),
	// so a new route cannot ship without its role being decided here.
	_, e := newServer(Config{}, app.db, nil, testUI, nil)
	for _, r := range e.Routes() {
		key := r.Method + " " + r.Path
		// Routes taking API keys instead of roles: TestEveryV1RouteByKey.
		if !strings.HasPrefix(r.Path, "/api/") || r.Path == "/api/*" || covered[key] || special[key] || machinePath(r.Path) {
			continue
		}
		t.Errorf("route %s is not in the role walk", key)
	}
}

func TestUnknownProjectIs404ForEveryRole(t *testing.T) {
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	member, _ := app.addUser(owner, "m@example.com", db.RoleMember)
	for _, c := range []*client{owner, member} {
		r := c.mustDo("GET", "/api/projects/prj_doesnotexist", nil, 404)
		if code, msg := r.errorInfo(t); code != "not_found" || msg != "No such project." {
			t.Errorf("missing project: %s %q", code, msg)
		}
	}
	owner.mustDo("PUT", "/api/projects/prj_doesnotexist/stack", map[string]string{"name": "x", "billing_source": "stripe", "access_source": "clerk"}, 404)
}
