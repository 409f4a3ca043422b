package stripefake

import (
	"fmt"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
)

// CustomerSpec describes a customer to add. Empty ID → a generated cus_ id;
// zero Created → now.
type CustomerSpec struct {
	ID       string
	Email    string
	Name     string
	Metadata map[string]string
	Created  time.Time
}

// AddCustomer stores a customer and returns its id.
func (s *Server) AddCustomer(c CustomerSpec) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.idLocked(c.ID, "cus_")
	created := s.createdLocked(c.Created)
	md := c.Metadata
	if md == nil {
		md = map[string]string{}
	}
	s.putLocked(kindCustomer, id, created, &stripe.Customer{
		ID:            id,
		Object:        "customer",
		Created:       created,
		Email:         c.Email,
		Name:          c.Name,
		Metadata:      md,
		Livemode:      s.livemode,
		InvoicePrefix: fmt.Sprintf("%X", created%0xFFFFFF),
		TaxExempt:     stripe.CustomerTaxExemptNone,
		InvoiceSettings: &stripe.CustomerInvoiceSettings{
			CustomFields: nil,
		},
		PreferredLocales:    []string{},
		NextInvoiceSequence: 1,
	})
	return id
}

// DeleteCustomer deletes a customer the way Stripe does: the customer
// becomes a tombstone ({"id","object","deleted":true}), drops out of the
// customer list, and its subscriptions are canceled immediately.
func (s *Server) DeleteCustomer(id string) error {
	return change(s, kindCustomer, id, func(c *stripe.Customer) {
		c.Deleted = true
		now := s.now().Unix()
		for _, e := range s.objects[kindSubscription] {
			sub := e.v.(*stripe.Subscription)
			if sub.Customer.ID == id && sub.Status != stripe.SubscriptionStatusCanceled {
				sub.Status = stripe.SubscriptionStatusCanceled
				sub.CanceledAt = now
				sub.EndedAt = now
			}
		}
	})
}

// AddProduct stores a product (or renames an existing one) and returns its id.
func (s *Server) AddProduct(id, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addProductLocked(id, name)
}

func (s *Server) addProductLocked(id, name string) string {
	id = s.idLocked(id, "prod_")
	if v, ok := s.getLocked(kindProduct, id); ok {
		if name != "" {
			v.(*stripe.Product).Name = name
			s.gen++
		}
		return id
	}
	if name == "" {
		name = id
	}
	created := s.now().Unix()
	s.putLocked(kindProduct, id, created, &stripe.Product{
		ID: id, Object: "product", Name: name, Active: true, Created: created, Updated: created,
		Livemode: s.livemode, Type: stripe.ProductTypeService, Images: []string{}, Features: []*stripe.ProductFeature{},
		Metadata: map[string]string{},
	})
	return id
}

// PriceSpec describes a recurring price. Empty ID → generated; empty
// ProductID → a product is created (named ProductName); Interval defaults
// to "month", Currency to "usd".
type PriceSpec struct {
	ID          string
	LookupKey   string
	Nickname    string
	ProductID   string
	ProductName string
	UnitAmount  int64
	Currency    string
	Interval    string
	Inactive    bool
	// TiersMode ("graduated" or "volume") makes the price tiered, billed
	// by Tiers; UnitAmount is then ignored (Stripe sends null).
	TiersMode string
	Tiers     []TierSpec
}

// AddPrice stores a price (creating its product if needed) and returns its id.
func (s *Server) AddPrice(p PriceSpec) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.idLocked(p.ID, "price_")
	prod := s.addProductLocked(p.ProductID, p.ProductName)
	cur := p.Currency
	if cur == "" {
		cur = "usd"
	}
	interval := p.Interval
	if interval == "" {
		interval = "month"
	}
	created := s.now().Unix()
	pr := &stripe.Price{
		ID: id, Object: "price", Active: !p.Inactive, BillingScheme: stripe.PriceBillingSchemePerUnit,
		Created: created, Currency: stripe.Currency(cur), Livemode: s.livemode, LookupKey: p.LookupKey,
		Nickname: p.Nickname, Product: &stripe.Product{ID: prod}, Metadata: map[string]string{},
		Recurring: &stripe.PriceRecurring{
			Interval: stripe.PriceRecurringInterval(interval), IntervalCount: 1,
			UsageType: stripe.PriceRecurringUsageTypeLicensed,
		},
		TaxBehavior: stripe.PriceTaxBehaviorUnspecified, Type: stripe.PriceTypeRecurring,
		UnitAmount: p.UnitAmount, UnitAmountDecimal: float64(p.UnitAmount),
	}
	if p.TiersMode != "" {
		pr.BillingScheme, pr.TiersMode = stripe.PriceBillingSchemeTiered, stripe.PriceTiersMode(p.TiersMode)
		pr.UnitAmount, pr.UnitAmountDecimal = 0, 0
		for _, t := range p.Tiers {
			pr.Tiers = append(pr.Tiers, &stripe.PriceTier{UpTo: t.UpTo, UnitAmount: t.UnitAmount, UnitAmountDecimal: float64(t.UnitAmount),
				FlatAmount: t.FlatAmount, FlatAmountDecimal: float64(t.FlatAmount)})
		}
	}
	s.putLocked(kindPrice, id, created, pr)
	return id
}

