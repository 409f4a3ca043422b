package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"parityrail/check"
	"parityrail/db"
	"parityrail/fulfillment"
	"parityrail/ledger"
	"parityrail/mapping"
)

// policyView is the project's grant policy as the editor shows it.
type policyView struct {
	Policy   fulfillment.Policy        `json:"policy"`
	Version  string                    `json:"version"`
	Defaults fulfillment.Policy        `json:"defaults"`
	Bounds   []fulfillment.PolicyBound `json:"bounds"`
}

func newPolicyView(p fulfillment.Policy) policyView {
	return policyView{Policy: p, Version: fulfillment.PolicyVersion(p), Defaults: fulfillment.DefaultPolicy(), Bounds: fulfillment.PolicyBounds}
}

func (s *Server) getPolicy(c echo.Context) error {
	m, err := s.storedMapping(c, currentProject(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newPolicyView(*m.Policy))
}

// candidatePolicy reads a policy from the body over the current one (a
// field left out keeps its value) and validates it; a bad field is a 400
// naming it.
func candidatePolicy(c echo.Context, current fulfillment.Policy) (fulfillment.Policy, error) {
	p := current
	if err := decode(c, &p); err != nil {
		return p, err
	}
	if err := mapping.ValidatePolicy(&p); err != nil {
		if me, ok := mappingError(err).(*apiError); ok {
			return p, me.on(strings.TrimPrefix(me.Field, "policy."))
		}
		return p, err
	}
	return p, nil
}

// previewView is a preview's answer: what would change, and the versions.
type previewView struct {
	check.PolicyPreview
	Version        string `json:"version"`
	CurrentVersion string `json:"current_version"`
}

// previewPolicy judges the customers the last checks read under a
// candidate policy, without calling Stripe or the app.
func (s *Server) previewPolicy(c echo.Context) error {
	p := currentProject(c)
	m, err := s.storedMapping(c, p)
	if err != nil {
		return err
	}
	candidate, err := candidatePolicy(c, *m.Policy)
	if err != nil {
		return err
	}
	now := s.now()
	if s.checks.Now != nil {
		now = s.checks.Now() // the clock checks judge at (tests move it)
	}
	pv, err := check.Preview(c.Request().Context(), s.db, p.ID, *m.Plans, *m.Policy, candidate, now.UTC())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, previewView{PolicyPreview: pv, Version: fulfillment.PolicyVersion(candidate),
		CurrentVersion: fulfillment.PolicyVersion(*m.Policy)})
}

// savePolicy stores the policy (admins) with a policy_changed ledger entry.
// Turning a refund or dispute rule on first checks that the Stripe key can
// read charges and disputes, as saving it with the mappings does.
func (s *Server) savePolicy(c echo.Context) error {
	p := currentProject(c)
	m, err := s.storedMapping(c, p)
	if err != nil {
		return err
	}
	before := *m.Policy
	after, err := candidatePolicy(c, before)
	if err != nil {
		return err
	}
	if after == before {
		return c.JSON(http.StatusOK, newPolicyView(after))
	}
	if after.ReadsCharges() && !before.ReadsCharges() {
		if err := s.probeChargesAndDisputes(c); err != nil {
			return err
		}
	}
	// Only the stored document is rewritten; defaults filled in by
	// storedMapping for sections never saved stay unsaved.
	stored := mapping.Mapping{}
	switch doc, err := s.db.GetMapping(c.Request().Context(), p.ID); {
	case errors.Is(err, db.ErrNotFound):
	case err != nil:
		return err
	default:
		if stored, err = mapping.Parse(doc); err != nil {
			return err
		}
	}
	stored.Policy = &after
	doc, err := json.Marshal(stored)
	if err != nil {
		return err
	}
	u := currentUser(c)
	if err := s.db.SaveMappingLedgered(c.Request().Context(), p.ID, string(doc), u.ID, []db.LedgerEntry{policyChanged(before, after, u.ID)}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newPolicyView(after))
}

// policyChanged is the ledger entry of a policy change: both policies and
// their versions, and the fields that differ.
func policyChanged(before, after fulfillment.Policy, actor string) db.LedgerEntry {
	var from, to map[string]any
	_ = json.Unmarshal(fulfillment.CanonicalPolicy(before), &from)
	_ = json.Unmarshal(fulfillment.CanonicalPolicy(after), &to)
	changes := map[string]any{}
	for k, v := range to {
		if from[k] != v {
			changes[k] = map[string]any{"from": from[k], "to": v}
		}
	}
	return db.LedgerEntry{Kind: ledger.PolicyChanged, Actor: actor, Detail: map[string]any{
		"from": from, "to": to, "from_version": fulfillment.PolicyVersion(before), "to_version": fulfillment.PolicyVersion(after),
		"changes": changes}}
}
