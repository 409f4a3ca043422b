package server

import (
	"errors"
	"net/http"
	"parityrail/sources"

	"github.com/labstack/echo/v4"

	"parityrail/billing"
	"parityrail/db"
)

// budgetView is a project's Stripe request budget as its settings page
// shows it.
type budgetView struct {
	// RPS is the budget in force (requests/s); 0 means no cap.
	RPS float64 `json:"rps"`
	// Source: environment (PARITYRAIL_STRIPE_MAX_RPS wins), project (set
	// here) or default (by the key's mode).
	Source         string  `json:"source"`
	Mode           string  `json:"mode"` // test or live: the connected key's
	DefaultRPS     float64 `json:"default_rps"`
	PerEndpointRPS float64 `json:"per_endpoint_rps"`
	ProjectRPS     float64 `json:"project_rps"` // the project's own setting (0: default)
}

type budgetRequest struct {
	MaxRPS *float64 `json:"max_rps"`
}

func (s *Server) budgetOf(c echo.Context, p db.Project) (budgetView, error) {
	mode := billing.ModeTest
	conn, err := s.db.GetConnection(c.Request().Context(), p.ID, "stripe")
	switch {
	case err == nil && conn.Livemode:
		mode = billing.ModeLive
	case err != nil && !errors.Is(err, db.ErrNotFound):
		return budgetView{}, err
	}
	v := budgetView{Mode: string(mode), DefaultRPS: billing.DefaultBudget(mode), PerEndpointRPS: billing.PerEndpointBudget, ProjectRPS: p.StripeMaxRPS}
	v.RPS, v.Source = s.sources.StripeBudgetRate(p, mode)
	return v, nil
}

func (s *Server) getBudget(c echo.Context) error {
	v, err := s.budgetOf(c, currentProject(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// saveBudget sets the project's Stripe budget (0: the default). With
// PARITYRAIL_STRIPE_MAX_RPS set the environment wins and this is refused.
func (s *Server) saveBudget(c echo.Context, req budgetRequest) error {
	p := currentProject(c)
	if v, err := s.budgetOf(c, p); err != nil {
		return err
	} else if v.Source == sources.BudgetFromEnvironment {
		return newError(http.StatusConflict, "budget_from_environment",
			"PARITYRAIL_STRIPE_MAX_RPS is set on the server and wins over this setting; change it there.")
	}
	if req.MaxRPS == nil || *req.MaxRPS < 0 || *req.MaxRPS > 100 {
		return badRequest("invalid_budget", "Give a budget between 1 and 100 requests per second (Stripe allows 25 in test mode and 100 in live mode, shared with your app), or 0 for the default.").on("max_rps")
	}
	if err := s.db.SetStripeBudget(c.Request().Context(), p.ID, *req.MaxRPS); err != nil {
		return err
	}
	p.StripeMaxRPS = *req.MaxRPS
	v, err := s.budgetOf(c, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}