// SubscriptionSpec describes a subscription. Status defaults to active;
// Created to now; CurrentPeriodEnd to Created + one interval. A latest
// invoice is created unless NoInvoice, with InvoiceStatus (default: paid,
// or open for past_due/unpaid/incomplete, void for incomplete_expired) and
// InvoiceCreated (default: the start of the current period).
type SubscriptionSpec struct {
	ID         string
	CustomerID string
	Status     stripe.SubscriptionStatus
	PriceIDs   []string
	// Quantity of every item; 0 → 1.
	Quantity          int64
	Created           time.Time
	CurrentPeriodEnd  time.Time
	TrialEnd          time.Time
	CancelAtPeriodEnd bool
	// PauseCollection sets pause_collection with this behavior
	// ("void", "keep_as_draft", "mark_uncollectible"); empty → none.
	PauseCollection string
	InvoiceStatus   stripe.InvoiceStatus
	InvoiceCreated  time.Time
	NoInvoice       bool
	Metadata        map[string]string
}

// AddSubscription stores a subscription with its items and latest invoice
// and returns its id. The customer and prices must exist.
func (s *Server) AddSubscription(spec SubscriptionSpec) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := storedLocked[*stripe.Customer](s, kindCustomer, spec.CustomerID); err != nil {
		return "", err
	}
	id := s.idLocked(spec.ID, "sub_")
	status := spec.Status
	if status == "" {
		status = stripe.SubscriptionStatusActive
	}
	created := s.createdLocked(spec.Created)
	items := make([]*stripe.SubscriptionItem, 0, len(spec.PriceIDs))
	var currency stripe.Currency
	var amount int64
	interval := "month"
	for _, pid := range spec.PriceIDs {
		p, err := storedLocked[*stripe.Price](s, kindPrice, pid)
		if err != nil {
			return "", err
		}
		qty := max(spec.Quantity, 1)
		currency, amount = p.Currency, amount+p.UnitAmount*qty
		if p.Recurring != nil {
			interval = string(p.Recurring.Interval)
		}
		items = append(items, &stripe.SubscriptionItem{
			ID: "si_" + s.nextSuffixLocked(), Object: "subscription_item", Created: created,
			Price: p, Plan: planFor(p), Quantity: qty, Subscription: id,
			Metadata: map[string]string{}, TaxRates: []*stripe.TaxRate{}, Discounts: []*stripe.Discount{},
		})
	}
	periodStart, periodEnd := spec.currentPeriod(status, created, interval, s.now)
	sub := &stripe.Subscription{
		ID: id, Object: "subscription", Created: created, StartDate: created, BillingCycleAnchor: created,
		Customer: &stripe.Customer{ID: spec.CustomerID}, Status: status, Livemode: s.livemode,
		CollectionMethod:   stripe.SubscriptionCollectionMethodChargeAutomatically,
		Currency:           currency,
		CurrentPeriodStart: periodStart.Unix(), CurrentPeriodEnd: periodEnd.Unix(),
		CancelAtPeriodEnd: spec.CancelAtPeriodEnd,
		Items: &stripe.SubscriptionItemList{
			Data:     items,
			ListMeta: stripe.ListMeta{URL: "/v1/subscription_items?subscription=" + id},
		},
		Metadata:        orEmpty(spec.Metadata),
		DefaultTaxRates: []*stripe.TaxRate{},
		Discounts:       []*stripe.Discount{},
	}
	if !spec.TrialEnd.IsZero() {
		sub.TrialEnd = spec.TrialEnd.Unix()
		sub.TrialStart = created
	}
	if spec.CancelAtPeriodEnd {
		sub.CancelAt = periodEnd.Unix()
	}
	if spec.PauseCollection != "" {
		sub.PauseCollection = &stripe.SubscriptionPauseCollection{Behavior: stripe.SubscriptionPauseCollectionBehavior(spec.PauseCollection)}
	}
	if status == stripe.SubscriptionStatusCanceled || status == stripe.SubscriptionStatusIncompleteExpired {
		sub.EndedAt = periodEnd.Unix()
		sub.CanceledAt = periodEnd.Unix()
	}
	if !spec.NoInvoice {
		inStatus, inCreated := spec.latestInvoice(status, periodStart, created)
		due := amount
		if status == stripe.SubscriptionStatusTrialing {
			due = 0
		}
		inID := s.addInvoiceLocked(InvoiceSpec{
			CustomerID: spec.CustomerID, SubscriptionID: id, Status: inStatus, Created: inCreated, AmountDue: due,
		}, currency)
		sub.LatestInvoice = &stripe.Invoice{ID: inID}
	}
	s.putLocked(kindSubscription, id, created, sub)
	return id, nil
}

