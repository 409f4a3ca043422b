package fulfillment

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Promise is what Stripe promises one customer, with the evidence
// behind it.
type Promise struct {
	CustomerID string   `json:"customer_id"`
	Customer   Customer `json:"customer"`
	// Grants: the customer is owed paid access (some subscription grants).
	Grants bool `json:"grants"`
	// Pending: nothing grants yet, but an incomplete subscription is still
	// within its pending window; no incident is filed while pending.
	Pending bool `json:"pending,omitempty"`
	// Plan is the promised app plan value: the highest-tier mapped plan of
	// the granting subscriptions, or the no-plan value when nothing grants.
	// Empty when PlanKnown is false.
	Plan string `json:"plan"`
	// PlanKnown is false when a granting subscription has no mapped price:
	// the plan cannot be judged (premium and access still are).
	PlanKnown bool `json:"plan_known"`
	// CandidatePlans are the mapped plans of all granting subscriptions,
	// highest tier first (evidence for "highest row wins").
	CandidatePlans []string `json:"candidate_plans,omitempty"`
	// UnmappedPrices are granting prices with no mapping row (check summary).
	UnmappedPrices []string `json:"unmapped_prices,omitempty"`
	// Premium is the expected premium flag: the same as Grants.
	Premium bool `json:"premium"`
	// Trial: every granting subscription is trialing; TrialEnd is the latest
	// of their trial ends (when access would end without payment).
	Trial    bool       `json:"trial"`
	TrialEnd *time.Time `json:"trial_end,omitempty"`
	// FeaturesEnabled: the project reads Stripe Entitlements; only then are
	// Features promised and compared. Features are sorted lookup keys.
	FeaturesEnabled bool     `json:"features_enabled"`
	Features        []string `json:"features,omitempty"`
	// Subscriptions holds each subscription's grant decision (evidence).
	Subscriptions []SubscriptionVerdict `json:"subscriptions"`
	// Reason says in one line why the customer is or is not owed access.
	Reason    string    `json:"reason"`
	Policy    Policy    `json:"policy"`
	DerivedAt time.Time `json:"derived_at"`
}

// SubscriptionVerdict is one subscription's grant decision, kept as evidence.
type SubscriptionVerdict struct {
	ID                  string      `json:"id"`
	Status              string      `json:"status"`
	Grants              bool        `json:"grants"`
	Pending             bool        `json:"pending,omitempty"`
	Reason              string      `json:"reason"`
	Prices              []PricePlan `json:"prices"`
	TrialEnd            *time.Time  `json:"trial_end,omitempty"`
	CurrentPeriodEnd    *time.Time  `json:"current_period_end,omitempty"`
	CancelAtPeriodEnd   bool        `json:"cancel_at_period_end,omitempty"`
	PauseCollection     bool        `json:"pause_collection,omitempty"`
	LatestInvoiceID     string      `json:"latest_invoice_id,omitempty"`
	LatestInvoiceStatus string      `json:"latest_invoice_status,omitempty"`
	// Stake is what the subscription is worth per month (nil when its
	// prices were not read).
	Stake *AtStake `json:"stake,omitempty"`
	// Revoked: a refund or dispute ended the access the subscription
	// would grant (the policy's refund and dispute rules).
	Revoked *Revocation `json:"revoked,omitempty"`
}

// PricePlan is one subscription price and the app plan it maps to.
type PricePlan struct {
	PriceID   string `json:"price_id"`
	LookupKey string `json:"lookup_key,omitempty"`
	ProductID string `json:"product_id,omitempty"`
	Plan      string `json:"plan,omitempty"` // empty when unmapped
	Mapped    bool   `json:"mapped"`
}

