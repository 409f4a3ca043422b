package db

import (
	"context"
	"slices"
	"testing"
)

// TestIncidentsOfCheck: the incidents a check opened or resolved, listed
// page by page in each order and with other filters, are exactly those
// its ledger entries name, whether the check touched more incidents than
// checkDense (the list walks its order) or fewer (listed by id).
func TestIncidentsOfCheck(t *testing.T) {
	store := newTestStore(t)
	ctx := context.Background()
	project, first := fillIncidents(t, store, 700)
	if _, err := store.FinishCheck(ctx, Check{ID: first, ProjectID: project}, CheckCounts{}, nil, "", "test"); err != nil {
		t.Fatal(err)
	}
	second, err := store.BeginCheck(ctx, Check{ProjectID: project, Scope: "full", Trigger: "person"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	items, _, err := store.ListIncidents(ctx, project, IncidentFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var b CheckBatch
	for n, i := range items {
		if n%3 == 0 {
			b.Incidents = append(b.Incidents, IncidentWrite{Op: OpResolve, ID: i.ID,
				Key: IncidentKey{CustomerID: i.CustomerID, SubjectKey: i.SubjectKey, Kind: i.Kind}, Resolution: "promise_holds"})
		}
	}
	b.Incidents = append(b.Incidents, IncidentWrite{Op: OpOpen, Key: IncidentKey{CustomerID: "cus_late", Kind: "wrong_plan"},
		Severity: "high", Summary: "gap", Fingerprint: "fp", DiffHash: "dh", Finding: []byte(`{}`)})
	if err := store.ApplyCheckBatch(ctx, project, second.ID, "test", &b); err != nil {
		t.Fatal(err)
	}
	// What the ledger says, in the list's severity order.
	want := func(check, kinds string, extra string) []string {
		ids, err := queryAll(ctx, store.read, "want", scanString, `SELECT id FROM incidents WHERE project_id = ? `+extra+` AND id IN
			(SELECT incident_id FROM ledger WHERE project_id = ? AND check_id = ? AND kind IN (`+kinds+`)) ORDER BY severity_rank, seq DESC`,
			project, project, check)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	list := func(f IncidentFilter) []string {
		var ids []string
		for pages := 0; ; pages++ {
			page, next, err := store.ListIncidents(ctx, project, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, i := range page {
				ids = append(ids, i.ID)
			}
			if next == "" {
				return ids
			}
			if pages > 1000 {
				t.Fatal("no end")
			}
			f.Cursor = next
		}
	}
	opened, resolved, both := `'incident_opened'`, `'incident_resolved'`, `'incident_opened', 'incident_resolved'`
	cases := []struct {
		name        string
		f           IncidentFilter
		kinds, more string
	}{
		{"first opened ", IncidentFilter{CheckID: first, CheckEvent: "opened", Limit: 100}, opened, ""},
		{"first, both ", IncidentFilter{CheckID: first, Limit: 100}, both, ""},
		{"first opened, open ones, wrong_plan ", IncidentFilter{CheckID: first, CheckEvent: "opened", Statuses: []string{IncidentOpen},
			Kind: "wrong_plan", Limit: 77}, opened, `AND status = 'open' AND kind = 'wrong_plan'`},
		{"first resolved ", IncidentFilter{CheckID: first, CheckEvent: "resolved", Limit: 100}, resolved, ""},
		{"second resolved ", IncidentFilter{CheckID: second.ID, CheckEvent: "resolved", Limit: 50}, resolved, ""},
		{"second, both ", IncidentFilter{CheckID: second.ID, Limit: 50}, both, ""},
		{"second opened ", IncidentFilter{CheckID: second.ID, CheckEvent: "opened", Limit: 50}, opened, ""},
	}
	defer func(d int) { checkDense = d }(checkDense)
	for _, dense := range []int{1_000_000, 20} {
		checkDense = dense
		for _, c := range cases {
			listedAsLedgered(t, c.name, c.f, want(c.f.CheckID, c.kinds, c.more), list)
		}
	}
	if n := len(want(first, opened, "")); n != 700 {
		t.Fatalf("the first check opened %d", n)
	}
	if n := len(want(second.ID, resolved, "")); n < 100 {
		t.Fatalf("the second check resolved %d", n)
	}
}

func listedAsLedgered(t *testing.T, name string, f IncidentFilter, want []string, list func(IncidentFilter) []string) {
	t.Helper()
	if got := list(f); !slices.Equal(got, want) {
		t.Errorf("dense %d, %s: listed %d incidents, the ledger names %d", checkDense, name, len(got), len(want))
	}
	// Other orders list the same set.
	sorted := slices.Sorted(slices.Values(want))
	for _, sort := range []string{SortLastSeen, SortFirstSeen} {
		f.Sort = sort
		if got := slices.Sorted(slices.Values(list(f))); !slices.Equal(got, sorted) {
			t.Errorf("dense %d, %s by %s: listed %d incidents, the ledger names %d", checkDense, name, sort, len(got), len(sorted))
		}
	}
}
