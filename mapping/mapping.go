// Package mapping holds what onboarding steps 4–6 decide: who a customer is
// in the app (identity), which app plan each Stripe price means (plans), and
// which app fields say who has paid access (access), plus the grant policy.
package mapping

import (
	"encoding/json"
	"fmt"
	"strings"

	"parityrail/access/clerk"
	"parityrail/access/postgres"
	"parityrail/fulfillment"
)

// Mapping is stored as one JSON document per project.
type Mapping struct {
	Identity *Identity                `json:"identity"`
	Plans    *fulfillment.PlanMapping `json:"plans"`
	Access   *Access                  `json:"access"`
	Policy   *fulfillment.Policy      `json:"policy"`
}

// Billing fields a customer can be identified by (step 4, Postgres).
const (
	BillingCustomerID = "stripe.customer.id"
	BillingMetadata   = "stripe.customer.metadata"
	BillingEmail      = "stripe.customer.email"
)

// Identity says which app row belongs to which Stripe customer. With Clerk it
// is automatic: the Stripe customer id field of the access mapping matches.
type Identity struct {
	Automatic     bool      `json:"automatic,omitempty"`
	BillingField  string    `json:"billing_field,omitempty"`
	MetadataKey   string    `json:"metadata_key,omitempty"`
	Table         string    `json:"table,omitempty"`
	Column        string    `json:"column,omitempty"`
	Organizations *Identity `json:"organizations,omitempty"`
}

// Access says which fields grant paid access, for users and (when enabled)
// organizations. For Clerk the values are field paths such as
// public_metadata.plan; for Postgres they are column names.
type Access struct {
	Users         Fields  `json:"users"`
	Organizations *Fields `json:"organizations,omitempty"`
	// Entitlements: compare Stripe's active entitlements with the app's.
	StripeEntitlements bool `json:"stripe_entitlements,omitempty"`
}

// Fields are the mapped access fields of one kind of subject.
type Fields struct {
	StripeCustomerID string `json:"stripe_customer_id,omitempty"`
	Plan             string `json:"plan,omitempty"`
	Premium          string `json:"premium,omitempty"`
	TrialEnd         string `json:"trial_end,omitempty"`
	Entitlements     string `json:"entitlements,omitempty"`
	// Email and Name (Postgres columns) only label incidents.
	Email string `json:"email,omitempty"`
	Name  string `json:"name,omitempty"`
}

// Parse reads a stored document.
func Parse(doc string) (Mapping, error) {
	var m Mapping
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		return Mapping{}, fmt.Errorf("stored mapping is unreadable: %w", err)
	}
	return m, nil
}

// Merge returns m with every section present in update replacing m's.
func (m Mapping) Merge(update Mapping) Mapping {
	if update.Identity != nil {
		m.Identity = update.Identity
	}
	if update.Plans != nil {
		m.Plans = update.Plans
	}
	if update.Access != nil {
		m.Access = update.Access
	}
	if update.Policy != nil {
		m.Policy = update.Policy
	}
	return m
}

// ValidationError names the field a person has to fix.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string { return e.Message }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// ValidateClerkAccess checks a Clerk access mapping (step 6): every path is
// <container>.<key> with a known container; the Stripe customer id field is
// required, and a plan or premium field.
func ValidateClerkAccess(a *Access) (*Access, error) {
	out := *a
	check := func(prefix string, f *Fields) error {
		for _, p := range []struct {
			name string
			v    *string
		}{
			{"stripe_customer_id", &f.StripeCustomerID}, {"plan", &f.Plan}, {"premium", &f.Premium},
			{"trial_end", &f.TrialEnd}, {"entitlements", &f.Entitlements},
		} {
			*p.v = strings.TrimSpace(*p.v)
			if *p.v == "" {
				continue
			}
			fp, err := clerk.ParseFieldPath(*p.v)
			if err != nil {
				return invalid(prefix+p.name, "%s", err.Error())
			}
			*p.v = fp.String()
		}
		if f.StripeCustomerID == "" {
			return invalid(prefix+"stripe_customer_id", "Map the Stripe customer id field: it matches a Clerk %s to its Stripe customer, and is required to reconcile.", subjectWord(prefix))
		}
		return nil
	}
	users := out.Users
	if err := check("users.", &users); err != nil {
		return nil, err
	}
	if users.Plan == "" && users.Premium == "" {
		return nil, invalid("users.plan", "Map a plan or a premium field, so ParityRail can tell who has paid access.")
	}
	out.Users = users
	if a.Organizations != nil {
		orgs := *a.Organizations
		if err := check("organizations.", &orgs); err != nil {
			return nil, err
		}
		out.Organizations = &orgs
	}
	return &out, nil
}

