package check

import (
	"context"
	"errors"
	"parityrail/sources"
	"slices"

	"parityrail/billing"
	"parityrail/db"
	"parityrail/fulfillment"
	"parityrail/mapping"
)

// chunkSize is how many customers a targeted check reads before it writes
// and resolves: a source failing later leaves the earlier chunks done and
// resolves nothing it did not reach.
const chunkSize = 50

// fullFallbackMin is the account size from which a recent check with many
// customers runs as a full check instead.
const fullFallbackMin = 1000

// recent re-checks the customers a recent check covers: webhook events,
// promise boundaries (trial ends, period ends, grace ends) in the last two
// hours, and every customer with an unresolved incident.
func (x *run) recent(ctx context.Context) error {
	customers, subjects, err := x.r.DB.RecentCustomers(ctx, x.p.project.ID, x.now.Add(-RecentWindow), x.now)
	if err != nil {
		return err
	}
	// Each customer costs two Stripe requests on its own; on a large account
	// (where it matters) past the cost of reading the whole account (two
	// lists, 100 a page), the full check is cheaper and covers them all.
	if size, err := x.r.DB.LastFullCheckSize(ctx, x.p.project.ID); err == nil && size >= fullFallbackMin && int64(len(customers)) > size/100 {
		x.sum.RecentAsFull = true
		return x.full(ctx)
	}
	return x.targeted(ctx, customers, subjects)
}

// targeted re-checks some customers and unlinked app subjects from freshly
// read state: Stripe's customer and subscriptions, and the subjects linked to
// it. Payloads that triggered it are never trusted.
func (x *run) targeted(ctx context.Context, customers, subjectKeys []string) error {
	customers = slices.Clone(customers)
	if err := x.sink.load(ctx, customers, subjectKeys); err != nil {
		return err
	}

	// Unlinked subjects first: one may have been linked since, which makes
	// its customer part of this check.
	x.phase("reading_app", int64(len(subjectKeys)))
	reachedSubject := map[string]bool{}
	for _, k := range subjectKeys {
		s, ok, err := x.src.Access.ReadSubject(ctx, k)
		if err != nil {
			return err
		}
		x.n.done.Add(1)
		out := Outcome{SubjectKey: k, Subjects: []fulfillment.Subject{}, Findings: []fulfillment.Finding{}}
		if ok {
			out.Subjects = append(out.Subjects, s)
			x.sum.Subjects++
		}
		switch {
		case ok && s.CustomerID != "":
			id, err := x.customerOfSubject(ctx, s)
			if err != nil {
				return err
			}
			out.CustomerID = id
			if !slices.Contains(customers, id) {
				customers = append(customers, id)
				if err := x.sink.load(ctx, []string{id}, nil); err != nil {
					return err
				}
			}
		case ok:
			x.sum.UnlinkedSubjects++
			fs := fulfillment.CompareUnlinked(s, x.plans, x.policy, x.now)
			out.Findings = append(out.Findings, fs...)
			if err := x.addAll(ctx, fs); err != nil {
				return err
			}
		}
		x.n.checked.Add(1)
		if len(out.Findings) == 0 {
			x.n.held.Add(1)
		}
		reachedSubject[k] = true
		x.outcomes = append(x.outcomes, out)
	}
	if err := x.sink.resolveUnseen(ctx, func(k db.IncidentKey) bool {
		return k.CustomerID == "" && reachedSubject[k.SubjectKey]
	}); err != nil {
		return err
	}

	x.phase("reading_billing", int64(len(customers)))
	for start := 0; start < len(customers); start += chunkSize {
		chunk := customers[start:min(start+chunkSize, len(customers))]
		if err := x.customerChunk(ctx, chunk); err != nil {
			return err
		}
	}
	return x.sink.flush(ctx)
}

// customerOfSubject names the customer a subject is linked to: its id, or
// for an app keyed by email or a metadata value, the customer it was linked
// to at the last full check (the raw value when none).
func (x *run) customerOfSubject(ctx context.Context, s fulfillment.Subject) (string, error) {
	if x.src.Access.IdentityField(s) == mapping.BillingCustomerID {
		return s.CustomerID, nil
	}
	found := ""
	key := sources.SubjectKey(s)
	err := x.r.DB.SubjectLinks(ctx, x.p.project.ID, func(k, c string) {
		if k == key {
			found = c
		}
	})
	if found == "" {
		found = s.CustomerID
	}
	return found, err
}

