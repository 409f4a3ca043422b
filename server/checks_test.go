package server

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	stripe "github.com/stripe/stripe-go/v76"

	"parityrail/db"
	"parityrail/demo/clerkfake"
	"parityrail/demo/stripefake"
	"parityrail/fulfillment"
	"parityrail/jobs"
)

// clerkMapping is a Clerk access mapping for the test fakes.
var clerkMapping = map[string]any{"access": map[string]any{"users": map[string]string{
	"stripe_customer_id": "public_metadata.stripe_customer_id", "plan": "public_metadata.plan"}},
	"plans": map[string]any{"no_plan_value": "free", "rows": []map[string]string{{"price_id": "price_pro", "app_value": "pro"}}}}

// checkFixture gives a role-walk project a mapping, a finished check and an
// open incident (for customer cus_fixture, whom Stripe does not know).
func (a *testApp) checkFixture(owner *client, projectID string) (incidentID, checkID string) {
	a.t.Helper()
	owner.mustDo("PUT", "/api/projects/"+projectID+"/mappings", clerkMapping, 200)
	ctx := a.t.Context()
	c, err := a.db.BeginCheck(ctx, db.Check{ProjectID: projectID, Scope: "full", Trigger: "person"}, "test")
	if err != nil {
		a.t.Fatal(err)
	}
	if _, err := a.db.FinishCheck(ctx, c, db.CheckCounts{}, map[string]any{}, "", "test"); err != nil {
		a.t.Fatal(err)
	}
	f := fulfillment.Finding{Kind: fulfillment.AccessWithoutPayment, Severity: fulfillment.High, CustomerID: "cus_fixture",
		Subject: &fulfillment.Subject{Kind: fulfillment.SubjectUser, ID: "user_fixture"}, Summary: "fixture"}
	finding, _ := json.Marshal(f)
	b := db.CheckBatch{Incidents: []db.IncidentWrite{{Op: db.OpOpen, Key: db.IncidentKey{CustomerID: "cus_fixture",
		SubjectKey: "user:user_fixture", Kind: string(f.Kind)}, SubjectKind: "user", SubjectID: "user_fixture",
		Severity: "high", Summary: "fixture", Fingerprint: "fp", DiffHash: "dh", Finding: finding,
		// A proposal for the repair routes' walk (a Clerk subject: approving it is refused, rejecting works).
		Repair: &db.RepairProposal{SubjectKind: "user", SubjectID: "user_fixture", Reason: "fixture",
			Plan: []byte(`{"kind":"access_without_payment","subject_kind":"user","subject_id":"user_fixture","fields":[{"field":"plan","path":"public_metadata.plan","before":"pro","after":"free"}],"reason":"fixture"}`)}}}}
	if err := a.db.ApplyCheckBatch(ctx, projectID, c.ID, "test", &b); err != nil {
		a.t.Fatal(err)
	}
	return b.Incidents[0].ID, c.ID
}

const testWebhookSecret = "whsec_serverTestSecret000000000000"

// checkWorld is a project connected to the test app's Stripe and Clerk fakes
// with three customers: one kept, one paid without access, one canceled with
// access.
type checkWorld struct {
	app     *testApp
	owner   *client
	member  *client
	project string
	users   map[string]string // email → Clerk user id
	subs    map[string]string // customer → subscription id
}

