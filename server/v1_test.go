package server

import (
	"bytes"
	"strings"
	"testing"

	"parityrail/apikey"
)

// TestEveryV1RouteByKey walks every /api/v1 and /api/mcp route as every kind
// of caller: no key, a malformed key, an unknown key, a revoked key, a
// session cookie alone, a read and a repair key of the project, another
// project's key and a workspace key. Every route taking keys must be here.
func TestEveryV1RouteByKey(t *testing.T) {
	app := newTestApp(t)
	t.Cleanup(app.s.checks.Wait)
	owner, _ := app.setupOwner()
	p, other := app.clerkProject(owner, "Main"), app.clerkProject(owner, "Other")
	incident, check := app.checkFixture(owner, p)
	rep, err := app.db.LatestRepair(t.Context(), incident)
	if err != nil {
		t.Fatal(err)
	}
	revoked := app.newKey(owner, "old", p, "read")
	owner.mustDo("DELETE", "/api/api-keys/"+revoked.ID, nil, 204)
	keys := map[string]string{
		"none":      "",
		"malformed": "sk_prail_tooShort",
		"unknown":   apikey.New(),
		"revoked":   revoked.Key,
		"cookie":    "", // sent with the owner's session instead
		"read":      app.newKey(owner, "read", p, "read").Key,
		"repair":    app.newKey(owner, "repair", p, "repair").Key,
		"other":     app.newKey(owner, "other", other, "repair").Key,
		"workspace": app.newKey(owner, "workspace", "", "read").Key,
	}
	app.secrets.add(keys["unknown"])

	type route struct {
		method, path string
		body         any
		// want is the status per allowed caller; callers not listed are
		// refused: 401 for the unauthenticated ones, 404 for another
		// project's key.
		want map[string]int
	}
	all := func(status int) map[string]int {
		return map[string]int{"read": status, "repair": status, "workspace": status}
	}
	mcpInit := map[string]any{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": map[string]any{
		"protocolVersion": "2025-06-18", "capabilities": map[string]any{}, "clientInfo": map[string]any{"name": "walk", "version": "1"}}}
	q := "?project_id=" + p
	routes := []route{
		{"GET", "/api/v1/projects", nil, map[string]int{"read": 200, "repair": 200, "workspace": 200, "other": 200}},
		{"GET", "/api/v1/customers/cus_fixture/state" + q, nil, all(200)},
		{"GET", "/api/v1/customers/cus_fixture/ledger" + q, nil, all(200)},
		{"POST", "/api/v1/reconciliation/run", map[string]any{"project_id": p, "dry_run": true}, all(202)},
		{"GET", "/api/v1/checks/" + check, nil, all(200)},
		{"GET", "/api/v1/mismatches" + q, nil, all(200)},
		{"GET", "/api/v1/mismatches/" + incident, nil, all(200)},
		{"POST", "/api/v1/mismatches/" + incident + "/ignore", map[string]string{"reason": "walk"}, all(200)},
		// The fixture's repair is guided (Clerk): a repair key gets past the
		// gate and is told so; read keys are refused before any lookup, so
		// another project's read... key is a repair key: 404.
		{"POST", "/api/v1/repairs/" + rep.ID + "/approve", nil, map[string]int{"read": 403, "repair": 409, "workspace": 403}},
		{"POST", "/api/mcp", mcpInit, all(200)},
		// GET opens a stream of an existing session and DELETE ends one:
		// with no session id, the SDK refuses either as a bad request.
		{"GET", "/api/mcp", nil, map[string]int{"read": 400, "repair": 400, "workspace": 400, "other": 400}},
		{"DELETE", "/api/mcp", nil, map[string]int{"read": 400, "repair": 400, "workspace": 400, "other": 400}},
	}
	routes[len(routes)-3].want["other"] = 200 // MCP: any live key may connect
	covered := map[string]bool{}
	for _, rt := range routes {
		path, _, _ := strings.Cut(rt.path, "?")
		path = strings.NewReplacer(p, ":p", incident, ":mismatchId", check, ":checkId", rep.ID, ":repairId", "cus_fixture", ":customerId").Replace(path)
		covered[rt.method+" "+path] = true
		for _, caller := range []string{"none", "malformed", "unknown", "revoked", "cookie", "read", "repair", "other", "workspace"} {
			var r response
			if caller == "cookie" {
				r = owner.do(rt.method, rt.path, rt.body)
			} else {
				r = app.keyDo(keys[caller], rt.method, rt.path, rt.body, "Accept", "application/json, text/event-stream")
			}
			want, ok := rt.want[caller]
			code := ""
			switch {
			case ok:
			case caller == "other":
				want = 404
			default:
				want, code = 401, "invalid_api_key"
			}
			if r.Status != want {
				t.Errorf("%s %s as %s = %d, want %d: %s", rt.method, rt.path, caller, r.Status, want, r.Body)
			}
			if code != "" {
				if got, _ := r.errorInfo(t); got != code {
					t.Errorf("%s %s as %s: code %q, want %q", rt.method, rt.path, caller, got, code)
				}
			}
			app.s.checks.Wait()
		}
	}
	_, e := newServer(Config{}, app.db, nil, testUI, nil)
	for _, r := range e.Routes() {
		if machinePath(r.Path) && !covered[r.Method+" "+r.Path] {
			t.Errorf("key route %s %s is not in the walk", r.Method, r.Path)
		}
	}
}

