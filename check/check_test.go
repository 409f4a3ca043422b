package check

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"parityrail/db"
	"parityrail/ledger"
)

func TestFullCheckClerk(t *testing.T)    { testFullCheck(t, "clerk") }
func TestFullCheckPostgres(t *testing.T) { testFullCheck(t, "postgres") }

// testFullCheck is the end-to-end loop on one world: the exact incidents,
// no duplicates on a second run, one fix resolving exactly its incident, a
// one-customer re-check reading only that customer, and an intact ledger.
func testFullCheck(t *testing.T, access string) {
	w := newWorld(t, access)
	want := sorted(w.build())
	ctx := context.Background()

	// Dry run first: files nothing, counts per kind.
	dry := w.run(Request{Scope: ScopeFull, DryRun: true})
	if got := w.incidents(); len(got) != 0 {
		t.Fatalf("dry run filed incidents: %v", got)
	}
	if n := dry.Summary.Kinds["access_without_payment"]; n != 5 {
		t.Errorf("dry run access_without_payment = %d, want 5 (%v)", n, dry.Summary.Kinds)
	}
	if dry.Summary.UnmatchedCustomers != 1 || len(dry.Summary.UnmatchedSample) != 1 || dry.Summary.UnmatchedSample[0] != "cus_unmatched" {
		t.Errorf("dry run unmatched: %d %v", dry.Summary.UnmatchedCustomers, dry.Summary.UnmatchedSample)
	}
	if len(dry.Summary.UnmappedPrices) != 1 || dry.Summary.UnmappedPrices[0].PriceID != "price_unmapped" {
		t.Errorf("dry run unmapped prices: %+v", dry.Summary.UnmappedPrices)
	}
	if len(dry.Summary.Sample) == 0 || !dry.Check.DryRun || dry.Check.Trigger != TriggerDryRun {
		t.Errorf("dry run sample/check: %+v %+v", dry.Summary.Sample, dry.Check)
	}

	// First full check: exactly the expected incidents.
	res := w.run(Request{Scope: ScopeFull})
	got := w.incidents()
	if d := diffSets(got, want); d != "" {
		t.Fatalf("incidents differ:%s", d)
	}
	c := res.Check.Counts
	if c.Opened != int64(len(want)) || c.Resolved != 0 {
		t.Errorf("counts = %+v, want opened %d", c, len(want))
	}
	// 24 Stripe customers + the unlinked and the unknown app user.
	if c.Checked != 26 || c.Held != 26-int64(len(want)) {
		t.Errorf("checked/held = %d/%d", c.Checked, c.Held)
	}
	if res.Summary.Pending != 1 {
		t.Errorf("pending = %d, want 1 (the incomplete subscription within 23 h)", res.Summary.Pending)
	}

	// A second run files nothing new.
	res = w.run(Request{Scope: ScopeFull})
	if d := diffSets(w.incidents(), want); d != "" {
		t.Fatalf("second run changed incidents:%s", d)
	}
	if res.Check.Counts.Opened != 0 || res.Check.Counts.Resolved != 0 || res.Check.Counts.Updated != 0 {
		t.Errorf("second run counts = %+v", res.Check.Counts)
	}

	// Fix one subject; a full check resolves exactly that incident.
	w.app.setPlan(t, "wrong_plan@app.test", "pro")
	res = w.run(Request{Scope: ScopeFull})
	if res.Check.Counts.Resolved != 1 || res.Check.Counts.Opened != 0 {
		t.Errorf("after the fix: %+v", res.Check.Counts)
	}
	resolved := w.incidents(db.IncidentResolved)
	if len(resolved) != 1 || resolved[0] != "cus_wrong_plan|wrong_plan|wrong_plan@app.test" {
		t.Fatalf("resolved = %v", resolved)
	}
	open := w.incidents(db.IncidentOpen)
	if d := diffSets(open, slices.DeleteFunc(slices.Clone(want), func(s string) bool { return strings.HasPrefix(s, "cus_wrong_plan|") })); d != "" {
		t.Fatalf("open after the fix:%s", d)
	}

	// Fix another and re-check only that customer: it resolves, and only
	// that customer is read from Stripe.
	w.app.setPlan(t, "paid_noaccess@app.test", "pro")
	w.stripe.ResetLog()
	res = w.run(Request{Scope: ScopeCustomer, CustomerIDs: []string{"cus_paid_noaccess"}})
	if res.Check.Counts.Resolved != 1 || res.Check.Counts.Checked != 1 || res.Check.Counts.Held != 1 {
		t.Errorf("customer re-check counts = %+v", res.Check.Counts)
	}
	for _, r := range w.stripe.Requests() {
		if !strings.Contains(r.Path+"?"+r.RawQuery, "cus_paid_noaccess") {
			t.Errorf("customer re-check read %s?%s", r.Path, r.RawQuery)
		}
	}
	if len(res.Outcomes) != 1 || len(res.Outcomes[0].Findings) != 0 || len(res.Outcomes[0].Subjects) != 1 {
		t.Errorf("outcomes = %+v", res.Outcomes)
	}
	if n := len(w.incidents(db.IncidentResolved)); n != 2 {
		t.Errorf("resolved incidents = %d, want 2", n)
	}

	// The ledger is intact and records the incidents' lifecycle.
	v, err := w.store.VerifyLedger(ctx, w.project.ID)
	if err != nil || v.Broken != nil {
		t.Fatalf("ledger: %+v %v", v, err)
	}
	entries, err := w.store.ListLedger(ctx, w.project.ID, db.LedgerQuery{CustomerID: "cus_wrong_plan"})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range entries {
		kinds = append(kinds, string(e.Kind))
		if e.Chain != "intact" {
			t.Errorf("entry %d chain %s", e.N, e.Chain)
		}
	}
	// A row's incident carries its repair proposal; resolving the incident
	// retires the proposal nobody decided on.
	// (Clerk repairs are guided: no proposal is filed.)
	// The customer's ledger starts with its first promise (issue 19).
	wantKinds := []string{"promise_changed", "incident_opened", "incident_resolved"}
	if access == "postgres" {
		wantKinds = []string{"promise_changed", "incident_opened", "repair_proposed", "incident_resolved"}
		if r, err := w.store.LatestRepair(ctx, entries[1].IncidentID); err != nil || r.Status != db.RepairSuperseded {
			t.Errorf("repair of the resolved incident = %+v, %v", r, err)
		}
	}
	if !slices.Equal(kinds, wantKinds) {
		t.Errorf("cus_wrong_plan ledger = %v", kinds)
	}
}

