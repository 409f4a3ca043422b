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

// keepFullInputs stores a customer's inputs at the end of a full check:
// its billing and the subjects linked to it, as the scratch holds them.
func (x *run) keepFullInputs(ctx context.Context, r *custRow) error {
	if x.p.check.DryRun {
		return nil
	}
	var in *fulfillment.PolicyInputs
	if x.cust[r.seq-1].flags&sensitive != 0 {
		in = &fulfillment.PolicyInputs{Billing: x.billingOf(r)}
		rows, err := x.sc.query(ctx, `SELECT sseq, shared FROM held WHERE cseq = ? ORDER BY sseq`, r.seq)
		if err != nil {
			return err
		}
		type ref struct {
			seq    int64
			shared bool
		}
		var refs []ref
		for rows.Next() {
			var f ref
			if err := rows.Scan(&f.seq, &f.shared); err != nil {
				rows.Close()
				return err
			}
			refs = append(refs, f)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, f := range refs {
			s, err := x.sc.subjectAt(ctx, f.seq, x.exotic)
			if err != nil {
				return err
			}
			if f.shared {
				in.Shared = append(in.Shared, s)
			} else {
				in.Subjects = append(in.Subjects, s)
			}
		}
	}
	return x.keepInputs(ctx, r.cb.Customer.ID, r.storedHash, in)
}

// dropGoneInputs removes the inputs of customers a full check no longer
// found in Stripe.
func (x *run) dropGoneInputs(ctx context.Context) error {
	if x.p.check.DryRun {
		return nil
	}
	gone, err := x.sc.strings(ctx, `SELECT id FROM stored WHERE NOT EXISTS (SELECT 1 FROM cust WHERE cust.id = stored.id)`)
	if err != nil {
		return err
	}
	for _, id := range gone {
		if err := x.sink.inputs(ctx, db.PolicyInputWrite{CustomerID: id}); err != nil {
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