// A project, check or incident a key cannot reach answers exactly like one
// that does not exist; a workspace key must name its project.
func TestKeysOutOfReachLookMissing(t *testing.T) {
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	p, other := app.clerkProject(owner, "Main"), app.clerkProject(owner, "Other")
	incident, check := app.checkFixture(owner, p)
	otherKey := app.newKey(owner, "other", other, "read").Key
	workspace := app.newKey(owner, "ws", "", "read").Key
	same := func(a, b response) {
		t.Helper()
		if a.Status != 404 || !bytes.Equal(a.Body, b.Body) {
			t.Errorf("not byte-identical 404s:\n%d %s\n%d %s", a.Status, a.Body, b.Status, b.Body)
		}
	}
	rid := []string{"X-Request-Id", "walk-404"}
	for _, c := range [][2]string{
		{"/api/v1/mismatches?project_id=" + p, "/api/v1/mismatches?project_id=prj_doesnotexist"},
		{"/api/v1/customers/cus_fixture/state?project_id=" + p, "/api/v1/customers/cus_fixture/state?project_id=prj_doesnotexist"},
		{"/api/v1/mismatches/" + incident, "/api/v1/mismatches/inc_doesnotexist"},
		{"/api/v1/checks/" + check, "/api/v1/checks/chk_doesnotexist"},
	} {
		same(app.keyDo(otherKey, "GET", c[0], nil, rid...), app.keyDo(workspace, "GET", c[1], nil, rid...))
	}
	// A project key may leave project_id out; a workspace key may not.
	app.mustKeyDo(otherKey, "GET", "/api/v1/mismatches", nil, 200)
	var e errorBody
	app.mustKeyDo(workspace, "GET", "/api/v1/mismatches", nil, 400).json(t, &e)
	if e.Error.Code != "project_required" || e.Error.Field != "project_id" {
		t.Errorf("workspace key without project: %+v", e.Error)
	}
	// Deleting a project revokes the keys that reached only it.
	owner.mustDo("DELETE", "/api/projects/"+other, nil, 204)
	app.mustKeyDo(otherKey, "GET", "/api/v1/projects", nil, 401)
	app.mustKeyDo(workspace, "GET", "/api/v1/projects", nil, 200)
}

// Keys never appear in the request log: only their prefix.
func TestKeyRequestsLogOnlyThePrefix(t *testing.T) {
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	k := app.newKey(owner, "logged", "", "read")
	app.mustKeyDo(k.Key, "GET", "/api/v1/projects", nil, 200)
	app.keyDo(apikey.New(), "GET", "/api/v1/projects", nil)
	app.secrets.mu.Lock()
	log := app.secrets.log.String()
	app.secrets.mu.Unlock()
	if !strings.Contains(log, "api_key="+k.Prefix) {
		t.Errorf("request log does not name the key's prefix:\n%s", log)
	}
	// The secret scanner (checked at cleanup) fails the test if a whole key
	// was logged.
}
