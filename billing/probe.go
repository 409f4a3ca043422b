package billing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	stripe "github.com/stripe/stripe-go/v76"
)

// Resource names as Stripe's restricted-key editor labels them.
const (
	ResourceCustomers        = "Customers"
	ResourceSubscriptions    = "Subscriptions"
	ResourceInvoices         = "Invoices"
	ResourcePrices           = "Prices"
	ResourceProducts         = "Products"
	ResourceCheckoutSessions = "Checkout Sessions"
	ResourceEntitlements     = "Entitlements"
	ResourceCharges          = "Charges"
	ResourceDisputes         = "Disputes"
)

// resourceOrder is the order resources are named in messages.
var resourceOrder = []string{ResourceCustomers, ResourceSubscriptions, ResourceInvoices, ResourcePrices, ResourceProducts, ResourceCheckoutSessions, ResourceEntitlements,
	ResourceCharges, ResourceDisputes}

// MissingPermission is one read a restricted key can't do.
type MissingPermission struct {
	Resource   string // e.g. "Subscriptions"
	Permission string // Stripe's name, e.g. "rak_subscription_read"
	Optional   bool   // only needed for an optional feature
}

// PermissionError lists every read a restricted key lacks.
type PermissionError struct {
	Missing []MissingPermission
}

func (e *PermissionError) add(m MissingPermission) {
	for _, x := range e.Missing {
		if x.Permission == m.Permission {
			return
		}
	}
	e.Missing = append(e.Missing, m)
}

// Error is the one message naming every missing resource, e.g. "This
// restricted key can't read Subscriptions, Invoices. Set Subscriptions and
// Invoices to Read on this restricted key in Stripe Dashboard → Developers
// → API keys."
func (e *PermissionError) Error() string {
	names := e.Resources()
	return fmt.Sprintf("This restricted key can't read %s. Set %s to Read on this restricted key in Stripe Dashboard → Developers → API keys.",
		strings.Join(names, ", "), joinAnd(names))
}

// Required is the part of e naming reads the product can't work without;
// nil when every missing read is optional.
func (e *PermissionError) Required() *PermissionError {
	out := &PermissionError{}
	for _, m := range e.Missing {
		if !m.Optional {
			out.Missing = append(out.Missing, m)
		}
	}
	if len(out.Missing) == 0 {
		return nil
	}
	return out
}

// OptionalResources is the missing optional resources in display order.
func (e *PermissionError) OptionalResources() []string {
	opt := &PermissionError{}
	for _, m := range e.Missing {
		if m.Optional {
			opt.Missing = append(opt.Missing, m)
		}
	}
	return opt.Resources()
}

// Resources is the distinct missing resources in display order.
func (e *PermissionError) Resources() []string {
	seen := map[string]bool{}
	for _, m := range e.Missing {
		seen[m.Resource] = true
	}
	var out []string
	for _, r := range resourceOrder {
		if seen[r] {
			out = append(out, r)
			delete(seen, r)
		}
	}
	for _, m := range e.Missing { // resources we have no label for, as Stripe named them
		if seen[m.Resource] {
			out = append(out, m.Resource)
			delete(seen, m.Resource)
		}
	}
	return out
}