func subjectWord(prefix string) string {
	if prefix == "organizations." {
		return "organization"
	}
	return "user"
}

// ValidatePlans checks the plan mapping (step 5): each row names a price id
// or a lookup key and an app plan value that is a paid value.
func ValidatePlans(p *fulfillment.PlanMapping) (*fulfillment.PlanMapping, error) {
	out := fulfillment.PlanMapping{Rows: []fulfillment.PlanRow{}, NoPlanValue: strings.TrimSpace(p.NoPlanValue)}
	seen := map[string]int{}
	for i, r := range p.Rows {
		r.PriceID, r.LookupKey, r.AppValue = strings.TrimSpace(r.PriceID), strings.TrimSpace(r.LookupKey), strings.TrimSpace(r.AppValue)
		n := i + 1
		if r.PriceID == "" && r.LookupKey == "" {
			return nil, invalid(fmt.Sprintf("plans.rows.%d.price_id", i), "Row %d needs a Stripe price id (price_…) or a lookup key.", n)
		}
		if r.PriceID != "" && !strings.HasPrefix(r.PriceID, "price_") {
			return nil, invalid(fmt.Sprintf("plans.rows.%d.price_id", i), "Row %d: %q is not a Stripe price id; price ids start with price_.", n, r.PriceID)
		}
		if r.AppValue == "" {
			return nil, invalid(fmt.Sprintf("plans.rows.%d.app_value", i), "Row %d needs the app plan value it grants.", n)
		}
		if r.AppValue == out.NoPlan() {
			return nil, invalid(fmt.Sprintf("plans.rows.%d.app_value", i), "Row %d maps to %q, which is your no-paid-plan value; a paid price must map to a paid plan.", n, r.AppValue)
		}
		key := r.PriceID
		if key == "" {
			key = "lookup:" + r.LookupKey
		}
		if j, dup := seen[key]; dup {
			return nil, invalid(fmt.Sprintf("plans.rows.%d.price_id", i), "Rows %d and %d map the same price; keep one.", j+1, n)
		}
		seen[key] = i
		out.Rows = append(out.Rows, r)
	}
	return &out, nil
}

// ValidatePolicy keeps the policy's numbers in their ranges
// (fulfillment.PolicyBounds); the field it names is "policy.<field>".
func ValidatePolicy(p *fulfillment.Policy) error {
	values := map[string]int{
		"past_due_grace_days":      p.PastDueGraceDays,
		"incomplete_pending_hours": p.IncompletePendingHours,
		"trial_tolerance_hours":    p.TrialToleranceHours,
	}
	what := map[string]string{
		"past_due_grace_days":      "The past-due grace",
		"incomplete_pending_hours": "The pending window for incomplete subscriptions",
		"trial_tolerance_hours":    "The trial-end tolerance",
	}
	for _, b := range fulfillment.PolicyBounds {
		if v := values[b.Field]; v < b.Min || v > b.Max {
			return invalid("policy."+b.Field, "%s must be between %d and %d %s.", what[b.Field], b.Min, b.Max, b.Unit)
		}
	}
	return nil
}

// Postgres is the mapping as the Postgres source reads it: identity and
// access fields of the users table, and of the organizations table when both
// its identity and access are mapped. Tables are "schema.table" or "table"
// (public).
func (m Mapping) Postgres() postgres.Mapping {
	var out postgres.Mapping
	if m.Identity == nil {
		return out
	}
	var users Fields
	if m.Access != nil {
		users = m.Access.Users
	}
	out.Users = tableMapping(*m.Identity, users)
	if m.Identity.Organizations != nil && m.Access != nil && m.Access.Organizations != nil {
		orgs := tableMapping(*m.Identity.Organizations, *m.Access.Organizations)
		out.Orgs = &orgs
	}
	return out
}

func tableMapping(id Identity, f Fields) postgres.TableMapping {
	schema, table, ok := strings.Cut(id.Table, ".")
	if !ok {
		schema, table = "", id.Table
	}
	billing := id.BillingField
	if billing == BillingMetadata {
		billing = postgres.BillingMetadataPrefix + id.MetadataKey
	}
	return postgres.TableMapping{Schema: schema, Table: table, BillingField: billing, Identity: id.Column,
		Plan: f.Plan, Premium: f.Premium, TrialEnd: f.TrialEnd, Entitlements: f.Entitlements, Email: f.Email, Name: f.Name}
}