// DerivePromise derives what the customer in b is owed at time now.
func DerivePromise(b Billing, m PlanMapping, p Policy, now time.Time) Promise {
	pr := Promise{
		CustomerID:      b.Customer.ID,
		Customer:        b.Customer,
		Plan:            m.NoPlan(),
		PlanKnown:       true,
		FeaturesEnabled: b.Entitlements != nil,
		Policy:          p,
		DerivedAt:       now,
	}

	best := -1        // highest-tier mapping row among granting prices
	allMapped := true // every granting subscription has a mapped price
	allTrialing := true
	var granting, pending []string
	var trialEnd *time.Time
	tiers := map[int]bool{}
	unmapped := map[string]bool{}

	for _, s := range b.Subscriptions {
		v := SubscriptionVerdict{
			ID: s.ID, Status: s.Status, TrialEnd: s.TrialEnd,
			CancelAtPeriodEnd: s.CancelAtPeriodEnd, PauseCollection: s.PauseCollection,
		}
		if !s.CurrentPeriodEnd.IsZero() {
			t := s.CurrentPeriodEnd
			v.CurrentPeriodEnd = &t
		}
		if s.LatestInvoice != nil {
			v.LatestInvoiceID, v.LatestInvoiceStatus = s.LatestInvoice.ID, s.LatestInvoice.Status
		}
		v.Grants, v.Pending, v.Reason = judge(s, p, now)
		if v.Grants {
			if r, why := revoked(s, p); r != nil {
				v.Grants, v.Revoked, v.Reason = false, r, why
			}
		}
		v.Stake = subscriptionStake(s)
		if b.Customer.Deleted {
			// Stripe cancels a deleted customer's subscriptions; never trust stale ones.
			v.Grants, v.Pending, v.Reason = false, false, "customer deleted in Stripe"
		}

		subMapped := false
		for _, it := range s.Items {
			pp := PricePlan{PriceID: it.PriceID, LookupKey: it.LookupKey, ProductID: it.ProductID}
			r := m.row(it)
			if r >= 0 {
				pp.Plan, pp.Mapped, subMapped = m.Rows[r].AppValue, true, true
			}
			v.Prices = append(v.Prices, pp)
			if !v.Grants {
				continue
			}
			if r < 0 {
				unmapped[it.PriceID] = true
				continue
			}
			tiers[r] = true
			if best < 0 || r < best {
				best = r
			}
		}

		if v.Grants {
			granting = append(granting, fmt.Sprintf("%s (%s)", s.ID, s.Status))
			// A subscription with no mapped price might be a tier we don't
			// know; an unmapped item beside a mapped one is an add-on.
			if !subMapped {
				allMapped = false
			}
			if s.Status == StatusTrialing && s.TrialEnd != nil {
				if trialEnd == nil || s.TrialEnd.After(*trialEnd) {
					t := *s.TrialEnd
					trialEnd = &t
				}
			} else {
				allTrialing = false
			}
		}
		if v.Pending {
			pending = append(pending, s.ID)
		}
		pr.Subscriptions = append(pr.Subscriptions, v)
	}
	pr.UnmappedPrices = slices.Sorted(maps.Keys(unmapped))

	switch {
	case b.Customer.Deleted:
		pr.Reason = "customer deleted in Stripe"
	case len(granting) > 0:
		pr.Grants, pr.Premium = true, true
		for _, r := range slices.Sorted(maps.Keys(tiers)) {
			pr.CandidatePlans = appendUnique(pr.CandidatePlans, m.Rows[r].AppValue)
		}
		pr.Reason = "owed paid access by " + strings.Join(granting, ", ")
		if allMapped && best >= 0 {
			pr.Plan = m.Rows[best].AppValue
			pr.Reason += fmt.Sprintf("; plan %s", pr.Plan)
			if len(pr.CandidatePlans) > 1 {
				pr.Reason += fmt.Sprintf(" (highest of %s)", strings.Join(pr.CandidatePlans, ", "))
			}
		} else {
			pr.Plan, pr.PlanKnown = "", false
			pr.Reason += "; plan cannot be judged: a granting subscription has no mapped price"
			if len(pr.UnmappedPrices) > 0 {
				pr.Reason += " (" + strings.Join(pr.UnmappedPrices, ", ") + ")"
			}
		}
		if allTrialing && trialEnd != nil {
			pr.Trial, pr.TrialEnd = true, trialEnd
			pr.Reason += "; trial ends " + stamp(*trialEnd)
		}
		if pr.FeaturesEnabled {
			pr.Features = sortedUnique(b.Entitlements)
		}
	case len(pending) > 0:
		pr.Pending = true
		pr.Reason = "pending: " + strings.Join(pending, ", ") + " is incomplete and its first payment may still succeed"
	case len(b.Subscriptions) == 0:
		pr.Reason = "no subscriptions"
	default:
		why := make([]string, len(pr.Subscriptions))
		for i, v := range pr.Subscriptions {
			why[i] = v.ID + ": " + v.Reason
		}
		pr.Reason = "no subscription grants access (" + strings.Join(why, " | ") + ")"
	}
	return pr
}

