package server

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parityrail/db"
	"parityrail/demo/world"
	"parityrail/jobs"
	"parityrail/repair"
)

// sqlDemo is a demo project whose app keeps access in SQL tables (an
// SQLite file in the data folder), after its first check.
type sqlDemo struct {
	app   *testApp
	owner *client
	p     projectView
	file  string
}

func newSQLDemo(t *testing.T) *sqlDemo {
	t.Helper()
	app := newTestApp(t)
	t.Cleanup(app.s.checks.Wait)
	owner, _ := app.setupOwner()
	var started demoStarted
	owner.mustDo("POST", "/api/projects/demo", map[string]string{"app": "sql"}, 201).json(t, &started)
	app.waitCheck(owner, started.Project.ID, started.Check.ID)
	return &sqlDemo{app: app, owner: owner, p: started.Project,
		file: filepath.Join(app.s.cfg.DemoAppDir, started.Project.ID+".db")}
}

// incidents are the project's active incidents as the manifest names them:
// a row's subject id is the API's "table#key" less the table.
func (d *sqlDemo) incidents() []world.Incident {
	d.app.t.Helper()
	out := activeIncidents(d.app.t, d.owner, d.p.ID)
	for i := range out {
		out[i].SubjectID = rowKey(out[i].SubjectID)
	}
	return out
}

func rowKey(subjectID string) string {
	_, key, _ := strings.Cut(subjectID, "#")
	return key
}

// row reads the subject's row straight from the SQLite file.
func (d *sqlDemo) row(subjectID string) (plan string, premium bool) {
	d.app.t.Helper()
	id := rowKey(subjectID)
	f, err := sql.Open("sqlite3", "file:"+d.file+"?mode=ro")
	if err != nil {
		d.app.t.Fatal(err)
	}
	defer f.Close()
	var p sql.NullString
	if err := f.QueryRow(`SELECT plan, is_premium FROM profiles WHERE id = ?`, id).Scan(&p, &premium); err != nil {
		d.app.t.Fatal(err)
	}
	return p.String, premium
}

// incident is the open paid_without_access incident of a manifest entry.
func (d *sqlDemo) incident(key string) incidentDetail {
	d.app.t.Helper()
	var customer string
	for _, e := range manifest(d.app.t).Entries {
		if e.Key == key {
			customer = e.CustomerID
		}
	}
	var l list[incidentView]
	d.owner.mustDo("GET", "/api/projects/"+d.p.ID+"/incidents?kind=paid_without_access&customer_id="+customer, nil, 200).json(d.app.t, &l)
	if len(l.Items) != 1 {
		d.app.t.Fatalf("incidents of %s: %+v", key, l.Items)
	}
	var out incidentDetail
	d.owner.mustDo("GET", "/api/incidents/"+l.Items[0].ID, nil, 200).json(d.app.t, &out)
	return out
}

// verify runs the verification worker (fast schedule) until it ends.
func (d *sqlDemo) verify(repairID string) db.Repair {
	d.app.t.Helper()
	svc := &repair.Service{DB: d.app.db, Sources: d.app.s.sources, Checks: d.app.s.checks,
		Schedule: []time.Duration{0, 20 * time.Millisecond, 40 * time.Millisecond}}
	worker := jobs.RepairVerifier{Repairs: svc}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if err := worker.RunOnce(context.Background()); err != nil {
			d.app.t.Fatal(err)
		}
		r, err := d.app.db.GetRepair(context.Background(), repairID)
		if err != nil {
			d.app.t.Fatal(err)
		}
		if r.Verification != db.VerifyPending {
			return r
		}
	}
	d.app.t.Fatal("the verification did not end")
	return db.Repair{}
}

