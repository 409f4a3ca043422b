package fulfillment

import "time"

// DefaultNoPlanValue is the app's "no paid plan" value unless configured.
const DefaultNoPlanValue = "free"

// PlanMapping maps Stripe prices to the app's plan values (onboarding step 5).
type PlanMapping struct {
	// Rows are ordered by tier: the first row is the highest.
	Rows []PlanRow `json:"rows"`
	// NoPlanValue is what the app stores for "no paid plan"; empty means
	// DefaultNoPlanValue. Empty and NULL always count as no plan too.
	NoPlanValue string `json:"no_plan_value"`
}

// PlanRow maps one Stripe price (by id, or by lookup key) to an app plan value.
type PlanRow struct {
	PriceID   string `json:"price_id"`
	LookupKey string `json:"lookup_key,omitempty"`
	AppValue  string `json:"app_value"`
}

// NoPlan is the app value meaning "no paid plan".
func (m PlanMapping) NoPlan() string {
	if m.NoPlanValue == "" {
		return DefaultNoPlanValue
	}
	return m.NoPlanValue
}

// IsPaidPlan reports whether an app plan value is a paid plan: anything but
// empty or the no-plan value, compared exactly (no trimming, case-sensitive).
func (m PlanMapping) IsPaidPlan(v string) bool {
	return v != "" && v != m.NoPlan()
}

// row finds an item's mapping row: price id first, then lookup key.
// It returns the row index (lower = higher tier) or -1.
func (m PlanMapping) row(it Item) int {
	for i, r := range m.Rows {
		if r.PriceID != "" && r.PriceID == it.PriceID {
			return i
		}
	}
	if it.LookupKey == "" {
		return -1
	}
	for i, r := range m.Rows {
		if r.LookupKey == it.LookupKey {
			return i
		}
	}
	return -1
}

// Policy is the project's grant policy. It is recorded on every
// promise and finding so a verdict can be explained later.
type Policy struct {
	// PastDueGrants: past_due grants access for PastDueGraceDays after the
	// latest (unpaid) invoice was created. A grace of 0 days grants nothing.
	PastDueGrants    bool `json:"past_due_grants"`
	PastDueGraceDays int  `json:"past_due_grace_days"`
	UnpaidGrants     bool `json:"unpaid_grants"`
	PausedGrants     bool `json:"paused_grants"` // the `paused` status
	// ActivePauseCollectionGrants: an active subscription with pause_collection set.
	ActivePauseCollectionGrants bool `json:"active_pause_collection_grants"`
	// IncompletePendingHours: an incomplete subscription younger than this is
	// pending (its first payment may still succeed): no incident.
	IncompletePendingHours int `json:"incomplete_pending_hours"`
	// TrialToleranceHours: how far the app's trial end may be from Stripe's.
	TrialToleranceHours int `json:"trial_tolerance_hours"`
	// RefundedInvoiceRevokes: a fully refunded latest invoice ends access.
	RefundedInvoiceRevokes bool `json:"refunded_invoice_revokes"`
	// OpenDisputeRevokes: an open dispute on the latest charge ends access.
	OpenDisputeRevokes bool `json:"open_dispute_revokes"`
}

// DefaultPolicy is the policy a new project starts with.
func DefaultPolicy() Policy {
	return Policy{
		PastDueGrants:               true,
		PastDueGraceDays:            14,
		UnpaidGrants:                false,
		PausedGrants:                false,
		ActivePauseCollectionGrants: true,
		IncompletePendingHours:      23,
		TrialToleranceHours:         24,
	}
}

func hours(n int) time.Duration { return time.Duration(n) * time.Hour }

// stamp formats a time the way evidence and display strings show it.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
