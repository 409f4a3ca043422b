package fulfillment

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// SubjectKind says what an app subject is.
type SubjectKind string

const (
	SubjectUser         SubjectKind = "user"         // a Clerk user
	SubjectOrganization SubjectKind = "organization" // a Clerk organization
	SubjectRow          SubjectKind = "row"          // a Postgres row (user or org table)
)

// Subject is one app user, organization or row, with its access state as read.
type Subject struct {
	Kind SubjectKind `json:"kind"`
	// ID is the Clerk user/org id, or the row's primary key as a string.
	ID string `json:"id"`
	// Table is the Postgres table of a row subject (empty for Clerk).
	Table string `json:"table,omitempty"`
	Email string `json:"email,omitempty"`
	Name  string `json:"name,omitempty"`
	// CustomerID is the Stripe customer id the subject is linked to, as read
	// from the identity field; empty when the subject has none.
	CustomerID string `json:"customer_id,omitempty"`
	Fields     Fields `json:"fields"`
}

// Fields holds the subject's mapped access fields; a nil field is not mapped
// and is never compared.
type Fields struct {
	Plan         *FieldValue `json:"plan,omitempty"`
	Premium      *FieldValue `json:"premium,omitempty"`
	TrialEnd     *FieldValue `json:"trial_end,omitempty"`
	Entitlements *FieldValue `json:"entitlements,omitempty"`
}

// Set puts a value read for field (FieldPlan, FieldPremium, FieldTrialEnd,
// FieldEntitlements) in its place; another name is ignored.
func (f *Fields) Set(field string, v *FieldValue) {
	switch field {
	case FieldPlan:
		f.Plan = v
	case FieldPremium:
		f.Premium = v
	case FieldTrialEnd:
		f.TrialEnd = v
	case FieldEntitlements:
		f.Entitlements = v
	}
}

// FieldValue is one mapped field as read from the app.
//
// Connectors parse raw Postgres/Clerk values (premium truthy spellings, ISO or
// epoch trial ends, {featureKey: boolean} objects) and fill exactly the typed
// member that fits the field: Text for plan, Flag for premium, Time for trial
// end, Set for entitlements. A NULL column or missing metadata key leaves Raw
// and the typed member nil. A value that cannot be parsed sets ParseError
// (e.g. "not a date") and leaves the typed member nil; it then grants nothing
// and is reported as unreadable.
type FieldValue struct {
	Path       string     `json:"path"` // column name or metadata path, e.g. public_metadata.plan
	Raw        any        `json:"raw"`  // the value as read (JSON-friendly); repairs guard on it
	ParseError string     `json:"parse_error,omitempty"`
	Text       *string    `json:"text,omitempty"` // plan
	Flag       *bool      `json:"flag,omitempty"` // premium: true when truthy
	Time       *time.Time `json:"time,omitempty"` // trial end
	Set        []string   `json:"set,omitempty"`  // entitlements: the keys that are granted
}

func (f *FieldValue) readable() bool { return f != nil && f.ParseError == "" }

// Grants reports whether the app gives the subject paid access: its premium
// flag is truthy, or its plan is a paid value, or its trial end is in the future.
func Grants(s Subject, m PlanMapping, now time.Time) bool {
	return premiumOn(s.Fields.Premium) || planPaid(s.Fields.Plan, m) || trialRunning(s.Fields.TrialEnd, now)
}

func premiumOn(f *FieldValue) bool { return f.readable() && f.Flag != nil && *f.Flag }

func planPaid(f *FieldValue, m PlanMapping) bool {
	return f.readable() && f.Text != nil && m.IsPaidPlan(*f.Text)
}

func trialRunning(f *FieldValue, now time.Time) bool {
	return f.readable() && f.Time != nil && f.Time.After(now)
}

// label names the subject for people: `user user_2ab (ann@example.com)`.
func (s Subject) label() string {
	id := s.ID
	if s.Kind == SubjectRow && s.Table != "" {
		id = s.Table + "#" + s.ID
	}
	out := string(s.Kind) + " " + id
	switch {
	case s.Email != "":
		out += " (" + s.Email + ")"
	case s.Name != "":
		out += " (" + s.Name + ")"
	}
	return out
}

// unset is how a missing value reads: NULL for a Postgres column, "(not set)"
// for a metadata key.
func unset(k SubjectKind) string {
	if k == SubjectRow {
		return "NULL"
	}
	return "(not set)"
}

// display renders a value as read, for expected/actual columns.
func display(k SubjectKind, v any) string {
	switch v := v.(type) {
	case nil:
		return unset(k)
	case string:
		if v == "" {
			return "(empty)"
		}
		return v
	case *string:
		if v == nil {
			return unset(k)
		}
		return display(k, *v)
	case bool:
		return fmt.Sprint(v)
	case time.Time:
		return stamp(v)
	case *time.Time:
		if v == nil {
			return unset(k)
		}
		return stamp(*v)
	case []string:
		if len(v) == 0 {
			return "(none)"
		}
		return strings.Join(v, ", ")
	case []byte:
		return display(k, string(v))
	case map[string]any, []any:
		b, err := json.Marshal(v)
		if err == nil {
			return string(b)
		}
	}
	return fmt.Sprint(v)
}

// actualText renders what the app holds in a field, saying so when unreadable.
// Plan and premium show the value as read (premium "no" reads as "no");
// times and sets show the parsed value (an epoch is unreadable to people).
func actualText(k SubjectKind, f *FieldValue, typed any) string {
	if f.ParseError != "" {
		return fmt.Sprintf("unreadable: %s (%s)", display(k, f.Raw), f.ParseError)
	}
	switch typed.(type) {
	case time.Time, []string:
		return display(k, typed)
	}
	if f.Raw != nil {
		return display(k, f.Raw)
	}
	return display(k, typed)
}

// Premium flag spellings, compared trimmed and case-insensitively: the truthy
// set is the one the wizard documents for metadata flags; the falsy set is
// what apps write for "off". Both access sources read text flags through
// PremiumWord so they agree.
var (
	premiumTruthy = []string{"true", "1", "yes", "on", "premium", "active"}
	premiumFalsy  = []string{"false", "0", "no", "off", "", "inactive", "free", "null"}
)

// PremiumWord reads a text premium flag: its value, and whether the spelling
// is known at all (an unknown one is unreadable, never silently false).
func PremiumWord(s string) (value, known bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case slices.Contains(premiumTruthy, s):
		return true, true
	case slices.Contains(premiumFalsy, s):
		return false, true
	}
	return false, false
}
