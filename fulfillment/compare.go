package fulfillment

import (
	"fmt"
	"strings"
	"time"
)

// Kind is an access incident kind.
type Kind string

const (
	PaidWithoutAccess    Kind = "paid_without_access"
	AccessWithoutPayment Kind = "access_without_payment"
	WrongPlan            Kind = "wrong_plan"
	TrialMismatch        Kind = "trial_mismatch"
	EntitlementMismatch  Kind = "entitlement_mismatch"
	UnmatchedCustomer    Kind = "unmatched_customer"
	AmbiguousMatch       Kind = "ambiguous_match"
)

// Kinds are every incident kind, in the order people read them: the one
// list (server/openapi.yaml's IncidentKind enum, and from it the UI's
// types, are checked against it).
var Kinds = []Kind{PaidWithoutAccess, AccessWithoutPayment, WrongPlan, TrialMismatch, EntitlementMismatch, UnmatchedCustomer, AmbiguousMatch}

// Severity of an incident, shown as a coloured pill.
type Severity string

const (
	Critical Severity = "critical"
	High     Severity = "high"
	Medium   Severity = "medium"
	Low      Severity = "low"
)

// Severity is the fixed severity of each kind.
func (k Kind) Severity() Severity {
	switch k {
	case PaidWithoutAccess:
		return Critical
	case AccessWithoutPayment, WrongPlan:
		return High
	case TrialMismatch, EntitlementMismatch, UnmatchedCustomer:
		return Medium
	}
	return Low
}

// Field names of the compared access fields.
const (
	FieldPlan         = "plan"
	FieldPremium      = "premium"
	FieldTrialEnd     = "trial_end"
	FieldEntitlements = "entitlements"
)

// Finding is one gap between a promise and an app subject; the check files it
// as an access incident (one open incident per customer + subject + kind).
type Finding struct {
	Kind       Kind     `json:"kind"`
	Severity   Severity `json:"severity"`
	CustomerID string   `json:"customer_id,omitempty"` // empty for an app subject with no customer linked
	// Subject is the app subject as read; nil for customer-level kinds
	// (unmatched_customer, ambiguous_match).
	Subject *Subject `json:"subject,omitempty"`
	// Candidates are all subjects linked to the customer (ambiguous_match).
	Candidates []Subject `json:"candidates,omitempty"`
	// SharedWith names every Stripe customer pointing at Subject, this one
	// included, newest first (ambiguous_match: several customers, one subject).
	SharedWith []string `json:"shared_with,omitempty"`
	// LinkedValue is the identity value of a subject linked to no customer
	// Stripe holds (an unknown cus_ id, an email no customer has); CustomerID
	// is then empty.
	LinkedValue string `json:"linked_value,omitempty"`
	// AtStake is what the gap is worth per month (SetStakes); nil when no
	// price can be named or the kind has no money at stake.
	AtStake *AtStake `json:"at_stake,omitempty"`
	// Fields lists every differing field of this kind.
	Fields  []FieldDiff `json:"fields,omitempty"`
	Summary string      `json:"summary"`
	// Promise is the evidence: what Stripe promises and each subscription's
	// grant decision (id, status, price → plan, trial end, period end, latest
	// invoice status, reason).
	Promise Promise `json:"promise"`
	Policy  Policy  `json:"policy"`
}

// FieldDiff is one field whose app value differs from the promise.
type FieldDiff struct {
	Field string `json:"field"` // plan, premium, trial_end, entitlements
	Path  string `json:"path"`  // column or metadata path
	// Expected is the promised value: string (plan), bool (premium),
	// time.Time or nil (trial end; nil = none), []string (entitlements).
	Expected any `json:"expected"`
	// ExpectedUnknown: the promise cannot name the value (an unmapped price);
	// such a field has no automatic repair.
	ExpectedUnknown bool   `json:"expected_unknown,omitempty"`
	ExpectedText    string `json:"expected_text"`
	// Actual is the app's parsed value (nil when NULL, missing or unreadable);
	// Raw is the value exactly as read.
	Actual     any    `json:"actual"`
	Raw        any    `json:"raw"`
	ActualText string `json:"actual_text"`
}

// Compare checks a customer's promise against the app subjects linked to it
// (Match groups them) and returns the findings, at most one per subject and
// kind. A pending promise yields none.
//
// With several subjects, each is compared on its own and one ambiguous_match
// is added: we cannot tell which subject is the real one, so none is spared.
func Compare(p Promise, subjects []Subject, m PlanMapping, pol Policy, now time.Time) []Finding {
	if p.Pending {
		return nil
	}
	var out []Finding
	for _, s := range subjects {
		out = append(out, compareSubject(p, s, m, pol, now)...)
	}
	switch {
	case len(subjects) == 0 && p.Grants:
		out = append(out, Finding{
			Kind: UnmatchedCustomer, Severity: Medium, CustomerID: p.CustomerID,
			Summary: fmt.Sprintf("%s is owed paid access but no app user, organization or row is linked to it", customerLabel(p)),
			Promise: p, Policy: pol,
		})
	case len(subjects) > 1:
		ids := make([]string, len(subjects))
		for i, s := range subjects {
			ids[i] = s.label()
		}
		out = append(out, Finding{
			Kind: AmbiguousMatch, Severity: Low, CustomerID: p.CustomerID,
			Candidates: subjects,
			Summary:    fmt.Sprintf("%s is linked to %d app subjects: %s", customerLabel(p), len(subjects), strings.Join(ids, "; ")),
			Promise:    p, Policy: pol,
		})
	}
	return out
}

