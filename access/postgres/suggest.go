package postgres

import (
	"fmt"
	"slices"
	"strings"

	"parityrail/fulfillment"
)

// Suggestion pre-fills the identity and access mappings from the schema
// (the "Suggested from your schema" chip). Nil parts found nothing.
type Suggestion struct {
	Users   *TableSuggestion   `json:"users,omitempty"`
	Orgs    *TableSuggestion   `json:"orgs,omitempty"`
	Members *MembersSuggestion `json:"members,omitempty"`
}

// TableSuggestion is a suggested table mapping with, per suggested field
// ("table", "identity", "plan", "premium", "trial_end", "entitlements",
// "email", "name"), the reason it was picked.
type TableSuggestion struct {
	Mapping TableMapping      `json:"mapping"`
	Reasons map[string]string `json:"reasons"`
}

// MembersSuggestion is the table linking users to organizations, shown so
// people see we understood their B2B layout; a check does not read it.
type MembersSuggestion struct {
	Schema     string `json:"schema"`
	Table      string `json:"table"`
	OrgColumn  string `json:"org_column"`
	UserColumn string `json:"user_column"`
	Reason     string `json:"reason"`
}

// Mapping is the suggested mapping (Users may be empty when nothing fit).
func (s Suggestion) Mapping() Mapping {
	var m Mapping
	if s.Users != nil {
		m.Users = s.Users.Mapping
	}
	if s.Orgs != nil {
		o := s.Orgs.Mapping
		m.Orgs = &o
	}
	return m
}

// Names each field is recognised by, best first, compared after norm().
var (
	identityNames     = []string{"stripe_customer_id", "stripe_customer", "customer_id", "stripe_id"}
	planNames         = []string{"plan", "plan_id", "tier", "subscription_plan", "plan_name", "subscription_tier"}
	premiumNames      = []string{"is_premium", "premium", "is_paid", "has_access", "pro", "is_pro", "paid"}
	trialNames        = []string{"trial_ends_at", "trial_end", "trial_expires_at", "trial_ends", "trial_end_at", "trial_until"}
	entitlementNames  = []string{"entitlements", "features", "feature_flags"}
	emailNames        = []string{"email", "email_address", "billing_email"}
	nameNames         = []string{"full_name", "name", "display_name", "username"}
	userTableNames    = []string{"profiles", "users", "user_profiles", "profile", "user", "customers", "members"}
	orgTableNames     = []string{"organizations", "orgs", "teams", "workspaces", "accounts", "organization", "org", "team", "workspace", "account", "companies", "tenants"}
	memberTableNames  = []string{"memberships", "members", "organization_members", "organization_memberships", "org_members", "org_memberships", "team_members", "team_memberships", "workspace_members", "workspace_memberships", "account_members", "account_users"}
	memberUserColumns = []string{"user_id", "profile_id", "member_id", "account_id"}
)

// Preferred and accepted categories per field, for suggestions: a worse
// type costs more than a worse name.
var suggestTypes = map[string][][]string{
	"identity":                    {{CatText}},
	fulfillment.FieldPlan:         {{CatText, CatEnum}},
	fulfillment.FieldPremium:      {{CatBool}, {CatText, CatInt}},
	fulfillment.FieldTrialEnd:     {{CatTimestamptz}, {CatTimestamp, CatDate}, {CatText, CatInt}},
	fulfillment.FieldEntitlements: {{CatJSONB, CatTextArray}},
	"email":                       {{CatText}},
	"name":                        {{CatText}},
}

// norm makes StripeCustomerId, stripe_customer_id and "Stripe-Customer-ID" equal.
func norm(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToLower(s))
}

func nameRank(names []string, s string) int {
	n := norm(s)
	for i, x := range names {
		if norm(x) == n {
			return i
		}
	}
	return -1
}

// bestColumn picks the column with the best name, then the best type.
func bestColumn(t Table, field string, names []string) (Column, int, bool) {
	best, bestScore := Column{}, -1
	for _, c := range t.Columns {
		r := nameRank(names, c.Name)
		if r < 0 {
			continue
		}
		for ti, cats := range suggestTypes[field] {
			if slices.Contains(cats, c.Category) {
				if score := ti*100 + r; bestScore < 0 || score < bestScore {
					best, bestScore = c, score
				}
			}
		}
	}
	return best, bestScore, bestScore >= 0
}

