package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stripe/stripe-go/v76"

	"parityrail/db"
	"parityrail/demo/stripefake"
	"parityrail/jobs"
	"parityrail/repair"
	"parityrail/testutil/pgtest"
)

// repairWorld is a Postgres project on a real database with a column-scoped
// repair role, Stripe promising cus_paid the pro plan while the app's row
// says free and not premium: one paid_without_access incident whose repair
// sets plan and is_premium.
type repairWorld struct {
	t       *testing.T
	app     *testApp
	pg      *pgx.Conn // superuser, for the test's own reads and writes
	owner   *client
	admin   *client
	admin2  *client
	member  *client
	project string
	role    string
}

func newRepairWorld(t *testing.T) *repairWorld {
	t.Helper()
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	pg, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	_, err = pg.Exec(ctx, profilesTable+`
		INSERT INTO profiles (email, stripe_customer_id, plan, is_premium) VALUES
			('paid@example.com', 'cus_paid', 'free', false),
			('kept@example.com', 'cus_kept', 'pro', true),
			('twin@example.com', 'cus_twin', 'free', false);`)
	if err != nil {
		t.Fatal(err)
	}
	// The repair role: SELECT on what it must read, UPDATE only on the
	// mapped access columns.
	b := make([]byte, 5)
	rand.Read(b)
	role := "prail_rep_" + hex.EncodeToString(b)
	if _, err := pg.Exec(ctx, fmt.Sprintf(`CREATE ROLE %[1]s LOGIN PASSWORD 'repairpw';
		GRANT USAGE ON SCHEMA public TO %[1]s;
		GRANT SELECT (id, stripe_customer_id, plan, is_premium, trial_ends_at) ON profiles TO %[1]s;
		GRANT UPDATE (plan, is_premium, trial_ends_at) ON profiles TO %[1]s;`, role)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pg.Exec(ctx, "DROP OWNED BY "+role)
		pg.Exec(ctx, "DROP ROLE IF EXISTS "+role)
		pg.Close(ctx)
	})
	u, _ := url.Parse(dsn)
	u.User = url.UserPassword(role, "repairpw")

	app := newTestAppWith(t, Config{Version: "test", PasswordCost: 4, WebhookDebounce: -1}, t.TempDir()+"/parityrail.db")
	t.Cleanup(app.s.checks.Wait)
	owner, _ := app.setupOwner()
	admin, _ := app.addUser(owner, "admin@example.com", db.RoleAdmin)
	admin2, _ := app.addUser(owner, "admin2@example.com", db.RoleAdmin)
	member, _ := app.addUser(owner, "member@example.com", db.RoleMember)
	p := owner.stackProject("PG app", "postgres")
	path := "/api/projects/" + p.ID
	owner.mustDo("POST", path+"/database", map[string]string{"connection_string": dsn, "repair_connection_string": u.String()}, 200)
	owner.mustDo("POST", path+"/stripe", map[string]string{"api_key": testStripeKey}, 200)
	owner.mustDo("PUT", path+"/mappings", map[string]any{
		"identity": map[string]string{"billing_field": "stripe.customer.id", "table": "public.profiles", "column": "stripe_customer_id"},
		"access":   map[string]any{"users": map[string]string{"plan": "plan", "premium": "is_premium", "trial_end": "trial_ends_at"}},
		"plans":    map[string]any{"no_plan_value": "free", "rows": []map[string]string{{"price_id": "price_pro", "app_value": "pro"}}},
	}, 200)

	f := app.stripe
	f.AddPrice(stripefake.PriceSpec{ID: "price_pro", ProductName: "Pro", UnitAmount: 4900})
	for _, id := range []string{"cus_paid", "cus_kept", "cus_twin"} {
		f.AddCustomer(stripefake.CustomerSpec{ID: id, Email: id + "@billing.test"})
		f.MustAddSubscription(stripefake.SubscriptionSpec{CustomerID: id, Status: stripe.SubscriptionStatusActive, PriceIDs: []string{"price_pro"}})
	}
	w := &repairWorld{t: t, app: app, pg: pg, owner: owner, admin: admin, admin2: admin2, member: member, project: p.ID, role: role}
	w.check()
	return w
}

