package check

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"parityrail/fulfillment"
)

// A full check keeps the inputs of exactly the customers a policy can judge
// differently, rewrites them only when what it read changed, and a dry run
// keeps nothing.
func TestChecksKeepPolicyInputs(t *testing.T) {
	w := newWorld(t, "clerk")
	w.build()
	ctx := context.Background()
	type row struct {
		inputs fulfillment.PolicyInputs
		readAt time.Time
	}
	stored := func() map[string]row {
		out := map[string]row{}
		if err := w.store.EachPolicyInput(ctx, w.project.ID, func(id string, raw []byte, at time.Time) error {
			var in fulfillment.PolicyInputs
			if err := json.Unmarshal(raw, &in); err != nil {
				return err
			}
			out[id] = row{in, at}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}

	w.run(Request{Scope: ScopeFull, DryRun: true})
	if got := stored(); len(got) != 0 {
		t.Fatalf("a dry run kept inputs of %d customers", len(got))
	}

	first := w.run(Request{Scope: ScopeFull})
	kept := stored()
	if len(kept) == 0 || len(kept) >= first.Summary.Customers {
		t.Fatalf("kept %d of %d customers; want the policy-sensitive ones only", len(kept), first.Summary.Customers)
	}
	subjects := 0
	for id, r := range kept {
		if !fulfillment.PolicySensitive(r.inputs.Billing) || r.inputs.Billing.Customer.ID != id {
			t.Errorf("%s kept but not policy-sensitive: %+v", id, r.inputs.Billing)
		}
		for _, s := range r.inputs.Billing.Subscriptions {
			for _, it := range s.Items {
				if it.Price != nil {
					t.Errorf("%s: prices' amounts are kept (%+v)", id, it.Price)
				}
			}
		}
		subjects += len(r.inputs.Subjects) + len(r.inputs.Shared)
	}
	if subjects == 0 {
		t.Error("no app subject kept with the customers")
	}

	// Nothing changed: a second full check rewrites nothing.
	later := time.Now().Add(time.Hour)
	w.store.SetClock(func() time.Time { return later })
	w.run(Request{Scope: ScopeFull})
	for id, r := range stored() {
		if !r.readAt.Equal(kept[id].readAt) {
			t.Errorf("%s rewritten though nothing it read changed (%s → %s)", id, kept[id].readAt, r.readAt)
		}
	}
}