func newCheckWorld(t *testing.T) *checkWorld {
	app := newTestAppWith(t, Config{Version: "test", PasswordCost: 4, WebhookDebounce: -1}, t.TempDir()+"/parityrail.db")
	t.Cleanup(app.s.checks.Wait)
	owner, _ := app.setupOwner()
	member, _ := app.addUser(owner, "member@example.com", db.RoleMember)
	p := owner.stackProject("Acme", "clerk")
	owner.mustDo("POST", "/api/projects/"+p.ID+"/clerk", map[string]string{"secret_key": clerkfake.DefaultSecretKey}, 200)
	owner.mustDo("POST", "/api/projects/"+p.ID+"/stripe", map[string]string{"api_key": testStripeKey, "webhook_secret": testWebhookSecret}, 200)
	owner.mustDo("PUT", "/api/projects/"+p.ID+"/mappings", clerkMapping, 200)

	w := &checkWorld{app: app, owner: owner, member: member, project: p.ID, users: map[string]string{}, subs: map[string]string{}}
	f := app.stripe
	f.AddPrice(stripefake.PriceSpec{ID: "price_pro", ProductName: "Pro", UnitAmount: 4900})
	for _, c := range []struct {
		id     string
		status stripe.SubscriptionStatus
		plan   string
	}{{"cus_kept", stripe.SubscriptionStatusActive, "pro"}, {"cus_noaccess", stripe.SubscriptionStatusActive, "free"},
		{"cus_canceled", stripe.SubscriptionStatusCanceled, "pro"}} {
		f.AddCustomer(stripefake.CustomerSpec{ID: c.id, Email: c.id + "@billing.test"})
		w.subs[c.id] = f.MustAddSubscription(stripefake.SubscriptionSpec{CustomerID: c.id, Status: c.status, PriceIDs: []string{"price_pro"}})
		email := strings.TrimPrefix(c.id, "cus_") + "@app.test"
		w.users[email] = app.clerk.AddUser(clerkfake.UserSpec{Email: email,
			PublicMetadata: map[string]any{"stripe_customer_id": c.id, "plan": c.plan}})
	}
	return w
}

func (w *checkWorld) runCheck(c *client, body any) checkView {
	w.app.t.Helper()
	var started checkView
	c.mustDo("POST", "/api/projects/"+w.project+"/checks", body, 202).json(w.app.t, &started)
	w.app.s.checks.Wait()
	var done checkView
	c.mustDo("GET", "/api/projects/"+w.project+"/checks/"+started.ID, nil, 200).json(w.app.t, &done)
	if done.Status != "finished" {
		w.app.t.Fatalf("check %s: %s", done.Status, done.Error)
	}
	return done
}

func (w *checkWorld) incidents(c *client, query string) list[incidentView] {
	w.app.t.Helper()
	var l list[incidentView]
	c.mustDo("GET", "/api/projects/"+w.project+"/incidents"+query, nil, 200).json(w.app.t, &l)
	return l
}

func (w *checkWorld) incidentOf(c *client, customer string) incidentView {
	w.app.t.Helper()
	l := w.incidents(c, "?customer_id="+customer)
	if len(l.Items) != 1 {
		w.app.t.Fatalf("incidents of %s: %+v", customer, l.Items)
	}
	return l.Items[0]
}