func (w *repairWorld) check() {
	w.t.Helper()
	var started checkView
	w.owner.mustDo("POST", "/api/projects/"+w.project+"/checks", map[string]any{"scope": "full"}, 202).json(w.t, &started)
	w.app.s.checks.Wait()
	var done checkView
	w.owner.mustDo("GET", "/api/projects/"+w.project+"/checks/"+started.ID, nil, 200).json(w.t, &done)
	if done.Status != "finished" {
		w.t.Fatalf("check %s: %s", done.Status, done.Error)
	}
}

func (w *repairWorld) enableRepairs() {
	if err := w.app.db.SetRepairsEnabled(context.Background(), w.project, true); err != nil {
		w.t.Fatal(err)
	}
}

// incident is the detail of the customer's one incident.
func (w *repairWorld) incident(customer string) incidentDetail {
	w.t.Helper()
	var l list[incidentView]
	w.member.mustDo("GET", "/api/projects/"+w.project+"/incidents?kind=paid_without_access&customer_id="+customer, nil, 200).json(w.t, &l)
	if len(l.Items) != 1 {
		w.t.Fatalf("incidents of %s: %+v", customer, l.Items)
	}
	var d incidentDetail
	w.member.mustDo("GET", "/api/incidents/"+l.Items[0].ID, nil, 200).json(w.t, &d)
	return d
}

type profileRow struct {
	Plan    string
	Premium bool
}

func (w *repairWorld) row(customer string) profileRow {
	w.t.Helper()
	var r profileRow
	if err := w.pg.QueryRow(context.Background(), `SELECT plan, is_premium FROM profiles WHERE stripe_customer_id = $1`, customer).
		Scan(&r.Plan, &r.Premium); err != nil {
		w.t.Fatal(err)
	}
	return r
}

func (w *repairWorld) exec(sql string, args ...any) {
	w.t.Helper()
	if _, err := w.pg.Exec(context.Background(), strings.ReplaceAll(sql, "ROLE", w.role), args...); err != nil {
		w.t.Fatal(err)
	}
}

// verify runs the verification worker, as the server's jobs would, until
// the repair's verification ends. A fresh service stands for a restarted
// process: the schedule is read back from SQLite.
func (w *repairWorld) verify(repairID string, schedule ...time.Duration) db.Repair {
	w.t.Helper()
	if len(schedule) == 0 {
		schedule = []time.Duration{0, 20 * time.Millisecond, 40 * time.Millisecond}
	}
	svc := &repair.Service{DB: w.app.db, Sources: w.app.s.sources, Checks: w.app.s.checks, Schedule: schedule}
	worker := jobs.RepairVerifier{Repairs: svc}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if err := worker.RunOnce(context.Background()); err != nil {
			w.t.Fatal(err)
		}
		r, err := w.app.db.GetRepair(context.Background(), repairID)
		if err != nil {
			w.t.Fatal(err)
		}
		if r.Verification != db.VerifyPending {
			return r
		}
		time.Sleep(10 * time.Millisecond)
	}
	w.t.Fatal("the verification did not end")
	return db.Repair{}
}

func (w *repairWorld) ledgerKinds(incidentID string) []string {
	w.t.Helper()
	entries, err := w.app.db.ListLedger(context.Background(), w.project, db.LedgerQuery{IncidentID: incidentID})
	if err != nil {
		w.t.Fatal(err)
	}
	var kinds []string
	for _, e := range entries {
		kinds = append(kinds, string(e.Kind))
	}
	return kinds
}

