package stripefake

import (
	"fmt"
	"math/rand"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
)

// GenerateSpec sizes a generated account.
type GenerateSpec struct {
	Customers     int
	Subscriptions int // spread so each customer gets at most one more than another
	Seed          int64
}

// GeneratedPrices are the prices Generate creates, highest tier first.
var GeneratedPrices = []PriceSpec{
	{ID: "price_gen_enterprise_monthly", LookupKey: "enterprise_monthly", Nickname: "Enterprise monthly", ProductID: "prod_gen_enterprise", ProductName: "Enterprise", UnitAmount: 49900},
	{ID: "price_gen_pro_monthly", LookupKey: "pro_monthly", Nickname: "Pro monthly", ProductID: "prod_gen_pro", ProductName: "Pro", UnitAmount: 4900},
	{ID: "price_gen_pro_yearly", LookupKey: "pro_yearly", Nickname: "Pro yearly", ProductID: "prod_gen_pro", ProductName: "Pro", UnitAmount: 49000, Interval: "year"},
	{ID: "price_gen_basic_monthly", LookupKey: "basic_monthly", Nickname: "Basic monthly", ProductID: "prod_gen_basic", ProductName: "Basic", UnitAmount: 900},
}

// Generate fills the account with deterministic customers and
// subscriptions in a realistic mix of statuses. It returns the customer ids
// in creation order.
func (s *Server) Generate(spec GenerateSpec) []string {
	rng := rand.New(rand.NewSource(spec.Seed))
	for _, p := range GeneratedPrices {
		s.AddPrice(p)
	}
	s.mu.Lock()
	now := s.now()
	s.mu.Unlock()
	base := now.Add(-400 * 24 * time.Hour)

	ids := make([]string, spec.Customers)
	for i := range ids {
		ids[i] = s.AddCustomer(CustomerSpec{
			Email:    fmt.Sprintf("customer%05d@example.com", i+1),
			Name:     fmt.Sprintf("Customer %05d", i+1),
			Metadata: map[string]string{"app_user_id": fmt.Sprintf("user_%05d", i+1)},
			Created:  base.Add(time.Duration(i) * time.Minute),
		})
	}
	if spec.Customers == 0 {
		return ids
	}
	statuses := []struct {
		st     stripe.SubscriptionStatus
		weight int
	}{
		{stripe.SubscriptionStatusActive, 70}, {stripe.SubscriptionStatusTrialing, 8},
		{stripe.SubscriptionStatusPastDue, 5}, {stripe.SubscriptionStatusCanceled, 10},
		{stripe.SubscriptionStatusUnpaid, 2}, {stripe.SubscriptionStatusIncomplete, 2},
		{stripe.SubscriptionStatusIncompleteExpired, 1}, {stripe.SubscriptionStatusPaused, 2},
	}
	for i := 0; i < spec.Subscriptions; i++ {
		cid := ids[i%spec.Customers]
		n := rng.Intn(100)
		st := statuses[0].st
		for _, w := range statuses {
			if n < w.weight {
				st = w.st
				break
			}
			n -= w.weight
		}
		sub := SubscriptionSpec{
			CustomerID: cid,
			Status:     st,
			PriceIDs:   []string{GeneratedPrices[rng.Intn(len(GeneratedPrices))].ID},
			Created:    base.Add(time.Duration(i)*time.Minute + 30*time.Second),
		}
		if st == stripe.SubscriptionStatusTrialing {
			sub.TrialEnd = now.Add(time.Duration(1+rng.Intn(13)) * 24 * time.Hour)
		}
		if st == stripe.SubscriptionStatusActive && rng.Intn(20) == 0 {
			sub.CancelAtPeriodEnd = true
		}
		s.MustAddSubscription(sub)
	}
	return ids
}
