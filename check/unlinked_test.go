package check

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"parityrail/db"
)

// An app row naming a cus_ id Stripe does not know is an incident about the
// row: customer_id "", the id named in its summary and evidence. One filed
// before under the unknown id is carried over, not duplicated.
func TestUnknownCustomerIncidentNamesNoCustomer(t *testing.T) {
	w := newProWorld(t)
	w.app.add(t, subj{label: "ghost@app.test", customer: "cus_doesnotexist", plan: str("pro")})
	w.app.add(t, subj{label: "nobody@app.test", plan: str("pro")})
	w.run(Request{Scope: ScopeFull})

	want := []string{"|access_without_payment|ghost@app.test", "|access_without_payment|nobody@app.test"}
	if d := diffSets(w.incidents("open"), want); d != "" {
		t.Fatalf("incidents:%s", d)
	}
	var ghost db.Incident
	for _, inc := range w.listIncidents("open") {
		if inc.SubjectEmail == "ghost@app.test" {
			ghost = inc
		}
	}
	f := w.finding(ghost.ID)
	if f.LinkedValue != "cus_doesnotexist" || !strings.Contains(ghost.Summary, "cus_doesnotexist") ||
		!strings.HasPrefix(ghost.Summary, "App row ") || !strings.Contains(ghost.Summary, " grants pro but ") {
		t.Errorf("summary %q, linked value %q", ghost.Summary, f.LinkedValue)
	}

	// As filed before: keyed by the unknown id.
	raw, err := sql.Open("sqlite3", w.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE incidents SET customer_id = 'cus_doesnotexist' WHERE id = ?`, ghost.ID); err != nil {
		t.Fatal(err)
	}
	w.run(Request{Scope: ScopeFull})
	if d := diffSets(w.incidents("open", "resolved"), want); d != "" {
		t.Fatalf("after rekeying:%s", d)
	}
	again, err := w.store.GetIncident(context.Background(), ghost.ID)
	if err != nil || again.CustomerID != "" || again.Status != "open" {
		t.Fatalf("the old incident is carried over: %+v %v", again, err)
	}
}