func TestGoodRepairWritesOneRowAndIsVerified(t *testing.T) {
	w := newRepairWorld(t)
	d := w.incident("cus_paid")
	if d.Kind != "paid_without_access" || d.Proposal == nil || d.Proposal.Status != db.RepairProposed {
		t.Fatalf("incident = %s, proposal = %+v", d.Kind, d.Proposal)
	}
	p := d.Proposal
	if len(p.Fields) != 2 || p.Fields[0].Path != "plan" || p.Fields[0].Before != "free" || p.Fields[0].After != "pro" ||
		p.Fields[1].Path != "is_premium" || p.Fields[1].Before != false || p.Fields[1].After != true {
		t.Errorf("proposal fields = %+v", p.Fields)
	}
	if d.GuidedFix != nil {
		t.Errorf("a Postgres incident has a Clerk guided fix: %+v", d.GuidedFix)
	}

	// Repairs are off until step 8 turns them on: refused, nothing written.
	if p.BlockedCode != repair.CodeRepairsOff {
		t.Errorf("blocked = %q %q", p.BlockedCode, p.Blocked)
	}
	r := w.admin.mustDo("POST", "/api/repairs/"+p.ID+"/approve", nil, 409)
	if code, msg := r.errorInfo(t); code != "repairs_off" || !strings.HasPrefix(msg, "Turn repairs on in step 8 (Go live)") {
		t.Errorf("repairs off: %s %q", code, msg)
	}
	w.enableRepairs()
	// A member cannot approve or reject.
	w.member.mustDo("POST", "/api/repairs/"+p.ID+"/approve", nil, 403)
	w.member.mustDo("POST", "/api/repairs/"+p.ID+"/reject", map[string]string{"reason": "no"}, 403)
	if got := w.row("cus_paid"); got != (profileRow{"free", false}) {
		t.Fatalf("refused approvals wrote the row: %+v", got)
	}

	var ans repairAnswer
	w.admin.mustDo("POST", "/api/repairs/"+p.ID+"/approve", nil, 200).json(t, &ans)
	if ans.Repair.Status != db.RepairApplied || ans.Repair.Verification != db.VerifyPending || ans.Incident.Status != db.IncidentVerifying {
		t.Errorf("approve answer = %+v / %s", ans.Repair, ans.Incident.Status)
	}
	if res := ans.Repair.Result; res == nil || len(res.Changes) != 2 || !strings.Contains(res.SQL, "IS NOT DISTINCT FROM") ||
		!strings.HasPrefix(res.SQL, `UPDATE "public"."profiles" SET "plan" = $1, "is_premium" = $2 WHERE "id" = $3`) {
		t.Errorf("result = %+v", ans.Repair.Result)
	}
	// Exactly that row changed; its twin with the same values did not.
	if got := w.row("cus_paid"); got != (profileRow{"pro", true}) {
		t.Errorf("repaired row = %+v", got)
	}
	if got := w.row("cus_twin"); got != (profileRow{"free", false}) {
		t.Errorf("another row changed: %+v", got)
	}
	// Approving twice does not run it twice.
	r = w.admin2.mustDo("POST", "/api/repairs/"+p.ID+"/approve", nil, 409)
	if code, _ := r.errorInfo(t); code != repair.CodeDecided {
		t.Errorf("second approval: %s", r.Body)
	}

	rep := w.verify(p.ID)
	if rep.Verification != db.VerifyHeld || rep.VerifyAttempts != 1 {
		t.Errorf("verification = %s after %d: %s", rep.Verification, rep.VerifyAttempts, rep.VerifyMessage)
	}
	d = w.incident("cus_paid")
	if d.Status != db.IncidentResolved || d.Resolution != "verified after repair" {
		t.Errorf("incident = %s (%s)", d.Status, d.Resolution)
	}
	if d.Proposal == nil || d.Proposal.ID != p.ID || d.Proposal.DecidedByName != "admin@example.com" && d.Proposal.DecidedByName == "" {
		t.Errorf("proposal after = %+v", d.Proposal)
	}
	kinds := w.ledgerKinds(d.ID)
	want := []string{"incident_opened", "repair_proposed", "repair_approved", "incident_resolved", "verification"}
	if strings.Join(kinds, ",") != strings.Join(want, ",") {
		t.Errorf("ledger = %v, want %v", kinds, want)
	}
	// The verification check is the approver's: its page names them,
	// not "Person".
	for _, e := range d.Timeline {
		if e.Kind == "verification" {
			var c struct {
				StartedBy string `json:"started_by"`
			}
			w.owner.mustDo("GET", "/api/projects/"+w.project+"/checks/"+e.CheckID, nil, 200).json(t, &c)
			if c.StartedBy == "" || c.StartedBy != d.Proposal.DecidedBy {
				t.Errorf("verification check started by %q, approved by %q", c.StartedBy, d.Proposal.DecidedBy)
			}
		}
	}
	// The approval is ledgered with the admin and the before/after.
	for _, e := range d.Timeline {
		if e.Kind == "repair_approved" {
			var detail struct {
				Changes []map[string]any `json:"changes"`
			}
			json.Unmarshal(e.Detail, &detail)
			if e.Actor == "" || len(detail.Changes) != 2 || detail.Changes[0]["before"] != "free" || detail.Changes[0]["after"] != "pro" {
				t.Errorf("repair_approved entry = %s by %q", e.Detail, e.Actor)
			}
		}
	}
	// Approving a repair of a resolved incident is refused.
	r = w.admin.mustDo("POST", "/api/repairs/"+p.ID+"/approve", nil, 409)
	if _, msg := r.errorInfo(t); msg == "" {
		t.Errorf("approve after resolve: %s", r.Body)
	}
}