// customerChunk reads, compares and files a few customers, then resolves
// what they no longer show.
func (x *run) customerChunk(ctx context.Context, ids []string) error {
	type read struct {
		cb    billing.CustomerBilling
		known bool
		keys  []string
	}
	reads := make([]read, len(ids))
	qs := make([]sources.LinkQuery, len(ids))
	for i, id := range ids {
		cb, err := x.src.Billing.ReadCustomer(ctx, id)
		switch {
		case err == nil:
			reads[i] = read{cb: cb, known: true}
			if err := x.learnPrices(ctx, []billing.CustomerBilling{cb}); err != nil {
				return err
			}
		case errors.Is(err, billing.ErrCustomerNotFound):
			reads[i] = read{cb: billing.CustomerBilling{Customer: billing.Customer{ID: id}}}
		default:
			return err
		}
		if x.tracksLinks() {
			keys, err := x.r.DB.LinkedSubjects(ctx, x.p.project.ID, id)
			if err != nil {
				return err
			}
			reads[i].keys = keys
		}
		qs[i] = sources.LinkQuery{Customer: reads[i].cb.Customer, Known: reads[i].known, Keys: reads[i].keys}
		x.sum.Customers++
	}
	linked, err := x.src.Access.ReadLinked(ctx, qs)
	if err != nil {
		return err
	}
	reached := map[string]bool{}
	for i, id := range ids {
		rd := reads[i]
		subjects := linked[id]
		x.sum.Subjects += len(subjects)
		out := Outcome{CustomerID: id, Known: rd.known, Subjects: subjects, Findings: []fulfillment.Finding{}}
		if out.Subjects == nil {
			out.Subjects = []fulfillment.Subject{}
		}
		if rd.known {
			b := toBilling(rd.cb, nil)
			if x.src.Entitlements {
				b.Entitlements = []string{}
				if grantsWithout(rd.cb, x.plans, x.policy, x.now) {
					if b.Entitlements, err = x.src.Billing.ActiveEntitlements(ctx, id); err != nil {
						return err
					}
				}
			}
			p := fulfillment.DerivePromise(b, x.plans, x.policy, x.now)
			out.Promise = &p
			if p.Pending {
				x.sum.Pending++
			}
			for _, pr := range p.UnmappedPrices {
				x.sum.UnmappedPrices = addUnmapped(x.sum.UnmappedPrices, pr)
			}
			if err := x.recordPromise(ctx, p, b); err != nil {
				return err
			}
			judged := x.notShared(id, subjects)
			for _, f := range fulfillment.Compare(p, judged, x.plans, x.policy, x.now) {
				if f.Kind == fulfillment.UnmatchedCustomer && x.sink.sharesSubject(id) {
					continue // linked, to a subject other customers share
				}
				out.Findings = append(out.Findings, f)
			}
			if err := x.keepTargetedInputs(ctx, id, &b, subjects, judged); err != nil {
				return err
			}
		} else {
			if err := x.keepTargetedInputs(ctx, id, nil, nil, nil); err != nil {
				return err
			}
			x.sum.UnlinkedSubjects += len(subjects)
			for _, s := range subjects {
				out.Findings = append(out.Findings, fulfillment.CompareUnlinked(s, x.plans, x.policy, x.now)...)
			}
		}
		if err := x.addAll(ctx, out.Findings); err != nil {
			return err
		}
		if x.tracksLinks() {
			now := map[string]bool{}
			for _, s := range subjects {
				k := sources.SubjectKey(s)
				now[k] = true
				if !slices.Contains(rd.keys, k) {
					if err := x.sink.link(ctx, k, id); err != nil {
						return err
					}
				}
			}
			for _, k := range rd.keys {
				if !now[k] {
					if err := x.sink.link(ctx, k, ""); err != nil {
						return err
					}
				}
			}
		}
		reached[id] = true
		x.n.checked.Add(1)
		if len(out.Findings) == 0 {
			x.n.held.Add(1)
		}
		x.n.done.Add(1)
		x.outcomes = append(x.outcomes, out)
	}
	// A subject shared by several customers is ambiguous until a full check,
	// which sees every customer, finds it so no more.
	return x.sink.resolveUnseen(ctx, func(k db.IncidentKey) bool {
		return k.CustomerID != "" && reached[k.CustomerID] && !(k.Kind == string(fulfillment.AmbiguousMatch) && k.SubjectKey != "")
	})
}

// recordPromise records one customer's promise when it changed or is new
// (ledgered either way: a one-customer check is never a bulk baseline).
func (x *run) recordPromise(ctx context.Context, p fulfillment.Promise, b fulfillment.Billing) error {
	if x.p.check.DryRun {
		return nil
	}
	row, _, had, err := x.r.DB.PromiseOf(ctx, x.p.project.ID, p.CustomerID)
	if err != nil {
		return err
	}
	fp, bnd := promiseFingerprint(p), boundary(b, x.policy, x.now)
	switch {
	case had && row.Fingerprint == fp:
		if sameTime(row.BoundaryAt, bnd) {
			return nil
		}
		return x.sink.promise(ctx, p, fp, bnd, nil, false)
	case had:
		x.sum.PromisesChanged++
		prev, err := x.previousPromise(ctx, p.CustomerID)
		if err != nil {
			return err
		}
		return x.sink.promise(ctx, p, fp, bnd, prev, true)
	}
	x.sum.PromisesRecorded++
	return x.sink.promise(ctx, p, fp, bnd, nil, true)
}

func addUnmapped(list []UnmappedPrice, id string) []UnmappedPrice {
	for i := range list {
		if list[i].PriceID == id {
			list[i].Customers++
			return list
		}
	}
	return append(list, UnmappedPrice{PriceID: id, Customers: 1})
}

// notShared leaves out the subjects a full check found shared by several
// customers (an open ambiguous_match on this customer and subject, identity
// by email or metadata): one customer's re-check cannot tell whose they
// are, so their access is not judged from this customer alone and the
// ambiguity stays open until a full check sees it gone.
func (x *run) notShared(customerID string, subjects []fulfillment.Subject) []fulfillment.Subject {
	var out []fulfillment.Subject
	for _, s := range subjects {
		f := x.src.Access.IdentityField(s)
		if f != "" && f != mapping.BillingCustomerID &&
			x.sink.keep(db.IncidentKey{CustomerID: customerID, SubjectKey: sources.SubjectKey(s), Kind: string(fulfillment.AmbiguousMatch)}) {
			continue
		}
		out = append(out, s)
	}
	return out
}
