package check

import (
	"context"
	"errors"
	"parityrail/sources"
	"slices"
	"testing"
	"time"

	stripe "github.com/stripe/stripe-go/v76"

	"parityrail/db"
	"parityrail/fulfillment"
)

func (w *world) incidentOf(customer, kind string) db.Incident {
	w.t.Helper()
	list, _, err := w.store.ListIncidents(context.Background(), w.project.ID, db.IncidentFilter{CustomerID: customer, Kind: kind})
	if err != nil || len(list) != 1 {
		w.t.Fatalf("incident %s %s: %v %v", customer, kind, list, err)
	}
	return list[0]
}

// An ignored incident stays ignored while what the promise expects is the
// same, and opens again when it changes.
func TestIgnoredStaysIgnoredUntilExpectationChanges(t *testing.T) {
	w := newWorld(t, "clerk")
	w.build()
	w.run(Request{Scope: ScopeFull})
	ctx := context.Background()
	inc := w.incidentOf("cus_trial_mismatch", "trial_mismatch")
	if _, err := w.store.IgnoreIncident(ctx, inc.ID, w.owner.ID, "trials are managed by hand"); err != nil {
		t.Fatal(err)
	}
	res := w.run(Request{Scope: ScopeFull})
	if got := w.incidentOf("cus_trial_mismatch", "trial_mismatch"); got.Status != db.IncidentIgnored || got.ID != inc.ID {
		t.Fatalf("after a re-run: %+v", got)
	}
	if res.Check.Counts.Updated != 0 || res.Check.Counts.Opened != 0 {
		t.Errorf("counts: %+v", res.Check.Counts)
	}
	// Stripe now promises another trial end: the gap is a new one.
	if err := w.stripe.UpdateSubscription(w.subs["cus_trial_mismatch"], func(s *stripe.Subscription) {
		s.TrialEnd = T0.Add(10 * 24 * time.Hour).Unix()
	}); err != nil {
		t.Fatal(err)
	}
	res = w.run(Request{Scope: ScopeFull})
	got := w.incidentOf("cus_trial_mismatch", "trial_mismatch")
	if got.Status != db.IncidentOpen || got.ID != inc.ID || got.IgnoreReason != "" {
		t.Fatalf("after the expectation changed: %+v", got)
	}
	if res.Check.Counts.Updated != 1 {
		t.Errorf("counts: %+v", res.Check.Counts)
	}
	var kinds []string
	entries, _ := w.store.ListLedger(ctx, w.project.ID, db.LedgerQuery{IncidentID: inc.ID})
	for _, e := range entries {
		kinds = append(kinds, string(e.Kind))
	}
	if !slices.Equal(kinds, []string{"incident_opened", "incident_ignored", "incident_updated"}) {
		t.Errorf("timeline: %v", kinds)
	}
	// The promise change is ledgered too.
	entries, _ = w.store.ListLedger(ctx, w.project.ID, db.LedgerQuery{CustomerID: "cus_trial_mismatch"})
	if !slices.ContainsFunc(entries, func(e db.LedgerView) bool { return e.Kind == "promise_changed" }) {
		t.Errorf("no promise_changed entry: %+v", entries)
	}
}

// failingAccess reads `ok` subjects, then fails like a dropped connection.
type failingAccess struct {
	sources.Access
	ok int
}

var errDropped = errors.New("the connection to the app's database was lost")

func (f *failingAccess) ReadAll(ctx context.Context, fn func(fulfillment.Subject) error) error {
	n := 0
	return f.Access.ReadAll(ctx, func(s fulfillment.Subject) error {
		if n == f.ok {
			return errDropped
		}
		n++
		return fn(s)
	})
}

type failingOpener struct {
	*sources.Opener
	ok int
}

func (o failingOpener) Open(ctx context.Context, p db.Project) (*sources.Sources, error) {
	src, err := o.Opener.Open(ctx, p)
	if err == nil {
		src.Access = &failingAccess{Access: src.Access, ok: o.ok}
	}
	return src, err
}

// A source failing mid-check ends the run failed and resolves nothing.
func TestFailingSourceResolvesNothing(t *testing.T) {
	w := newWorld(t, "clerk")
	want := w.build()
	w.run(Request{Scope: ScopeFull})
	w.app.setPlan(t, "wrong_plan@app.test", "pro")
	w.app.setPlan(t, "paid_noaccess@app.test", "pro")

	w.runner.Opener = failingOpener{Opener: w.opener, ok: 10}
	res, err := w.runner.Run(context.Background(), Request{ProjectID: w.project.ID, Scope: ScopeFull})
	if err != nil {
		t.Fatal(err)
	}
	if res.Check.Status != "failed" || res.Check.Error != errDropped.Error() || res.Check.Counts.Resolved != 0 {
		t.Fatalf("check: %+v", res.Check)
	}
	if d := diffSets(w.incidents(db.IncidentOpen), want); d != "" {
		t.Fatalf("incidents changed:%s", d)
	}
	// With the source back, the fixes resolve.
	w.runner.Opener = w.opener
	if res := w.run(Request{Scope: ScopeFull}); res.Check.Counts.Resolved != 2 {
		t.Fatalf("after recovery: %+v", res.Check.Counts)
	}
	v, _ := w.store.VerifyLedger(context.Background(), "")
	if v.Broken != nil {
		t.Fatal(v.Broken)
	}
}

// The recent check covers customers whose promise boundary just passed and
// every customer with an unresolved incident, not the rest.
func TestRecentScope(t *testing.T) {
	w := newWorld(t, "clerk")
	w.build()
	w.run(Request{Scope: ScopeFull})
	later := T0.Add(7*24*time.Hour + 30*time.Minute) // cus_trialing_ok's trial just ended
	// … unpaid, so Stripe canceled it (no webhook reached us).
	if err := w.stripe.UpdateSubscription(w.subs["cus_trialing_ok"], func(s *stripe.Subscription) {
		s.Status = stripe.SubscriptionStatusCanceled
	}); err != nil {
		t.Fatal(err)
	}
	w.runner.Now = func() time.Time { return later }
	w.store.SetClock(func() time.Time { return later })
	res := w.run(Request{Scope: ScopeRecent})
	var ids []string
	for _, o := range res.Outcomes {
		ids = append(ids, o.CustomerID+o.SubjectKey)
	}
	if !slices.Contains(ids, "cus_trialing_ok") || !slices.Contains(ids, "cus_wrong_plan") || slices.Contains(ids, "cus_active_ok") {
		t.Fatalf("recent covered %v", ids)
	}
	// The trial ended without payment: the app still grants it.
	if got := w.incidentOf("cus_trialing_ok", "access_without_payment"); got.Status != db.IncidentOpen {
		t.Fatalf("trial end: %+v", got)
	}
}