// judge decides whether one subscription grants access now, and says why.
func judge(s Subscription, p Policy, now time.Time) (grants, pending bool, reason string) {
	switch s.Status {
	case StatusActive, StatusTrialing:
		if s.CancelAtPeriodEnd && !s.CurrentPeriodEnd.IsZero() && !now.Before(s.CurrentPeriodEnd) {
			return false, false, fmt.Sprintf("%s, set to cancel at period end, and the period ended %s", s.Status, stamp(s.CurrentPeriodEnd))
		}
		switch {
		case s.Status == StatusTrialing && s.TrialEnd != nil:
			reason = "trialing until " + stamp(*s.TrialEnd)
		case s.Status == StatusTrialing:
			reason = "trialing (no trial end on the subscription)"
		case s.PauseCollection && !p.ActivePauseCollectionGrants:
			return false, false, "active with collection paused; the policy does not grant it"
		case s.PauseCollection:
			reason = "active with collection paused; the policy grants it"
		default:
			reason = "active"
		}
		if s.CancelAtPeriodEnd {
			reason += "; cancels at period end " + stamp(s.CurrentPeriodEnd)
		}
		return true, false, reason

	case StatusPastDue:
		if !p.PastDueGrants {
			return false, false, "past_due; the policy does not grant past_due"
		}
		inv := s.LatestInvoice
		if inv == nil || inv.Created.IsZero() {
			// Stripe always has one; without it we cannot measure the grace,
			// and revoking a paying customer on a guess is the worse mistake.
			return true, false, "past_due; no latest invoice to count the grace from, so still granted"
		}
		end := inv.Created.Add(hours(24 * p.PastDueGraceDays))
		if now.Before(end) {
			return true, false, fmt.Sprintf("past_due; within the %d-day grace from invoice %s (until %s)", p.PastDueGraceDays, inv.ID, stamp(end))
		}
		return false, false, fmt.Sprintf("past_due; the %d-day grace from invoice %s ended %s", p.PastDueGraceDays, inv.ID, stamp(end))

	case StatusUnpaid:
		if p.UnpaidGrants {
			return true, false, "unpaid; the policy grants unpaid"
		}
		return false, false, "unpaid; the policy does not grant unpaid"

	case StatusPaused:
		if p.PausedGrants {
			return true, false, "paused; the policy grants paused"
		}
		return false, false, "paused; the policy does not grant paused"

	case StatusIncomplete:
		end := s.Created.Add(hours(p.IncompletePendingHours))
		if now.Before(end) {
			return false, true, "incomplete; first payment pending until " + stamp(end)
		}
		return false, false, fmt.Sprintf("incomplete for more than %dh", p.IncompletePendingHours)

	case StatusIncompleteExpired, StatusCanceled:
		return false, false, s.Status
	}
	return false, false, fmt.Sprintf("unknown status %q does not grant", s.Status)
}

func appendUnique(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

// sortedUnique returns a sorted copy without duplicates or empty strings;
// never nil, so "enabled and empty" stays distinct from "not enabled".
func sortedUnique(in []string) []string {
	set := map[string]bool{}
	for _, s := range in {
		if s != "" {
			set[s] = true
		}
	}
	out := slices.Sorted(maps.Keys(set))
	if out == nil {
		out = []string{}
	}
	return out
}
