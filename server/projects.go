package server

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"parityrail/billing"
	"parityrail/db"
	"parityrail/onboarding"
	"parityrail/sources"
)

type projectView struct {
	ID            string              `json:"id"`
	Name          string              `json:"name"`
	CreatedAt     time.Time           `json:"created_at"`
	UpdatedAt     time.Time           `json:"updated_at"`
	BillingSource string              `json:"billing_source"`
	AccessSource  string              `json:"access_source"`
	Onboarded     bool                `json:"onboarded"`
	Onboarding    onboarding.Progress `json:"onboarding"`
	// RepairsEnabled: approved Postgres repairs may write (step 8).
	RepairsEnabled bool `json:"repairs_enabled"`
	// WebhookURL is where Stripe sends this project's events; WebhookEvents
	// the ones to select on the Stripe endpoint.
	WebhookURL    string   `json:"webhook_url"`
	WebhookEvents []string `json:"webhook_events"`
}

func (s *Server) viewProject(c echo.Context, p db.Project) projectView {
	return projectView{
		ID: p.ID, Name: p.Name, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
		BillingSource: p.BillingSource, AccessSource: p.AccessSource,
		Onboarded:      p.OnboardedAt != nil,
		Onboarding:     onboarding.For(p.AccessSource, p.StepsDone),
		RepairsEnabled: p.RepairsEnabled,
		WebhookURL:     s.baseURL(c) + "/api/webhooks/stripe/" + p.ID,
		WebhookEvents:  billing.ActedOnEvents,
	}
}

func (s *Server) listProjects(c echo.Context) error {
	projects, err := s.db.ListProjects(c.Request().Context())
	if err != nil {
		return err
	}
	views := make([]projectView, len(projects))
	for i, p := range projects {
		views[i] = s.viewProject(c, p)
	}
	return c.JSON(http.StatusOK, listOf(views))
}

func (s *Server) getProject(c echo.Context) error {
	return c.JSON(http.StatusOK, s.viewProject(c, currentProject(c)))
}

type projectNameRequest struct {
	Name string `json:"name"`
}

func projectName(raw string) (string, error) {
	return givenName(raw, "Project", "Give the project a name.")
}

// createProject and renameProject take {"name": …}.
func (s *Server) createProject(c echo.Context, req projectNameRequest) error {
	name, err := projectName(req.Name)
	if err != nil {
		return err
	}
	p, err := s.db.CreateProject(c.Request().Context(), name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.viewProject(c, p))
}

func (s *Server) renameProject(c echo.Context, req projectNameRequest) error {
	name, err := projectName(req.Name)
	if err != nil {
		return err
	}
	p := currentProject(c)
	if err := s.db.RenameProject(c.Request().Context(), p.ID, name); err != nil {
		return err
	}
	return s.answerProject(c, p.ID)
}

func (s *Server) deleteProject(c echo.Context) error {
	if err := s.db.DeleteProject(c.Request().Context(), currentProject(c).ID); err != nil {
		return err
	}
	s.forgetDemo(currentProject(c).ID)
	return c.NoContent(http.StatusNoContent)
}

type stackRequest struct {
	Name          string `json:"name"`
	BillingSource string `json:"billing_source"`
	AccessSource  string `json:"access_source"`
}

// saveStack records onboarding step 1: the name and where billing and access
// state come from.
func (s *Server) saveStack(c echo.Context, req stackRequest) error {
	name, err := projectName(req.Name)
	if err != nil {
		return err
	}
	switch req.BillingSource {
	case "stripe", "demo":
	default:
		return badRequest("invalid_billing_source", "Choose a billing source: Stripe or Demo data.")
	}
	switch req.AccessSource {
	case "postgres", "clerk", sources.SourceDemo, sources.SourceDemoSQL:
	default:
		return badRequest("invalid_access_source", "Choose an access-state source: Postgres / Supabase, Clerk, or Demo data.")
	}
	// Demo data is one world: its app state only matches its own Stripe
	// customers, and a demo project must never hold a real key next to it.
	if (req.BillingSource == "demo") != sources.IsDemoAccess(req.AccessSource) {
		return badRequest("demo_mixed", "Demo data covers billing and access state together: choose Demo data for both, or your own Stripe and app.")
	}
	p := currentProject(c)
	ctx, userID := c.Request().Context(), currentUser(c).ID
	wasDemo, demo := isDemo(p), req.BillingSource == "demo"
	switch {
	case demo && !wasDemo:
		// Into demo data: the project's keys and mapping go; demo data needs
		// no key (steps 2–3 done) and pre-fills steps 4–6.
		err = s.db.SwitchStack(ctx, p.ID, name, req.BillingSource, req.AccessSource, userID, demoMapping(req.AccessSource))
	case demo && wasDemo && req.AccessSource != p.AccessSource:
		// From one demo app to the other: the other app's mapping.
		err = s.db.SwitchStack(ctx, p.ID, name, req.BillingSource, req.AccessSource, userID, demoMapping(req.AccessSource))
		if err := s.sources.ForgetDemoApp(p.ID); err != nil {
			s.log.Warn("demo: the SQL app file could not be deleted", "project", p.ID, "err", err)
		}
	case wasDemo && !demo:
		// Out of demo data: start over from step 2 with nothing demo left.
		err = s.db.SwitchStack(ctx, p.ID, name, req.BillingSource, req.AccessSource, userID, "")
		s.forgetDemo(p.ID)
	default:
		err = s.db.SaveStack(ctx, p.ID, name, req.BillingSource, req.AccessSource, userID)
	}
	if err != nil {
		return err
	}
	return s.answerProject(c, p.ID)
}

// answerProject re-reads the project so the answer shows what was stored.
func (s *Server) answerProject(c echo.Context, id string) error {
	p, err := s.db.GetProject(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.viewProject(c, p))
}