func joinAnd(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

var rakPattern = regexp.MustCompile(`'(rak_[a-z_]+)'`)

// missingPermission extracts the rak_* name from Stripe's 403 message
// "…Having the 'rak_subscription_read' permission would allow this request
// to continue."
func missingPermission(msg string) string {
	if !strings.Contains(msg, "permission") {
		return ""
	}
	if m := rakPattern.FindStringSubmatch(msg); m != nil {
		return m[1]
	}
	return ""
}

// permissionFor maps Stripe's permission name to the resource row in the
// restricted-key editor. Prices keep the legacy "plan" slug.
func permissionFor(perm string) MissingPermission {
	res := perm
	switch {
	case strings.HasPrefix(perm, "rak_customer_"):
		res = ResourceCustomers
	case strings.HasPrefix(perm, "rak_subscription_"):
		res = ResourceSubscriptions
	case strings.HasPrefix(perm, "rak_invoice_"), strings.HasPrefix(perm, "rak_credit_note_"):
		res = ResourceInvoices
	case strings.HasPrefix(perm, "rak_plan_"), strings.HasPrefix(perm, "rak_price_"):
		res = ResourcePrices
	case strings.HasPrefix(perm, "rak_product_"):
		res = ResourceProducts
	case strings.HasPrefix(perm, "rak_checkout_session"):
		res = ResourceCheckoutSessions
	case strings.Contains(perm, "entitlement"):
		res = ResourceEntitlements
	case strings.HasPrefix(perm, "rak_charge_"):
		res = ResourceCharges
	case strings.HasPrefix(perm, "rak_dispute_"):
		res = ResourceDisputes
	}
	return MissingPermission{Resource: res, Permission: perm}
}

// ProbeOptions turns on the probes for optional features.
type ProbeOptions struct {
	Entitlements     bool
	CheckoutSessions bool
	// ChargesAndDisputes: the refund and dispute policy is on (Charges and
	// Disputes read, required then).
	ChargesAndDisputes bool
}

// ConnectionResult is what "Test & connect" learned.
type ConnectionResult struct {
	Mode  Mode
	Label string // masked key label
	// Livemode is the livemode flag seen on returned objects; nil when the
	// probes returned no objects (an empty account).
	Livemode *bool
	// Checked lists the resources the key can read.
	Checked []string
	// Requests is how many HTTP requests the probe made.
	Requests int64
}

// placeholderCustomer is used to probe entitlements on an account with no
// customers: Stripe checks the key's permission before looking the
// customer up, so "No such customer" proves the read is allowed.
const placeholderCustomer = "cus_ParityRailProbe"

// TestConnection probes every read the product needs with a limit=1 list
// and reports all missing permissions at once as a *PermissionError. A
// rejected key is an *AuthError; other failures are wrapped errors.
func (c *Client) TestConnection(ctx context.Context, opts ProbeOptions) (ConnectionResult, error) {
	start := c.requests.Load()
	res := ConnectionResult{Mode: c.mode, Label: c.label}
	perr := &PermissionError{}
	var firstCustomer string

	note := func(live bool) {
		if res.Livemode == nil {
			res.Livemode = &live
		}
	}
	one := func() stripe.ListParams {
		return stripe.ListParams{Context: ctx, Limit: stripe.Int64(1), Single: true}
	}
	type probe struct {
		resource string
		optional bool
		run      func() error
	}
	probes := []probe{
		{ResourceCustomers, false, func() error {
			it := c.api.Customers.List(&stripe.CustomerListParams{ListParams: one()})
			if it.Next() {
				firstCustomer = it.Customer().ID
				note(it.Customer().Livemode)
			}
			return it.Err()
		}},
		{ResourceSubscriptions, false, func() error {
			it := c.api.Subscriptions.List(&stripe.SubscriptionListParams{ListParams: one(), Status: stripe.String("all")})
			if it.Next() {
				note(it.Subscription().Livemode)
			}
			return it.Err()
		}},
		{ResourceInvoices, false, func() error {
			it := c.api.Invoices.List(&stripe.InvoiceListParams{ListParams: one()})
			if it.Next() {
				note(it.Invoice().Livemode)
			}
			return it.Err()
		}},
		// Prices and Products are optional: a check reads prices inline on
		// subscriptions; Prices read adds tiered prices' tiers (money at
		// stake), Products read adds product names to plan mapping.
		{ResourcePrices, true, func() error {
			it := c.api.Prices.List(&stripe.PriceListParams{ListParams: one()})
			if it.Next() {
				note(it.Price().Livemode)
			}
			return it.Err()
		}},
		{ResourceProducts, true, func() error {
			it := c.api.Products.List(&stripe.ProductListParams{ListParams: one()})
			it.Next()
			return it.Err()
		}},
	}
	if opts.CheckoutSessions {
		probes = append(probes, probe{ResourceCheckoutSessions, true, func() error {
			it := c.api.CheckoutSessions.List(&stripe.CheckoutSessionListParams{ListParams: one()})
			it.Next()
			return it.Err()
		}})
	}
	if opts.Entitlements {
		probes = append(probes, probe{ResourceEntitlements, true, func() error {
			// This list requires a customer; any customer works as a probe.
			cus := firstCustomer
			if cus == "" {
				cus = placeholderCustomer
			}
			it := c.api.EntitlementsActiveEntitlements.List(&stripe.EntitlementsActiveEntitlementListParams{
				ListParams: one(), Customer: stripe.String(cus)})
			it.Next()
			err := it.Err()
			var se *stripe.Error
			if cus == placeholderCustomer && errors.As(err, &se) && se.HTTPStatusCode == http.StatusNotFound {
				return nil
			}
			return err
		}})
	}

	if opts.ChargesAndDisputes {
		probes = append(probes, probe{ResourceCharges, false, func() error {
			it := c.api.Charges.List(&stripe.ChargeListParams{ListParams: one()})
			it.Next()
			return it.Err()
		}}, probe{ResourceDisputes, false, func() error {
			it := c.api.Disputes.List(&stripe.DisputeListParams{ListParams: one()})
			it.Next()
			return it.Err()
		}})
	}

	for _, p := range probes {
		err := p.run()
		if err == nil {
			res.Checked = append(res.Checked, p.resource)
			continue
		}
		err = c.wrapErr(strings.ToLower(p.resource), err)
		var pe *PermissionError
		if errors.As(err, &pe) {
			for _, m := range pe.Missing {
				m.Optional = p.optional
				perr.add(m)
			}
			continue
		}
		// A rejected key, rate limit, outage or network failure: more
		// probes would fail the same way.
		res.Requests = c.requests.Load() - start
		return res, err
	}
	res.Requests = c.requests.Load() - start
	if len(perr.Missing) > 0 {
		return res, perr
	}
	return res, nil
}
