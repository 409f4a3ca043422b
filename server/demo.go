package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"parityrail/sources"

	"github.com/labstack/echo/v4"

	"parityrail/check"
	"parityrail/db"
	"parityrail/demo/world"
	"parityrail/fulfillment"
	"parityrail/repair"
)

// demoProjectName is what "Explore with demo data" calls its project.
const demoProjectName = "Demo project"

// isDemo: the project reads the built-in demo world (step 1 keeps billing and
// access together, so either source says it).
func isDemo(p db.Project) bool {
	return p.BillingSource == sources.SourceDemo || p.AccessSource == sources.SourceDemo
}

// demoOf wires the demo host into a check opener: each demo project's
// world, with the world's own keys.
func demoOf(h *world.Host) *sources.Demo {
	if h == nil {
		return nil
	}
	return &sources.Demo{StripeKey: world.StripeKey, ClerkKey: world.ClerkSecretKey, Bases: h.Bases}
}

// demoMapping is the demo world's mapping document (the Clerk flavour, which
// the in-process world serves).
func demoMapping() string {
	b, err := json.Marshal(world.ClerkMapping())
	if err != nil {
		panic(err) // a fixed value: it always marshals
	}
	return string(b)
}

func (s *Server) demoHost() (*world.Host, error) {
	if s.cfg.Demo == nil {
		return nil, newError(http.StatusServiceUnavailable, "demo_unavailable", "Demo data is not served by this process; restart ParityRail with `parityrail serve`.")
	}
	return s.cfg.Demo, nil
}

type demoAnswer struct {
	Project projectView `json:"project"`
	Check   checkView   `json:"check"`
}

// createDemoProject is "Explore with demo data": a demo project onboarded in
// one go (stack, no keys, the world's mapping, every step done) whose first
// full check starts at once. 201 with the project and the running check.
func (s *Server) createDemoProject(c echo.Context) error {
	host, err := s.demoHost()
	if err != nil {
		return err
	}
	ctx, u := c.Request().Context(), currentUser(c)
	p, err := s.db.CreateProject(ctx, demoProjectName)
	if err != nil {
		return err
	}
	if err := s.db.SwitchStack(ctx, p.ID, p.Name, sources.SourceDemo, sources.SourceDemo, u.ID, demoMapping()); err != nil {
		return err
	}
	if err := s.db.OnboardDemo(ctx, p.ID, u.ID, demoMapping()); err != nil {
		return err
	}
	host.Reset(p.ID)
	return s.startDemoCheck(c, p.ID, http.StatusCreated)
}

// resetDemo restores the demo project's world to its seed state (whatever a
// guided fix or a repair changed in its Stripe or Clerk is undone) and the
// demo mapping, then starts a fresh full check. Incidents are not deleted:
// the check resolves the ones that no longer hold and files or keeps the
// seed's, all recorded in the append-only Access Ledger. 202.
func (s *Server) resetDemo(c echo.Context) error {
	host, err := s.demoHost()
	if err != nil {
		return err
	}
	p, ctx, u := currentProject(c), c.Request().Context(), currentUser(c)
	if !isDemo(p) {
		return newError(http.StatusConflict, "not_demo", "Only a demo project can be reset; this project reads your own Stripe and app.")
	}
	if running, err := s.db.RunningCheck(ctx, p.ID); err == nil && s.now().Sub(running.HeartbeatAt) <= db.StaleCheckAfter {
		return newError(http.StatusConflict, "check_running", "A check of this project is running; reset the demo data when it has finished.")
	} else if err != nil && !errors.Is(err, db.ErrNotFound) {
		return err
	}
	if err := s.db.SaveMapping(ctx, p.ID, demoMapping(), u.ID); err != nil {
		return err
	}
	host.Reset(p.ID)
	return s.startDemoCheck(c, p.ID, http.StatusAccepted)
}

func (s *Server) startDemoCheck(c echo.Context, projectID string, status int) error {
	u := currentUser(c)
	started, err := s.checks.Start(c.Request().Context(), check.Request{ProjectID: projectID, Scope: check.ScopeFull,
		Trigger: check.TriggerPerson, StartedBy: u.ID, Actor: u.ID})
	if err != nil {
		return checkError(err)
	}
	p, err := s.db.GetProject(c.Request().Context(), projectID)
	if err != nil {
		return err
	}
	return c.JSON(status, demoAnswer{Project: s.viewProject(c, p), Check: s.viewCheck(started)})
}

// ownDataOnly guards the connect routes: a demo project never holds a real
// credential, so connecting Stripe, Postgres or Clerk to one is refused.
func (s *Server) ownDataOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if isDemo(currentProject(c)) {
			return newError(http.StatusConflict, "demo_project", "This is a demo project: it reads the built-in demo data and never holds real keys. To connect your own Stripe and app, create a new project (or choose your own sources on step 1).")
		}
		return next(c)
	}
}

// forgetDemo drops a deleted project's world.
func (s *Server) forgetDemo(projectID string) {
	if s.cfg.Demo != nil {
		s.cfg.Demo.Forget(projectID)
	}
}

// demoApplied answers "Apply this change in the demo".
type demoApplied struct {
	SubjectKind string                    `json:"subject_kind"`
	SubjectID   string                    `json:"subject_id"`
	Metadata    map[string]map[string]any `json:"metadata"`
}

// applyDemoFix plays a person's guided Clerk edit on a demo project's
// in-process Clerk — never a real Clerk — so a newcomer sees a fix work:
// apply, then "Re-run check" resolves the incident.
func (s *Server) applyDemoFix(c echo.Context) error {
	inc, p := currentIncident(c), currentProject(c)
	if !isDemo(p) || s.cfg.Demo == nil {
		return newError(http.StatusConflict, "not_demo", "Only a demo project's changes can be applied from here; make this one in Clerk, then re-run the check.")
	}
	var f fulfillment.Finding
	if err := json.Unmarshal(inc.Finding, &f); err != nil {
		return err
	}
	g, ok := repair.Guide(f, repair.Instance{})
	if !ok {
		return newError(http.StatusConflict, "no_guided_fix", "This incident has no metadata change to apply.")
	}
	clerk := s.cfg.Demo.World(p.ID).Clerk
	for container, patch := range g.Metadata {
		if err := clerk.MergeMetadata(g.SubjectKind, g.SubjectID, container, patch); err != nil {
			return err
		}
	}
	s.log.Info("demo: guided fix applied to the demo Clerk", "project", p.ID, "incident", inc.ID, "subject", g.SubjectID)
	return c.JSON(http.StatusOK, demoApplied{SubjectKind: g.SubjectKind, SubjectID: g.SubjectID, Metadata: g.Metadata})
}
