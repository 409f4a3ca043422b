package sources

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"parityrail/access/clerk"
	"parityrail/db"
	"parityrail/fulfillment"
	"parityrail/mapping"
)

// clerkAccess reads users (and organizations when mapped) from Clerk and
// turns their metadata into subjects with the clerk package's parsers.
type clerkAccess struct {
	c     *clerk.Client
	users clerkFields
	orgs  *clerkFields
}

// clerkFields are one subject kind's parsed field paths; a zero path is
// not mapped.
type clerkFields struct {
	customer, plan, premium, trialEnd, entitlements *clerk.FieldPath
}

func parseClerkFields(f mapping.Fields) (clerkFields, error) {
	var out clerkFields
	for _, p := range []struct {
		raw string
		dst **clerk.FieldPath
	}{{f.StripeCustomerID, &out.customer}, {f.Plan, &out.plan}, {f.Premium, &out.premium},
		{f.TrialEnd, &out.trialEnd}, {f.Entitlements, &out.entitlements}} {
		if strings.TrimSpace(p.raw) == "" {
			continue
		}
		fp, err := clerk.ParseFieldPath(p.raw)
		if err != nil {
			return out, err
		}
		*p.dst = &fp
	}
	if out.customer == nil {
		return out, fmt.Errorf("the Stripe customer id field is not mapped")
	}
	return out, nil
}

func (o *Opener) openClerk(ctx context.Context, p db.Project, m mapping.Mapping) (Access, error) {
	c, err := o.ClerkClient(ctx, p)
	if err != nil {
		return nil, asSourceError(err, CodeClerkInvalidKey)
	}
	return newClerkAccess(c, m)
}

// newClerkAccess reads the mapped Clerk fields through c (a real Clerk or a
// demo world's).
func newClerkAccess(c *clerk.Client, m mapping.Mapping) (Access, error) {
	var err error
	a := &clerkAccess{c: c}
	if a.users, err = parseClerkFields(m.Access.Users); err != nil {
		return nil, sourceError(CodeNotMapped, "Clerk user fields on step 6: %s.", err.Error())
	}
	if m.Access.Organizations != nil {
		orgs, err := parseClerkFields(*m.Access.Organizations)
		if err != nil {
			return nil, sourceError(CodeNotMapped, "Clerk organization fields on step 6: %s.", err.Error())
		}
		a.orgs = &orgs
	}
	return a, nil
}

func (a *clerkAccess) ReadAll(ctx context.Context, fn func(fulfillment.Subject) error) error {
	err := a.c.StreamUsers(ctx, func(u clerk.User) error { return fn(a.userSubject(u)) })
	if err != nil || a.orgs == nil {
		return err
	}
	return a.c.ListOrganizations(ctx, func(o clerk.Organization) error { return fn(a.orgSubject(o)) })
}

// ReadLinked reads the users and organizations last seen linked to each
// customer by id (fresh reads), keeping those still linked. Customers with
// none known (unmatched at the last full check, or new since) need a walk of
// every user and organization: one walk serves them all.
func (a *clerkAccess) ReadLinked(ctx context.Context, qs []LinkQuery) (map[string][]fulfillment.Subject, error) {
	out := map[string][]fulfillment.Subject{}
	scan := map[string]bool{}
	for _, q := range qs {
		id := q.Customer.ID
		if len(q.Keys) == 0 {
			scan[id] = true
			continue
		}
		for _, k := range q.Keys {
			s, ok, err := a.ReadSubject(ctx, k)
			if err != nil {
				return nil, err
			}
			if ok && s.CustomerID == id {
				out[id] = append(out[id], s)
			}
		}
		if len(out[id]) == 0 {
			// Every known link moved away: someone else may hold it now.
			scan[id] = true
		}
	}
	if len(scan) == 0 {
		return out, nil
	}
	for id := range scan {
		out[id] = nil
	}
	err := a.ReadAll(ctx, func(s fulfillment.Subject) error {
		if scan[s.CustomerID] {
			out[s.CustomerID] = append(out[s.CustomerID], s)
		}
		return nil
	})
	return out, err
}

