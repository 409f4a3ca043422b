package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"parityrail/check"
	"parityrail/db"
	"parityrail/ledger"
	"parityrail/sources"
)

type dryRunDoneRequest struct {
	CheckID string `json:"check_id"`
}

// completeDryRun is step 7's "Continue": it records that the person saw a
// finished dry run of this project and marks step 7 done. Members may do it,
// as they may run the dry run.
func (s *Server) completeDryRun(c echo.Context, req dryRunDoneRequest) error {
	p := currentProject(c)
	id := strings.TrimSpace(req.CheckID)
	if id == "" {
		return badRequest("check_required", "Run the dry run first, then continue with its check id.")
	}
	ch, err := s.db.GetCheck(c.Request().Context(), id)
	if errors.Is(err, db.ErrNotFound) || (err == nil && ch.ProjectID != p.ID) {
		return newError(http.StatusNotFound, "not_found", "No such check in this project.")
	}
	if err != nil {
		return err
	}
	switch {
	case !ch.DryRun:
		return badRequest("not_dry_run", "That check is not a dry run: continue with the dry run's check id.")
	case ch.Status == "running":
		return newError(http.StatusConflict, "dry_run_running", "The dry run is still running; continue once it has finished.")
	case ch.Status != "finished":
		return newError(http.StatusConflict, "dry_run_failed", "That dry run failed (%s). Fix the cause and run it again before continuing.", ch.Error)
	}
	if err := s.db.CompleteSteps(c.Request().Context(), p.ID, currentUser(c).ID, 7); err != nil {
		return err
	}
	return s.answerProject(c, p.ID)
}

type goLiveRequest struct {
	RepairsEnabled *bool                     `json:"repairs_enabled"`
	Schedules      map[string]scheduleUpdate `json:"schedules"`
}

type goLiveView struct {
	Project projectView `json:"project"`
	Check   checkView   `json:"check"`
}

// goLive is step 8's "Finish": it validates the settings, starts the
// project's first real full check (so a project that cannot be checked yet
// changes nothing), then applies the schedules and the repairs switch, marks
// step 8 done and the project onboarded, and ledgers it.
func (s *Server) goLive(c echo.Context, req goLiveRequest) error {
	ctx := c.Request().Context()
	p := currentProject(c)
	u := currentUser(c)
	schedules, err := s.updatedSchedules(ctx, p.ID, req.Schedules)
	if err != nil {
		return err
	}
	if req.RepairsEnabled != nil && *req.RepairsEnabled {
		if err := s.repairsPossible(c, p); err != nil {
			return err
		}
	}

	started, err := s.checks.Start(ctx, check.Request{ProjectID: p.ID, Scope: check.ScopeFull, Trigger: check.TriggerPerson,
		StartedBy: u.ID, Actor: u.ID})
	if err != nil {
		return checkError(err)
	}

	repairs := p.RepairsEnabled
	if req.RepairsEnabled != nil {
		repairs = *req.RepairsEnabled
	}
	all, err := s.db.Schedules(ctx, p.ID)
	if err != nil {
		return err
	}
	detail := map[string]any{"repairs_enabled": repairs, "first_check": started.ID}
	for _, sc := range all {
		for _, changed := range schedules {
			if changed.Kind == sc.Kind {
				sc = changed
			}
		}
		detail["schedule_"+sc.Kind] = map[string]any{"spec": sc.Spec, "enabled": sc.Enabled}
	}
	live, err := s.db.CompleteGoLive(ctx, db.GoLive{ProjectID: p.ID, UserID: u.ID, RepairsEnabled: req.RepairsEnabled,
		Schedules: schedules, Entry: &db.LedgerEntry{Kind: ledger.ProjectLive, CheckID: started.ID, Actor: u.ID, Detail: detail}})
	if err != nil {
		return err
	}
	s.log.Info("project live", "project", p.ID, "by", u.ID, "repairs_enabled", repairs, "check", started.ID)
	return c.JSON(http.StatusOK, goLiveView{Project: s.viewProject(c, live), Check: s.viewCheck(started)})
}

// repairsPossible refuses turning repairs on where nothing could write:
// repairs need a Postgres access source with a repair connection (or the
// demo's SQL app).
func (s *Server) repairsPossible(c echo.Context, p db.Project) error {
	if p.AccessSource == sources.SourceDemoSQL {
		return nil // the demo's SQL app: its writer is built in
	}
	if p.AccessSource != "postgres" {
		name := map[string]string{"clerk": "Clerk", "demo": "the demo data"}[p.AccessSource]
		if name == "" {
			name = "an access source that is not Postgres"
		}
		return badRequest("repairs_unavailable",
			"Repairs can only be turned on for a Postgres / Supabase access source with a repair connection; ParityRail never writes to %s. Leave repairs off.", name)
	}
	conn, err := s.db.GetConnection(c.Request().Context(), p.ID, "postgres")
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return err
	}
	if err != nil || conn.SealedExtra == "" {
		return badRequest("repair_connection_required",
			"Repairs need a repair connection: add a repair connection string (a role with UPDATE on the mapped access columns only) on step 3 (Database), or leave repairs off.")
	}
	return nil
}
