package server

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"parityrail/db"
	"parityrail/demo/clerkfake"
	"parityrail/demo/world"
	"parityrail/fulfillment"
)

// demoStarted is POST /api/projects/demo's (and reset's) answer.
type demoStarted struct {
	Project projectView `json:"project"`
	Check   checkView   `json:"check"`
}

// waitCheck waits for the background check and returns it as the API shows it.
func (a *testApp) waitCheck(c *client, projectID, checkID string) checkView {
	a.t.Helper()
	a.s.checks.Wait()
	var done checkView
	c.mustDo("GET", "/api/projects/"+projectID+"/checks/"+checkID, nil, 200).json(a.t, &done)
	if done.Status != "finished" {
		a.t.Fatalf("check %s: %s", done.Status, done.Error)
	}
	return done
}

// activeIncidents lists the project's active incidents as the manifest
// names them (kind, customer, subject), sorted.
func activeIncidents(t *testing.T, c *client, projectID string) []world.Incident {
	t.Helper()
	var l list[incidentView]
	c.mustDo("GET", "/api/projects/"+projectID+"/incidents?status=active&limit=500", nil, 200).json(t, &l)
	if l.NextCursor != "" {
		t.Fatalf("more than 500 active incidents")
	}
	var out []world.Incident
	for _, i := range l.Items {
		got := world.Incident{Kind: fulfillment.Kind(i.Kind), CustomerID: i.CustomerID}
		if i.Subject != nil {
			got.SubjectID = i.Subject.ID
		}
		out = append(out, got)
	}
	world.SortIncidents(out)
	return out
}