func (a *clerkAccess) ReadSubject(ctx context.Context, key string) (fulfillment.Subject, bool, error) {
	kind, _, id, ok := ParseSubjectKey(key)
	if !ok {
		return fulfillment.Subject{}, false, nil
	}
	switch kind {
	case fulfillment.SubjectUser:
		u, err := a.c.GetUser(ctx, id)
		return readOne(u, err, a.userSubject)
	case fulfillment.SubjectOrganization:
		if a.orgs == nil {
			return fulfillment.Subject{}, false, nil
		}
		o, err := a.c.GetOrganization(ctx, id)
		return readOne(o, err, a.orgSubject)
	}
	return fulfillment.Subject{}, false, nil
}

// readOne is the subject of what Clerk answered for one id: none when
// Clerk has no such user or organization.
func readOne[T any](v T, err error, subject func(T) fulfillment.Subject) (fulfillment.Subject, bool, error) {
	if clerk.IsNotFound(err) {
		return fulfillment.Subject{}, false, nil
	}
	if err != nil {
		return fulfillment.Subject{}, false, err
	}
	return subject(v), true, nil
}

func (a *clerkAccess) IdentityField(fulfillment.Subject) string { return mapping.BillingCustomerID }
func (a *clerkAccess) Requests() int64                          { return a.c.Requests() }
func (a *clerkAccess) Close()                                   {}

func (a *clerkAccess) userSubject(u clerk.User) fulfillment.Subject {
	s := fulfillment.Subject{Kind: fulfillment.SubjectUser, ID: u.ID, Email: u.Email, Name: u.Name}
	clerkFieldsOf(&s, u, a.users)
	return s
}

func (a *clerkAccess) orgSubject(o clerk.Organization) fulfillment.Subject {
	s := fulfillment.Subject{Kind: fulfillment.SubjectOrganization, ID: o.ID, Name: o.Name}
	clerkFieldsOf(&s, o, *a.orgs)
	return s
}

// clerkFieldsOf reads the mapped metadata values of one user or
// organization into s.
func clerkFieldsOf(s *fulfillment.Subject, subj clerk.Subject, f clerkFields) {
	if v, ok := clerk.Lookup(subj, *f.customer); ok && v != nil {
		s.CustomerID = strings.TrimSpace(textOf(v))
	}
	s.Fields.Plan = clerkValue(subj, f.plan, fulfillment.FieldPlan)
	s.Fields.Premium = clerkValue(subj, f.premium, fulfillment.FieldPremium)
	s.Fields.TrialEnd = clerkValue(subj, f.trialEnd, fulfillment.FieldTrialEnd)
	s.Fields.Entitlements = clerkValue(subj, f.entitlements, fulfillment.FieldEntitlements)
}

// textOf renders a metadata value as text: strings as they are, numbers
// exactly (json.Number), anything else as JSON.
func textOf(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		return fmt.Sprint(t)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// clerkValue parses one mapped metadata value; nil when the field is not
// mapped. A missing key or null leaves Raw and the typed member nil.
func clerkValue(subj clerk.Subject, path *clerk.FieldPath, field string) *fulfillment.FieldValue {
	if path == nil {
		return nil
	}
	fv := &fulfillment.FieldValue{Path: path.String()}
	raw, ok := clerk.Lookup(subj, *path)
	if !ok || raw == nil {
		return fv
	}
	fv.Raw = raw
	var err error
	switch field {
	case fulfillment.FieldPlan:
		switch raw.(type) {
		case string, json.Number, bool:
			t := textOf(raw)
			fv.Text = &t
		default:
			err = fmt.Errorf("plan: %s is not a text value", textOf(raw))
		}
	case fulfillment.FieldPremium:
		var b bool
		if b, err = clerk.ParsePremium(raw); err == nil {
			fv.Flag = &b
		}
	case fulfillment.FieldTrialEnd:
		t, has, perr := clerk.ParseTrialEnd(raw)
		if err = perr; err == nil && has {
			fv.Time = &t
		}
	case fulfillment.FieldEntitlements:
		var set []string
		if set, err = clerk.ParseEntitlements(raw); err == nil {
			fv.Set = set
			if fv.Set == nil {
				fv.Set = []string{}
			}
		}
	}
	if err != nil {
		fv.ParseError = err.Error()
	}
	return fv
}

// TracksLinks: Clerk cannot search metadata, so a one-customer re-check
// reads the users and organizations last seen linked to the customer.
func (a *clerkAccess) TracksLinks() bool { return true }