// MustAddSubscription is AddSubscription for fixtures known to be valid.
func (s *Server) MustAddSubscription(spec SubscriptionSpec) string {
	id, err := s.AddSubscription(spec)
	if err != nil {
		panic(err)
	}
	return id
}

// UpdateSubscription lets fixtures and the demo change a subscription in
// place (e.g. to move it to past_due before sending a webhook).
func (s *Server) UpdateSubscription(id string, fn func(*stripe.Subscription)) error {
	return change(s, kindSubscription, id, fn)
}

// InvoiceSpec describes an invoice. Zero Created → now.
type InvoiceSpec struct {
	ID             string
	CustomerID     string
	SubscriptionID string
	Status         stripe.InvoiceStatus
	Created        time.Time
	AmountDue      int64
}

// AddInvoice stores an invoice and returns its id.
func (s *Server) AddInvoice(spec InvoiceSpec) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addInvoiceLocked(spec, "usd")
}

func (s *Server) addInvoiceLocked(spec InvoiceSpec, currency stripe.Currency) string {
	id := s.idLocked(spec.ID, "in_")
	status := spec.Status
	if status == "" {
		status = stripe.InvoiceStatusPaid
	}
	created := s.createdLocked(spec.Created)
	in := &stripe.Invoice{
		ID: id, Object: "invoice", Created: created, Currency: currency, Livemode: s.livemode,
		Customer: &stripe.Customer{ID: spec.CustomerID}, Status: status,
		AmountDue: spec.AmountDue, Total: spec.AmountDue, Subtotal: spec.AmountDue,
		CollectionMethod: stripe.InvoiceCollectionMethodChargeAutomatically,
		BillingReason:    stripe.InvoiceBillingReasonSubscriptionCycle,
		PeriodStart:      created, PeriodEnd: created, EffectiveAt: created,
		Metadata: map[string]string{},
	}
	if status == stripe.InvoiceStatusPaid {
		in.Paid = true
		in.AmountPaid = spec.AmountDue
		in.StatusTransitions = &stripe.InvoiceStatusTransitions{FinalizedAt: created, PaidAt: created}
	} else {
		in.AmountRemaining = spec.AmountDue
		in.Attempted = status == stripe.InvoiceStatusOpen
	}
	if spec.SubscriptionID != "" {
		in.Subscription = &stripe.Subscription{ID: spec.SubscriptionID}
	}
	s.putLocked(kindInvoice, id, created, in)
	return id
}

// SetEntitlements replaces a customer's active entitlements (feature lookup
// keys), as GET /v1/entitlements/active_entitlements will report them.
func (s *Server) SetEntitlements(customerID string, lookupKeys ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ents[customerID] = append([]string(nil), lookupKeys...)
}

// CheckoutSessionSpec describes a completed subscription Checkout Session.
type CheckoutSessionSpec struct {
	ID             string
	CustomerID     string
	SubscriptionID string
	Created        time.Time
}

// AddCheckoutSession stores a completed Checkout Session and returns its id.
func (s *Server) AddCheckoutSession(spec CheckoutSessionSpec) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	prefix := "cs_test_"
	if s.livemode {
		prefix = "cs_live_"
	}
	id := s.idLocked(spec.ID, prefix)
	created := s.createdLocked(spec.Created)
	cs := &stripe.CheckoutSession{
		ID: id, Object: "checkout.session", Created: created, ExpiresAt: created + 24*3600,
		Livemode: s.livemode, Mode: stripe.CheckoutSessionModeSubscription,
		Status: stripe.CheckoutSessionStatusComplete, PaymentStatus: stripe.CheckoutSessionPaymentStatusPaid,
		Metadata: map[string]string{}, PaymentMethodTypes: []string{"card"},
	}
	if spec.CustomerID != "" {
		cs.Customer = &stripe.Customer{ID: spec.CustomerID}
	}
	if spec.SubscriptionID != "" {
		cs.Subscription = &stripe.Subscription{ID: spec.SubscriptionID}
	}
	s.putLocked(kindSession, id, created, cs)
	return id
}

// idLocked returns id, or a new one with the prefix when id is empty.
func (s *Server) idLocked(id, prefix string) string {
	if id == "" {
		return prefix + s.nextSuffixLocked()
	}
	return id
}

