package server

import (
	"fmt"
	"strings"
	"testing"

	stripe "github.com/stripe/stripe-go/v76"

	"parityrail/demo/clerkfake"
	"parityrail/demo/stripefake"
)

// Incidents carry what their gap is worth per month; the list sorts by it
// within a currency (paged), and the dashboard sums it per kind.
func TestMoneyAtStakeAPI(t *testing.T) {
	w := newCheckWorld(t)
	m := w.member
	f := w.app.stripe
	f.AddPrice(stripefake.PriceSpec{ID: "price_team", ProductName: "Team", UnitAmount: 9900})
	f.AddCustomer(stripefake.CustomerSpec{ID: "cus_big", Email: "big@billing.test"})
	f.MustAddSubscription(stripefake.SubscriptionSpec{CustomerID: "cus_big", Status: stripe.SubscriptionStatusActive, PriceIDs: []string{"price_team"}})
	w.app.clerk.AddUser(clerkfake.UserSpec{Email: "big@app.test", PublicMetadata: map[string]any{"stripe_customer_id": "cus_big", "plan": "free"}})
	w.runCheck(m, map[string]any{"scope": "full"})

	var got []string
	cursor := ""
	for page := 0; page < 5; page++ {
		var l list[incidentView]
		m.mustDo("GET", "/api/projects/"+w.project+"/incidents?sort=at_stake&currency=USD&limit=1&cursor="+cursor, nil, 200).json(t, &l)
		for _, i := range l.Items {
			if i.AtStake == nil || i.AtStake.MonthlyMinor == nil {
				t.Fatalf("%s has no amount: %+v", i.CustomerID, i.AtStake)
			}
			got = append(got, fmt.Sprintf("%s %s %d %s", i.CustomerID, i.Kind, *i.AtStake.MonthlyMinor, i.AtStake.Basis))
		}
		if cursor = l.NextCursor; cursor == "" {
			break
		}
	}
	want := "cus_big paid_without_access 9900 price|cus_canceled access_without_payment 4900 price|cus_noaccess paid_without_access 4900 price"
	if strings.Join(got, "|") != want {
		t.Errorf("by money at stake:\n got %s\nwant %s", strings.Join(got, "|"), want)
	}

	r := m.do("GET", "/api/projects/"+w.project+"/incidents?sort=at_stake", nil)
	if code, _ := r.errorInfo(t); r.Status != 400 || code != "invalid_filter" {
		t.Errorf("at_stake without a currency: %d %s", r.Status, r.Body)
	}
	r = m.do("GET", "/api/projects/"+w.project+"/incidents?sort=at_stake&currency=dollars", nil)
	if r.Status != 400 {
		t.Errorf("a bad currency: %d %s", r.Status, r.Body)
	}

	var d dashboardView
	m.mustDo("GET", "/api/projects/"+w.project+"/dashboard", nil, 200).json(t, &d)
	if fmt.Sprint(d.AtStake) != "[{usd paid_without_access 14800} {usd access_without_payment 4900}]" {
		t.Errorf("dashboard at stake %v", d.AtStake)
	}
}