func TestRepairOfChangedRowIsRefused(t *testing.T) {
	w := newRepairWorld(t)
	w.enableRepairs()
	d := w.incident("cus_paid")
	// Someone changes the row after the check.
	w.exec(`UPDATE profiles SET plan = 'team' WHERE stripe_customer_id = 'cus_paid'`)
	r := w.admin.mustDo("POST", "/api/repairs/"+d.Proposal.ID+"/approve", nil, 409)
	if code, msg := r.errorInfo(t); code != "pg_row_changed" || !strings.HasPrefix(msg, "This row changed since the check — re-run the check") {
		t.Errorf("changed row: %s %q", code, msg)
	}
	if got := w.row("cus_paid"); got != (profileRow{"team", false}) {
		t.Errorf("the row was touched: %+v", got)
	}
	d = w.incident("cus_paid")
	if d.Status != db.IncidentOpen || d.Proposal.Status != db.RepairFailed || !strings.HasPrefix(d.Proposal.Error, "This row changed") {
		t.Errorf("after refusal: %s, %+v", d.Status, d.Proposal)
	}
	if kinds := w.ledgerKinds(d.ID); kinds[len(kinds)-1] != "repair_failed" {
		t.Errorf("ledger = %v", kinds)
	}
	// Re-running the check proposes a repair from the row as it is now.
	w.check()
	// (plan team is paid, so what is left is the premium flag).
	old := d.Proposal.ID
	d = w.incident("cus_paid")
	if d.Proposal.Status != db.RepairProposed || d.Proposal.ID == old || len(d.Proposal.Fields) != 1 || d.Proposal.Fields[0].Path != "is_premium" {
		t.Errorf("after re-check: %+v", d.Proposal)
	}
}

func TestRepairCannotWriteUnmappedColumn(t *testing.T) {
	w := newRepairWorld(t)
	w.enableRepairs()
	d := w.incident("cus_paid")
	// A tampered stored proposal asks to write the email column, whose value
	// the role could even read: the mapping at execution time refuses it.
	sqlite := rawDB(t, w.app, "_busy_timeout=5000")
	for _, plan := range []string{
		`{"kind":"paid_without_access","subject_kind":"row","subject_id":"%s","table":"public.profiles","fields":[{"field":"plan","path":"email","before":"paid@example.com","after":"evil@example.com"}],"reason":"x"}`,
		`{"kind":"paid_without_access","subject_kind":"row","subject_id":"%s","table":"public.profiles","fields":[{"field":"email","path":"email","before":"paid@example.com","after":"evil@example.com"}],"reason":"x"}`,
		`{"kind":"paid_without_access","subject_kind":"row","subject_id":"%s","table":"public.profiles","fields":[{"field":"plan","path":"stripe_customer_id","before":"cus_paid","after":"cus_other"}],"reason":"x"}`,
	} {
		id := d.Proposal.SubjectID
		if _, err := sqlite.Exec(`UPDATE repairs SET plan = ?, status = 'proposed' WHERE id = ?`, fmt.Sprintf(plan, id), d.Proposal.ID); err != nil {
			t.Fatal(err)
		}
		sqlite.Exec(`UPDATE incidents SET status = 'open' WHERE id = ?`, d.ID)
		r := w.admin.mustDo("POST", "/api/repairs/"+d.Proposal.ID+"/approve", nil, 422)
		if code, msg := r.errorInfo(t); code != "pg_repair_refused" || !strings.Contains(msg, "not its mapped") || !strings.Contains(msg, "Nothing was changed") {
			t.Errorf("tampered plan: %s %q", code, msg)
		}
	}
	var email, cus string
	w.pg.QueryRow(context.Background(), `SELECT email, stripe_customer_id FROM profiles WHERE id = $1`, d.Proposal.SubjectID).Scan(&email, &cus)
	if email != "paid@example.com" || cus != "cus_paid" {
		t.Errorf("an unmapped column was written: %s %s", email, cus)
	}
}

