package server

import (
	"strings"
	"testing"

	"parityrail/db"
)

func TestDryRunCompletesStepSeven(t *testing.T) {
	w := newCheckWorld(t)
	m := w.member
	path := "/api/projects/" + w.project + "/onboarding/dry-run"

	r := m.do("POST", path, map[string]string{})
	if code, _ := r.errorInfo(t); r.Status != 400 || code != "check_required" {
		t.Errorf("no check id: %d %s", r.Status, r.Body)
	}
	m.mustDo("POST", path, map[string]string{"check_id": "chk_nope"}, 404)

	// A real check is not a dry run.
	real := w.runCheck(m, map[string]any{"scope": "full"})
	r = m.do("POST", path, map[string]string{"check_id": real.ID})
	if code, _ := r.errorInfo(t); r.Status != 400 || code != "not_dry_run" {
		t.Errorf("real check: %d %s", r.Status, r.Body)
	}
	// A dry run of another project is not found here.
	other := w.owner.newProject("Other")
	m.mustDo("POST", "/api/projects/"+other.ID+"/onboarding/dry-run", map[string]string{"check_id": real.ID}, 404)

	// A failed dry run cannot be accepted; the step stays to do.
	failed, err := w.app.db.BeginCheck(t.Context(), db.Check{ProjectID: w.project, Scope: "full", Trigger: "dry_run", DryRun: true}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.db.FinishCheck(t.Context(), failed, db.CheckCounts{}, map[string]any{}, "Stripe answered 500", "test"); err != nil {
		t.Fatal(err)
	}
	r = m.do("POST", path, map[string]string{"check_id": failed.ID})
	if code, msg := r.errorInfo(t); r.Status != 409 || code != "dry_run_failed" || !strings.Contains(msg, "Stripe answered 500") {
		t.Errorf("failed dry run: %d %s", r.Status, r.Body)
	}
	var p projectView
	m.mustDo("GET", "/api/projects/"+w.project, nil, 200).json(t, &p)
	if p.Onboarding.Steps[6].State == "done" {
		t.Fatal("step 7 done before a dry run was accepted")
	}

	// A member runs the dry run and continues: step 7 is done.
	dry := w.runCheck(m, map[string]any{"scope": "full", "dry_run": true})
	m.mustDo("POST", path, map[string]string{"check_id": dry.ID}, 200).json(t, &p)
	if p.Onboarding.Steps[6].State != "done" || p.Onboarded {
		t.Errorf("after continue: step 7 %s, onboarded %v", p.Onboarding.Steps[6].State, p.Onboarded)
	}
}

func TestGoLive(t *testing.T) {
	w := newCheckWorld(t)
	o := w.owner
	path := "/api/projects/" + w.project + "/go-live"
	notLive := func(when string) {
		t.Helper()
		var p projectView
		o.mustDo("GET", "/api/projects/"+w.project, nil, 200).json(t, &p)
		var checks list[checkView]
		o.mustDo("GET", "/api/projects/"+w.project+"/checks", nil, 200).json(t, &checks)
		var sc list[scheduleView]
		o.mustDo("GET", "/api/projects/"+w.project+"/schedules", nil, 200).json(t, &sc)
		if p.Onboarded || p.RepairsEnabled || p.Onboarding.Steps[7].State == "done" || len(checks.Items) != 0 || !sc.Items[0].Enabled || sc.Items[0].Spec != "0 3 * * *" {
			t.Errorf("%s changed something: project %+v, checks %d, schedules %+v", when, p, len(checks.Items), sc.Items)
		}
	}

	// Members cannot finish onboarding.
	w.member.mustDo("POST", path, map[string]any{}, 403)

	// Repairs on a Clerk project: refused with why, nothing changed.
	r := o.do("POST", path, map[string]any{"repairs_enabled": true, "schedules": map[string]any{"full": map[string]any{"spec": "0 5 * * *"}}})
	if code, msg := r.errorInfo(t); r.Status != 400 || code != "repairs_unavailable" || !strings.Contains(msg, "never writes to Clerk") {
		t.Errorf("repairs on Clerk: %d %s", r.Status, r.Body)
	}
	notLive("repairs on Clerk")
	// A schedule that is not cron.
	r = o.do("POST", path, map[string]any{"schedules": map[string]any{"full": map[string]any{"spec": "every day"}}})
	if code, _ := r.errorInfo(t); r.Status != 400 || code != "invalid_schedule" {
		t.Errorf("bad schedule: %d %s", r.Status, r.Body)
	}
	r = o.do("POST", path, map[string]any{"schedules": map[string]any{"weekly": map[string]any{"enabled": true}}})
	if code, _ := r.errorInfo(t); r.Status != 400 || code != "invalid_schedule" {
		t.Errorf("unknown schedule: %d %s", r.Status, r.Body)
	}
	notLive("bad schedules")
	// A check already running (the dry run, say): 409, nothing changed.
	running, err := w.app.db.BeginCheck(t.Context(), db.Check{ProjectID: w.project, Scope: "full", Trigger: "dry_run", DryRun: true}, "test")
	if err != nil {
		t.Fatal(err)
	}
	r = o.do("POST", path, map[string]any{})
	if code, _ := r.errorInfo(t); r.Status != 409 || code != "check_running" {
		t.Errorf("while a check runs: %d %s", r.Status, r.Body)
	}
	if _, err := w.app.db.FinishCheck(t.Context(), running, db.CheckCounts{}, map[string]any{}, "", "test"); err != nil {
		t.Fatal(err)
	}
	var project projectView
	o.mustDo("GET", "/api/projects/"+w.project, nil, 200).json(t, &project)
	if project.Onboarded {
		t.Fatal("onboarded by a refused go-live")
	}

	// Finish: settings applied, step 8 done, onboarded, the first real check started.
	var live goLiveView
	o.mustDo("POST", path, map[string]any{"repairs_enabled": false, "schedules": map[string]any{
		"full": map[string]any{"spec": " 30  4 * * * "}, "recent": map[string]any{"enabled": false}}}, 200).json(t, &live)
	if !live.Project.Onboarded || live.Project.Onboarding.Steps[7].State != "done" || live.Project.RepairsEnabled {
		t.Errorf("project after go-live %+v", live.Project)
	}
	if live.Check.Scope != "full" || live.Check.Trigger != "person" || live.Check.DryRun || live.Check.ID == "" {
		t.Errorf("first check %+v", live.Check)
	}
	w.app.s.checks.Wait()
	var first checkView
	o.mustDo("GET", "/api/projects/"+w.project+"/checks/"+live.Check.ID, nil, 200).json(t, &first)
	if first.Status != "finished" || first.Counts.Opened != 2 {
		t.Errorf("first check %+v", first)
	}
	var sc list[scheduleView]
	o.mustDo("GET", "/api/projects/"+w.project+"/schedules", nil, 200).json(t, &sc)
	if sc.Items[0].Spec != "30 4 * * *" || !sc.Items[0].Enabled || sc.Items[1].Enabled || sc.Items[1].Spec != "0 * * * *" {
		t.Errorf("schedules %+v", sc.Items)
	}
	// The ledger says who took it live, with what settings.
	wentLive := w.app.ledgerKind(w.project, db.LedgerQuery{}, "project_live")
	if len(wentLive) == 0 {
		t.Error("no project_live ledger entry")
	}
	for _, e := range wentLive {
		if e.CheckID != live.Check.ID || e.Chain != "intact" || !strings.Contains(string(e.Detail), `"repairs_enabled":false`) || !strings.Contains(string(e.Detail), `"30 4 * * *"`) {
			t.Errorf("ledger entry %+v %s", e, e.Detail)
		}
	}

	// The dashboard shows what the first check found.
	var d dashboardView
	w.member.mustDo("GET", "/api/projects/"+w.project+"/dashboard", nil, 200).json(t, &d)
	if d.OpenTotal != 2 || d.OpenByKind["paid_without_access"] != 1 || d.OpenByKind["access_without_payment"] != 1 || d.OpenBySeverity["critical"] != 1 || d.OpenBySeverity["high"] != 1 {
		t.Errorf("dashboard counts %+v", d)
	}
	if len(d.OpenByKind) != 7 || len(d.OpenBySeverity) != 4 {
		t.Errorf("every kind and severity, zeros included: %v %v", d.OpenByKind, d.OpenBySeverity)
	}
	if d.LastCheck == nil || d.LastCheck.ID != live.Check.ID || d.RunningCheck != nil || len(d.Schedules) != 3 || d.Schedules[1].NextRunAt != nil || d.Schedules[0].NextRunAt == nil {
		t.Errorf("dashboard %+v", d)
	}
}

func TestGoLiveRepairsNeedARepairConnection(t *testing.T) {
	app := newTestApp(t)
	t.Cleanup(app.s.checks.Wait)
	owner, ou := app.setupOwner()
	p := owner.stackProject("Pg", "postgres")
	conn := dbConnection(p.ID, "postgres", "db.example.com/app", false, ou.ID)
	if err := app.db.ConnectAccessSource(t.Context(), conn); err != nil {
		t.Fatal(err)
	}
	path := "/api/projects/" + p.ID + "/go-live"
	r := owner.do("POST", path, map[string]any{"repairs_enabled": true})
	if code, msg := r.errorInfo(t); r.Status != 400 || code != "repair_connection_required" || !strings.Contains(msg, "step 3 (Database)") {
		t.Errorf("no repair connection: %d %s", r.Status, r.Body)
	}
	// With a repair connection the switch is allowed; this project still
	// cannot be checked (nothing mapped), so nothing changes either.
	conn.SealedExtra, conn.ExtraLabel = "v1:unused", "parityrail_repair @ db.example.com/app"
	if err := app.db.ConnectAccessSource(t.Context(), conn); err != nil {
		t.Fatal(err)
	}
	r = owner.do("POST", path, map[string]any{"repairs_enabled": true})
	if code, _ := r.errorInfo(t); r.Status != 409 || code != "not_mapped" {
		t.Errorf("unmapped project: %d %s", r.Status, r.Body)
	}
	var after projectView
	owner.mustDo("GET", "/api/projects/"+p.ID, nil, 200).json(t, &after)
	if after.Onboarded || after.RepairsEnabled {
		t.Errorf("changed by a refused go-live: %+v", after)
	}
}

func TestDashboardCountsActiveIncidentsOnly(t *testing.T) {
	w := newCheckWorld(t)
	m := w.member
	var d dashboardView
	m.mustDo("GET", "/api/projects/"+w.project+"/dashboard", nil, 200).json(t, &d)
	if d.OpenTotal != 0 || d.LastCheck != nil || d.RunningCheck != nil || d.OpenByKind["wrong_plan"] != 0 || len(d.OpenByKind) != 7 {
		t.Errorf("empty dashboard %+v", d)
	}
	// A dry run is not the last check.
	w.runCheck(m, map[string]any{"scope": "full", "dry_run": true})
	m.mustDo("GET", "/api/projects/"+w.project+"/dashboard", nil, 200).json(t, &d)
	if d.LastCheck != nil {
		t.Errorf("dry run shown as the last check: %+v", d.LastCheck)
	}
	full := w.runCheck(m, map[string]any{"scope": "full"})
	// Acknowledged still counts; ignored does not.
	m.mustDo("POST", "/api/incidents/"+w.incidentOf(m, "cus_noaccess").ID+"/acknowledge", nil, 200)
	m.mustDo("POST", "/api/incidents/"+w.incidentOf(m, "cus_canceled").ID+"/ignore", map[string]string{"reason": "comped"}, 200)
	m.mustDo("GET", "/api/projects/"+w.project+"/dashboard", nil, 200).json(t, &d)
	if d.OpenTotal != 1 || d.OpenByKind["paid_without_access"] != 1 || d.OpenByKind["access_without_payment"] != 0 || d.OpenBySeverity["high"] != 0 {
		t.Errorf("after acknowledge and ignore %+v", d)
	}
	if d.LastCheck == nil || d.LastCheck.ID != full.ID || d.LastCheck.Counts.Opened != 2 {
		t.Errorf("last check %+v", d.LastCheck)
	}
	// A running check shows as running.
	running, err := w.app.db.BeginCheck(t.Context(), db.Check{ProjectID: w.project, Scope: "recent", Trigger: "schedule"}, "schedule")
	if err != nil {
		t.Fatal(err)
	}
	m.mustDo("GET", "/api/projects/"+w.project+"/dashboard", nil, 200).json(t, &d)
	if d.RunningCheck == nil || d.RunningCheck.ID != running.ID || d.LastCheck.ID != full.ID {
		t.Errorf("running %+v last %+v", d.RunningCheck, d.LastCheck)
	}
}