func TestLedgerTamperingIsDetected(t *testing.T) {
	w := newWorld(t, "clerk")
	w.build()
	w.run(Request{Scope: ScopeFull})
	ctx := context.Background()
	if v, err := w.store.VerifyLedger(ctx, ""); err != nil || v.Broken != nil || v.Entries == 0 {
		t.Fatalf("before: %+v %v", v, err)
	}

	raw, err := sql.Open("sqlite3", "file:"+w.dbPath+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	// The triggers refuse edits and deletes.
	if _, err := raw.Exec(`UPDATE ledger SET actor = 'mallory' WHERE n = 3`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("update allowed: %v", err)
	}
	if _, err := raw.Exec(`DELETE FROM ledger WHERE n = 3`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("delete allowed: %v", err)
	}
	// Someone who drops the trigger and edits an entry is still caught.
	if _, err := raw.Exec(`DROP TRIGGER ledger_no_update`); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE ledger SET detail = '{"kind":"nothing to see"}' WHERE project_id = ? AND n = 3`, w.project.ID); err != nil {
		t.Fatal(err)
	}
	v, err := w.store.VerifyLedger(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var b *ledger.Break
	if v.Broken == nil || v.Broken.N != 3 || !errors.As(error(v.Broken), &b) || !strings.Contains(v.Broken.Reason, "edited") {
		t.Fatalf("tampering not detected: %+v", v.Broken)
	}
}

func TestOneCheckPerProject(t *testing.T) {
	w := newWorld(t, "clerk")
	w.build()
	ctx := context.Background()
	first, err := w.store.BeginCheck(ctx, db.Check{ProjectID: w.project.ID, Scope: ScopeFull, Trigger: TriggerPerson}, "x")
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.runner.Run(ctx, Request{ProjectID: w.project.ID, Scope: ScopeFull})
	var busy *db.BusyError
	if !errors.As(err, &busy) || busy.Running.ID != first.ID {
		t.Fatalf("second check: %v", err)
	}
	if !strings.HasPrefix(err.Error(), "A check is already running for this project (started 2025-06-15 12:00:00 UTC)") {
		t.Errorf("message: %q", err.Error())
	}
	// A server start while the check's process still beats (a CLI check
	// beside the server) leaves it running: a second check stays refused.
	if n, err := w.store.FailInterruptedChecks(ctx); err != nil || n != 0 {
		t.Fatalf("a live check was interrupted: %d %v", n, err)
	}
	if _, err := w.runner.Run(ctx, Request{ProjectID: w.project.ID, Scope: ScopeFull}); !errors.As(err, &busy) {
		t.Fatalf("second check after a start beside a live one: %v", err)
	}
	// Once its heartbeat is stale the process is gone: it is marked
	// interrupted; then checks run again.
	w.store.SetClock(func() time.Time { return T0.Add(db.StaleCheckAfter + time.Second) })
	defer w.store.SetClock(func() time.Time { return T0 })
	if n, err := w.store.FailInterruptedChecks(ctx); err != nil || n != 1 {
		t.Fatalf("interrupted: %d %v", n, err)
	}
	c, _ := w.store.GetCheck(ctx, first.ID)
	if c.Status != "failed" || !strings.HasPrefix(c.Error, "interrupted") {
		t.Errorf("interrupted check: %+v", c)
	}
	w.run(Request{Scope: ScopeFull})
}
