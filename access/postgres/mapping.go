package postgres

import (
	"fmt"
	"slices"
	"strings"

	"parityrail/fulfillment"
)

// Billing fields a row's identity column can hold (onboarding step 4).
const (
	BillingCustomerID     = "stripe.customer.id"
	BillingEmail          = "stripe.customer.email"
	BillingMetadataPrefix = "stripe.customer.metadata." // + the metadata key
)

// Mapping says where the app keeps access state: a users table and,
// for B2B billing, an organizations table.
type Mapping struct {
	Users TableMapping  `json:"users"`
	Orgs  *TableMapping `json:"orgs,omitempty"`
}

// TableMapping maps one table. Column names are exact (case-sensitive, as
// introspected); an empty access column is not mapped and never compared.
type TableMapping struct {
	Schema string `json:"schema"` // empty means public
	Table  string `json:"table"`
	// BillingField is the Stripe field the identity column holds; empty
	// means stripe.customer.id.
	BillingField string `json:"billing_field,omitempty"`
	Identity     string `json:"identity"`

	Plan         string `json:"plan,omitempty"`
	Premium      string `json:"premium,omitempty"`
	TrialEnd     string `json:"trial_end,omitempty"`
	Entitlements string `json:"entitlements,omitempty"`

	// Email and Name are read only to label incidents.
	Email string `json:"email,omitempty"`
	Name  string `json:"name,omitempty"`
}

// SchemaName is the table's schema, public by default.
func (tm TableMapping) SchemaName() string {
	if tm.Schema == "" {
		return "public"
	}
	return tm.Schema
}

// QualifiedName is schema.table; it is the Subject.Table of its rows and the
// RepairPlan.Table a repair must name.
func (tm TableMapping) QualifiedName() string { return tm.SchemaName() + "." + tm.Table }

// AccessColumns maps each mapped access field (fulfillment.Field*) to its
// column. These, and only these, are the columns a repair may write.
func (tm TableMapping) AccessColumns() map[string]string {
	out := map[string]string{}
	for _, f := range []struct{ field, col string }{
		{fulfillment.FieldPlan, tm.Plan}, {fulfillment.FieldPremium, tm.Premium},
		{fulfillment.FieldTrialEnd, tm.TrialEnd}, {fulfillment.FieldEntitlements, tm.Entitlements},
	} {
		if f.col != "" {
			out[f.field] = f.col
		}
	}
	return out
}

// accessFields in the order they are read and shown.
var accessFields = []string{fulfillment.FieldPlan, fulfillment.FieldPremium, fulfillment.FieldTrialEnd, fulfillment.FieldEntitlements}

// tables lists the mapped tables with the prefix of their field names.
func (m Mapping) tables() []struct {
	prefix string
	tm     TableMapping
} {
	out := []struct {
		prefix string
		tm     TableMapping
	}{{"users", m.Users}}
	if m.Orgs != nil {
		out = append(out, struct {
			prefix string
			tm     TableMapping
		}{"orgs", *m.Orgs})
	}
	return out
}

// Validation is what a valid mapping still needs people to know.
type Validation struct {
	Warnings []string `json:"warnings,omitempty"`
	// NotRepairable says, per mapped table (schema.table), why ParityRail
	// can read it but never repair it.
	NotRepairable map[string]string `json:"not_repairable,omitempty"`
}

// Repairable reports whether every mapped table can be repaired.
func (v Validation) Repairable() bool { return len(v.NotRepairable) == 0 }

// boundTable is a table mapping checked against the schema: every name in it
// exists, so it may appear (quoted) in SQL.
type boundTable struct {
	m     TableMapping
	t     Table
	pk    string            // the single primary key column, "" when none is usable
	cols  map[string]Column // access field → column
	ident Column
	email *Column
	name  *Column
}

// ValidateMapping checks a mapping against the introspected schema: every
// table and column exists and is readable, types fit their field, and at
// least plan or premium is mapped. A table without a single-column primary
// key is accepted for reading and listed in NotRepairable.
func ValidateMapping(s Schema, m Mapping) (Validation, error) {
	_, v, err := bind(s, m)
	return v, err
}

func bind(s Schema, m Mapping) ([]*boundTable, Validation, error) {
	var v Validation
	var out []*boundTable
	for _, mt := range m.tables() {
		b, why, warn, err := bindTable(s, mt.tm, mt.prefix)
		if err != nil {
			return nil, Validation{}, err
		}
		if why != "" {
			if v.NotRepairable == nil {
				v.NotRepairable = map[string]string{}
			}
			v.NotRepairable[b.t.QualifiedName()] = why
			v.Warnings = append(v.Warnings, fmt.Sprintf("%s is not repairable: %s.", b.t.QualifiedName(), why))
		}
		v.Warnings = append(v.Warnings, warn...)
		out = append(out, b)
	}
	if len(out) == 2 && out[0].t.QualifiedName() == out[1].t.QualifiedName() {
		return nil, Validation{}, newError(CodeInvalidMapping, "orgs.table", "The organizations table must differ from the users table (%s).", out[0].t.QualifiedName())
	}
	return out, v, nil
}

