package world

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"parityrail/access/clerk"
	"parityrail/billing"
	"parityrail/fulfillment"
	"parityrail/mapping"
)

// This file runs the product's comparison over the world the way a full
// check does, through the real connectors: billing reads Stripe, access/clerk
// or access/postgres reads the app state, fulfillment derives and compares.

// served is a world served over loopback with clients for both fakes.
type served struct {
	w      *World
	stripe *billing.Client
	clerk  *clerk.Client
}

func serve(t *testing.T, now time.Time) served {
	t.Helper()
	return serveWorld(t, Build(now))
}

func serveWorld(t *testing.T, w *World) served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	stripeBase, clerkBase, err := Serve(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	bc, err := billing.New(billing.Config{Key: StripeKey, APIBase: stripeBase, RatePerSecond: 10000})
	if err != nil {
		t.Fatal(err)
	}
	cc, err := clerk.New(clerk.Config{BaseURL: clerkBase, SecretKey: ClerkSecretKey})
	if err != nil {
		t.Fatal(err)
	}
	return served{w: w, stripe: bc, clerk: cc}
}

// readBilling reads the whole account as a full check does, with the active
// entitlements of every customer Stripe still has.
func readBilling(t *testing.T, bc *billing.Client) []fulfillment.Billing {
	t.Helper()
	ctx := context.Background()
	all, err := bc.ReadAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]fulfillment.Billing, 0, len(all))
	for _, cb := range all {
		var ents []string
		if !cb.Customer.Deleted {
			if ents, err = bc.ActiveEntitlements(ctx, cb.Customer.ID); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, toBilling(cb, ents))
	}
	return out
}

func toBilling(cb billing.CustomerBilling, ents []string) fulfillment.Billing {
	c := cb.Customer
	b := fulfillment.Billing{
		Customer:     fulfillment.Customer{ID: c.ID, Email: c.Email, Name: c.Name, Deleted: c.Deleted, Created: c.Created},
		Entitlements: ents,
	}
	for _, s := range cb.Subscriptions {
		fs := fulfillment.Subscription{
			ID: s.ID, CustomerID: s.CustomerID, Status: s.Status, Created: s.Created,
			CurrentPeriodEnd: s.CurrentPeriodEnd, CancelAtPeriodEnd: s.CancelAtPeriodEnd, PauseCollection: s.PauseCollection,
		}
		if !s.TrialEnd.IsZero() {
			te := s.TrialEnd
			fs.TrialEnd = &te
		}
		for _, it := range s.Items {
			fs.Items = append(fs.Items, fulfillment.Item{PriceID: it.PriceID, LookupKey: it.LookupKey, ProductID: it.ProductID})
		}
		if inv := s.LatestInvoice; inv != nil {
			fs.LatestInvoice = &fulfillment.Invoice{ID: inv.ID, Status: inv.Status, Created: inv.Created}
		}
		b.Subscriptions = append(b.Subscriptions, fs)
	}
	return b
}

