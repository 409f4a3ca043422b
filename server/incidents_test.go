package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"parityrail/db"
)

// seedIncidents files n incidents for project through the check path, one
// batch per incident with the clock a minute apart, then finds every third
// one again an hour later, so first seen and last seen orders differ.
func seedIncidents(t *testing.T, app *testApp, project string, n int) {
	t.Helper()
	ctx := t.Context()
	kinds := []struct{ kind, severity string }{{"paid_without_access", "critical"}, {"wrong_plan", "high"},
		{"trial_mismatch", "medium"}, {"ambiguous_match", "low"}}
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	c, err := app.db.BeginCheck(ctx, db.Check{ProjectID: project, Scope: "full", Trigger: "person"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, n)
	for i := 0; i < n; i++ {
		app.setClock(base.Add(time.Duration(i) * time.Minute))
		k := kinds[i%len(kinds)]
		b := db.CheckBatch{Incidents: []db.IncidentWrite{{Op: db.OpOpen, Key: db.IncidentKey{CustomerID: fmt.Sprintf("cus_%03d", i),
			SubjectKey: fmt.Sprintf("user:user_%03d", i), Kind: k.kind}, SubjectKind: "user", SubjectID: fmt.Sprintf("user_%03d", i),
			SubjectEmail: fmt.Sprintf("person%03d@example.com", i), Severity: k.severity, Summary: "gap",
			Fingerprint: "fp", DiffHash: "dh", Finding: []byte(`{}`)}}}
		if err := app.db.ApplyCheckBatch(ctx, project, c.ID, "test", &b); err != nil {
			t.Fatal(err)
		}
		ids[i] = b.Incidents[0].ID
	}
	for i := 0; i < n; i += 3 {
		app.setClock(base.Add(10*time.Hour + time.Duration(i)*time.Second))
		b := db.CheckBatch{Incidents: []db.IncidentWrite{{Op: db.OpTouch, ID: ids[i]}}}
		if err := app.db.ApplyCheckBatch(ctx, project, c.ID, "test", &b); err != nil {
			t.Fatal(err)
		}
	}
	app.setClock(time.Now())
}

// walk pages through the list with query q, 4 a page, and returns every item.
func walk(t *testing.T, c *client, project, q string) []incidentView {
	t.Helper()
	var all []incidentView
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("paging does not end")
		}
		var l list[incidentView]
		c.mustDo("GET", "/api/projects/"+project+"/incidents?limit=4"+q+"&cursor="+cursor, nil, 200).json(t, &l)
		all = append(all, l.Items...)
		if l.NextCursor == "" {
			return all
		}
		cursor = l.NextCursor
	}
}

func TestIncidentListSorts(t *testing.T) {
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	member, _ := app.addUser(owner, "member@example.com", db.RoleMember)
	p := owner.newProject("Acme")
	seedIncidents(t, app, p.ID, 30)

	check := func(name, q string, before func(a, b incidentView) bool, want int) []incidentView {
		t.Helper()
		items := walk(t, member, p.ID, q)
		seen := map[string]bool{}
		for i, it := range items {
			if seen[it.ID] {
				t.Fatalf("%s: %s twice", name, it.ID)
			}
			seen[it.ID] = true
			if i > 0 && !before(items[i-1], it) {
				t.Fatalf("%s: %s (%s %s) listed after %s (%s %s)", name, it.ID, it.Severity, it.LastSeenAt, items[i-1].ID,
					items[i-1].Severity, items[i-1].LastSeenAt)
			}
		}
		if len(items) != want {
			t.Fatalf("%s: walked %d incidents, want %d", name, len(items), want)
		}
		return items
	}
	rank := db.SeverityRank
	bySeverity := func(a, b incidentView) bool {
		return rank(a.Severity) < rank(b.Severity) || rank(a.Severity) == rank(b.Severity) && a.FirstSeenAt.After(b.FirstSeenAt)
	}
	byLastSeen := func(a, b incidentView) bool { return !a.LastSeenAt.Before(b.LastSeenAt) }
	byFirstSeen := func(a, b incidentView) bool { return a.FirstSeenAt.After(b.FirstSeenAt) }

	check("default", "", bySeverity, 30)
	check("severity", "&sort=severity", bySeverity, 30)
	last := check("last_seen", "&sort=last_seen", byLastSeen, 30)
	// Found again later: every third incident heads the last-seen list,
	// the one found again last first.
	if last[0].CustomerID != "cus_027" || last[9].CustomerID != "cus_000" || last[10].CustomerID != "cus_029" {
		t.Errorf("last seen order starts %s … %s, %s", last[0].CustomerID, last[9].CustomerID, last[10].CustomerID)
	}
	first := check("first_seen", "&sort=first_seen", byFirstSeen, 30)
	if first[0].CustomerID != "cus_029" || first[29].CustomerID != "cus_000" {
		t.Errorf("first seen order %s … %s", first[0].CustomerID, first[29].CustomerID)
	}
	// Sorts combine with filters.
	crit := check("critical by last seen", "&sort=last_seen&severity=critical", byLastSeen, 8)
	for _, it := range crit {
		if it.Severity != "critical" {
			t.Errorf("severity filter let %s through", it.Severity)
		}
	}
	check("search by first seen", "&sort=first_seen&q=PERSON02", byFirstSeen, 10)
	check("open, high, by last seen", "&sort=last_seen&status=open&kind=wrong_plan", byLastSeen, 8)

	// A cursor belongs to its sort; unknown sorts are refused.
	var l list[incidentView]
	member.mustDo("GET", "/api/projects/"+p.ID+"/incidents?limit=2&sort=last_seen", nil, 200).json(t, &l)
	r := member.do("GET", "/api/projects/"+p.ID+"/incidents?limit=2&cursor="+l.NextCursor, nil)
	if code, _ := r.errorInfo(t); r.Status != 400 || code != "invalid_cursor" {
		t.Errorf("last-seen cursor on the severity sort: %d %s", r.Status, r.Body)
	}
	r = member.do("GET", "/api/projects/"+p.ID+"/incidents?sort=newest", nil)
	if code, msg := r.errorInfo(t); r.Status != 400 || code != "invalid_filter" || !strings.Contains(msg, "severity, last_seen, first_seen") {
		t.Errorf("unknown sort: %d %s", r.Status, r.Body)
	}
}

