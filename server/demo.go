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

// The demo's two apps, as "Explore with demo data" names them: the same
// customers, their access kept in SQL tables (repairs run) or in Clerk
// (guided fixes).
const (
	demoAppSQL   = "sql"
	demoAppClerk = "clerk"
)

// demoProjectNames are what "Explore with demo data" calls its project.
var demoProjectNames = map[string]string{demoAppSQL: "Demo project (SQL app)", demoAppClerk: "Demo project (Clerk app)"}

// isDemo: the project reads the built-in demo world (step 1 keeps billing and
// access together, so either source says it).
func isDemo(p db.Project) bool {
	return p.BillingSource == sources.SourceDemo || sources.IsDemoAccess(p.AccessSource)
}

// demoOf wires the demo host into a check opener: each demo project's
// world, with the world's own keys, and its SQL app in appDir.
func demoOf(h *world.Host, appDir string) *sources.Demo {
	if h == nil {
		return nil
	}
	return &sources.Demo{StripeKey: world.StripeKey, ClerkKey: world.ClerkSecretKey, Bases: h.Bases,
		AppDir: appDir, AppSchema: world.SQLSchema, AppSeed: h.AppSeed}
}

// demoMapping is the demo world's mapping document for a demo access
// source: the SQL app's tables, or the Clerk metadata.
func demoMapping(access string) string {
	m := world.ClerkMapping()
	if access == sources.SourceDemoSQL {
		m = world.PostgresMapping()
	}
	b, err := json.Marshal(m)
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

type demoRequest struct {
	// App is "sql" (repairs run for real) or "clerk" (guided fixes, the
	// default when the body is empty).
	App string `json:"app"`
}

// createDemoProject is "Explore with demo data": a demo project onboarded in
// one go (stack, no keys, the world's mapping, every step done; for the SQL
// app, repairs on and its SQLite file seeded) whose first full check starts
// at once. 201 with the project and the running check.
func (s *Server) createDemoProject(c echo.Context) error {
	host, err := s.demoHost()
	if err != nil {
		return err
	}
	req := demoRequest{App: demoAppClerk}
	if c.Request().ContentLength != 0 {
		if err := decode(c, &req); err != nil {
			return err
		}
	}
	access := map[string]string{demoAppSQL: sources.SourceDemoSQL, demoAppClerk: sources.SourceDemo}[req.App]
	if access == "" {
		return badRequest("invalid_demo_app", "Choose the demo app: sql (its access in SQL tables, repairs run) or clerk (its access in Clerk, guided fixes).").on("app")
	}
	ctx, u := c.Request().Context(), currentUser(c)
	p, err := s.db.CreateProject(ctx, demoProjectNames[req.App])
	if err != nil {
		return err
	}
	if err := s.db.SwitchStack(ctx, p.ID, p.Name, sources.SourceDemo, access, u.ID, demoMapping(access)); err != nil {
		return err
	}
	if err := s.db.OnboardDemo(ctx, p.ID, u.ID, demoMapping(access), access == sources.SourceDemoSQL); err != nil {
		return err
	}
	host.Reset(p.ID)
	if p, err = s.db.GetProject(ctx, p.ID); err != nil {
		return err
	}
	if err := s.sources.ResetDemoApp(p); err != nil {
		return sourceAnswer(err)
	}
	return s.startDemoCheck(c, p.ID, http.StatusCreated)
}

// resetDemo restores the demo project's world to its seed state (whatever a
// guided fix or a repair changed in its Stripe, Clerk or SQL app is undone)
// and the demo mapping, then starts a fresh full check. Incidents are not deleted:
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
	if err := s.db.SaveMapping(ctx, p.ID, demoMapping(p.AccessSource), u.ID); err != nil {
		return err
	}
	host.Reset(p.ID)
	if err := s.sources.ResetDemoApp(p); err != nil {
		return sourceAnswer(err)
	}
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

// forgetDemo drops a deleted project's world and SQL app.
func (s *Server) forgetDemo(projectID string) {
	if s.cfg.Demo != nil {
		s.cfg.Demo.Forget(projectID)
	}
	if err := s.sources.ForgetDemoApp(projectID); err != nil {
		s.log.Warn("demo: the SQL app file could not be deleted", "project", projectID, "err", err)
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
