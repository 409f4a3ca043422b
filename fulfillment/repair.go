package fulfillment

import (
	"fmt"
	"time"
)

// RepairPlan is the change of mapped access fields that would make the app
// keep the promise for one subject. Postgres repairs execute it (guarded by
// each Before value); Clerk repairs show it for a person to apply.
type RepairPlan struct {
	Kind        Kind          `json:"kind"`
	CustomerID  string        `json:"customer_id,omitempty"`
	SubjectKind SubjectKind   `json:"subject_kind"`
	SubjectID   string        `json:"subject_id"`
	Table       string        `json:"table,omitempty"`
	Fields      []FieldChange `json:"fields"`
	Reason      string        `json:"reason"`
}

// FieldChange sets one mapped field. Before is the value exactly as read
// (FieldValue.Raw). After is typed: string (plan), bool (premium),
// time.Time (trial end), []string (entitlements to grant), or nil meaning
// NULL / remove the key (trial end when no trial is owed).
type FieldChange struct {
	Field  string `json:"field"`
	Path   string `json:"path"`
	Before any    `json:"before"`
	After  any    `json:"after"`
}

// Repair proposes the repair of a finding: every differing field is set to
// its expected value. So access_without_payment sets plan to the no-plan
// value (not NULL: the app already uses it), premium to false and trial end
// to NULL, touching only the fields that granted access.
// unmatched_customer and ambiguous_match need a person (ok is false), and so
// does a plan expected from an unmapped price (that field is left out).
func Repair(f Finding) (plan RepairPlan, ok bool) {
	if f.Subject == nil {
		return RepairPlan{}, false
	}
	plan = RepairPlan{
		Kind: f.Kind, CustomerID: f.CustomerID,
		SubjectKind: f.Subject.Kind, SubjectID: f.Subject.ID, Table: f.Subject.Table,
	}
	for _, d := range f.Fields {
		if d.ExpectedUnknown {
			continue
		}
		after := d.Expected
		if t, isTime := after.(time.Time); isTime {
			after = t.UTC()
		}
		plan.Fields = append(plan.Fields, FieldChange{Field: d.Field, Path: d.Path, Before: d.Raw, After: after})
	}
	if len(plan.Fields) == 0 {
		return RepairPlan{}, false
	}
	switch f.Kind {
	case PaidWithoutAccess:
		plan.Reason = "Turn on the access Stripe promises"
	case AccessWithoutPayment:
		plan.Reason = "Remove access Stripe does not promise"
	case WrongPlan:
		plan.Reason = "Set the plan Stripe promises"
	case TrialMismatch:
		plan.Reason = "Set the trial end Stripe promises"
	case EntitlementMismatch:
		plan.Reason = "Set the features Stripe promises"
	default:
		return RepairPlan{}, false
	}
	plan.Reason = fmt.Sprintf("%s (%s).", plan.Reason, f.Promise.Reason)
	return plan, true
}

// EntitlementObject is how a repair writes the owed entitlements into an app
// that keeps them as an object {"feature": bool}: every owed feature true,
// and every feature the object already names (before, as read) that is not
// owed false, so the app's list of known features survives.
func EntitlementObject(before any, owed []string) map[string]bool {
	obj := map[string]bool{}
	if old, ok := before.(map[string]any); ok {
		for k := range old {
			obj[k] = false
		}
	}
	for _, k := range owed {
		obj[k] = true
	}
	return obj
}