func TestBulkAcknowledge(t *testing.T) {
	w := newCheckWorld(t)
	m := w.member
	w.runCheck(m, map[string]any{"scope": "full"})
	noaccess, canceled := w.incidentOf(m, "cus_noaccess"), w.incidentOf(m, "cus_canceled")
	var me struct {
		ID string `json:"id"`
	}
	m.mustDo("GET", "/api/me", nil, 200).json(t, &me)

	// Another project's incident is never touched through this project.
	other := w.owner.stackProject("Other", "clerk")
	foreign, _ := w.app.checkFixture(w.owner, other.ID)
	var before incidentDetail
	w.owner.mustDo("GET", "/api/incidents/"+foreign, nil, 200).json(t, &before)

	path := "/api/projects/" + w.project + "/incidents/acknowledge"
	r := m.do("POST", path, map[string]any{"ids": []string{}})
	if code, _ := r.errorInfo(t); r.Status != 400 || code != "ids_required" {
		t.Errorf("no ids: %d %s", r.Status, r.Body)
	}
	r = m.do("POST", path, map[string]any{"ids": []string{foreign}})
	if r.Status != 404 {
		t.Errorf("only a foreign id: %d %s", r.Status, r.Body)
	}

	var res db.BulkAcknowledged
	m.mustDo("POST", path, map[string]any{"ids": []string{noaccess.ID, canceled.ID, foreign, "inc_missing", noaccess.ID}}, 200).json(t, &res)
	if res.Acknowledged != 2 || res.NotFound != 2 || res.Already != 0 || len(res.IDs) != 2 {
		t.Errorf("bulk result %+v", res)
	}
	for _, id := range []string{noaccess.ID, canceled.ID} {
		var d incidentDetail
		m.mustDo("GET", "/api/incidents/"+id, nil, 200).json(t, &d)
		if d.Status != "acknowledged" || d.AcknowledgedBy != me.ID {
			t.Errorf("%s after bulk: %s by %q", id, d.Status, d.AcknowledgedBy)
		}
		last := d.Timeline[len(d.Timeline)-1]
		if last.Kind != "incident_acknowledged" || last.Actor != me.ID || last.Chain != "intact" {
			t.Errorf("%s ledger: %+v", id, last)
		}
	}
	var f incidentDetail
	w.owner.mustDo("GET", "/api/incidents/"+foreign, nil, 200).json(t, &f)
	if f.Status != "open" || len(f.Timeline) != len(before.Timeline) {
		t.Errorf("the foreign incident changed: %s, %d entries", f.Status, len(f.Timeline))
	}

	// Again: nothing changes and nothing is ledgered twice; ignored ones are skipped.
	m.mustDo("POST", "/api/incidents/"+canceled.ID+"/ignore", map[string]string{"reason": "Comped"}, 200)
	m.mustDo("POST", path, map[string]any{"ids": []string{noaccess.ID, canceled.ID}}, 200).json(t, &res)
	if res.Acknowledged != 0 || res.Already != 1 || res.Skipped != 1 {
		t.Errorf("second bulk %+v", res)
	}
	var d incidentDetail
	m.mustDo("GET", "/api/incidents/"+noaccess.ID, nil, 200).json(t, &d)
	if len(d.Timeline) != 2 {
		t.Errorf("timeline after a repeat: %d entries", len(d.Timeline))
	}
	var cv customerView
	m.mustDo("GET", "/api/projects/"+w.project+"/customers/cus_noaccess", nil, 200).json(t, &cv)
	if cv.Ledger.Chain != "intact" || cv.Ledger.BrokenAt != 0 {
		t.Errorf("chain %+v", cv.Ledger.Chain)
	}
	too := make([]string, maxBulkIDs+1)
	for i := range too {
		too[i] = fmt.Sprintf("inc_%d", i)
	}
	r = m.do("POST", path, map[string]any{"ids": too})
	if code, _ := r.errorInfo(t); r.Status != 400 || code != "too_many_ids" {
		t.Errorf("too many: %d %s", r.Status, r.Body)
	}
}

