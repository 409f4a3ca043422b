package check

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"parityrail/sources"
	"sort"

	"parityrail/db"
	"parityrail/fulfillment"
)

// A check keeps what it read of each customer a policy change could judge
// differently (fulfillment.PolicySensitive) with the subjects linked to it,
// so the policy editor previews a change by judging them again, never
// calling Stripe or the app. Only changes are written: most customers are
// plainly active or canceled and are never stored, and a stored customer is
// rewritten only when what was read differs.

// encodeInputs is a customer's inputs as stored. Prices' amounts only
// weigh money at stake, never a verdict: they are left out.
func encodeInputs(customerID string, in fulfillment.PolicyInputs) (db.PolicyInputWrite, error) {
	subs := make([]fulfillment.Subscription, len(in.Billing.Subscriptions))
	for i, s := range in.Billing.Subscriptions {
		items := make([]fulfillment.Item, len(s.Items))
		for j, it := range s.Items {
			it.Price = nil
			items[j] = it
		}
		s.Items = items
		subs[i] = s
	}
	// Reads come back in no fixed order (concurrent cursors): sorted, the
	// same reads hash the same and are not rewritten.
	sort.Slice(subs, func(i, j int) bool { return subs[i].ID < subs[j].ID })
	in.Billing.Subscriptions = subs
	if in.Billing.Entitlements != nil {
		ents := append([]string{}, in.Billing.Entitlements...)
		sort.Strings(ents)
		in.Billing.Entitlements = ents
	}
	in.Subjects = sortedSubjects(in.Subjects)
	in.Shared = sortedSubjects(in.Shared)
	if in.Subjects == nil {
		in.Subjects = []fulfillment.Subject{}
	}
	b, err := json.Marshal(in)
	if err != nil {
		return db.PolicyInputWrite{}, err
	}
	sum := sha256.Sum256(b)
	return db.PolicyInputWrite{CustomerID: customerID, Inputs: b, Hash: hex.EncodeToString(sum[:12])}, nil
}

func sortedSubjects(in []fulfillment.Subject) []fulfillment.Subject {
	if len(in) == 0 {
		return in
	}
	out := append([]fulfillment.Subject(nil), in...)
	sort.Slice(out, func(i, j int) bool { return sources.SubjectKey(out[i]) < sources.SubjectKey(out[j]) })
	return out
}

// keepInputs stores a customer's inputs when they differ from the stored
// ones (hash stored, "" when none), or removes the stored ones when in is
// nil (a customer no policy judges differently now, or gone).
func (x *run) keepInputs(ctx context.Context, customerID, stored string, in *fulfillment.PolicyInputs) error {
	if in == nil {
		if stored == "" {
			return nil
		}
		return x.sink.inputs(ctx, db.PolicyInputWrite{CustomerID: customerID})
	}
	w, err := encodeInputs(customerID, *in)
	if err != nil || w.Hash == stored {
		return err
	}
	return x.sink.inputs(ctx, w)
}

// heldInputs collects, during a full check, the subjects of the customers
// whose inputs are kept.
type heldInputs struct {
	sensitive []bool                          // by customer index; nil in a dry run
	subjects  map[int32][]fulfillment.Subject // linked to the customer alone
	shared    map[int32][]fulfillment.Subject // pointed at by other customers too
	stored    map[string]string               // customer id → stored hash
}

func (h *heldInputs) keeps(i int32) bool { return h.sensitive != nil && h.sensitive[i] }

func (h *heldInputs) add(i int32, s fulfillment.Subject, shared bool) {
	if !h.keeps(i) {
		return
	}
	if shared {
		h.shared[i] = append(h.shared[i], s)
		return
	}
	h.subjects[i] = append(h.subjects[i], s)
}

// startInputs prepares a full check to keep inputs: which customers, and
// what is stored.
func (x *run) startInputs(ctx context.Context, ci *customerIndex) error {
	x.held = heldInputs{}
	if x.p.check.DryRun {
		return nil
	}
	x.held = heldInputs{sensitive: make([]bool, len(ci.all)), subjects: map[int32][]fulfillment.Subject{},
		shared: map[int32][]fulfillment.Subject{}, stored: map[string]string{}}
	for i := range ci.all {
		x.held.sensitive[i] = fulfillment.PolicySensitive(toBilling(ci.all[i], nil))
	}
	return x.r.DB.PolicyInputHashes(ctx, x.p.project.ID, func(id, h string) { x.held.stored[id] = h })
}

// keepFullInputs stores customer i's inputs at the end of a full check.
func (x *run) keepFullInputs(ctx context.Context, ci *customerIndex, i int32) error {
	if x.held.sensitive == nil {
		return nil
	}
	id := ci.all[i].Customer.ID
	stored := x.held.stored[id]
	delete(x.held.stored, id)
	var in *fulfillment.PolicyInputs
	if x.held.sensitive[i] {
		in = &fulfillment.PolicyInputs{Billing: ci.billingOf(i, x.src.Entitlements), Subjects: x.held.subjects[i], Shared: x.held.shared[i]}
		delete(x.held.subjects, i)
		delete(x.held.shared, i)
	}
	return x.keepInputs(ctx, id, stored, in)
}

// dropGoneInputs removes the inputs of customers a full check no longer
// found in Stripe.
func (x *run) dropGoneInputs(ctx context.Context) error {
	for id, stored := range x.held.stored {
		if err := x.keepInputs(ctx, id, stored, nil); err != nil {
			return err
		}
	}
	return nil
}

// keepTargetedInputs stores one re-checked customer's inputs (b nil: Stripe
// does not know the customer). judged are the subjects judged against its
// promise; the rest of subjects are shared with other customers.
func (x *run) keepTargetedInputs(ctx context.Context, id string, b *fulfillment.Billing, subjects, judged []fulfillment.Subject) error {
	if x.p.check.DryRun {
		return nil
	}
	stored, err := x.r.DB.PolicyInputHash(ctx, x.p.project.ID, id)
	if err != nil {
		return err
	}
	var in *fulfillment.PolicyInputs
	if b != nil && fulfillment.PolicySensitive(*b) {
		in = &fulfillment.PolicyInputs{Billing: *b, Subjects: judged}
		own := map[string]bool{}
		for _, s := range judged {
			own[sources.SubjectKey(s)] = true
		}
		for _, s := range subjects {
			if !own[sources.SubjectKey(s)] {
				in.Shared = append(in.Shared, s)
			}
		}
	}
	return x.keepInputs(ctx, id, stored, in)
}