// CompareUnlinked checks an app subject that has no Stripe customer linked
// (empty CustomerID) or is linked to a customer Stripe does not know.
// It is owed nothing, so it yields access_without_payment when the app grants.
// Its findings name no customer (CustomerID is only ever the id of a
// customer the Stripe account holds): the subject carries the app's id, and
// a value naming an unknown customer is kept as LinkedValue and named in
// the summary. A customer Stripe knows as deleted goes through
// DerivePromise and Compare.
func CompareUnlinked(s Subject, m PlanMapping, pol Policy, now time.Time) []Finding {
	reason, missing := "no Stripe customer linked", "no Stripe customer is linked"
	if v := s.CustomerID; v != "" {
		if strings.HasPrefix(v, "cus_") {
			reason = fmt.Sprintf("Stripe customer %s not found", v)
			missing = fmt.Sprintf("it names Stripe customer %s, which the Stripe account does not hold", v)
		} else {
			reason = fmt.Sprintf("no Stripe customer matches %q", v)
			missing = fmt.Sprintf("no Stripe customer matches its %q", v)
		}
	}
	p := Promise{
		Plan: m.NoPlan(), PlanKnown: true,
		Reason: reason, Policy: pol, DerivedAt: now,
	}
	fs := compareSubject(p, s, m, pol, now)
	for i := range fs {
		fs[i].LinkedValue = s.CustomerID
		if fs[i].Kind == AccessWithoutPayment {
			fs[i].Summary = fmt.Sprintf("App %s grants %s but %s", s.label(), grantText(s, m, now), missing)
		}
	}
	return fs
}

// grantText says what the app gives a subject: its paid plan, its premium
// flag, or a running trial.
func grantText(s Subject, m PlanMapping, now time.Time) string {
	f := s.Fields
	switch {
	case planPaid(f.Plan, m):
		return *f.Plan.Text
	case premiumOn(f.Premium):
		return "premium"
	case trialRunning(f.TrialEnd, now):
		return "a trial until " + stamp(*f.TrialEnd.Time)
	}
	return "access"
}

// compareSubject compares one subject against the promise.
func compareSubject(p Promise, s Subject, m PlanMapping, pol Policy, now time.Time) []Finding {
	f := s.Fields
	app := Grants(s, m, now)
	var out []Finding
	add := func(k Kind, diffs []FieldDiff, summary string) {
		subj := s
		out = append(out, Finding{
			Kind: k, Severity: k.Severity(), CustomerID: p.CustomerID, Subject: &subj,
			Fields: diffs, Summary: summary, Promise: p, Policy: pol,
		})
	}
	who := s.label()

	switch {
	case p.Grants && !app:
		// Every mapped field that should open access but does not.
		var diffs []FieldDiff
		if f.Plan != nil {
			diffs = append(diffs, planDiff(p, s, m))
		}
		if f.Premium != nil {
			diffs = append(diffs, premiumDiff(p, s))
		}
		if p.Trial && f.TrialEnd != nil {
			diffs = append(diffs, trialDiff(p, s))
		}
		add(PaidWithoutAccess, diffs, fmt.Sprintf("Stripe promises paid access%s but the app grants %s nothing", planHint(p), who))
	case p.Grants && f.Premium != nil && !premiumOn(f.Premium):
		// The app grants through plan or trial, but the flag it reads is off.
		add(PaidWithoutAccess, []FieldDiff{premiumDiff(p, s)},
			fmt.Sprintf("Stripe promises paid access%s but the premium flag of %s is off", planHint(p), who))
	case !p.Grants && app:
		// Every mapped field that opens access.
		var diffs []FieldDiff
		if planPaid(f.Plan, m) {
			diffs = append(diffs, planDiff(p, s, m))
		}
		if premiumOn(f.Premium) {
			diffs = append(diffs, premiumDiff(p, s))
		}
		if trialRunning(f.TrialEnd, now) {
			diffs = append(diffs, trialDiff(p, s))
		}
		add(AccessWithoutPayment, diffs, fmt.Sprintf("The app grants %s access but Stripe promises none: %s", who, p.Reason))
	}

	if p.Grants && app && f.Plan != nil && p.PlanKnown {
		if !f.Plan.readable() || f.Plan.Text == nil || *f.Plan.Text != p.Plan {
			d := planDiff(p, s, m)
			add(WrongPlan, []FieldDiff{d}, fmt.Sprintf("%s has plan %s but Stripe promises %s", who, d.ActualText, d.ExpectedText))
		}
	}

	if p.Trial && f.TrialEnd != nil {
		tol := hours(pol.TrialToleranceHours)
		d := trialDiff(p, s)
		switch {
		case !f.TrialEnd.readable():
			add(TrialMismatch, []FieldDiff{d}, fmt.Sprintf("Stripe's trial ends %s but the trial end of %s is unreadable", d.ExpectedText, who))
		case f.TrialEnd.Time == nil:
			add(TrialMismatch, []FieldDiff{d}, fmt.Sprintf("Stripe's trial ends %s but %s has no trial end", d.ExpectedText, who))
		case absDur(f.TrialEnd.Time.Sub(*p.TrialEnd)) > tol:
			add(TrialMismatch, []FieldDiff{d}, fmt.Sprintf("Stripe's trial ends %s but %s has %s (%s off, tolerance %dh)",
				d.ExpectedText, who, d.ActualText, roughDuration(absDur(f.TrialEnd.Time.Sub(*p.TrialEnd))), pol.TrialToleranceHours))
		}
	}

	if p.FeaturesEnabled && f.Entitlements != nil {
		want := p.Features
		if want == nil {
			want = []string{}
		}
		got := sortedUnique(f.Entitlements.Set)
		missing, extra := setDiff(want, got), setDiff(got, want)
		if !f.Entitlements.readable() || len(missing)+len(extra) > 0 {
			d := FieldDiff{
				Field: FieldEntitlements, Path: f.Entitlements.Path,
				Expected: want, ExpectedText: display(s.Kind, want),
				Actual: got, Raw: f.Entitlements.Raw, ActualText: actualText(s.Kind, f.Entitlements, got),
			}
			var parts []string
			if !f.Entitlements.readable() {
				d.Actual = nil
				parts = append(parts, "unreadable")
			}
			if len(missing) > 0 {
				parts = append(parts, "missing "+strings.Join(missing, ", "))
			}
			if len(extra) > 0 {
				parts = append(parts, "not promised "+strings.Join(extra, ", "))
			}
			add(EntitlementMismatch, []FieldDiff{d}, fmt.Sprintf("Features of %s differ from Stripe's entitlements: %s", who, strings.Join(parts, "; ")))
		}
	}
	return out
}