// TestCustomerLedgerBrokenAt: an edited entry shows on the customer page as
// the entry where the chain breaks.
func TestCustomerLedgerBrokenAt(t *testing.T) {
	w := newCheckWorld(t)
	m := w.member
	w.runCheck(m, map[string]any{"scope": "full"})
	noaccess := w.incidentOf(m, "cus_noaccess")
	m.mustDo("POST", "/api/incidents/"+noaccess.ID+"/acknowledge", nil, 200)
	var cv customerView
	m.mustDo("GET", "/api/projects/"+w.project+"/customers/cus_noaccess", nil, 200).json(t, &cv)
	if cv.Ledger.Chain != "intact" || len(cv.Ledger.Entries) < 2 {
		t.Fatalf("before: %+v", cv.Ledger)
	}
	// The customer's timeline starts with its first promise and holds how
	// the check that found the gap ended, in chain order.
	var kinds []string
	for i, e := range cv.Ledger.Entries {
		kinds = append(kinds, string(e.Kind))
		if i > 0 && e.N <= cv.Ledger.Entries[i-1].N {
			t.Errorf("ledger out of order at %d", e.N)
		}
	}
	if got := strings.Join(kinds, ","); !strings.HasPrefix(got, "promise_changed,") || !strings.Contains(got, "incident_opened") ||
		!strings.Contains(got, "check_finished") || !strings.HasSuffix(got, "incident_acknowledged") {
		t.Errorf("customer timeline %s", got)
	}
	// A one-customer check that changes nothing is in the timeline too.
	count := len(cv.Ledger.Entries)
	w.runCheck(m, map[string]any{"scope": "customer", "customer_id": "cus_noaccess"})
	m.mustDo("GET", "/api/projects/"+w.project+"/customers/cus_noaccess", nil, 200).json(t, &cv)
	if len(cv.Ledger.Entries) != count+1 || cv.Ledger.Entries[count].Kind != "check_finished" {
		t.Fatalf("after a customer check: %d entries, was %d", len(cv.Ledger.Entries), count)
	}
	// Each check line names its check by number: the second check is #2.
	if first, last := cv.Ledger.Entries[2], cv.Ledger.Entries[count]; first.CheckNumber != 1 || last.CheckNumber != 2 {
		t.Errorf("check numbers %d (%s) and %d (%s), want 1 and 2", first.CheckNumber, first.Kind, last.CheckNumber, last.Kind)
	}
	var kept customerView
	m.mustDo("GET", "/api/projects/"+w.project+"/customers/cus_kept", nil, 200).json(t, &kept)
	for _, e := range kept.Ledger.Entries {
		if e.CheckID != "" && e.CheckID != cv.Ledger.Entries[0].CheckID {
			t.Errorf("another customer's check in cus_kept's timeline: %+v", e)
		}
	}
	target := cv.Ledger.Entries[count-1].N

	raw := rawDB(t, w.app, "_busy_timeout=5000")
	if _, err := raw.Exec(`DROP TRIGGER ledger_no_update`); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE ledger SET actor = 'mallory' WHERE project_id = ? AND n = ?`, w.project, target); err != nil {
		t.Fatal(err)
	}
	var body map[string]json.RawMessage
	m.mustDo("GET", "/api/projects/"+w.project+"/customers/cus_noaccess", nil, 200).json(t, &cv)
	m.mustDo("GET", "/api/projects/"+w.project+"/customers/cus_noaccess", nil, 200).json(t, &body)
	if cv.Ledger.Chain != "broken" || cv.Ledger.BrokenAt != target || !strings.Contains(string(body["ledger"]), fmt.Sprintf(`"broken_at":%d`, target)) {
		t.Errorf("after tampering: chain %s broken at %d, want %d", cv.Ledger.Chain, cv.Ledger.BrokenAt, target)
	}
}
