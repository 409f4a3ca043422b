package fulfillment

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// PolicyVersion names a policy by its content: the first 8 hex digits of the
// SHA-256 of its canonical JSON (keys sorted, no spaces). Two projects with
// the same rules share a version, and a verdict can name the rules it was
// judged under without storing them again.
func PolicyVersion(p Policy) string {
	sum := sha256.Sum256(CanonicalPolicy(p))
	return hex.EncodeToString(sum[:])[:8]
}

// CanonicalPolicy is the policy as canonical JSON: the struct's JSON read
// back into a map and written again, so the keys come out sorted whatever
// order the struct declares them in.
func CanonicalPolicy(p Policy) []byte {
	b, err := json.Marshal(p)
	if err != nil {
		panic(err) // a struct of bools and ints always marshals
	}
	var generic map[string]any
	if err := json.Unmarshal(b, &generic); err != nil {
		panic(err)
	}
	out, err := json.Marshal(generic)
	if err != nil {
		panic(err)
	}
	return out
}

// PolicyBound is the range a numeric policy field accepts.
type PolicyBound struct {
	Field string `json:"field"`
	Min   int    `json:"min"`
	Max   int    `json:"max"`
	Unit  string `json:"unit"` // days, hours
}

// PolicyBounds are the numeric fields' ranges: wide enough for any billing
// practice, narrow enough that a typo (140 for 14) is caught.
var PolicyBounds = []PolicyBound{
	{Field: "past_due_grace_days", Min: 0, Max: 90, Unit: "days"},
	{Field: "incomplete_pending_hours", Min: 0, Max: 72, Unit: "hours"},
	{Field: "trial_tolerance_hours", Min: 0, Max: 168, Unit: "hours"},
}

// PolicySensitive reports whether some policy could judge the customer
// differently from another: a subscription whose grant depends on a policy
// rule (past_due, unpaid, paused, incomplete, collection paused), a trial
// (the trial-end tolerance), or a refunded or disputed latest invoice. Every
// other customer is judged the same under any policy, so a check keeps the
// inputs of these customers only, for previews.
func PolicySensitive(b Billing) bool {
	if b.Customer.Deleted {
		return false
	}
	for _, s := range b.Subscriptions {
		switch s.Status {
		case StatusPastDue, StatusUnpaid, StatusPaused, StatusIncomplete, StatusTrialing:
			return true
		case StatusActive:
			if s.PauseCollection {
				return true
			}
		}
		if inv := s.LatestInvoice; inv != nil && inv.Charge != nil && (inv.Charge.Refunded || inv.Charge.Dispute.Open()) {
			return true
		}
	}
	return false
}

// PolicyInputs is what a check read about one customer: enough to judge
// the customer again under another policy without asking Stripe or the app.
type PolicyInputs struct {
	Billing Billing `json:"billing"`
	// Subjects are the app subjects linked to the customer alone.
	Subjects []Subject `json:"subjects"`
	// Shared are subjects other customers point at too: ambiguous whatever
	// the policy, and never judged from this customer's promise.
	Shared []Subject `json:"shared,omitempty"`
}

// Judge derives the customer's promise and compares it, as a full check
// does: each subject of its own against the promise, a shared subject as
// ambiguous, and the customer-level findings (unmatched, ambiguous) from
// every subject linked to it.
func (in PolicyInputs) Judge(m PlanMapping, pol Policy, now time.Time) (Promise, []Finding) {
	p := DerivePromise(in.Billing, m, pol, now)
	var out []Finding
	for _, f := range Compare(p, in.Subjects, m, pol, now) {
		if f.Subject != nil {
			out = append(out, f)
		}
	}
	for _, s := range in.Shared {
		out = append(out, CompareShared([]Promise{p}, s, m, pol, now)...)
	}
	all := append(append([]Subject{}, in.Subjects...), in.Shared...)
	for _, f := range Compare(p, all, m, pol, now) {
		if f.Subject == nil {
			out = append(out, f)
		}
	}
	return p, out
}

// Rejudge judges stored inputs under the current and a candidate policy at
// the same moment, so the difference is the policy's alone (time passing
// since the read moves both sides alike).
//
// Entitlements are read only for customers the current policy owes access:
// for one the candidate would newly owe access they are unknown, so its
// entitlement comparison is left out rather than guessed.
func Rejudge(in PolicyInputs, m PlanMapping, current, candidate Policy, now time.Time) (before, after []Finding, promise Promise) {
	cur, before := in.Judge(m, current, now)
	promise, after = in.Judge(m, candidate, now)
	if promise.FeaturesEnabled && promise.Grants && !cur.Grants {
		kept := after[:0:0]
		for _, f := range after {
			if f.Kind != EntitlementMismatch {
				kept = append(kept, f)
			}
		}
		after = kept
	}
	return before, after, promise
}
