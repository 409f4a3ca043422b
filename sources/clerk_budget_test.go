package sources_test

import (
	"testing"

	"golang.org/x/time/rate"

	"parityrail/access/clerk"
	"parityrail/db"
	"parityrail/sources"
)

const (
	clerkTestKey  = "sk_test_parityrailSecretValue0123456789abcd"
	clerkTestKey2 = "sk_test_parityrailAnotherValue0123456789ef"
	clerkLiveKey  = "sk_live_parityrailSecretValue0123456789abcd"
)

// Every Clerk client opened for one project draws from one budget (two
// checks at once, a webhook re-check, step 3: together within Clerk's
// limit, a 429 pausing them all); another project, or the other instance
// mode, has its own. PARITYRAIL_STRIPE_MAX_RPS=0 lifts the cap.
func TestClerkClientsOfAProjectShareItsBudget(t *testing.T) {
	o := &sources.Opener{ClerkAPIBase: "http://127.0.0.1:1/v1"}
	p, q := db.Project{ID: "p1"}, db.Project{ID: "p2"}
	open := func(p db.Project, key string) *clerk.Budget {
		t.Helper()
		c, err := o.CandidateClerk(p, key)
		if err != nil {
			t.Fatal(err)
		}
		return c.Budget()
	}
	a, b := open(p, clerkTestKey), open(p, clerkTestKey2)
	if a == nil || a != b {
		t.Fatal("two Clerk clients of one project have budgets of their own")
	}
	if open(q, clerkTestKey) == a {
		t.Fatal("two projects share a Clerk budget")
	}
	live := open(p, clerkLiveKey)
	if live == a {
		t.Fatal("a project's live and test instances share a Clerk budget")
	}
	// Clerk's limits less a quarter kept as burst: 75 and 750 per 10 s.
	if a.Limit() != 7.5 || live.Limit() != 75 {
		t.Fatalf("steady rates %v (test) and %v (live), want 7.5 and 75 a second", a.Limit(), live.Limit())
	}

	lifted := &sources.Opener{ClerkAPIBase: "http://127.0.0.1:1/v1", StripeRate: -1}
	c, err := lifted.CandidateClerk(p, clerkTestKey)
	if err != nil {
		t.Fatal(err)
	}
	if c.Budget().Limit() != rate.Inf {
		t.Fatalf("PARITYRAIL_STRIPE_MAX_RPS=0 left Clerk capped at %v a second", c.Budget().Limit())
	}
	if _, err := o.CandidateClerk(p, "pk_test_nope"); err == nil {
		t.Fatal("a publishable key opened a Clerk client")
	}
}
