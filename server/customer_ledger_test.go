package server

import (
	"strings"
	"testing"

	"parityrail/demo/clerkfake"
)

// A customer's Access Ledger holds entries about that customer and the
// check lines of checks that covered it — nothing about other customers or
// about app subjects linked to no customer, though the same checks filed them.
func TestCustomerLedgerIsPrivate(t *testing.T) {
	w := newCheckWorld(t)
	m := w.member
	w.app.clerk.AddUser(clerkfake.UserSpec{Email: "stray@app.test", PublicMetadata: map[string]any{"plan": "pro"}})
	w.runCheck(m, map[string]any{"scope": "full"})
	w.runCheck(m, map[string]any{"scope": "customer", "customer_id": "cus_canceled"})
	w.runCheck(m, map[string]any{"scope": "customer", "customer_id": "cus_noaccess"})
	if l := w.incidents(m, "?status=open"); len(l.Items) < 3 {
		t.Fatalf("the world files incidents for several subjects: %+v", l.Items)
	}

	for _, who := range []struct{ id, others string }{
		{"cus_noaccess", "cus_canceled cus_kept stray canceled@app.test kept@app.test"},
		{"cus_canceled", "cus_noaccess cus_kept stray noaccess@app.test kept@app.test"},
	} {
		var cv customerView
		m.mustDo("GET", "/api/projects/"+w.project+"/customers/"+who.id, nil, 200).json(t, &cv)
		own, checkLines := 0, 0
		for _, e := range cv.Ledger.Entries {
			switch {
			case e.CustomerID == who.id:
				own++
			case e.CustomerID == "" && e.SubjectKey == "" && e.IncidentID == "" && strings.HasPrefix(string(e.Kind), "check_"):
				checkLines++
			default:
				t.Errorf("%s's ledger holds entry #%d (%s) about %q / %q", who.id, e.N, e.Kind, e.CustomerID, e.SubjectKey)
			}
			for _, other := range strings.Fields(who.others) {
				if strings.Contains(string(e.Detail), other) {
					t.Errorf("%s's ledger entry #%d (%s) names %s: %s", who.id, e.N, e.Kind, other, e.Detail)
				}
			}
		}
		if own == 0 || checkLines == 0 {
			t.Errorf("%s's ledger: %d own entries, %d check lines", who.id, own, checkLines)
		}
	}
}
