package server

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"parityrail/check"
	"parityrail/db"
	"parityrail/fulfillment"
)

// customerView is one customer: what Stripe promises beside what the app
// grants, read live; its incidents; and its ledger with each entry's chain
// status.
type customerView struct {
	CustomerID string `json:"customer_id"`
	ProjectID  string `json:"project_id"`
	// Live is read now from Stripe and the app (nil when a source failed:
	// LiveError says why).
	Live      *liveView `json:"live"`
	LiveError string    `json:"live_error,omitempty"`
	// StoredPromise is the promise the last check recorded.
	StoredPromise   json.RawMessage `json:"stored_promise"`
	StoredPromiseAt *time.Time      `json:"stored_promise_at"`
	Incidents       []incidentView  `json:"incidents"`
	Ledger          customerLedger  `json:"ledger"`
}

type liveView struct {
	Known    bool                  `json:"known"` // Stripe knows the customer
	Held     bool                  `json:"held"`  // no gap now
	Promise  *fulfillment.Promise  `json:"promise"`
	Subjects []fulfillment.Subject `json:"subjects"`
	Findings []liveFinding         `json:"findings"`
}

type liveFinding struct {
	Kind       string          `json:"kind"`
	Severity   string          `json:"severity"`
	SubjectKey string          `json:"subject_key,omitempty"`
	Summary    string          `json:"summary"`
	Fields     []fieldDiffView `json:"fields"`
}

type customerLedger struct {
	// Chain is "intact" when every entry matches its hash and links to the
	// one before it, otherwise "broken".
	Chain string `json:"chain"`
	// BrokenAt is the number (n) of the first of these entries whose link
	// does not hold (0 when intact).
	BrokenAt int64           `json:"broken_at,omitempty"`
	Entries  []db.LedgerView `json:"entries"`
}

func (s *Server) getCustomer(c echo.Context) error {
	ctx := c.Request().Context()
	p := currentProject(c)
	id := strings.TrimSpace(c.Param("customerId"))
	v := customerView{CustomerID: id, ProjectID: p.ID, Incidents: []incidentView{},
		Ledger: customerLedger{Chain: "intact", Entries: []db.LedgerView{}}}

	out, err := s.checks.Inspect(ctx, p, id)
	var ae *apiError
	switch {
	case err == nil:
		lv := &liveView{Known: out.Known, Held: len(out.Findings) == 0, Promise: out.Promise, Subjects: out.Subjects, Findings: []liveFinding{}}
		for _, f := range out.Findings {
			k := check.FindingKey(f)
			lv.Findings = append(lv.Findings, liveFinding{Kind: string(f.Kind), Severity: string(f.Severity), SubjectKey: k.SubjectKey,
				Summary: f.Summary, Fields: fieldDiffs(f)})
		}
		v.Live = lv
	case errors.As(sourceAnswer(err), &ae):
		v.LiveError = ae.Message
	default:
		s.log.Warn("customer view: live read failed", "project", p.ID, "customer", id, "err", err)
		v.LiveError = "Reading Stripe or the app failed: " + err.Error()
	}

	row, at, ok, err := s.db.PromiseOf(ctx, p.ID, id)
	if err != nil {
		return err
	}
	if ok {
		v.StoredPromise, v.StoredPromiseAt = json.RawMessage(row.Summary), &at
	}
	incidents, _, err := s.db.ListIncidents(ctx, p.ID, db.IncidentFilter{CustomerID: id, Limit: 500})
	if err != nil {
		return err
	}
	for _, i := range incidents {
		v.Incidents = append(v.Incidents, viewIncident(i))
	}
	entries, err := s.customerLedger(ctx, p.ID, id)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Chain != "intact" && v.Ledger.Chain == "intact" {
			v.Ledger.Chain, v.Ledger.BrokenAt = "broken", e.N
		}
	}
	if entries != nil {
		v.Ledger.Entries = entries
	}
	return c.JSON(http.StatusOK, v)
}

// customerLedger is a customer's Access Ledger, oldest first: the entries
// about it and the start and end of every check that wrote about it or
// re-checked it alone.
func (s *Server) customerLedger(ctx context.Context, projectID, id string) ([]db.LedgerView, error) {
	entries, err := s.db.ListLedger(ctx, projectID, db.LedgerQuery{CustomerID: id})
	if err != nil {
		return nil, err
	}
	// The checks that wrote about this customer: their start and end
	// entries belong in its timeline too (check entries name no customer).
	var checkIDs []string
	seen := map[string]bool{}
	for _, e := range entries {
		if e.CheckID != "" && !seen[e.CheckID] {
			seen[e.CheckID] = true
			checkIDs = append(checkIDs, e.CheckID)
		}
	}
	// And its own one-customer checks, even those that changed nothing.
	own, err := s.db.CustomerCheckIDs(ctx, projectID, id, 200)
	if err != nil {
		return nil, err
	}
	for _, c := range own {
		if !seen[c] {
			seen[c] = true
			checkIDs = append(checkIDs, c)
		}
	}
	for len(checkIDs) > 0 {
		batch := checkIDs[:min(len(checkIDs), 200)]
		checkIDs = checkIDs[len(batch):]
		more, err := s.db.ListLedger(ctx, projectID, db.LedgerQuery{CheckIDs: batch})
		if err != nil {
			return nil, err
		}
		entries = append(entries, more...)
	}
	slices.SortFunc(entries, func(a, b db.LedgerView) int { return cmp.Compare(a.N, b.N) })
	// Checks are named by their number in the project ("check #12").
	var ids []string
	for _, e := range entries {
		if e.CheckID != "" {
			ids = append(ids, e.CheckID)
		}
	}
	numbers, err := s.db.CheckNumbers(ctx, projectID, ids)
	if err != nil {
		return nil, err
	}
	for i := range entries {
		entries[i].CheckNumber = numbers[entries[i].CheckID]
	}
	return entries, nil
}
