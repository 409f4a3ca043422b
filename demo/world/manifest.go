package world

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"parityrail/fulfillment"
)

// Manifest is what a full check of the world must find: for every customer
// (and every app subject without one) the incidents, by kind and subject.
// It is derived from the world table; manifest.json holds the same data for
// tests outside Go (the browser test reads it).
type Manifest struct {
	Entries []Entry `json:"entries"`
}

// Entry is one row of the world table.
type Entry struct {
	Key string `json:"key"`
	// CustomerID is the Stripe customer id the app subjects are linked to;
	// empty for subjects with no customer.
	CustomerID string `json:"customer_id,omitempty"`
	// Customer says what Stripe knows of it: "customer", "deleted",
	// "unknown" (an id Stripe never had) or "none".
	Customer  string     `json:"customer"`
	Name      string     `json:"name"`
	Email     string     `json:"email,omitempty"`
	Statuses  []string   `json:"statuses,omitempty"` // of its subscriptions, in table order
	Subjects  []Subject  `json:"subjects,omitempty"`
	Incidents []Incident `json:"incidents"`
	Why       string     `json:"why"`
}

// Subject is one app subject: a Clerk user or organization, which is also
// the SQL flavour's row with that primary key.
type Subject struct {
	ID   string                  `json:"id"`
	Kind fulfillment.SubjectKind `json:"kind"` // user or organization (a row in SQL)
}

// Incident is one expected incident: a customer, a subject (empty for the
// customer-level kinds unmatched_customer and ambiguous_match) and a kind.
type Incident struct {
	Kind       fulfillment.Kind `json:"kind"`
	CustomerID string           `json:"customer_id,omitempty"`
	SubjectID  string           `json:"subject_id,omitempty"`
}

func (i Incident) String() string {
	return fmt.Sprintf("%s customer=%q subject=%q", i.Kind, i.CustomerID, i.SubjectID)
}

// Kinds lists every incident kind in the order the product shows them.
func Kinds() []fulfillment.Kind {
	return []fulfillment.Kind{
		fulfillment.PaidWithoutAccess, fulfillment.AccessWithoutPayment, fulfillment.WrongPlan,
		fulfillment.TrialMismatch, fulfillment.EntitlementMismatch, fulfillment.UnmatchedCustomer,
		fulfillment.AmbiguousMatch,
	}
}

// Incidents lists every expected incident, sorted.
func (m Manifest) Incidents() []Incident {
	var out []Incident
	for _, e := range m.Entries {
		out = append(out, e.Incidents...)
	}
	SortIncidents(out)
	return out
}

// SortIncidents sorts by kind, customer, subject.
func SortIncidents(list []Incident) {
	slices.SortFunc(list, func(a, b Incident) int {
		return strings.Compare(string(a.Kind)+"\x00"+a.CustomerID+"\x00"+a.SubjectID,
			string(b.Kind)+"\x00"+b.CustomerID+"\x00"+b.SubjectID)
	})
}

// Counts is the number of expected incidents per kind; every kind is present.
func (m Manifest) Counts() map[fulfillment.Kind]int {
	out := map[fulfillment.Kind]int{}
	for _, k := range Kinds() {
		out[k] = 0
	}
	for _, i := range m.Incidents() {
		out[i.Kind]++
	}
	return out
}

// Total is the number of expected incidents.
func (m Manifest) Total() int { return len(m.Incidents()) }

// Customers lists the Stripe customer ids the account holds (deleted ones
// included), in table order.
func (m Manifest) Customers() []string {
	var out []string
	for _, e := range m.Entries {
		if e.Customer == "customer" || e.Customer == "deleted" {
			out = append(out, e.CustomerID)
		}
	}
	return out
}

// manifestFile is manifest.json: the entries plus the counts, so readers
// outside Go need not count.
type manifestFile struct {
	Counts  map[fulfillment.Kind]int `json:"counts"`
	Total   int                      `json:"total"`
	Entries []Entry                  `json:"entries"`
}

// MarshalJSON writes the manifest as manifest.json holds it.
func (m Manifest) MarshalJSON() ([]byte, error) {
	return json.Marshal(manifestFile{Counts: m.Counts(), Total: m.Total(), Entries: m.Entries})
}

// UnmarshalJSON reads manifest.json (counts are derived, not read).
func (m *Manifest) UnmarshalJSON(b []byte) error {
	var f manifestFile
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	m.Entries = f.Entries
	return nil
}

//go:embed manifest.json
var manifestJSON []byte

// ManifestJSON is the embedded manifest.json.
func ManifestJSON() []byte { return slices.Clone(manifestJSON) }

// LoadManifest reads the embedded manifest.json.
func LoadManifest() (Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(manifestJSON, &m); err != nil {
		return Manifest{}, fmt.Errorf("demo world manifest.json: %w", err)
	}
	return m, nil
}

// manifestOf derives the manifest from the world table.
func manifestOf(rows []row) Manifest {
	var m Manifest
	for _, r := range rows {
		e := Entry{Key: r.Key, CustomerID: r.customerID(), Name: r.Name, Email: r.Email, Why: r.Why, Incidents: []Incident{}}
		switch {
		case r.NoCustomer:
			e.Customer = "none"
		case r.UnknownCustomer:
			e.Customer = "unknown"
		case r.Deleted:
			e.Customer = "deleted"
		default:
			e.Customer = "customer"
		}
		for _, s := range r.Subs {
			e.Statuses = append(e.Statuses, s.Status)
		}
		// An incident names only a customer the Stripe account holds.
		cust := e.CustomerID
		if r.UnknownCustomer {
			cust = ""
		}
		for _, k := range r.Want {
			e.Incidents = append(e.Incidents, Incident{Kind: k, CustomerID: cust})
		}
		for j, a := range r.App {
			kind := fulfillment.SubjectUser
			if r.Org {
				kind = fulfillment.SubjectOrganization
			}
			id := r.subjectID(j)
			e.Subjects = append(e.Subjects, Subject{ID: id, Kind: kind})
			for _, k := range a.Want {
				e.Incidents = append(e.Incidents, Incident{Kind: k, CustomerID: cust, SubjectID: id})
			}
		}
		m.Entries = append(m.Entries, e)
	}
	return m
}
