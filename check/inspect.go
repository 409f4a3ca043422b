package check

import (
	"context"
	"errors"
	"parityrail/sources"

	"parityrail/billing"
	"parityrail/db"
	"parityrail/fulfillment"
)

// Inspect reads one customer's promise and app state live and compares
// them without filing anything: the customer view. It needs no check lock.
func (r *Runner) Inspect(ctx context.Context, p db.Project, customerID string) (Outcome, error) {
	src, err := r.Opener.Open(ctx, p)
	if err != nil {
		return Outcome{}, err
	}
	defer src.Close()
	now := r.now()
	plans, pol := *src.Mapping.Plans, *src.Mapping.Policy
	out := Outcome{CustomerID: customerID, Subjects: []fulfillment.Subject{}, Findings: []fulfillment.Finding{}}

	cb, err := src.Billing.ReadCustomer(ctx, customerID)
	switch {
	case err == nil:
		out.Known = true
	case errors.Is(err, billing.ErrCustomerNotFound):
		cb = billing.CustomerBilling{Customer: billing.Customer{ID: customerID}}
	default:
		return out, err
	}
	var keys []string
	if t, ok := src.Access.(interface{ TracksLinks() bool }); ok && t.TracksLinks() {
		if keys, err = r.DB.LinkedSubjects(ctx, p.ID, customerID); err != nil {
			return out, err
		}
	}
	linked, err := src.Access.ReadLinked(ctx, []sources.LinkQuery{{Customer: cb.Customer, Known: out.Known, Keys: keys}})
	if err != nil {
		return out, err
	}
	if s := linked[customerID]; s != nil {
		out.Subjects = s
	}
	if !out.Known {
		for _, s := range out.Subjects {
			out.Findings = append(out.Findings, fulfillment.CompareUnlinked(s, plans, pol, now)...)
		}
		return out, nil
	}
	b := toBilling(cb, nil)
	if src.Entitlements {
		b.Entitlements = []string{}
		if grantsWithout(cb, plans, pol, now) {
			if b.Entitlements, err = src.Billing.ActiveEntitlements(ctx, customerID); err != nil {
				return out, err
			}
		}
	}
	pr := fulfillment.DerivePromise(b, plans, pol, now)
	out.Promise = &pr
	out.Findings = append(out.Findings, fulfillment.Compare(pr, out.Subjects, plans, pol, now)...)
	return out, nil
}

// FindingKey is the incident key of a finding: customer, subject key
// ("" for customer-level kinds) and kind.
func FindingKey(f fulfillment.Finding) db.IncidentKey { return keyOf(f) }