// Suggest proposes the users table, an organizations table with its own
// Stripe customer column, the members table linking them, and each table's
// access columns, by name and type.
func Suggest(s Schema) Suggestion {
	var out Suggestion
	type cand struct {
		t     Table
		ident Column
		score int
	}
	var users, orgs []cand
	for _, t := range s.Tables {
		c, score, ok := bestColumn(t, "identity", identityNames)
		if !ok {
			continue
		}
		// Tables named like users, in public, with access columns, win.
		score *= 10
		if r := nameRank(userTableNames, t.Name); r >= 0 {
			score += r
		} else {
			score += 50
		}
		if t.Schema != "public" {
			score += 200
		}
		if _, _, ok := bestColumn(t, fulfillment.FieldPlan, planNames); !ok {
			if _, _, ok := bestColumn(t, fulfillment.FieldPremium, premiumNames); !ok {
				score += 100
			}
		}
		if nameRank(orgTableNames, t.Name) >= 0 {
			orgs = append(orgs, cand{t, c, score})
		} else {
			users = append(users, cand{t, c, score})
		}
	}
	byScore := func(a, b cand) int { return a.score - b.score }
	slices.SortStableFunc(users, byScore)
	slices.SortStableFunc(orgs, func(a, b cand) int {
		if d := nameRank(orgTableNames, a.t.Name) - nameRank(orgTableNames, b.t.Name); d != 0 {
			return d
		}
		return a.score - b.score
	})
	if len(users) == 0 && len(orgs) > 0 { // only an accounts-like table: it is the subject
		users, orgs = orgs[:1], orgs[1:]
	}
	if len(users) > 0 {
		u := users[0]
		out.Users = suggestTable(u.t, u.ident, fmt.Sprintf("%s has a Stripe customer column (%q)", u.t.QualifiedName(), u.ident.Name))
	}
	if len(orgs) > 0 {
		o := orgs[0]
		out.Orgs = suggestTable(o.t, o.ident, fmt.Sprintf("%s is named like an organizations table and has its own Stripe customer column (%q)", o.t.QualifiedName(), o.ident.Name))
		out.Members = suggestMembers(s, o.t)
	}
	return out
}

func suggestTable(t Table, identity Column, why string) *TableSuggestion {
	ts := &TableSuggestion{
		Mapping: TableMapping{Schema: t.Schema, Table: t.Name, BillingField: BillingCustomerID, Identity: identity.Name},
		Reasons: map[string]string{
			"table":    why + ".",
			"identity": fmt.Sprintf("%q is named like a Stripe customer id and holds %s.", identity.Name, identity.Type),
		},
	}
	picks := []struct {
		field string
		names []string
		dst   *string
		label string
	}{
		{fulfillment.FieldPlan, planNames, &ts.Mapping.Plan, "a plan"},
		{fulfillment.FieldPremium, premiumNames, &ts.Mapping.Premium, "a premium flag"},
		{fulfillment.FieldTrialEnd, trialNames, &ts.Mapping.TrialEnd, "a trial end"},
		{fulfillment.FieldEntitlements, entitlementNames, &ts.Mapping.Entitlements, "a feature list"},
		{"email", emailNames, &ts.Mapping.Email, "an email address"},
		{"name", nameNames, &ts.Mapping.Name, "a name"},
	}
	for _, p := range picks {
		c, _, ok := bestColumn(t, p.field, p.names)
		if !ok || c.Name == identity.Name {
			continue
		}
		*p.dst = c.Name
		ts.Reasons[p.field] = fmt.Sprintf("%q is named like %s and holds %s.", c.Name, p.label, c.Type)
	}
	return ts
}

// SuggestPlanColumn is the column of t that looks most like its plan, and
// why, as step 6 would suggest it.
func SuggestPlanColumn(t Table) (name, reason string, ok bool) {
	c, _, ok := bestColumn(t, fulfillment.FieldPlan, planNames)
	if !ok {
		return "", "", false
	}
	return c.Name, fmt.Sprintf("%q is named like a plan and holds %s.", c.Name, c.Type), true
}

// suggestMembers finds the table with a column pointing at the org table and
// one pointing at users: organization_members(organization_id, user_id).
func suggestMembers(s Schema, org Table) *MembersSuggestion {
	singular := strings.TrimSuffix(strings.TrimSuffix(org.Name, "s"), "_")
	orgCols := []string{singular + "_id", "organization_id", "org_id", "team_id", "workspace_id", "account_id", "company_id", "tenant_id"}
	var best *MembersSuggestion
	bestRank := 0
	for _, t := range s.Tables {
		if t.Name == org.Name && t.Schema == org.Schema {
			continue
		}
		var oc, uc string
		for _, c := range t.Columns {
			if oc == "" && nameRank(orgCols, c.Name) >= 0 {
				oc = c.Name
			}
		}
		for _, c := range t.Columns {
			if uc == "" && c.Name != oc && nameRank(memberUserColumns, c.Name) >= 0 {
				uc = c.Name
			}
		}
		if oc == "" || uc == "" {
			continue
		}
		rank := nameRank(memberTableNames, t.Name)
		if rank < 0 {
			rank = 100
		}
		if best == nil || rank < bestRank {
			bestRank = rank
			best = &MembersSuggestion{
				Schema: t.Schema, Table: t.Name, OrgColumn: oc, UserColumn: uc,
				Reason: fmt.Sprintf("%s links %q (the organization) to %q (the user).", t.QualifiedName(), oc, uc),
			}
		}
	}
	return best
}