func TestRepairRoleWithoutUpdateGrantNamesTheColumn(t *testing.T) {
	w := newRepairWorld(t)
	w.enableRepairs()
	w.exec(`REVOKE UPDATE (is_premium) ON profiles FROM ROLE`)
	d := w.incident("cus_paid")
	r := w.admin.mustDo("POST", "/api/repairs/"+d.Proposal.ID+"/approve", nil, 422)
	code, msg := r.errorInfo(t)
	if code != "pg_repair_permission" || !strings.Contains(msg, `"is_premium"`) || !strings.Contains(msg, "GRANT UPDATE (\"is_premium\")") {
		t.Errorf("missing grant: %s %q", code, msg)
	}
	if got := w.row("cus_paid"); got != (profileRow{"free", false}) {
		t.Errorf("the row was touched: %+v", got)
	}
}

func TestConcurrentApprovalsRunOnce(t *testing.T) {
	w := newRepairWorld(t)
	w.enableRepairs()
	d := w.incident("cus_paid")
	var wg sync.WaitGroup
	statuses := make([]int, 4)
	for i, c := range []*client{w.admin, w.admin2, w.owner, w.admin} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = c.do("POST", "/api/repairs/"+d.Proposal.ID+"/approve", nil).Status
		}()
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		switch s {
		case 200:
			ok++
		case 409:
		default:
			t.Errorf("status %d", s)
		}
	}
	if ok != 1 {
		t.Errorf("%d approvals ran, want 1 (%v)", ok, statuses)
	}
	n := 0
	for _, k := range w.ledgerKinds(d.ID) {
		if k == "repair_approved" || k == "repair_failed" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d repair decisions ledgered, want 1", n)
	}
}

func TestApprovingRepairOfResolvedIncidentIsRefused(t *testing.T) {
	w := newRepairWorld(t)
	w.enableRepairs()
	d := w.incident("cus_paid")
	// Someone fixes the row by hand; the next check resolves the incident.
	w.exec(`UPDATE profiles SET plan = 'pro', is_premium = true WHERE stripe_customer_id = 'cus_paid'`)
	w.check()
	r := w.admin.mustDo("POST", "/api/repairs/"+d.Proposal.ID+"/approve", nil, 409)
	if code, msg := r.errorInfo(t); code != repair.CodeClosed || !strings.Contains(msg, "already resolved") {
		t.Errorf("resolved: %s %q", code, msg)
	}
	w.admin.mustDo("POST", "/api/repairs/"+d.Proposal.ID+"/reject", map[string]string{"reason": "x"}, 409)
}