func diffIncidents(t *testing.T, what string, got, want []world.Incident) {
	t.Helper()
	for _, i := range got {
		if !slices.Contains(want, i) {
			t.Errorf("%s: unexpected incident %s", what, i)
		}
	}
	for _, i := range want {
		if !slices.Contains(got, i) {
			t.Errorf("%s: missing incident %s", what, i)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d active incidents, the manifest %d", what, len(got), len(want))
	}
}

func manifest(t *testing.T) world.Manifest {
	t.Helper()
	m, err := world.LoadManifest()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// exploreDemo is the "Explore with demo data" click, through its first check.
func (a *testApp) exploreDemo(c *client) (projectView, checkView) {
	a.t.Helper()
	var started demoStarted
	c.mustDo("POST", "/api/projects/demo", nil, 201).json(a.t, &started)
	return started.Project, a.waitCheck(c, started.Project.ID, started.Check.ID)
}

func TestExploreWithDemoData(t *testing.T) {
	app := newTestApp(t)
	t.Cleanup(app.s.checks.Wait)
	owner, _ := app.setupOwner()
	member, _ := app.addUser(owner, "member@example.com", db.RoleMember)
	member.mustDo("POST", "/api/projects/demo", nil, 403)

	var started demoStarted
	owner.mustDo("POST", "/api/projects/demo", nil, 201).json(t, &started)
	p := started.Project
	if p.Name != "Demo project (Clerk app)" || p.BillingSource != "demo" || p.AccessSource != "demo" || !p.Onboarded {
		t.Fatalf("demo project = %+v", p)
	}
	for _, s := range p.Onboarding.Steps {
		if s.State != "done" {
			t.Errorf("step %d (%s) is %s, want done", s.Number, s.Title, s.State)
		}
	}
	if started.Check.Scope != "full" || started.Check.ProjectID != p.ID || started.Check.DryRun {
		t.Errorf("first check = %+v", started.Check)
	}
	done := app.waitCheck(owner, p.ID, started.Check.ID)

	// Exactly the world's manifest, by kind, customer and subject.
	m := manifest(t)
	got := activeIncidents(t, member, p.ID)
	diffIncidents(t, "first demo check", got, m.Incidents())
	for kind, n := range m.Counts() {
		if n == 0 {
			t.Errorf("the manifest has no %s: every kind must be shown", kind)
		}
	}
	if done.Counts.Opened != int64(m.Total()) {
		t.Errorf("check opened %d incidents, the manifest has %d", done.Counts.Opened, m.Total())
	}
	// A demo project holds no credential at all.
	var conns list[map[string]any]
	owner.mustDo("GET", "/api/projects/"+p.ID+"/connections", nil, 200).json(t, &conns)
	if len(conns.Items) != 0 {
		t.Errorf("demo project connections = %+v, want none", conns.Items)
	}
	// Step 5's "Load from Stripe" and step 6's key sampling read the demo world.
	var prices map[string]any
	owner.mustDo("GET", "/api/projects/"+p.ID+"/stripe/prices", nil, 200).json(t, &prices)
	if !strings.Contains(fmt.Sprint(prices), world.PriceProMonthly) {
		t.Errorf("demo prices do not list %s: %v", world.PriceProMonthly, prices)
	}
	var keys metadataKeysView
	owner.mustDo("GET", "/api/projects/"+p.ID+"/clerk/metadata-keys", nil, 200).json(t, &keys)
	if !slices.Contains(keys.UserKeys, "public_metadata.plan") && !slices.Contains(keys.UserKeys, "plan") {
		t.Errorf("demo metadata keys = %+v", keys)
	}
	t.Logf("demo check: %d incidents in %d ms", len(got), done.DurationMS)
}

func TestResetDemo(t *testing.T) {
	app := newTestApp(t)
	t.Cleanup(app.s.checks.Wait)
	owner, _ := app.setupOwner()
	p, _ := app.exploreDemo(owner)
	m := manifest(t)
	ctx := t.Context()

	// A guided fix in the demo's Clerk: Priya gets the Pro she paid for.
	var priya world.Entry
	for _, e := range m.Entries {
		if e.Key == "priya" {
			priya = e
		}
	}
	w := app.s.cfg.Demo.World(p.ID)
	if err := w.Clerk.SetUserMetadata(priya.Subjects[0].ID, "public_metadata", map[string]any{
		"stripe_customer_id": priya.CustomerID, "plan": "pro", "is_premium": true}); err != nil {
		t.Fatal(err)
	}
	var started checkView
	owner.mustDo("POST", "/api/projects/"+p.ID+"/checks", map[string]string{"scope": "full"}, 202).json(t, &started)
	app.waitCheck(owner, p.ID, started.ID)
	fixed := slices.DeleteFunc(m.Incidents(), func(i world.Incident) bool { return i.CustomerID == priya.CustomerID })
	diffIncidents(t, "after the fix", activeIncidents(t, owner, p.ID), fixed)
	ledgerBefore, err := app.db.ListLedger(ctx, p.ID, db.LedgerQuery{})
	if err != nil {
		t.Fatal(err)
	}

	// Only admins reset, and only demo projects.
	member, _ := app.addUser(owner, "member@example.com", db.RoleMember)
	member.mustDo("POST", "/api/projects/"+p.ID+"/demo/reset", nil, 403)
	real := owner.newProject("Acme")
	if code, _ := owner.mustDo("POST", "/api/projects/"+real.ID+"/demo/reset", nil, 409).errorInfo(t); code != "not_demo" {
		t.Errorf("reset of a real project: %s", code)
	}

	// Someone also broke the demo mapping; reset restores it.
	owner.mustDo("PUT", "/api/projects/"+p.ID+"/mappings", clerkMapping, 200)

	var reset demoStarted
	owner.mustDo("POST", "/api/projects/"+p.ID+"/demo/reset", nil, 202).json(t, &reset)
	if reset.Project.ID != p.ID || !reset.Project.Onboarded || reset.Check.Scope != "full" {
		t.Fatalf("reset answer = %+v", reset)
	}
	app.waitCheck(owner, p.ID, reset.Check.ID)
	if w2 := app.s.cfg.Demo.World(p.ID); w2 == w {
		t.Error("reset kept the mutated world")
	}
	// The fix is undone: the world is back in its seed state, and the fresh
	// check finds exactly the manifest again.
	diffIncidents(t, "after reset", activeIncidents(t, owner, p.ID), m.Incidents())

	// The ledger is append-only: reset added to it and removed nothing.
	ledgerAfter, err := app.db.ListLedger(ctx, p.ID, db.LedgerQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ledgerAfter) <= len(ledgerBefore) {
		t.Errorf("ledger has %d entries after reset, %d before", len(ledgerAfter), len(ledgerBefore))
	}
	for i, e := range ledgerBefore {
		if ledgerAfter[i].Hash != e.Hash || ledgerAfter[i].Chain != "intact" {
			t.Fatalf("ledger entry %d changed: %+v → %+v", i, e.Entry, ledgerAfter[i])
		}
	}
}

func TestDemoProjectRefusesRealCredentials(t *testing.T) {
	app := newTestApp(t)
	t.Cleanup(app.s.checks.Wait)
	owner, _ := app.setupOwner()
	p, _ := app.exploreDemo(owner)

	for _, r := range []struct{ path, key string }{
		{"/stripe", "api_key"}, {"/clerk", "secret_key"}, {"/database", "connection_string"},
	} {
		value := map[string]string{"api_key": testStripeKey, "secret_key": clerkfake.DefaultSecretKey,
			"connection_string": "postgres://postgres@127.0.0.1:5432/postgres"}[r.key]
		res := owner.mustDo("POST", "/api/projects/"+p.ID+r.path, map[string]string{r.key: value}, 409)
		if code, msg := res.errorInfo(t); code != "demo_project" || !strings.Contains(msg, "demo project") {
			t.Errorf("POST %s on a demo project: %s %q", r.path, code, msg)
		}
	}
	var conns list[map[string]any]
	owner.mustDo("GET", "/api/projects/"+p.ID+"/connections", nil, 200).json(t, &conns)
	if len(conns.Items) != 0 {
		t.Errorf("a refused connect stored something: %+v", conns.Items)
	}

	// Step 1 keeps demo data whole: no demo billing with a real app, or back.
	for _, stack := range [][2]string{{"demo", "clerk"}, {"demo", "postgres"}, {"stripe", "demo"}} {
		res := owner.mustDo("PUT", "/api/projects/"+p.ID+"/stack", map[string]string{"name": "Mixed",
			"billing_source": stack[0], "access_source": stack[1]}, 400)
		if code, _ := res.errorInfo(t); code != "demo_mixed" {
			t.Errorf("stack %v: %s", stack, code)
		}
	}
	var still projectView
	owner.mustDo("GET", "/api/projects/"+p.ID, nil, 200).json(t, &still)
	if still.Name != "Demo project (Clerk app)" || still.BillingSource != "demo" {
		t.Errorf("a refused stack changed the project: %+v", still)
	}

	// A real project switched to demo data loses its keys at once.
	real := app.clerkProject(owner, "Acme")
	var switched projectView
	owner.mustDo("PUT", "/api/projects/"+real+"/stack", map[string]string{"name": "Acme", "billing_source": "demo", "access_source": "demo"}, 200).json(t, &switched)
	owner.mustDo("GET", "/api/projects/"+real+"/connections", nil, 200).json(t, &conns)
	if len(conns.Items) != 0 {
		t.Errorf("switching to demo data kept the real keys: %+v", conns.Items)
	}
	// Steps 2–3 need no key; steps 4–6 are pre-filled from the world's
	// mapping but still the person's to confirm.
	want := []string{"done", "done", "done", "current", "todo", "todo", "todo", "todo"}
	for i, s := range switched.Onboarding.Steps {
		if s.State != want[i] {
			t.Errorf("after switching to demo, step %d is %s, want %s", s.Number, s.State, want[i])
		}
	}
	var mappings map[string]any
	owner.mustDo("GET", "/api/projects/"+real+"/mappings", nil, 200).json(t, &mappings)
	if !strings.Contains(fmt.Sprint(mappings), "public_metadata.stripe_customer_id") || !strings.Contains(fmt.Sprint(mappings), world.PriceEnterpriseMonthly) {
		t.Errorf("demo mapping not pre-filled: %v", mappings)
	}
	// And back to its own sources: nothing demo carries over.
	owner.mustDo("PUT", "/api/projects/"+real+"/stack", map[string]string{"name": "Acme", "billing_source": "stripe", "access_source": "clerk"}, 200).json(t, &switched)
	want = []string{"done", "current", "todo", "todo", "todo", "todo", "todo", "todo"}
	for i, s := range switched.Onboarding.Steps {
		if s.State != want[i] {
			t.Errorf("after leaving demo, step %d is %s, want %s", s.Number, s.State, want[i])
		}
	}
	owner.mustDo("GET", "/api/projects/"+real+"/mappings", nil, 200).json(t, &mappings)
	if strings.Contains(fmt.Sprint(mappings), world.PriceEnterpriseMonthly) {
		t.Errorf("the demo mapping stayed after leaving demo data: %v", mappings)
	}
}

func TestRealProjectNeverReachesDemoWorld(t *testing.T) {
	w := newCheckWorld(t)
	app := w.app
	// A demo world exists next to the real project.
	demo, _ := app.exploreDemo(w.owner)
	before := app.s.cfg.Demo.Requests()
	stripeBefore := app.stripe.RequestCount()

	done := w.runCheck(w.owner, map[string]string{"scope": "full"})
	if done.Counts.Opened == 0 {
		t.Fatalf("the real check found nothing: %+v", done)
	}
	w.owner.mustDo("GET", "/api/projects/"+w.project+"/stripe/prices", nil, 200)
	w.owner.mustDo("GET", "/api/projects/"+w.project+"/clerk/metadata-keys", nil, 200)
	if n := app.s.cfg.Demo.Requests() - before; n != 0 {
		t.Errorf("the real project's check made %d requests to the demo world", n)
	}
	if app.stripe.RequestCount() == stripeBefore {
		t.Error("the real project's check did not read the configured Stripe")
	}
	// Its incidents are its own customers, none of the demo world's.
	for _, i := range activeIncidents(t, w.owner, w.project) {
		if !strings.HasPrefix(i.CustomerID, "cus_noaccess") && !strings.HasPrefix(i.CustomerID, "cus_canceled") {
			t.Errorf("real project incident for %s", i.CustomerID)
		}
	}
	// And the demo project's check never touched the configured fakes.
	stripeBefore, clerkBefore := app.stripe.RequestCount(), len(app.clerk.Requests())
	var started demoStarted
	w.owner.mustDo("POST", "/api/projects/"+demo.ID+"/demo/reset", nil, 202).json(t, &started)
	app.waitCheck(w.owner, demo.ID, started.Check.ID)
	if app.stripe.RequestCount() != stripeBefore || len(app.clerk.Requests()) != clerkBefore {
		t.Error("the demo project's check reached the configured Stripe or Clerk")
	}
}

// A newcomer fixes a demo incident: "Apply this change in the demo" makes
// the guided Clerk edit on the demo's own Clerk, and "Re-run check" then
// verifies it and resolves the incident.
func TestApplyAGuidedFixInTheDemo(t *testing.T) {
	app := newTestApp(t)
	t.Cleanup(app.s.checks.Wait)
	owner, _ := app.setupOwner()
	member, _ := app.addUser(owner, "m@example.com", db.RoleMember)
	p, _ := app.exploreDemo(owner)
	var l list[incidentView]
	member.mustDo("GET", "/api/projects/"+p.ID+"/incidents?kind=paid_without_access&status=open", nil, 200).json(t, &l)
	var target *incidentDetail
	for _, i := range l.Items {
		var d incidentDetail
		member.mustDo("GET", "/api/incidents/"+i.ID, nil, 200).json(t, &d)
		if d.GuidedFix != nil {
			target = &d
			break
		}
	}
	if target == nil {
		t.Fatal("no demo incident with a guided fix")
	}
	var applied demoApplied
	member.mustDo("POST", "/api/incidents/"+target.ID+"/demo/apply", nil, 200).json(t, &applied)
	if applied.SubjectID != target.GuidedFix.SubjectID || len(applied.Metadata) == 0 {
		t.Fatalf("applied: %+v", applied)
	}
	var rc recheckView
	member.mustDo("POST", "/api/incidents/"+target.ID+"/recheck", nil, 200).json(t, &rc)
	if !rc.Held || rc.Incident.Status != "resolved" {
		t.Fatalf("after the demo fix: %+v", rc)
	}
}
