package check

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"parityrail/sources"
	"sort"
	"strings"
	"time"

	"parityrail/billing"
	"parityrail/fulfillment"
)

// toBilling converts the connector's view of a customer into the promise's.
// ents nil means Entitlements are not compared.
func toBilling(cb billing.CustomerBilling, ents []string) fulfillment.Billing {
	c := cb.Customer
	b := fulfillment.Billing{
		Customer:      fulfillment.Customer{ID: c.ID, Email: c.Email, Name: c.Name, Deleted: c.Deleted, Created: c.Created},
		Subscriptions: make([]fulfillment.Subscription, 0, len(cb.Subscriptions)),
		Entitlements:  ents,
	}
	for _, s := range cb.Subscriptions {
		fs := fulfillment.Subscription{ID: s.ID, CustomerID: s.CustomerID, Status: s.Status, Created: s.Created,
			CurrentPeriodEnd: s.CurrentPeriodEnd, CancelAtPeriodEnd: s.CancelAtPeriodEnd, PauseCollection: s.PauseCollection}
		if !s.TrialEnd.IsZero() {
			t := s.TrialEnd
			fs.TrialEnd = &t
		}
		fs.Items = make([]fulfillment.Item, len(s.Items))
		for i, it := range s.Items {
			fs.Items[i] = fulfillment.Item{PriceID: it.PriceID, LookupKey: it.LookupKey, ProductID: it.ProductID,
				Quantity: it.Quantity, Price: priceTerms(it.Price)}
		}
		if s.LatestInvoice != nil {
			fs.LatestInvoice = &fulfillment.Invoice{ID: s.LatestInvoice.ID, Status: s.LatestInvoice.Status, Created: s.LatestInvoice.Created,
				Charge: toCharge(s.LatestInvoice.Charge)}
		}
		b.Subscriptions = append(b.Subscriptions, fs)
	}
	return b
}

func toCharge(c *billing.Charge) *fulfillment.Charge {
	if c == nil {
		return nil
	}
	out := &fulfillment.Charge{ID: c.ID, Amount: c.Amount, AmountRefunded: c.AmountRefunded, Refunded: c.Refunded,
		Currency: c.Currency, RefundID: c.RefundID}
	if d := c.Dispute; d != nil {
		out.Dispute = &fulfillment.Dispute{ID: d.ID, Amount: d.Amount, Status: d.Status}
	}
	return out
}

// grantsWithout reports whether the customer is owed access, judged without
// entitlements (which only add features): it decides whose entitlements a
// full check must read.
func grantsWithout(cb billing.CustomerBilling, plans fulfillment.PlanMapping, pol fulfillment.Policy, now time.Time) bool {
	return fulfillment.DerivePromise(toBilling(cb, nil), plans, pol, now).Grants
}

// promiseSummary is what the ledger and the promises table keep of a
// promise: what the customer is owed, not the evidence.
type promiseSummary struct {
	Grants         bool       `json:"grants"`
	Pending        bool       `json:"pending,omitempty"`
	Plan           string     `json:"plan,omitempty"`
	PlanKnown      bool       `json:"plan_known"`
	UnmappedPrices []string   `json:"unmapped_prices,omitempty"`
	Trial          bool       `json:"trial,omitempty"`
	TrialEnd       *time.Time `json:"trial_end,omitempty"`
	Features       []string   `json:"features,omitempty"`
	Deleted        bool       `json:"deleted,omitempty"`
	Reason         string     `json:"reason"`
}

func summarizePromise(p fulfillment.Promise) promiseSummary {
	return promiseSummary{Grants: p.Grants, Pending: p.Pending, Plan: p.Plan, PlanKnown: p.PlanKnown,
		UnmappedPrices: p.UnmappedPrices, Trial: p.Trial, TrialEnd: p.TrialEnd, Features: p.Features,
		Deleted: p.Customer.Deleted, Reason: p.Reason}
}