// storedLocked returns the object of a kind with the id, as its stripe-go
// type, or an error naming what is missing.
func storedLocked[T any](s *Server, kind, id string) (T, error) {
	v, ok := s.getLocked(kind, id)
	if !ok {
		var none T
		return none, fmt.Errorf("stripefake: no %s %s", kind, id)
	}
	return v.(T), nil
}

// change applies fn to a stored object in place under the write lock and
// counts the change (gen), so list items rendered before it are rendered
// again rather than served stale.
func change[T any](s *Server, kind, id string, fn func(T)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, err := storedLocked[T](s, kind, id)
	if err != nil {
		return err
	}
	fn(v)
	s.gen++
	return nil
}

func (s *Server) createdLocked(t time.Time) int64 {
	if t.IsZero() {
		return s.now().Unix()
	}
	return t.Unix()
}

func planFor(p *stripe.Price) *stripe.Plan {
	pl := &stripe.Plan{
		ID: p.ID, Object: "plan", Active: p.Active, Amount: p.UnitAmount, AmountDecimal: float64(p.UnitAmount),
		BillingScheme: stripe.PlanBillingSchemePerUnit, Created: p.Created, Currency: p.Currency,
		Livemode: p.Livemode, Nickname: p.Nickname, Product: p.Product, Metadata: map[string]string{},
		UsageType: stripe.PlanUsageTypeLicensed,
	}
	if p.Recurring != nil {
		pl.Interval = stripe.PlanInterval(p.Recurring.Interval)
		pl.IntervalCount = p.Recurring.IntervalCount
	}
	if p.BillingScheme == stripe.PriceBillingSchemeTiered {
		pl.BillingScheme, pl.TiersMode = stripe.PlanBillingSchemeTiered, stripe.PlanTiersMode(p.TiersMode)
		for _, t := range p.Tiers {
			pl.Tiers = append(pl.Tiers, &stripe.PlanTier{UpTo: t.UpTo, UnitAmount: t.UnitAmount, UnitAmountDecimal: t.UnitAmountDecimal,
				FlatAmount: t.FlatAmount, FlatAmountDecimal: t.FlatAmountDecimal})
		}
	}
	return pl
}

func defaultInvoiceStatus(st stripe.SubscriptionStatus) stripe.InvoiceStatus {
	switch st {
	case stripe.SubscriptionStatusPastDue, stripe.SubscriptionStatusUnpaid, stripe.SubscriptionStatusIncomplete:
		return stripe.InvoiceStatusOpen
	case stripe.SubscriptionStatusIncompleteExpired:
		return stripe.InvoiceStatusVoid
	}
	return stripe.InvoiceStatusPaid
}

// isLive reports whether a subscription in this status still renews, so
// its current period must reach past now.
func isLive(st stripe.SubscriptionStatus) bool {
	switch st {
	case stripe.SubscriptionStatusActive, stripe.SubscriptionStatusTrialing, stripe.SubscriptionStatusPastDue:
		return true
	}
	return false
}

func addInterval(t time.Time, interval string) time.Time {
	switch interval {
	case "day":
		return t.AddDate(0, 0, 1)
	case "week":
		return t.AddDate(0, 0, 7)
	case "year":
		return t.AddDate(1, 0, 0)
	}
	return t.AddDate(0, 1, 0)
}

func subInterval(t time.Time, interval string) time.Time {
	switch interval {
	case "day":
		return t.AddDate(0, 0, -1)
	case "week":
		return t.AddDate(0, 0, -7)
	case "year":
		return t.AddDate(-1, 0, 0)
	}
	return t.AddDate(0, -1, 0)
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// currentPeriod is the start and end of a subscription's current period:
// it ends at the spec's period end, or by default one interval after
// created, rolled forward past now (read only then) while the status is live.
func (spec SubscriptionSpec) currentPeriod(status stripe.SubscriptionStatus, created int64, interval string, clock func() time.Time) (start, end time.Time) {
	end = spec.CurrentPeriodEnd
	if end.IsZero() {
		end = addInterval(time.Unix(created, 0), interval)
		for now := clock(); end.Before(now) && isLive(status); {
			end = addInterval(end, interval)
		}
	}
	return subInterval(end, interval), end
}

// latestInvoice is the status and creation time of the invoice a
// subscription is created with: the spec's, or by default the status's
// usual outcome, created at the period's start (never before the
// subscription).
func (spec SubscriptionSpec) latestInvoice(status stripe.SubscriptionStatus, periodStart time.Time, created int64) (stripe.InvoiceStatus, time.Time) {
	inStatus := spec.InvoiceStatus
	if inStatus == "" {
		inStatus = defaultInvoiceStatus(status)
	}
	inCreated := spec.InvoiceCreated
	if inCreated.IsZero() {
		inCreated = periodStart
		if inCreated.Unix() < created {
			inCreated = time.Unix(created, 0)
		}
	}
	return inStatus, inCreated
}
