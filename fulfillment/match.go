package fulfillment

// Matches groups app subjects by the Stripe customer they are linked to.
type Matches struct {
	// ByCustomer has an entry for every customer given (possibly empty:
	// unmatched); more than one subject is an ambiguous match.
	ByCustomer map[string][]Subject `json:"by_customer"`
	// Unlinked subjects have no Stripe customer id (check with CompareUnlinked).
	Unlinked []Subject `json:"unlinked,omitempty"`
	// Unknown subjects name a customer id not among the customers given
	// (check with CompareUnlinked once Stripe confirms it does not exist).
	Unknown []Subject `json:"unknown,omitempty"`
}

// Match links subjects to customers by exact Subject.CustomerID == Customer.ID.
// Connectors resolve other identity fields (email, a metadata key) to the
// customer id before calling it; subject order is kept within each group.
// Deleted customers are matched like any other: their promise grants nothing.
//
// Only the customers' ids are indexed, so the caller may stream subjects in
// batches and merge the results.
func Match(customers []Customer, subjects []Subject) Matches {
	out := Matches{ByCustomer: make(map[string][]Subject, len(customers))}
	for _, c := range customers {
		if _, ok := out.ByCustomer[c.ID]; !ok {
			out.ByCustomer[c.ID] = nil
		}
	}
	for _, s := range subjects {
		switch list, known := out.ByCustomer[s.CustomerID]; {
		case s.CustomerID == "":
			out.Unlinked = append(out.Unlinked, s)
		case !known:
			out.Unknown = append(out.Unknown, s)
		default:
			out.ByCustomer[s.CustomerID] = append(list, s)
		}
	}
	return out
}