func TestRejectRecordsWhoAndWhy(t *testing.T) {
	w := newRepairWorld(t)
	d := w.incident("cus_paid")
	r := w.admin.mustDo("POST", "/api/repairs/"+d.Proposal.ID+"/reject", map[string]string{"reason": "  "}, 400)
	if code, _ := r.errorInfo(t); code != "reason_required" {
		t.Errorf("empty reason: %s", r.Body)
	}
	var ans repairAnswer
	w.admin.mustDo("POST", "/api/repairs/"+d.Proposal.ID+"/reject", map[string]string{"reason": "Comped account"}, 200).json(t, &ans)
	if ans.Repair.Status != db.RepairRejected || ans.Repair.DecisionReason != "Comped account" || ans.Repair.DecidedByName == "" {
		t.Errorf("rejected = %+v", ans.Repair)
	}
	entries, _ := w.app.db.ListLedger(context.Background(), w.project, db.LedgerQuery{IncidentID: d.ID})
	last := entries[len(entries)-1]
	if last.Kind != "repair_rejected" || last.Actor == "" || !strings.Contains(string(last.Detail), "Comped account") {
		t.Errorf("ledger = %s %s %s", last.Kind, last.Actor, last.Detail)
	}
	// The next check does not propose the rejected plan again.
	w.check()
	if d = w.incident("cus_paid"); d.Proposal.Status != db.RepairRejected {
		t.Errorf("after re-check: %+v", d.Proposal)
	}
	w.enableRepairs()
	w.admin.mustDo("POST", "/api/repairs/"+d.Proposal.ID+"/approve", nil, 409)
	if got := w.row("cus_paid"); got != (profileRow{"free", false}) {
		t.Errorf("a rejected repair wrote: %+v", got)
	}
}

func TestRepairThatDoesNotStickLeavesIncidentOpen(t *testing.T) {
	w := newRepairWorld(t)
	w.enableRepairs()
	// The app writes its own value back (a trigger stands in for a sync job).
	w.exec(`CREATE FUNCTION keep_free() RETURNS trigger AS $$ BEGIN NEW.plan := OLD.plan; NEW.is_premium := OLD.is_premium; RETURN NEW; END $$ LANGUAGE plpgsql;
		CREATE TRIGGER keep_free BEFORE UPDATE ON profiles FOR EACH ROW EXECUTE FUNCTION keep_free();`)
	d := w.incident("cus_paid")
	w.admin.mustDo("POST", "/api/repairs/"+d.Proposal.ID+"/approve", nil, 200)
	rep := w.verify(d.Proposal.ID, 0, 10*time.Millisecond, 20*time.Millisecond)
	if rep.Verification != db.VerifyStillWrong || rep.VerifyAttempts != 3 || !strings.Contains(rep.VerifyMessage, "still does not hold after 3 re-checks") ||
		!strings.Contains(rep.VerifyMessage, "plan reads free") {
		t.Errorf("verification = %s after %d: %q", rep.Verification, rep.VerifyAttempts, rep.VerifyMessage)
	}
	d = w.incident("cus_paid")
	if d.Status != db.IncidentOpen || d.Proposal.ValuesNow["plan"] != "free" {
		t.Errorf("incident = %s, values now %v", d.Status, d.Proposal.ValuesNow)
	}
	kinds := w.ledgerKinds(d.ID)
	if kinds[len(kinds)-1] != "verification" {
		t.Errorf("ledger = %v", kinds)
	}
	// Once the app is fixed, the next check proposes the repair again.
	w.exec(`DROP TRIGGER keep_free ON profiles`)
	w.check()
	if d = w.incident("cus_paid"); d.Proposal.Status != db.RepairProposed || d.Proposal.ID == rep.ID {
		t.Errorf("after re-check: %+v", d.Proposal)
	}
}