// fieldTypes lists the column categories each field accepts, and how to say so.
var fieldTypes = map[string]struct {
	cats []string
	want string
}{
	fulfillment.FieldPlan:         {[]string{CatText, CatEnum}, "text or an enum"},
	fulfillment.FieldPremium:      {[]string{CatBool, CatText, CatInt}, "boolean (or text / integer holding true, 1, yes, on, premium, active)"},
	fulfillment.FieldTrialEnd:     {[]string{CatTimestamptz, CatTimestamp, CatDate, CatText, CatInt}, "timestamptz, timestamp, date, ISO-8601 text or a bigint epoch"},
	fulfillment.FieldEntitlements: {[]string{CatJSONB, CatTextArray}, `jsonb (an object {"feature": true}) or text[]`},
	"identity":                    {[]string{CatText, CatEnum, CatUUID, CatInt}, "text, uuid or integer"},
}

var fieldLabels = map[string]string{
	fulfillment.FieldPlan: "plan", fulfillment.FieldPremium: "premium flag",
	fulfillment.FieldTrialEnd: "trial end", fulfillment.FieldEntitlements: "entitlements",
	"identity": "identity",
}

func bindTable(s Schema, tm TableMapping, prefix string) (b *boundTable, notRepairable string, warnings []string, err error) {
	bad := func(field, format string, args ...any) (*boundTable, string, []string, error) {
		return nil, "", nil, newError(CodeInvalidMapping, prefix+"."+field, format, args...)
	}
	if tm.Table == "" {
		return bad("table", "Choose the app table that holds the %s.", map[string]string{"users": "users", "orgs": "organizations"}[prefix])
	}
	t, ok := s.Table(tm.SchemaName(), tm.Table)
	if !ok {
		return bad("table", "The table %s does not exist or the role cannot read it. Check the name (it is case-sensitive) or GRANT SELECT on it.", tm.QualifiedName())
	}
	switch bf := tm.BillingField; {
	case bf == "" || bf == BillingCustomerID || bf == BillingEmail:
	case strings.HasPrefix(bf, BillingMetadataPrefix) && len(bf) > len(BillingMetadataPrefix):
	case bf == strings.TrimSuffix(BillingMetadataPrefix, "."), bf == BillingMetadataPrefix:
		return bad("billing_field", "Enter the Stripe metadata key that holds the app's value.")
	default:
		return bad("billing_field", "The billing field must be %s, %s or %s<key>.", BillingCustomerID, BillingEmail, BillingMetadataPrefix)
	}
	b = &boundTable{m: tm, t: t, cols: map[string]Column{}}
	column := func(field, name string) (Column, error) {
		c, ok := t.Column(name)
		if !ok {
			return c, newError(CodeInvalidMapping, prefix+"."+field, "The column %q is not in %s (or the role cannot read it). Column names are case-sensitive.", name, t.QualifiedName())
		}
		ft := fieldTypes[field]
		if !slices.Contains(ft.cats, c.Category) {
			return c, newError(CodeInvalidMapping, prefix+"."+field, "The %s column %q is %s; it must be %s.", fieldLabels[field], name, c.Type, ft.want)
		}
		return c, nil
	}
	if tm.Identity == "" {
		return bad("identity", "Choose the column of %s that holds the Stripe customer.", t.QualifiedName())
	}
	if b.ident, err = column("identity", tm.Identity); err != nil {
		return nil, "", nil, err
	}
	used := map[string]string{tm.Identity: "identity"}
	access := tm.AccessColumns()
	for _, field := range accessFields {
		col, ok := access[field]
		if !ok {
			continue
		}
		if other, dup := used[col]; dup {
			return bad(field, "The column %q is mapped twice (%s and %s); each field needs its own column.", col, fieldLabels[other], fieldLabels[field])
		}
		used[col] = field
		c, err := column(field, col)
		if err != nil {
			return nil, "", nil, err
		}
		b.cols[field] = c
	}
	if tm.Plan == "" && tm.Premium == "" {
		return bad("plan", "Map at least the plan or the premium flag of %s: they say who has paid access.", t.QualifiedName())
	}
	for _, d := range []struct {
		field, name string
		dst         **Column
	}{{"email", tm.Email, &b.email}, {"name", tm.Name, &b.name}} {
		if d.name == "" {
			continue
		}
		c, ok := t.Column(d.name)
		if !ok {
			return bad(d.field, "The column %q is not in %s (or the role cannot read it).", d.name, t.QualifiedName())
		}
		*d.dst = &c
	}

	switch {
	case len(t.PrimaryKey) == 0:
		notRepairable = "the table has no primary key"
		if t.Kind != "table" && t.Kind != "partitioned table" {
			notRepairable = "it is a " + t.Kind + " without a primary key"
		}
	case len(t.PrimaryKey) > 1:
		notRepairable = fmt.Sprintf("its primary key has %d columns (%s); repairs need a single-column key", len(t.PrimaryKey), strings.Join(t.PrimaryKey, ", "))
	default:
		if _, ok := t.Column(t.PrimaryKey[0]); ok {
			b.pk = t.PrimaryKey[0]
		} else {
			notRepairable = fmt.Sprintf("the role cannot read its primary key column %q", t.PrimaryKey[0])
		}
	}
	if t.RowSecurity {
		warnings = append(warnings, fmt.Sprintf("Row-level security is on for %s and no policy lets the role see its rows, so ParityRail would read none. Add a SELECT policy for the role (see the role SQL) or grant it BYPASSRLS.", t.QualifiedName()))
	}
	return b, notRepairable, warnings, nil
}
