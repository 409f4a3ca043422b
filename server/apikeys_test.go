package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"parityrail/apikey"
	"parityrail/db"
)

// keyDo sends a request as a script would: the key in the Authorization
// header, no cookies, no CSRF token. hdr adds header pairs.
func (a *testApp) keyDo(key, method, path string, body any, hdr ...string) response {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.srv.URL+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	a.secrets.check(a.t, method+" "+path, b)
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

func (a *testApp) mustKeyDo(key, method, path string, body any, want int) response {
	a.t.Helper()
	r := a.keyDo(key, method, path, body)
	if r.Status != want {
		a.t.Fatalf("%s %s = %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}

// newKey creates a key through the admin API and registers it with the
// secret scanner: from here on it must never appear in an answer or a log.
func (a *testApp) newKey(admin *client, name, projectID, capability string) createdKeyView {
	a.t.Helper()
	var k createdKeyView
	admin.mustDo("POST", "/api/api-keys", map[string]string{"name": name, "project_id": projectID, "capability": capability}, 201).json(a.t, &k)
	a.secrets.add(k.Key)
	return k
}

func TestAPIKeysAreShownOnceAndRevokedAtOnce(t *testing.T) {
	w := newCheckWorld(t)
	app := w.app
	admin, _ := app.addUser(w.owner, "admin@example.com", db.RoleAdmin)

	// The create answer is the one place the key appears.
	raw := admin.mustDo("POST", "/api/api-keys", map[string]string{"name": "CI pipeline", "project_id": w.project, "capability": "read"}, 201)
	var k createdKeyView
	raw.json(t, &k)
	if !apikey.Valid(k.Key) || !strings.HasPrefix(k.Key, "sk_prail_") || k.Prefix != k.Key[:13] || k.Last4 != k.Key[len(k.Key)-4:] ||
		k.Name != "CI pipeline" || k.ProjectID != w.project || k.Capability != "read" || k.CreatedByName != "Person admin" {
		t.Fatalf("created key: %s", raw.Body)
	}
	app.secrets.add(k.Key)

	var listed list[map[string]any]
	admin.mustDo("GET", "/api/api-keys", nil, 200).json(t, &listed)
	if len(listed.Items) != 1 || listed.Items[0]["key"] != nil || listed.Items[0]["prefix"] != k.Prefix || listed.Items[0]["last_used_at"] != nil {
		t.Fatalf("list: %+v", listed.Items)
	}
	stored, err := app.db.APIKeyByHash(t.Context(), apikey.Hash(k.Key))
	if err != nil || stored.ID != k.ID {
		t.Fatalf("stored by hash: %+v %v", stored, err)
	}

	// The key works; its last use is recorded with the address.
	var projects list[v1Project]
	app.mustKeyDo(k.Key, "GET", "/api/v1/projects", nil, 200).json(t, &projects)
	if len(projects.Items) != 1 || projects.Items[0].ID != w.project {
		t.Fatalf("projects: %+v", projects.Items)
	}
	admin.mustDo("GET", "/api/api-keys", nil, 200).json(t, &listed)
	if listed.Items[0]["last_used_at"] == nil || listed.Items[0]["last_used_ip"] != "127.0.0.1" {
		t.Fatalf("last use not shown: %+v", listed.Items[0])
	}

	// Bad input names its field and stores nothing.
	for _, c := range []struct {
		body  map[string]string
		field string
	}{
		{map[string]string{"name": " ", "capability": "read"}, "name"},
		{map[string]string{"name": "x", "capability": "admin"}, "capability"},
		{map[string]string{"name": "x", "capability": "read", "project_id": "prj_nope"}, "project_id"},
	} {
		var e errorBody
		admin.mustDo("POST", "/api/api-keys", c.body, 400).json(t, &e)
		if e.Error.Field != c.field {
			t.Errorf("%v: field %q, want %q", c.body, e.Error.Field, c.field)
		}
	}
	admin.mustDo("GET", "/api/api-keys", nil, 200).json(t, &listed)
	if len(listed.Items) != 1 {
		t.Fatalf("a refused create stored a key: %d", len(listed.Items))
	}

	// Revoking takes effect on the very next request.
	admin.mustDo("DELETE", "/api/api-keys/"+k.ID, nil, 204)
	r := app.mustKeyDo(k.Key, "GET", "/api/v1/projects", nil, 401)
	if code, _ := r.errorInfo(t); code != "invalid_api_key" {
		t.Errorf("revoked: %s", r.Body)
	}
	admin.mustDo("DELETE", "/api/api-keys/"+k.ID, nil, 404)
	admin.mustDo("GET", "/api/api-keys", nil, 200).json(t, &listed)
	if len(listed.Items) != 0 {
		t.Fatalf("revoked key still listed: %+v", listed.Items)
	}
}

func TestScriptWithReadKeyListsChecksIgnoresAndCannotApprove(t *testing.T) {
	w := newCheckWorld(t)
	app := w.app
	w.runCheck(w.owner, map[string]any{"scope": "full"})
	key := app.newKey(w.owner, "nightly script", w.project, "read").Key

	// List the high incidents.
	var l list[incidentView]
	app.mustKeyDo(key, "GET", "/api/v1/mismatches?status=active&severity=high", nil, 200).json(t, &l)
	if len(l.Items) == 0 {
		t.Fatal("no high incidents listed")
	}
	var bad errorBody
	app.mustKeyDo(key, "GET", "/api/v1/mismatches?kind=nonsense", nil, 400).json(t, &bad)
	if bad.Error.Code != "invalid_filter" || bad.Error.Field != "kind" {
		t.Errorf("bad filter: %+v", bad.Error)
	}

	// A one-customer run waits for its verdict.
	var run runAnswer
	app.mustKeyDo(key, "POST", "/api/v1/reconciliation/run", map[string]any{"customer_id": "cus_noaccess"}, 200).json(t, &run)
	if run.Check == nil || run.Check.Status != "finished" || run.Verdict == nil || run.Verdict.Held ||
		len(run.Verdict.OpenIncidents) != 1 || run.Verdict.OpenIncidents[0].Kind != "paid_without_access" || run.StatusURL != "/api/v1/checks/"+run.CheckID {
		t.Fatalf("run: %+v", run)
	}
	app.mustKeyDo(key, "POST", "/api/v1/reconciliation/run", map[string]any{"customer_id": "cus_kept"}, 200).json(t, &run)
	if run.Verdict == nil || !run.Verdict.Held {
		t.Fatalf("kept customer: %+v", run.Verdict)
	}
	// A full run answers at once with where to follow it.
	var full runAnswer
	app.mustKeyDo(key, "POST", "/api/v1/reconciliation/run", map[string]any{"scope": "full"}, 202).json(t, &full)
	app.s.checks.Wait()
	var ch checkView
	app.mustKeyDo(key, "GET", full.StatusURL, nil, 200).json(t, &ch)
	if ch.Status != "finished" || ch.Trigger != "api" {
		t.Fatalf("full run: %+v", ch)
	}

	// The customer's state: the promise, the app's fields, the verdict.
	var st customerState
	app.mustKeyDo(key, "GET", "/api/v1/customers/cus_noaccess/state", nil, 200).json(t, &st)
	if st.Verdict != "broken" || !st.Known || st.Promise == nil || !st.Promise.Grants || len(st.OpenIncidents) != 1 || st.LastCheckedAt == nil {
		t.Fatalf("state: %+v", st)
	}
	var planField *fieldVerdict
	for i := range st.Fields {
		if st.Fields[i].Field == "plan" {
			planField = &st.Fields[i]
		}
	}
	if planField == nil || planField.Verdict != "differs" || planField.ActualText != "free" || planField.ExpectedText != "pro" {
		t.Fatalf("plan verdict: %+v", st.Fields)
	}

	// Ignore twice: the same answer, one ledger entry naming the key.
	inc := st.OpenIncidents[0]
	first := app.mustKeyDo(key, "POST", "/api/v1/mismatches/"+inc.ID+"/ignore", map[string]string{"reason": "internal test account"}, 200)
	second := app.mustKeyDo(key, "POST", "/api/v1/mismatches/"+inc.ID+"/ignore", map[string]string{"reason": "internal test account"}, 200)
	if !bytes.Equal(first.Body, second.Body) {
		t.Errorf("ignore is not idempotent:\n%s\n%s", first.Body, second.Body)
	}
	ignored := app.ledgerKind(w.project, db.LedgerQuery{IncidentID: inc.ID}, "incident_ignored")
	var stored []db.APIKey
	stored, _ = app.db.ListAPIKeys(t.Context())
	if len(ignored) != 1 || ignored[0].Actor != "apikey:"+stored[0].ID || !strings.Contains(string(ignored[0].Detail), `"api_key_name":"nightly script"`) {
		t.Fatalf("ignore ledger: %+v", ignored)
	}

	// The customer's ledger, paged.
	var page ledgerPage
	app.mustKeyDo(key, "GET", "/api/v1/customers/cus_noaccess/ledger?limit=2", nil, 200).json(t, &page)
	if page.Chain != "intact" || len(page.Items) != 2 || page.NextCursor == "" {
		t.Fatalf("ledger page 1: %+v", page)
	}
	seen := map[int64]bool{page.Items[0].N: true, page.Items[1].N: true}
	for page.NextCursor != "" {
		cursor := page.NextCursor
		page = ledgerPage{}
		app.mustKeyDo(key, "GET", "/api/v1/customers/cus_noaccess/ledger?limit=2&cursor="+cursor, nil, 200).json(t, &page)
		for _, e := range page.Items {
			if seen[e.N] {
				t.Fatalf("entry %d twice: %+v", e.N, page)
			}
			seen[e.N] = true
		}
	}
	if len(seen) < 4 {
		t.Errorf("customer ledger has %d entries", len(seen))
	}

	// A read key approving is refused before the repair is looked up.
	for _, id := range []string{"rep_doesnotexist", "anything"} {
		r := app.mustKeyDo(key, "POST", "/api/v1/repairs/"+id+"/approve", nil, 403)
		if code, _ := r.errorInfo(t); code != "repair_capability_required" {
			t.Errorf("approve by read key: %s", r.Body)
		}
	}
}

func TestKeysAreRateLimitedPerKey(t *testing.T) {
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	busy := app.newKey(owner, "busy", "", "read").Key
	calm := app.newKey(owner, "calm", "", "read").Key
	var limited *response
	for range keyBurst + 20 {
		r := app.keyDo(busy, "GET", "/api/v1/projects", nil)
		if r.Status == http.StatusTooManyRequests {
			limited = &r
			break
		}
	}
	if limited == nil {
		t.Fatal("no 429 after the burst")
	}
	if code, _ := limited.errorInfo(t); code != "rate_limited" || limited.Header.Get("Retry-After") == "" {
		t.Errorf("429: %s %v", limited.Body, limited.Header)
	}
	app.mustKeyDo(calm, "GET", "/api/v1/projects", nil, 200) // another key's budget is its own
}