// clerkSubjects reads every user and organization and converts them with
// the access mapping's field paths and the connector's parsers.
func clerkSubjects(t *testing.T, cc *clerk.Client, a *mapping.Access) []fulfillment.Subject {
	t.Helper()
	ctx := context.Background()
	var out []fulfillment.Subject
	err := cc.ListUsers(ctx, func(u clerk.User) error {
		out = append(out, clerkSubject(fulfillment.SubjectUser, u.ID, u.Email, u.Name, u, a.Users))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if a.Organizations != nil {
		err = cc.ListOrganizations(ctx, func(o clerk.Organization) error {
			out = append(out, clerkSubject(fulfillment.SubjectOrganization, o.ID, "", o.Name, o, *a.Organizations))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func clerkSubject(kind fulfillment.SubjectKind, id, email, name string, md clerk.Subject, f mapping.Fields) fulfillment.Subject {
	s := fulfillment.Subject{Kind: kind, ID: id, Email: email, Name: name}
	if v, ok := clerk.Lookup(md, clerk.MustParseFieldPath(f.StripeCustomerID)); ok {
		if id, isText := v.(string); isText {
			s.CustomerID = strings.TrimSpace(id)
		}
	}
	field := func(path string, parse func(fv *fulfillment.FieldValue, v any) error) *fulfillment.FieldValue {
		if path == "" {
			return nil // not mapped: never compared
		}
		fv := &fulfillment.FieldValue{Path: path}
		v, ok := clerk.Lookup(md, clerk.MustParseFieldPath(path))
		if !ok || v == nil {
			return fv
		}
		fv.Raw = v
		if err := parse(fv, v); err != nil {
			fv.ParseError = err.Error()
		}
		return fv
	}
	s.Fields.Plan = field(f.Plan, func(fv *fulfillment.FieldValue, v any) error {
		text, ok := v.(string)
		if !ok {
			return fmt.Errorf("not a string")
		}
		fv.Text = &text
		return nil
	})
	s.Fields.Premium = field(f.Premium, func(fv *fulfillment.FieldValue, v any) error {
		on, err := clerk.ParsePremium(v)
		if err == nil {
			fv.Flag = &on
		}
		return err
	})
	s.Fields.TrialEnd = field(f.TrialEnd, func(fv *fulfillment.FieldValue, v any) error {
		te, ok, err := clerk.ParseTrialEnd(v)
		if err == nil && ok {
			fv.Time = &te
		}
		return err
	})
	s.Fields.Entitlements = field(f.Entitlements, func(fv *fulfillment.FieldValue, v any) error {
		set, err := clerk.ParseEntitlements(v)
		fv.Set = set
		return err
	})
	return s
}

// evaluate matches subjects to customers and compares, as a full check does;
// a subject linked to a customer Stripe's lists don't hold is looked up, and
// compared as unlinked only when Stripe does not know the customer.
func evaluate(t *testing.T, bc *billing.Client, bills []fulfillment.Billing, subjects []fulfillment.Subject, m mapping.Mapping, now time.Time) []Incident {
	t.Helper()
	plans, pol := *m.Plans, *m.Policy
	customers := make([]fulfillment.Customer, len(bills))
	for i, b := range bills {
		customers[i] = b.Customer
	}
	matches := fulfillment.Match(customers, subjects)

	var findings []fulfillment.Finding
	for _, b := range bills {
		p := fulfillment.DerivePromise(b, plans, pol, now)
		findings = append(findings, fulfillment.Compare(p, matches.ByCustomer[b.Customer.ID], plans, pol, now)...)
	}
	for _, s := range matches.Unlinked {
		findings = append(findings, fulfillment.CompareUnlinked(s, plans, pol, now)...)
	}
	unknown := map[string][]fulfillment.Subject{}
	var order []string
	for _, s := range matches.Unknown {
		if _, seen := unknown[s.CustomerID]; !seen {
			order = append(order, s.CustomerID)
		}
		unknown[s.CustomerID] = append(unknown[s.CustomerID], s)
	}
	for _, id := range order {
		cb, err := bc.ReadCustomer(context.Background(), id)
		switch {
		case errors.Is(err, billing.ErrCustomerNotFound):
			for _, s := range unknown[id] {
				findings = append(findings, fulfillment.CompareUnlinked(s, plans, pol, now)...)
			}
		case err != nil:
			t.Fatal(err)
		default:
			p := fulfillment.DerivePromise(toBilling(cb, nil), plans, pol, now)
			findings = append(findings, fulfillment.Compare(p, unknown[id], plans, pol, now)...)
		}
	}
	return incidentsOf(t, findings)
}

// incidentsOf reduces findings to (kind, customer, subject), which must be
// unique: the check files at most one incident per customer, subject and kind.
func incidentsOf(t *testing.T, findings []fulfillment.Finding) []Incident {
	t.Helper()
	seen := map[Incident]bool{}
	out := []Incident{}
	for _, f := range findings {
		i := Incident{Kind: f.Kind, CustomerID: f.CustomerID}
		if f.Subject != nil {
			i.SubjectID = f.Subject.ID
		}
		if seen[i] {
			t.Errorf("duplicate finding %s", i)
		}
		seen[i] = true
		out = append(out, i)
	}
	SortIncidents(out)
	return out
}

// diffIncidents reports what the manifest expects and was not found, and
// what was found and is not expected, naming each entry's key and why.
func diffIncidents(t *testing.T, m Manifest, got []Incident) {
	t.Helper()
	want := m.Incidents()
	key := map[string]string{}
	for _, e := range m.Entries {
		key[e.CustomerID] = e.Key + " (" + e.Why + ")"
		for _, s := range e.Subjects {
			key[s.ID] = e.Key + " (" + e.Why + ")"
		}
	}
	label := func(i Incident) string {
		k := key[i.SubjectID]
		if k == "" {
			k = key[i.CustomerID]
		}
		return fmt.Sprintf("%s — %s", i, k)
	}
	g := map[Incident]bool{}
	for _, i := range got {
		g[i] = true
	}
	w := map[Incident]bool{}
	for _, i := range want {
		w[i] = true
		if !g[i] {
			t.Errorf("missing: %s", label(i))
		}
	}
	for _, i := range got {
		if !w[i] {
			t.Errorf("unexpected: %s", label(i))
		}
	}
	if !t.Failed() && len(got) != len(want) {
		t.Errorf("found %d incidents, the manifest expects %d", len(got), len(want))
	}
}