func TestClerkGuidedFixAndRecheck(t *testing.T) {
	w := newCheckWorld(t)
	w.runCheck(w.owner, map[string]any{"scope": "full"})
	inc := w.incidentOf(w.member, "cus_noaccess")
	var d incidentDetail
	w.member.mustDo("GET", "/api/incidents/"+inc.ID, nil, 200).json(t, &d)
	g := d.GuidedFix
	userID := w.users["noaccess@app.test"]
	if g == nil || g.SubjectKind != "user" || g.SubjectID != userID || g.Email != "noaccess@app.test" ||
		g.DashboardURL != "https://dashboard.clerk.com/last-active?path=/users/"+userID {
		t.Fatalf("guided fix = %+v", g)
	}
	if len(g.Fields) != 1 || g.Fields[0].Path != "public_metadata.plan" || g.Fields[0].Current != "free" || g.Fields[0].Expected != "pro" {
		t.Errorf("fields = %+v", g.Fields)
	}
	// The request goes where this server reads Clerk (here the fake, as a
	// proxy would be), for the development instance of the sk_test_ key.
	base := w.app.s.cfg.ClerkAPIBase
	if g.APIMethod != "PATCH" || g.APIURL != base+"/users/"+userID+"/metadata" || g.APIBody != `{"public_metadata":{"plan":"pro"}}` ||
		!strings.Contains(g.APIRequest, "curl -X PATCH "+base+"/users/"+userID+"/metadata") || g.Environment != "development" ||
		!strings.Contains(g.MetadataJSON, `"plan": "pro"`) || !strings.Contains(g.Roadmap, "Automated Clerk metadata writes are on the roadmap") {
		t.Errorf("snippet = %+v", g)
	}
	if d.Proposal != nil {
		t.Errorf("a Clerk incident has an approvable proposal: %+v", d.Proposal)
	}

	// Not applied yet: still wrong, with the value read now.
	var rc recheckView
	w.member.mustDo("POST", "/api/incidents/"+inc.ID+"/recheck", nil, 200).json(t, &rc)
	if rc.Held || rc.Result != "still_wrong" || !strings.Contains(rc.Message, "public_metadata.plan reads free") || rc.Incident.Status != "open" {
		t.Errorf("before the fix: %+v", rc)
	}
	// The person applies the change in Clerk, then re-runs the check.
	if err := w.app.clerk.SetUserMetadata(userID, "public_metadata", map[string]any{"stripe_customer_id": "cus_noaccess", "plan": "pro"}); err != nil {
		t.Fatal(err)
	}
	w.member.mustDo("POST", "/api/incidents/"+inc.ID+"/recheck", nil, 200).json(t, &rc)
	if !rc.Held || rc.Result != "held" || rc.Incident.Status != "resolved" || rc.Incident.Resolution != "verified after guided fix" ||
		rc.Subject == nil || rc.Subject.Fields.Plan == nil || rc.Subject.Fields.Plan.Raw != "pro" {
		t.Errorf("after the fix: %+v", rc)
	}
	var results []string
	for _, e := range w.app.ledgerKind(w.project, db.LedgerQuery{IncidentID: inc.ID}, "verification") {
		var detail struct {
			Result    string         `json:"result"`
			ValuesNow map[string]any `json:"values_now"`
		}
		json.Unmarshal(e.Detail, &detail)
		results = append(results, detail.Result+":"+fmt.Sprint(detail.ValuesNow["plan"]))
	}
	if strings.Join(results, ",") != "still_wrong:free,held:pro" {
		t.Errorf("verification entries = %v", results)
	}
}

// A repair whose UPDATE ran when the process stopped is failed at start-up,
// its incident open again; nothing waits forever in "repairing".
func TestInterruptedRepairIsFailedAtStart(t *testing.T) {
	w := newRepairWorld(t)
	d := w.incident("cus_paid")
	ctx := context.Background()
	if _, err := w.app.db.ClaimRepair(ctx, d.Proposal.ID, "usr_someone"); err != nil {
		t.Fatal(err)
	}
	if d = w.incident("cus_paid"); d.Status != db.IncidentRepairing {
		t.Fatalf("claimed: %s", d.Status)
	}
	n, err := w.app.db.FailInterruptedRepairs(ctx)
	if err != nil || n != 1 {
		t.Fatalf("failed %d, %v", n, err)
	}
	d = w.incident("cus_paid")
	if d.Status != db.IncidentOpen || d.Proposal.Status != db.RepairFailed || d.Proposal.ErrorCode != "interrupted" {
		t.Errorf("after start-up: %s %+v", d.Status, d.Proposal)
	}
	if kinds := w.ledgerKinds(d.ID); kinds[len(kinds)-1] != "repair_failed" {
		t.Errorf("ledger = %v", kinds)
	}
	// The next check proposes it afresh.
	w.check()
	if d = w.incident("cus_paid"); d.Proposal.Status != db.RepairProposed {
		t.Errorf("after re-check: %+v", d.Proposal)
	}
}