func TestChecksAndIncidentsAPI(t *testing.T) {
	w := newCheckWorld(t)
	m := w.member

	// A dry run files nothing; its result is the check's summary.
	dry := w.runCheck(m, map[string]any{"scope": "full", "dry_run": true})
	var sum struct {
		Kinds  map[string]int `json:"kinds"`
		Sample []struct {
			Kind string `json:"kind"`
		} `json:"sample"`
	}
	if err := json.Unmarshal(dry.Summary, &sum); err != nil || sum.Kinds["paid_without_access"] != 1 || sum.Kinds["access_without_payment"] != 1 || len(sum.Sample) != 2 {
		t.Fatalf("dry run summary %s (%v)", dry.Summary, err)
	}
	if !dry.DryRun || dry.Trigger != "dry_run" || dry.Progress.Percent != 100 {
		t.Errorf("dry run view %+v", dry)
	}
	if l := w.incidents(m, ""); len(l.Items) != 0 {
		t.Fatalf("dry run filed %+v", l.Items)
	}

	// A member runs the full check.
	full := w.runCheck(m, map[string]any{"scope": "full"})
	if full.Counts.Opened != 2 || full.Counts.Checked != 3 || full.Counts.Held != 1 {
		t.Fatalf("full check counts %+v", full.Counts)
	}
	var checks list[checkView]
	m.mustDo("GET", "/api/projects/"+w.project+"/checks", nil, 200).json(t, &checks)
	if len(checks.Items) != 2 || checks.Items[0].ID != full.ID {
		t.Errorf("checks list %+v", checks.Items)
	}

	// Filters and keyset paging.
	if l := w.incidents(m, "?status=open&kind=paid_without_access"); len(l.Items) != 1 || l.Items[0].CustomerID != "cus_noaccess" || l.Items[0].Severity != "critical" {
		t.Errorf("filtered %+v", l.Items)
	}
	if l := w.incidents(m, "?severity=high"); len(l.Items) != 1 || l.Items[0].CustomerID != "cus_canceled" {
		t.Errorf("severity %+v", l.Items)
	}
	if l := w.incidents(m, "?q=NOACCESS@app"); len(l.Items) != 1 {
		t.Errorf("q %+v", l.Items)
	}
	page1 := w.incidents(m, "?limit=1")
	if len(page1.Items) != 1 || page1.Items[0].Severity != "critical" || page1.NextCursor == "" {
		t.Fatalf("page 1 %+v", page1)
	}
	page2 := w.incidents(m, "?limit=1&cursor="+page1.NextCursor)
	if len(page2.Items) != 1 || page2.Items[0].Severity != "high" || page2.NextCursor != "" {
		t.Fatalf("page 2 %+v", page2)
	}
	m.mustDo("GET", "/api/projects/"+w.project+"/incidents?cursor=garbage", nil, 400)
	m.mustDo("GET", "/api/projects/"+w.project+"/incidents?status=bogus", nil, 400)

	// One incident with its evidence and timeline.
	noaccess := w.incidentOf(m, "cus_noaccess")
	var d incidentDetail
	m.mustDo("GET", "/api/incidents/"+noaccess.ID, nil, 200).json(t, &d)
	if len(d.Fields) != 1 || d.Fields[0].Field != "plan" || d.Fields[0].ExpectedText != "pro" || d.Fields[0].ActualText != "free" {
		t.Errorf("fields %+v", d.Fields)
	}
	if !d.Evidence.Promise.Grants || len(d.Evidence.Promise.Subscriptions) != 1 || d.Evidence.Subject == nil || d.Policy.PastDueGraceDays != 14 {
		t.Errorf("evidence %+v policy %+v", d.Evidence, d.Policy)
	}
	if len(d.Timeline) != 1 || d.Timeline[0].Kind != "incident_opened" || d.Timeline[0].Chain != "intact" || d.Repair == nil {
		t.Errorf("timeline %+v repair %+v", d.Timeline, d.Repair)
	}

	// Acknowledge, ignore (a reason is required), and what a status forbids.
	canceled := w.incidentOf(m, "cus_canceled")
	var v incidentView
	m.mustDo("POST", "/api/incidents/"+canceled.ID+"/acknowledge", nil, 200).json(t, &v)
	if v.Status != "acknowledged" || v.AcknowledgedBy == "" {
		t.Errorf("acknowledged %+v", v)
	}
	r := m.do("POST", "/api/incidents/"+canceled.ID+"/ignore", map[string]string{"reason": "  "})
	if code, _ := r.errorInfo(t); r.Status != 400 || code != "reason_required" {
		t.Errorf("ignore without reason: %d %s", r.Status, r.Body)
	}
	m.mustDo("POST", "/api/incidents/"+canceled.ID+"/ignore", map[string]string{"reason": "Comped account"}, 200).json(t, &v)
	if v.Status != "ignored" || v.IgnoreReason != "Comped account" {
		t.Errorf("ignored %+v", v)
	}
	m.mustDo("POST", "/api/incidents/"+canceled.ID+"/acknowledge", nil, 409)
	// Ignored stays ignored on the next check.
	w.runCheck(m, map[string]any{"scope": "full"})
	if got := w.incidentOf(m, "cus_canceled"); got.Status != "ignored" {
		t.Errorf("after a check: %+v", got)
	}

	// Re-run check: still wrong, then held after the person fixes Clerk.
	var rc recheckView
	m.mustDo("POST", "/api/incidents/"+noaccess.ID+"/recheck", nil, 200).json(t, &rc)
	if rc.Held || rc.Result != "still_wrong" || len(rc.Fields) != 1 || rc.Fields[0].ActualText != "free" || rc.Incident.Status != "open" {
		t.Errorf("still wrong: %+v", rc)
	}
	if err := w.app.clerk.SetUserMetadata(w.users["noaccess@app.test"], "public_metadata",
		map[string]any{"stripe_customer_id": "cus_noaccess", "plan": "pro"}); err != nil {
		t.Fatal(err)
	}
	m.mustDo("POST", "/api/incidents/"+noaccess.ID+"/recheck", nil, 200).json(t, &rc)
	if !rc.Held || rc.Incident.Status != "resolved" || rc.Incident.Resolution != "verified after guided fix" || rc.Subject == nil {
		t.Errorf("held: %+v", rc)
	}
	m.mustDo("GET", "/api/incidents/"+noaccess.ID, nil, 200).json(t, &d)
	var kinds []string
	for _, e := range d.Timeline {
		kinds = append(kinds, string(e.Kind))
	}
	if strings.Join(kinds, ",") != "incident_opened,verification,incident_resolved,verification" {
		t.Errorf("timeline %v", kinds)
	}

	// The customer view: promise vs app state, incidents, ledger.
	var cv customerView
	m.mustDo("GET", "/api/projects/"+w.project+"/customers/cus_noaccess", nil, 200).json(t, &cv)
	if cv.Live == nil || !cv.Live.Held || cv.Live.Promise == nil || cv.Live.Promise.Plan != "pro" || len(cv.Live.Subjects) != 1 {
		t.Errorf("live %+v (%s)", cv.Live, cv.LiveError)
	}
	if len(cv.Incidents) != 1 || cv.Ledger.Chain != "intact" || len(cv.Ledger.Entries) < 3 || cv.StoredPromise == nil {
		t.Errorf("customer view %+v", cv)
	}

	// One check per project at a time.
	running, err := w.app.db.BeginCheck(t.Context(), db.Check{ProjectID: w.project, Scope: "full", Trigger: "person"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	r = m.do("POST", "/api/projects/"+w.project+"/checks", map[string]any{"scope": "full"})
	if code, msg := r.errorInfo(t); r.Status != 409 || code != "check_running" || !strings.HasPrefix(msg, "A check is already running for this project (started ") {
		t.Errorf("second check: %d %s", r.Status, r.Body)
	}
	m.mustDo("POST", "/api/incidents/"+canceled.ID+"/recheck", nil, 409)
	var ch checkView
	m.mustDo("GET", "/api/projects/"+w.project+"/checks/"+running.ID, nil, 200).json(t, &ch)
	if ch.Status != "running" || ch.Progress.Percent != 0 {
		t.Errorf("running check %+v", ch)
	}
	w.app.db.FailInterruptedChecks(t.Context())

	// Checks and incidents of another project are not reachable through this one.
	other := w.owner.newProject("Other")
	m.mustDo("GET", "/api/projects/"+other.ID+"/checks/"+full.ID, nil, 404)
	// An incident whose project is deleted is gone like a missing one.
	w.owner.mustDo("DELETE", "/api/projects/"+w.project, nil, 204)
	m.mustDo("GET", "/api/incidents/"+canceled.ID, nil, 404)
	m.mustDo("POST", "/api/incidents/"+canceled.ID+"/acknowledge", nil, 404)
}

func TestCheckNeedsMapping(t *testing.T) {
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	p := owner.newProject("Acme")
	r := owner.do("POST", "/api/projects/"+p.ID+"/checks", map[string]any{"scope": "full"})
	if code, _ := r.errorInfo(t); r.Status != 409 || code != "not_mapped" {
		t.Errorf("unmapped: %d %s", r.Status, r.Body)
	}
	r = owner.do("POST", "/api/projects/"+p.ID+"/checks", map[string]any{"scope": "customer"})
	if code, _ := r.errorInfo(t); r.Status != 400 || code != "customer_required" {
		t.Errorf("customer scope without id: %d %s", r.Status, r.Body)
	}
	r = owner.do("POST", "/api/projects/"+p.ID+"/checks", map[string]any{"scope": "weekly"})
	if r.Status != 400 {
		t.Errorf("bad scope: %d %s", r.Status, r.Body)
	}
}

func TestSchedulesAPI(t *testing.T) {
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	p := owner.newProject("Acme")
	var l list[scheduleView]
	owner.mustDo("GET", "/api/projects/"+p.ID+"/schedules", nil, 200).json(t, &l)
	if len(l.Items) != 3 || l.Items[0].Spec != "0 3 * * *" || l.Items[1].Spec != "0 * * * *" || !l.Items[0].Enabled || l.Items[0].NextRunAt == nil ||
		l.Items[2].Kind != "digest" || l.Items[2].Spec != "0 8 * * 1" || !l.Items[2].Enabled {
		t.Fatalf("defaults %+v", l.Items)
	}
	owner.mustDo("PUT", "/api/projects/"+p.ID+"/schedules", map[string]any{"recent": map[string]any{"enabled": false}, "full": map[string]any{"spec": "15 2 * * 1-5"}}, 200).json(t, &l)
	if l.Items[0].Spec != "15 2 * * 1-5" || l.Items[1].Enabled || l.Items[1].NextRunAt != nil {
		t.Fatalf("saved %+v", l.Items)
	}
	for _, bad := range []string{"every day", "61 * * * *", "@every 1s"} {
		r := owner.do("PUT", "/api/projects/"+p.ID+"/schedules", map[string]any{"full": map[string]any{"spec": bad}})
		if code, _ := r.errorInfo(t); r.Status != 400 || code != "invalid_schedule" {
			t.Errorf("%q: %d %s", bad, r.Status, r.Body)
		}
	}
}

// A signed webhook queues a re-check of its customer, which the worker runs
// from freshly read state; bad signatures and duplicates process nothing.
func TestWebhookRechecksOnlyItsCustomer(t *testing.T) {
	w := newCheckWorld(t)
	w.runCheck(w.member, map[string]any{"scope": "full"})
	url := w.app.srv.URL + "/api/webhooks/stripe/" + w.project
	ctx := t.Context()

	// cus_kept cancels: Stripe's state changes, then the event arrives.
	if err := w.app.stripe.UpdateSubscription(w.subs["cus_kept"], func(s *stripe.Subscription) { s.Status = stripe.SubscriptionStatusCanceled }); err != nil {
		t.Fatal(err)
	}
	payload, err := w.app.stripe.Event("customer.subscription.deleted", "subscription", w.subs["cus_kept"])
	if err != nil {
		t.Fatal(err)
	}
	// Bad and missing signatures: 400, nothing recorded or queued.
	if st, _ := stripefake.SendWebhook(ctx, http.DefaultClient, url, "whsec_wrongSecret00000000000000", payload); st != 400 {
		t.Fatalf("bad signature: %d", st)
	}
	res, err := http.Post(url, "application/json", strings.NewReader(string(payload)))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 400 || !strings.Contains(string(body), "invalid_signature") {
		t.Fatalf("missing signature: %d %s", res.StatusCode, body)
	}
	var h db.WebhookHealth
	w.member.mustDo("GET", "/api/projects/"+w.project+"/webhooks", nil, 200).json(t, &h)
	if h.SignatureFailures != 2 || h.Received != 0 || h.Queued != 0 {
		t.Fatalf("health after bad signatures %+v", h)
	}

	// Signed: queued once, a duplicate delivery is recognised.
	for i, wantDup := range []bool{false, true} {
		if st, err := stripefake.SendWebhook(ctx, http.DefaultClient, url, testWebhookSecret, payload); err != nil || st != 200 {
			t.Fatalf("delivery %d: %d %v", i, st, err)
		}
		var hh db.WebhookHealth
		w.member.mustDo("GET", "/api/projects/"+w.project+"/webhooks", nil, 200).json(t, &hh)
		if hh.Received != 1 || hh.Queued != 1 || (hh.Duplicates == 1) != wantDup || hh.LastEventType != "customer.subscription.deleted" {
			t.Fatalf("delivery %d health %+v", i, hh)
		}
	}
	// An event that is only logged queues nothing.
	other, _ := w.app.stripe.EventWithObject("customer.updated", map[string]any{"id": "cus_noaccess", "object": "customer"})
	if st, _ := stripefake.SendWebhook(ctx, http.DefaultClient, url, testWebhookSecret, other); st != 200 {
		t.Fatalf("other event: %d", st)
	}

	// The worker re-checks exactly that customer.
	w.app.stripe.ResetLog()
	worker := jobs.RecheckWorker{DB: w.app.db, Runner: w.app.s.checks, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := worker.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	for _, rq := range w.app.stripe.Requests() {
		if !strings.Contains(rq.Path+"?"+rq.RawQuery, "cus_kept") {
			t.Errorf("the webhook re-check read %s?%s", rq.Path, rq.RawQuery)
		}
	}
	var checks list[checkView]
	w.member.mustDo("GET", "/api/projects/"+w.project+"/checks", nil, 200).json(t, &checks)
	last := checks.Items[0]
	if last.Trigger != "webhook" || last.Scope != "customer" || fmt.Sprint(last.CustomerIDs) != "[cus_kept]" || last.Counts.Opened != 1 {
		t.Fatalf("webhook check %+v", last)
	}
	if got := w.incidentOf(w.member, "cus_kept"); got.Kind != "access_without_payment" {
		t.Errorf("incident %+v", got)
	}
	w.member.mustDo("GET", "/api/projects/"+w.project+"/webhooks", nil, 200).json(t, &h)
	if h.Queued != 0 {
		t.Errorf("queue not drained: %+v", h)
	}
	// The billing event is in the customer's ledger, which starts with the
	// customer's first promise (ledgered by the first full check).
	var cv customerView
	w.member.mustDo("GET", "/api/projects/"+w.project+"/customers/cus_kept", nil, 200).json(t, &cv)
	var own []string
	for _, e := range cv.Ledger.Entries {
		if e.CustomerID == "cus_kept" {
			own = append(own, string(e.Kind))
		}
	}
	if len(own) < 2 || own[0] != "promise_changed" || !slices.Contains(own, "billing_event") || cv.Ledger.Chain != "intact" {
		t.Errorf("ledger %v, chain %s", own, cv.Ledger.Chain)
	}
}

// The check page lists the incidents a check opened and resolved.
func TestIncidentsOfACheck(t *testing.T) {
	w := newCheckWorld(t)
	first := w.runCheck(w.owner, map[string]any{"scope": "full"})
	opened := w.incidents(w.member, "?check_id="+first.ID+"&check_event=opened")
	if len(opened.Items) != 2 {
		t.Fatalf("the first check opened %d incidents: %+v", len(opened.Items), opened.Items)
	}
	// The app fixes cus_noaccess; the next check resolves its incident.
	for email, id := range w.users {
		if email == "noaccess@app.test" {
			if err := w.app.clerk.SetUserMetadata(id, "public_metadata", map[string]any{"stripe_customer_id": "cus_noaccess", "plan": "pro"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	second := w.runCheck(w.owner, map[string]any{"scope": "full"})
	resolved := w.incidents(w.member, "?check_id="+second.ID+"&check_event=resolved")
	if len(resolved.Items) != 1 || resolved.Items[0].CustomerID != "cus_noaccess" || resolved.Items[0].Status != "resolved" {
		t.Fatalf("resolved by the second check: %+v", resolved.Items)
	}
	if l := w.incidents(w.member, "?check_id="+second.ID+"&check_event=opened"); len(l.Items) != 0 {
		t.Errorf("the second check opened %d", len(l.Items))
	}
	var e errorBody
	w.member.mustDo("GET", "/api/projects/"+w.project+"/incidents?check_id="+second.ID+"&check_event=seen", nil, 400).json(t, &e)
	if e.Error.Field != "check_event" {
		t.Errorf("bad check_event: %+v", e.Error)
	}
}
