package fulfillment

import (
	"fmt"
	"strings"
	"time"
)

// now is the check time every test uses.
var now = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

func ago(d time.Duration) time.Time   { return now.Add(-d) }
func later(d time.Duration) time.Time { return now.Add(d) }
func tp(t time.Time) *time.Time       { return &t }

// testMapping: enterprise > pro > basic; the no-plan value defaults to "free".
var testMapping = PlanMapping{Rows: []PlanRow{
	{PriceID: "price_ent", AppValue: "enterprise"},
	{PriceID: "price_pro", LookupKey: "pro_monthly", AppValue: "pro"},
	{PriceID: "price_basic", LookupKey: "basic_monthly", AppValue: "basic"},
}}

type subOpt func(*Subscription)

// sub is a healthy subscription a month old, paid up, renewing in 10 days.
func sub(id, status, price string, opts ...subOpt) Subscription {
	s := Subscription{
		ID: id, CustomerID: "cus_1", Status: status,
		Created: ago(30 * day), CurrentPeriodEnd: later(10 * day),
		Items:         []Item{{PriceID: price}},
		LatestInvoice: &Invoice{ID: "in_" + id, Status: "paid", Created: ago(20 * day)},
	}
	for _, o := range opts {
		o(&s)
	}
	return s
}

func trialUntil(t time.Time) subOpt { return func(s *Subscription) { s.TrialEnd = &t } }
func periodEnd(t time.Time) subOpt  { return func(s *Subscription) { s.CurrentPeriodEnd = t } }
func cancelAtEnd() subOpt           { return func(s *Subscription) { s.CancelAtPeriodEnd = true } }
func pauseCollection() subOpt       { return func(s *Subscription) { s.PauseCollection = true } }
func created(t time.Time) subOpt    { return func(s *Subscription) { s.Created = t } }
func items(it ...Item) subOpt       { return func(s *Subscription) { s.Items = it } }
func openInvoice(created time.Time) subOpt {
	return func(s *Subscription) { s.LatestInvoice = &Invoice{ID: "in_open", Status: "open", Created: created} }
}

func billing(subs ...Subscription) Billing {
	return Billing{Customer: Customer{ID: "cus_1", Email: "ann@example.com", Created: ago(60 * day)}, Subscriptions: subs}
}

func withEntitlements(b Billing, keys ...string) Billing {
	b.Entitlements = append([]string{}, keys...)
	return b
}

func deleted(b Billing) Billing {
	b.Customer.Deleted = true
	return b
}

// Subjects as the connectors would hand them over.

func user(id string, fs Fields) Subject {
	return Subject{Kind: SubjectUser, ID: id, Email: id + "@example.com", CustomerID: "cus_1", Fields: fs}
}

func org(id string, fs Fields) Subject {
	return Subject{Kind: SubjectOrganization, ID: id, Name: "Acme", CustomerID: "cus_1", Fields: fs}
}

func row(pk string, fs Fields) Subject {
	return Subject{Kind: SubjectRow, ID: pk, Table: "accounts", Email: "ann@example.com", CustomerID: "cus_1", Fields: fs}
}

// planField: nil = NULL / missing key; a string is both raw and parsed.
func planField(v any) *FieldValue {
	f := &FieldValue{Path: "public_metadata.plan", Raw: v}
	if s, ok := v.(string); ok {
		f.Text = &s
	}
	return f
}

// premiumField: raw as stored, truthy as the connector parsed it.
func premiumField(raw any, truthy bool) *FieldValue {
	f := &FieldValue{Path: "public_metadata.is_premium", Raw: raw}
	if raw != nil {
		f.Flag = &truthy
	}
	return f
}

func trialField(t *time.Time) *FieldValue {
	f := &FieldValue{Path: "public_metadata.trial_ends_at"}
	if t != nil {
		f.Raw, f.Time = t.Format(time.RFC3339), t
	}
	return f
}

func featuresField(keys ...string) *FieldValue {
	raw := map[string]any{}
	for _, k := range keys {
		raw[k] = true
	}
	return &FieldValue{Path: "public_metadata.entitlements", Raw: raw, Set: keys}
}

func unreadable(path string, raw any, why string) *FieldValue {
	return &FieldValue{Path: path, Raw: raw, ParseError: why}
}

// diffLine renders a field diff the way a person reads it: "plan: pro → free".
func diffLine(d FieldDiff) string {
	return fmt.Sprintf("%s: %s → %s", d.Field, d.ExpectedText, d.ActualText)
}

func describe(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		lines := make([]string, len(f.Fields))
		for i, d := range f.Fields {
			lines[i] = diffLine(d)
		}
		fmt.Fprintf(&b, "\n  %s/%s [%s] %s", f.Kind, f.Severity, strings.Join(lines, "; "), f.Summary)
	}
	return b.String()
}
