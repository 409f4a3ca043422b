package check

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"parityrail/db"
	"parityrail/fulfillment"
)

// PolicyPreview says what saving a candidate policy would change, judged
// from what the checks last read (stored inputs), never from Stripe.
type PolicyPreview struct {
	// WouldResolve: open incidents (open, acknowledged, repairing,
	// verifying) the candidate finds no more.
	WouldResolve int `json:"would_resolve"`
	// WouldOpen: gaps the candidate finds that have no incident yet (or
	// whose ignored incident would reopen).
	WouldOpen int `json:"would_open"`
	// Unchanged: open incidents that stay.
	Unchanged int `json:"unchanged"`
	// OpenIncidents is how many are open now.
	OpenIncidents int `json:"open_incidents"`
	// Customers is how many customers were judged again: those a policy
	// can judge differently (the rest are judged the same under any).
	Customers int `json:"customers"`
	// ReadAt is when the newest of those inputs was read (nil when none).
	ReadAt          *time.Time       `json:"read_at"`
	ResolveExamples []PreviewExample `json:"resolve_examples"`
	OpenExamples    []PreviewExample `json:"open_examples"`
	// Notes say what the preview cannot count, and why.
	Notes []string `json:"notes"`
}

// PreviewExample is one incident that would resolve or open.
type PreviewExample struct {
	CustomerID string `json:"customer_id"`
	Email      string `json:"email,omitempty"`
	Subject    string `json:"subject,omitempty"`
	Kind       string `json:"kind"`
	Severity   string `json:"severity"`
	// IncidentID: the open incident that would resolve (or the ignored one
	// that would reopen).
	IncidentID string `json:"incident_id,omitempty"`
	Summary    string `json:"summary"`
	// Promise says why, under the candidate policy, in one line.
	Promise string `json:"promise"`
}

// previewExamples bounds each example list.
const previewExamples = 5

// Preview judges every stored customer again under the current and the
// candidate policy at now and compares the difference with the incidents
// that are open: only the policy's own effect counts, whatever time did
// since the read (both sides move alike).
func Preview(ctx context.Context, store *db.DB, projectID string, plans fulfillment.PlanMapping, current, candidate fulfillment.Policy, now time.Time) (PolicyPreview, error) {
	out := PolicyPreview{ResolveExamples: []PreviewExample{}, OpenExamples: []PreviewExample{}, Notes: []string{}}
	active := map[db.IncidentKey]db.ActiveIncident{}
	if err := store.ActiveIncidents(ctx, projectID, nil, nil, func(k db.IncidentKey, a db.ActiveIncident) {
		active[k] = a
		if a.Status != db.IncidentIgnored {
			out.OpenIncidents++
		}
	}); err != nil {
		return out, err
	}
	err := store.EachPolicyInput(ctx, projectID, func(customerID string, raw []byte, readAt time.Time) error {
		var in fulfillment.PolicyInputs
		if err := json.Unmarshal(raw, &in); err != nil {
			return fmt.Errorf("stored policy inputs of %s: %w", customerID, err)
		}
		out.Customers++
		if out.ReadAt == nil || readAt.After(*out.ReadAt) {
			t := readAt
			out.ReadAt = &t
		}
		before, after, promise := fulfillment.Rejudge(in, plans, current, candidate, now)
		was := map[db.IncidentKey]fulfillment.Finding{}
		for _, f := range before {
			was[keyOf(f)] = f
		}
		will := map[db.IncidentKey]fulfillment.Finding{}
		for _, f := range after {
			will[keyOf(f)] = f
		}
		for _, k := range sortedKeys(was) {
			a, open := active[k]
			if _, still := will[k]; still || !open || a.Status == db.IncidentIgnored {
				continue
			}
			out.WouldResolve++
			if len(out.ResolveExamples) < previewExamples {
				f := was[k]
				out.ResolveExamples = append(out.ResolveExamples, example(f, promise, a.ID))
			}
		}
		for _, k := range sortedKeys(will) {
			f := will[k]
			if _, found := was[k]; found {
				continue
			}
			a, exists := active[k]
			id := ""
			if exists {
				// An open incident stays open; an ignored one reopens
				// only when what the promise expects changed.
				if a.Status != db.IncidentIgnored || a.Fingerprint == fulfillment.ExpectedFingerprint(f) {
					continue
				}
				id = a.ID
			}
			out.WouldOpen++
			if len(out.OpenExamples) < previewExamples {
				out.OpenExamples = append(out.OpenExamples, example(f, promise, id))
			}
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	out.Unchanged = out.OpenIncidents - out.WouldResolve
	if out.Customers == 0 {
		out.Notes = append(out.Notes, "The last full check found no customer that a policy judges differently (past due, unpaid, paused, incomplete, trialing, collection paused, refunded or disputed), so no policy changes anything yet.")
	}
	if candidate.ReadsCharges() && !current.ReadsCharges() {
		out.Notes = append(out.Notes, "Refund and dispute rules: the checks have not read charges (no such rule is on now), so refunded or disputed customers are not counted here. The first check after saving reads them.")
	}
	return out, nil
}

func example(f fulfillment.Finding, p fulfillment.Promise, incidentID string) PreviewExample {
	return PreviewExample{CustomerID: f.CustomerID, Email: p.Customer.Email, Subject: subjectLabel(f.Subject),
		Kind: string(f.Kind), Severity: string(f.Severity), IncidentID: incidentID, Summary: f.Summary, Promise: p.Reason}
}

// sortedKeys orders keys so examples come out the same on every call.
func sortedKeys(m map[db.IncidentKey]fulfillment.Finding) []db.IncidentKey {
	keys := make([]db.IncidentKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, db.IncidentKey.Compare)
	return keys
}
