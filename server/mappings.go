package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"parityrail/billing"
	"parityrail/db"
	"parityrail/fulfillment"
	"parityrail/mapping"
)

// storedMapping returns the project's mapping with defaults filled in for
// sections not saved yet.
func (s *Server) storedMapping(c echo.Context, p db.Project) (mapping.Mapping, error) {
	var m mapping.Mapping
	doc, err := s.db.GetMapping(c.Request().Context(), p.ID)
	switch {
	case errors.Is(err, db.ErrNotFound):
	case err != nil:
		return m, err
	default:
		if m, err = mapping.Parse(doc); err != nil {
			return m, err
		}
	}
	if m.Plans == nil {
		m.Plans = &fulfillment.PlanMapping{Rows: []fulfillment.PlanRow{}, NoPlanValue: fulfillment.DefaultNoPlanValue}
	}
	if m.Policy == nil {
		pol := fulfillment.DefaultPolicy()
		m.Policy = &pol
	}
	if p.AccessSource == "clerk" || p.AccessSource == "demo" {
		// Clerk (and the demo world's Clerk) matches customers through the
		// mapped Stripe customer id field.
		m.Identity = &mapping.Identity{Automatic: true}
	}
	return m, nil
}

func (s *Server) getMappings(c echo.Context) error {
	m, err := s.storedMapping(c, currentProject(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}

// saveMappings stores steps 4–6 (and the policy). Sections left out keep
// their saved value; each section sent marks its step done.
func (s *Server) saveMappings(c echo.Context, update mapping.Mapping) error {
	p := currentProject(c)
	if p.AccessSource == "" && (update.Identity != nil || update.Access != nil) {
		return newError(http.StatusConflict, "no_access_source", "Choose the access-state source on step 1 (Stack) first.")
	}
	var steps []int
	if update.Identity != nil {
		id, err := validateIdentity(p, update.Identity)
		if err != nil {
			return mappingError(err)
		}
		update.Identity = id
		steps = append(steps, 4)
	}
	if update.Plans != nil {
		plans, err := mapping.ValidatePlans(update.Plans)
		if err != nil {
			return mappingError(err)
		}
		update.Plans = plans
		steps = append(steps, 5)
	}
	if update.Access != nil {
		access, err := validateAccess(p, update.Access)
		if err != nil {
			return mappingError(err)
		}
		update.Access = access
		steps = append(steps, 6)
	}
	if update.Policy != nil {
		if err := mapping.ValidatePolicy(update.Policy); err != nil {
			return mappingError(err)
		}
	}
	current, err := s.storedMapping(c, p)
	if err != nil {
		return err
	}
	merged := current.Merge(update)
	if update.Policy != nil && update.Policy.ReadsCharges() && !(current.Policy != nil && current.Policy.ReadsCharges()) {
		// Turning a refund or dispute rule on needs Charges and Disputes
		// read: asked for now, and only while a rule is on.
		if err := s.probeChargesAndDisputes(c); err != nil {
			return err
		}
	}
	warnings := []string{}
	if p.AccessSource == "postgres" && (update.Identity != nil || update.Access != nil) {
		w, err := s.validatePostgresMapping(c, p, merged)
		if err != nil {
			return err
		}
		warnings = append(warnings, w...)
	}
	doc, err := json.Marshal(merged)
	if err != nil {
		return err
	}
	var entries []db.LedgerEntry
	if update.Policy != nil && *update.Policy != *current.Policy {
		entries = append(entries, policyChanged(*current.Policy, *update.Policy, currentUser(c).ID))
	}
	if err := s.db.SaveMappingLedgered(c.Request().Context(), p.ID, string(doc), currentUser(c).ID, entries, steps...); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, savedMapping{Mapping: merged, Warnings: warnings})
}

// savedMapping answers a save: the mapping as stored, and anything worth a
// look (e.g. a table that cannot be repaired).
type savedMapping struct {
	mapping.Mapping
	Warnings []string `json:"warnings"`
}

func validateIdentity(p db.Project, id *mapping.Identity) (*mapping.Identity, error) {
	if p.AccessSource == "clerk" || p.AccessSource == "demo" {
		return &mapping.Identity{Automatic: true}, nil
	}
	out, err := validateTableIdentity(*id, "identity.", "users")
	if err != nil {
		return nil, err
	}
	if id.Organizations != nil {
		orgs, err := validateTableIdentity(*id.Organizations, "identity.organizations.", "organizations")
		if err != nil {
			return nil, err
		}
		orgs.Organizations = nil
		if orgs.Table == out.Table {
			return nil, &mapping.ValidationError{Field: "identity.organizations.table", Message: "The organizations table must differ from the users table (" + out.Table + ")."}
		}
		out.Organizations = orgs
	}
	return out, nil
}

// validateTableIdentity checks one subject's billing field, table and column.
func validateTableIdentity(id mapping.Identity, prefix, what string) (*mapping.Identity, error) {
	out := id
	out.Table, out.Column, out.MetadataKey = strings.TrimSpace(out.Table), strings.TrimSpace(out.Column), strings.TrimSpace(out.MetadataKey)
	switch out.BillingField {
	case mapping.BillingCustomerID, mapping.BillingEmail:
		out.MetadataKey = ""
	case mapping.BillingMetadata:
		if out.MetadataKey == "" {
			return nil, &mapping.ValidationError{Field: prefix + "metadata_key", Message: "Enter the Stripe customer metadata key that holds the app's id (" + what + ")."}
		}
	default:
		return nil, &mapping.ValidationError{Field: prefix + "billing_field", Message: "Choose the billing field (" + what + "): stripe.customer.id, stripe.customer.metadata.<key>, or stripe.customer.email."}
	}
	if out.Table == "" || out.Column == "" {
		return nil, &mapping.ValidationError{Field: prefix + "table", Message: "Choose the app table and the column that holds the " + what + "' billing identity."}
	}
	return &out, nil
}

func validateAccess(p db.Project, a *mapping.Access) (*mapping.Access, error) {
	if p.AccessSource == "clerk" || p.AccessSource == "demo" {
		return mapping.ValidateClerkAccess(a)
	}
	if strings.TrimSpace(a.Users.Plan) == "" && strings.TrimSpace(a.Users.Premium) == "" {
		return nil, &mapping.ValidationError{Field: "users.plan", Message: "Map a plan or a premium field, so ParityRail can tell who has paid access."}
	}
	return a, nil
}

func mappingError(err error) error {
	var ve *mapping.ValidationError
	if errors.As(err, &ve) {
		return badRequest("invalid_mapping", "%s", ve.Message).on(ve.Field)
	}
	return err
}

// probeChargesAndDisputes checks that the project's Stripe key can read
// charges and disputes (the refund and dispute policy needs them).
func (s *Server) probeChargesAndDisputes(c echo.Context) error {
	p := currentProject(c)
	if isDemo(p) {
		return nil
	}
	cl, err := projectSource(c, s.sources.StripeClient)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), time.Minute)
	defer cancel()
	_, err = cl.TestConnection(ctx, billing.ProbeOptions{ChargesAndDisputes: true})
	var perr *billing.PermissionError
	if errors.As(err, &perr) {
		// Optional reads (Prices, Products) the key lacks don't block the
		// policy; only Charges and Disputes, and the required reads, do.
		if required := perr.Required(); required != nil {
			return sourceAnswer(required)
		}
		return nil
	}
	if err != nil {
		return sourceAnswer(err)
	}
	return nil
}