// planDiff: the promised plan (or the no-plan value) against the app's plan.
func planDiff(p Promise, s Subject, m PlanMapping) FieldDiff {
	fv := s.Fields.Plan
	d := FieldDiff{Field: FieldPlan, Path: fv.Path, Raw: fv.Raw}
	if fv.readable() && fv.Text != nil {
		d.Actual = *fv.Text
	}
	d.ActualText = actualText(s.Kind, fv, d.Actual)
	if p.Grants && !p.PlanKnown {
		d.ExpectedUnknown = true
		d.ExpectedText = "a paid plan (unmapped price"
		if len(p.UnmappedPrices) > 0 {
			d.ExpectedText += " " + strings.Join(p.UnmappedPrices, ", ")
		}
		d.ExpectedText += ")"
		return d
	}
	d.Expected, d.ExpectedText = p.Plan, display(s.Kind, p.Plan)
	return d
}

func premiumDiff(p Promise, s Subject) FieldDiff {
	fv := s.Fields.Premium
	d := FieldDiff{Field: FieldPremium, Path: fv.Path, Raw: fv.Raw, Expected: p.Grants, ExpectedText: fmt.Sprint(p.Grants)}
	if fv.readable() && fv.Flag != nil {
		d.Actual = *fv.Flag
	}
	d.ActualText = actualText(s.Kind, fv, d.Actual)
	return d
}

// trialDiff: the promised trial end, or none when the promise is no trial.
func trialDiff(p Promise, s Subject) FieldDiff {
	fv := s.Fields.TrialEnd
	d := FieldDiff{Field: FieldTrialEnd, Path: fv.Path, Raw: fv.Raw}
	if p.Trial && p.TrialEnd != nil {
		d.Expected, d.ExpectedText = *p.TrialEnd, stamp(*p.TrialEnd)
	} else {
		d.ExpectedText = unset(s.Kind)
	}
	if fv.readable() && fv.Time != nil {
		d.Actual = *fv.Time
	}
	d.ActualText = actualText(s.Kind, fv, d.Actual)
	return d
}

func planHint(p Promise) string {
	if p.PlanKnown && p.Plan != "" {
		return " (" + p.Plan + ")"
	}
	return ""
}

func customerLabel(p Promise) string {
	if p.Customer.Email != "" {
		return p.CustomerID + " (" + p.Customer.Email + ")"
	}
	return p.CustomerID
}

// setDiff returns the members of a not in b (both sorted or not; small sets).
func setDiff(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	return out
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// roughDuration: "3d 4h", "5h 12m", "40m" — enough to see how far off a trial is.
func roughDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	days, h, m := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, h)
	case h > 0:
		return fmt.Sprintf("%dh %dm", h, m)
	}
	return fmt.Sprintf("%dm", m)
}
