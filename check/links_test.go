package check

import (
	"context"
	"fmt"
	"maps"
	"testing"

	"parityrail/demo/stripefake"
)

// A full check on Clerk stores which customer each user links to: every
// user naming a customer (one Stripe does not know too, by the id it
// names), none for the unlinked; a later full check moves or drops the
// links that changed. The
// links are written in key order across many small batches (BatchSize 7),
// not in the app's order.
func TestFullCheckWritesSubjectLinks(t *testing.T) {
	w := newWorld(t, "clerk")
	app := w.app.(*clerkApp)
	for _, id := range []string{"cus_a", "cus_b", "cus_c"} {
		w.stripe.AddCustomer(stripefake.CustomerSpec{ID: id, Email: id + "@billing.test", Created: T0.AddDate(0, -1, 0)})
	}
	customers := []string{"cus_a", "cus_b", "cus_c", "", "cus_ghost"}
	want := map[string]string{}
	for i := range 40 {
		label := fmt.Sprintf("u%02d@app.test", i)
		c := customers[i%len(customers)]
		app.add(t, subj{label: label, customer: c, plan: str("free")})
		if c != "" {
			want["user:"+app.ids[label]] = c
		}
	}
	links := func() map[string]string {
		got := map[string]string{}
		if err := w.store.SubjectLinks(context.Background(), w.project.ID, func(k, c string) { got[k] = c }); err != nil {
			t.Fatal(err)
		}
		return got
	}
	w.run(Request{Scope: ScopeFull})
	if got := links(); !maps.Equal(got, want) {
		t.Fatalf("links after the first check: %d, want %d\n%v\n%v", len(got), len(want), got, want)
	}

	// u01 moves from cus_b to cus_c; u00 names no customer any more.
	move := func(label, customer string) {
		pub := app.meta[label]
		pub["stripe_customer_id"] = customer
		if err := app.fake.SetUserMetadata(app.ids[label], "public_metadata", pub); err != nil {
			t.Fatal(err)
		}
	}
	move("u01@app.test", "cus_c")
	move("u00@app.test", "")
	want["user:"+app.ids["u01@app.test"]] = "cus_c"
	delete(want, "user:"+app.ids["u00@app.test"])
	w.run(Request{Scope: ScopeFull})
	if got := links(); !maps.Equal(got, want) {
		t.Fatalf("links after the second check:\n%v\n%v", got, want)
	}
	// A dry run writes none.
	move("u02@app.test", "cus_a")
	w.run(Request{Scope: ScopeFull, DryRun: true})
	if got := links(); !maps.Equal(got, want) {
		t.Fatalf("links after a dry run:\n%v\n%v", got, want)
	}
}
