package check

import (
	"strings"

	"parityrail/access/postgres"
	"parityrail/billing"
	"parityrail/fulfillment"
	"parityrail/mapping"
)

// customerIndex is the billing side of a full check, held compactly: the
// connector's records in Stripe's order and an id → position index.
type customerIndex struct {
	all   []billing.CustomerBilling
	byID  map[string]int32
	ents  map[int32][]string // active entitlements of granting customers
	email *valueIndex        // built on first use (identity by email)
	meta  map[string]*valueIndex
}

// valueIndex finds customers by an identity value (an email, a metadata
// value): one customer, or — rarely — several sharing the value.
type valueIndex struct {
	one  map[string]int32
	many map[string][]int32 // every customer holding a shared value, newest first
}

func newValueIndex(ci *customerIndex, value func(billing.CustomerBilling) string) *valueIndex {
	vi := &valueIndex{one: make(map[string]int32, len(ci.all)), many: map[string][]int32{}}
	for i := range ci.all { // Stripe's order: newest first
		c := ci.all[i]
		if c.Customer.Deleted {
			continue
		}
		v := value(c)
		if v == "" {
			continue
		}
		if list, ok := vi.many[v]; ok {
			vi.many[v] = append(list, int32(i))
			continue
		}
		if j, ok := vi.one[v]; ok {
			vi.many[v] = []int32{j, int32(i)}
			continue
		}
		vi.one[v] = int32(i)
	}
	return vi
}

func (ci *customerIndex) billingOf(i int32, entitlementsOn bool) fulfillment.Billing {
	var ents []string
	if entitlementsOn {
		ents = ci.ents[i]
		if ents == nil {
			ents = []string{}
		}
	}
	return toBilling(ci.all[i], ents)
}

// resolve finds the customer an app subject is linked to through the
// identity field it holds. Emails are compared folded (fulfillment.FoldEmail).
// When several customers hold the value, shared lists them all, newest
// first (i is the newest) and the caller must not judge the subject from
// any one of them.
func (ci *customerIndex) resolve(field, value string) (i int32, ok bool, shared []int32) {
	var vi *valueIndex
	switch {
	case field == "" || field == mapping.BillingCustomerID:
		i, ok := ci.byID[value]
		return i, ok, nil
	case field == mapping.BillingEmail:
		if ci.email == nil {
			ci.email = newValueIndex(ci, func(c billing.CustomerBilling) string { return fulfillment.FoldEmail(c.Customer.Email) })
		}
		vi, value = ci.email, fulfillment.FoldEmail(value)
	case strings.HasPrefix(field, postgres.BillingMetadataPrefix):
		key := strings.TrimPrefix(field, postgres.BillingMetadataPrefix)
		if ci.meta == nil {
			ci.meta = map[string]*valueIndex{}
		}
		if vi = ci.meta[key]; vi == nil {
			vi = newValueIndex(ci, func(c billing.CustomerBilling) string { return c.Customer.Metadata[key] })
			ci.meta[key] = vi
		}
	default:
		return 0, false, nil
	}
	if list, ok := vi.many[value]; ok {
		return list[0], true, list
	}
	i, ok = vi.one[value]
	return i, ok, nil
}