// promiseFingerprint changes exactly when what the customer is owed changes.
func promiseFingerprint(p fulfillment.Promise) string {
	te := ""
	if p.Trial && p.TrialEnd != nil {
		te = p.TrialEnd.UTC().Format(time.RFC3339)
	}
	s := fmt.Sprintf("g=%t|p=%t|plan=%s|known=%t|un=%s|trial=%s|f=%t:%s|del=%t", p.Grants, p.Pending, p.Plan, p.PlanKnown,
		strings.Join(p.UnmappedPrices, ","), te, p.FeaturesEnabled, strings.Join(p.Features, ","), p.Customer.Deleted)
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:12])
}

// boundary is the next moment after now at which the customer's promise may
// change with no event: a trial end, the end of a period set to cancel, the
// end of a past_due grace, or of an incomplete subscription's pending window.
// The recent check re-checks customers whose boundary just passed.
func boundary(b fulfillment.Billing, pol fulfillment.Policy, now time.Time) *time.Time {
	var next *time.Time
	consider := func(t time.Time) {
		if t.IsZero() || !t.After(now) {
			return
		}
		if next == nil || t.Before(*next) {
			tt := t
			next = &tt
		}
	}
	for _, s := range b.Subscriptions {
		switch s.Status {
		case fulfillment.StatusTrialing:
			if s.TrialEnd != nil {
				consider(*s.TrialEnd)
			}
			if s.CancelAtPeriodEnd {
				consider(s.CurrentPeriodEnd)
			}
		case fulfillment.StatusActive:
			if s.CancelAtPeriodEnd {
				consider(s.CurrentPeriodEnd)
			}
		case fulfillment.StatusPastDue:
			if s.LatestInvoice != nil && !s.LatestInvoice.Created.IsZero() {
				consider(s.LatestInvoice.Created.Add(time.Duration(pol.PastDueGraceDays) * 24 * time.Hour))
			}
		case fulfillment.StatusIncomplete:
			consider(s.Created.Add(time.Duration(pol.IncompletePendingHours) * time.Hour))
		}
	}
	return next
}

// diffHash identifies a finding's differing values (expected and actual), so
// finding the same values again is only a "last seen", while new values are
// an update worth a ledger entry.
func diffHash(f fulfillment.Finding) string {
	var parts []string
	for _, d := range f.Fields {
		parts = append(parts, d.Field+"|"+d.Path+"|"+d.ExpectedText+"|"+d.ActualText)
	}
	for _, c := range f.Candidates {
		parts = append(parts, "candidate|"+sources.SubjectKey(c))
	}
	if st := f.AtStake; st != nil {
		amount := "null"
		if st.MonthlyMinor != nil {
			amount = fmt.Sprint(*st.MonthlyMinor)
		}
		parts = append(parts, "stake|"+st.Basis+"|"+st.Currency+"|"+amount)
	}
	for _, id := range f.SharedWith {
		parts = append(parts, "shared|"+id)
	}
	sort.Strings(parts)
	sum := sha256.Sum256([]byte(string(f.Kind) + "\n" + strings.Join(parts, "\n")))
	return hex.EncodeToString(sum[:12])
}

// fieldView is one differing field as the ledger and the API show it.
type fieldView struct {
	Field    string `json:"field"`
	Path     string `json:"path"`
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
}

func fieldViews(f fulfillment.Finding) []fieldView {
	out := make([]fieldView, 0, len(f.Fields))
	for _, d := range f.Fields {
		out = append(out, fieldView{Field: d.Field, Path: d.Path, Expected: d.ExpectedText, Actual: d.ActualText})
	}
	return out
}

// subjectLabel names a subject for people.
func subjectLabel(s *fulfillment.Subject) string {
	if s == nil {
		return ""
	}
	id := s.ID
	if s.Kind == fulfillment.SubjectRow && s.Table != "" {
		id = s.Table + "#" + s.ID
	}
	switch {
	case s.Email != "":
		return id + " (" + s.Email + ")"
	case s.Name != "":
		return id + " (" + s.Name + ")"
	}
	return id
}