// The demo's whole loop runs for real: the SQL demo's check files the
// manifest's incidents with repair proposals; approving one runs the
// guarded UPDATE in the project's SQLite file; the re-check verifies it and
// resolves the incident; the ledger has each step.
func TestDemoSQLRepairLoop(t *testing.T) {
	d := newSQLDemo(t)
	app, owner, p := d.app, d.owner, d.p
	if p.Name != "Demo project (SQL app)" || p.BillingSource != "demo" || p.AccessSource != "demo_sql" || !p.Onboarded || !p.RepairsEnabled {
		t.Fatalf("SQL demo project = %+v", p)
	}
	diffIncidents(t, "first SQL demo check", d.incidents(), manifest(t).Incidents())

	inc := d.incident("priya")
	pr := inc.Proposal
	if inc.GuidedFix != nil || pr == nil || pr.Status != db.RepairProposed || pr.Blocked != "" {
		t.Fatalf("priya's incident: guided %+v, proposal %+v", inc.GuidedFix, pr)
	}
	if pr.Table != "parityrail_demo.profiles" || len(pr.Fields) != 2 ||
		pr.Fields[0].Path != "plan" || pr.Fields[0].Before != "free" || pr.Fields[0].After != "pro" ||
		pr.Fields[1].Path != "is_premium" || pr.Fields[1].Before != false || pr.Fields[1].After != true {
		t.Fatalf("proposal = %+v", pr)
	}
	subject := inc.Subject.ID
	if plan, premium := d.row(subject); plan != "free" || premium {
		t.Fatalf("seeded row = %s %v", plan, premium)
	}

	var ans repairAnswer
	owner.mustDo("POST", "/api/repairs/"+pr.ID+"/approve", nil, 200).json(t, &ans)
	if ans.Repair.Status != db.RepairApplied || ans.Incident.Status != db.IncidentVerifying {
		t.Fatalf("approve answer = %+v / %s", ans.Repair, ans.Incident.Status)
	}
	if res := ans.Repair.Result; res == nil || !strings.HasPrefix(res.SQL,
		`UPDATE "parityrail_demo"."profiles" SET "plan" = ?, "is_premium" = ? WHERE "id" = ? AND "plan" IS ? AND "is_premium" IS ?`) {
		t.Errorf("result = %+v", ans.Repair.Result)
	}
	// The UPDATE ran in the demo's SQLite file, on that row only.
	if plan, premium := d.row(subject); plan != "pro" || !premium {
		t.Errorf("repaired row = %s %v", plan, premium)
	}

	r := d.verify(pr.ID)
	if r.Verification != db.VerifyHeld {
		t.Fatalf("verification = %s: %s", r.Verification, r.VerifyMessage)
	}
	inc = d.incident("priya")
	if inc.Status != db.IncidentResolved || inc.Resolution != "verified after repair" {
		t.Errorf("incident after verification = %s (%s)", inc.Status, inc.Resolution)
	}
	entries, err := app.db.ListLedger(context.Background(), p.ID, db.LedgerQuery{IncidentID: inc.ID})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range entries {
		kinds = append(kinds, string(e.Kind))
	}
	if want := "incident_opened,repair_proposed,repair_approved,incident_resolved,verification"; strings.Join(kinds, ",") != want {
		t.Errorf("ledger = %v, want %s", kinds, want)
	}
	// The next full check agrees: one incident fewer than the manifest.
	var started checkView
	owner.mustDo("POST", "/api/projects/"+p.ID+"/checks", map[string]string{"scope": "full"}, 202).json(t, &started)
	app.waitCheck(owner, p.ID, started.ID)
	if got, want := len(activeIncidents(t, owner, p.ID)), manifest(t).Total()-1; got != want {
		t.Errorf("after the repair a full check finds %d incidents, want %d", got, want)
	}
}

// The optimistic guard: a row changed in the demo app after the check is
// not written; the refusal is pg_row_changed, as for Postgres.
func TestDemoSQLRowChangedIsRefused(t *testing.T) {
	d := newSQLDemo(t)
	inc := d.incident("marcus")
	w, err := sql.Open("sqlite3", "file:"+d.file+"?mode=rw")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Exec(`UPDATE profiles SET plan = 'starter' WHERE id = ?`, rowKey(inc.Subject.ID)); err != nil {
		t.Fatal(err)
	}
	r := d.owner.mustDo("POST", "/api/repairs/"+inc.Proposal.ID+"/approve", nil, 409)
	if code, msg := r.errorInfo(t); code != "pg_row_changed" || !strings.HasPrefix(msg, "This row changed since the check — re-run the check") {
		t.Errorf("changed row: %s %q", code, msg)
	}
	if plan, premium := d.row(inc.Subject.ID); plan != "starter" || premium {
		t.Errorf("the refused repair wrote: %s %v", plan, premium)
	}
	inc = d.incident("marcus")
	if inc.Status != db.IncidentOpen || inc.Proposal.Status != db.RepairFailed || inc.Proposal.ErrorCode != "pg_row_changed" {
		t.Errorf("after the refusal: %s, %+v", inc.Status, inc.Proposal)
	}
}

// "Reset demo data" restores the SQLite file: a repaired row is back as
// seeded and the fresh check finds the manifest again.
func TestDemoSQLResetRestoresTheApp(t *testing.T) {
	d := newSQLDemo(t)
	inc := d.incident("priya")
	d.owner.mustDo("POST", "/api/repairs/"+inc.Proposal.ID+"/approve", nil, 200)
	if plan, _ := d.row(inc.Subject.ID); plan != "pro" {
		t.Fatalf("repaired plan = %s", plan)
	}
	d.verify(inc.Proposal.ID)

	var reset demoStarted
	d.owner.mustDo("POST", "/api/projects/"+d.p.ID+"/demo/reset", nil, 202).json(t, &reset)
	d.app.waitCheck(d.owner, d.p.ID, reset.Check.ID)
	if plan, premium := d.row(inc.Subject.ID); plan != "free" || premium {
		t.Errorf("after reset the row is %s %v, want the seed's free false", plan, premium)
	}
	if reset.Project.AccessSource != "demo_sql" || !reset.Project.RepairsEnabled {
		t.Errorf("reset project = %+v", reset.Project)
	}
	diffIncidents(t, "after reset", d.incidents(), manifest(t).Incidents())

	// Deleting the project deletes its file.
	d.owner.mustDo("DELETE", "/api/projects/"+d.p.ID, nil, 204)
	if _, err := os.Stat(d.file); !os.IsNotExist(err) {
		t.Errorf("the deleted demo project's SQLite file: %v", err)
	}
}
