package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/robfig/cron/v3"

	"parityrail/check"
	"parityrail/db"
)

// checkView is a check as the API shows it: progress for a progress bar,
// counts, and the summary (a dry run's result) once it ended.
type checkView struct {
	ID          string          `json:"id"`
	ProjectID   string          `json:"project_id"`
	Number      int64           `json:"number"`
	Scope       string          `json:"scope"`
	CustomerIDs []string        `json:"customer_ids"`
	SubjectKeys []string        `json:"subject_keys"`
	Trigger     string          `json:"trigger"`
	DryRun      bool            `json:"dry_run"`
	Status      string          `json:"status"`
	StartedBy   string          `json:"started_by,omitempty"`
	StartedAt   time.Time       `json:"started_at"`
	FinishedAt  *time.Time      `json:"finished_at"`
	DurationMS  int64           `json:"duration_ms"`
	Progress    progressView    `json:"progress"`
	Counts      db.CheckCounts  `json:"counts"`
	Error       string          `json:"error,omitempty"`
	Summary     json.RawMessage `json:"summary"`
}

type progressView struct {
	db.CheckProgress
	// Percent is an estimate for the bar (0–100); Indeterminate when the
	// phase's size is unknown (the first full check's Stripe read).
	Percent       float64 `json:"percent"`
	Indeterminate bool    `json:"indeterminate"`
}

// Each phase's share of the bar, from where it starts to where it ends.
var phaseSpan = map[string][2]float64{
	"starting":             {0, 0},
	"reading_billing":      {0, 45},
	"reading_entitlements": {45, 50},
	"recording_promises":   {50, 55},
	"reading_app":          {55, 90},
	"comparing":            {90, 97},
	"saving":               {97, 100},
}

func (s *Server) viewCheck(c db.Check) checkView {
	v := checkView{ID: c.ID, ProjectID: c.ProjectID, Number: c.Number, Scope: c.Scope, CustomerIDs: c.CustomerIDs, SubjectKeys: c.SubjectKeys,
		Trigger: c.Trigger, DryRun: c.DryRun, Status: c.Status, StartedBy: c.StartedBy, StartedAt: c.StartedAt,
		FinishedAt: c.FinishedAt, Counts: c.Counts, Error: c.Error, Summary: c.Summary}
	if v.CustomerIDs == nil {
		v.CustomerIDs = []string{}
	}
	if v.SubjectKeys == nil {
		v.SubjectKeys = []string{}
	}
	if len(v.Summary) == 0 {
		v.Summary = json.RawMessage("{}")
	}
	v.Progress.CheckProgress = c.Progress
	switch {
	case c.Status != "running":
		v.Progress.Percent = 100
		if c.FinishedAt != nil {
			v.DurationMS = c.FinishedAt.Sub(c.StartedAt).Milliseconds()
		}
	default:
		v.DurationMS = s.now().Sub(c.StartedAt).Milliseconds()
		span, ok := phaseSpan[c.Progress.Phase]
		if !ok {
			span = [2]float64{0, 0}
		}
		v.Progress.Percent = span[0]
		if c.Progress.Total > 0 {
			f := min(float64(c.Progress.Done)/float64(c.Progress.Total), 1)
			v.Progress.Percent = span[0] + f*(span[1]-span[0])
		} else if c.Progress.Phase == "reading_billing" {
			v.Progress.Indeterminate = true
		}
	}
	return v
}

type startCheckRequest struct {
	Scope      string `json:"scope"`
	CustomerID string `json:"customer_id"`
	DryRun     bool   `json:"dry_run"`
}

// startCheck starts a check in the background and answers 202 with it;
// GET …/checks/{checkId} shows its progress and, once it ended, its counts
// and summary (a dry run's result: findings per kind, a sample, unmapped
// prices, unmatched customers).
func (s *Server) startCheck(c echo.Context, req startCheckRequest) error {
	req.Scope = strings.TrimSpace(req.Scope)
	if req.Scope == "" {
		req.Scope = check.ScopeFull
	}
	if req.Scope == check.ScopeCustomer && strings.TrimSpace(req.CustomerID) == "" {
		return badRequest("customer_required", "A customer check needs the Stripe customer id (cus_…).")
	}
	if req.Scope != check.ScopeCustomer && req.CustomerID != "" {
		return badRequest("invalid_scope", "customer_id goes with the scope customer.")
	}
	u := currentUser(c)
	r := check.Request{ProjectID: currentProject(c).ID, Scope: req.Scope, Trigger: check.TriggerPerson,
		DryRun: req.DryRun, StartedBy: u.ID, Actor: u.ID}
	if req.CustomerID != "" {
		r.CustomerIDs = []string{strings.TrimSpace(req.CustomerID)}
	}
	started, err := s.checks.Start(c.Request().Context(), r)
	if err != nil {
		return checkError(err)
	}
	return c.JSON(http.StatusAccepted, s.viewCheck(started))
}

// checkError maps why a check could not start.
func checkError(err error) error {
	var busy *db.BusyError
	var re *check.RequestError
	switch {
	case errors.As(err, &busy):
		return newError(http.StatusConflict, "check_running", "%s", busy.Error())
	case errors.As(err, &re):
		status := http.StatusBadRequest
		if re.Code == "shutting_down" {
			status = http.StatusServiceUnavailable
		}
		return newError(status, re.Code, "%s", re.Message)
	case errors.Is(err, db.ErrNotFound):
		return newError(http.StatusNotFound, "not_found", "No such project.")
	}
	return sourceAnswer(err)
}

func (s *Server) listChecks(c echo.Context) error {
	checks, err := s.db.ListChecks(c.Request().Context(), currentProject(c).ID, 51, c.QueryParam("cursor"))
	if err != nil {
		return err
	}
	out := list[checkView]{Items: []checkView{}}
	for i, ch := range checks {
		if i == 50 {
			out.NextCursor = checks[49].ID
			break
		}
		out.Items = append(out.Items, s.viewCheck(ch))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) getCheck(c echo.Context) error {
	ch, err := s.db.GetCheck(c.Request().Context(), c.Param("checkId"))
	if errors.Is(err, db.ErrNotFound) || (err == nil && ch.ProjectID != currentProject(c).ID) {
		return newError(http.StatusNotFound, "not_found", "No such check in this project.")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.viewCheck(ch))
}

// --- schedules ---

type scheduleView struct {
	Kind      string     `json:"kind"`
	Spec      string     `json:"spec"`
	Enabled   bool       `json:"enabled"`
	LastRunAt *time.Time `json:"last_run_at"`
	NextRunAt *time.Time `json:"next_run_at"`
}

func (s *Server) viewSchedules(c echo.Context, projectID string) error {
	views, err := s.scheduleViews(c.Request().Context(), projectID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(views))
}

// scheduleViews are the project's schedules with their next run (none when
// off).
func (s *Server) scheduleViews(ctx context.Context, projectID string) ([]scheduleView, error) {
	list, err := s.db.Schedules(ctx, projectID)
	if err != nil {
		return nil, err
	}
	views := make([]scheduleView, 0, len(list))
	for _, sc := range list {
		v := scheduleView{Kind: sc.Kind, Spec: sc.Spec, Enabled: sc.Enabled, LastRunAt: sc.LastRunAt}
		if parsed, err := cron.ParseStandard(sc.Spec); err == nil && sc.Enabled {
			next := parsed.Next(s.now().UTC())
			v.NextRunAt = &next
		}
		views = append(views, v)
	}
	return views, nil
}

func (s *Server) getSchedules(c echo.Context) error {
	return s.viewSchedules(c, currentProject(c).ID)
}

type scheduleUpdate struct {
	Spec    *string `json:"spec"`
	Enabled *bool   `json:"enabled"`
}

// saveSchedules edits the daily full and hourly recent check schedules
// (five-field cron specs in UTC).
func (s *Server) saveSchedules(c echo.Context, req map[string]scheduleUpdate) error {
	p := currentProject(c)
	changed, err := s.updatedSchedules(c.Request().Context(), p.ID, req)
	if err != nil {
		return err
	}
	for _, sc := range changed {
		if err := s.db.SaveSchedule(c.Request().Context(), sc); err != nil {
			return err
		}
	}
	return s.viewSchedules(c, p.ID)
}

// updatedSchedules validates schedule edits and returns the schedules they
// change, edited (nothing is stored).
func (s *Server) updatedSchedules(ctx context.Context, projectID string, req map[string]scheduleUpdate) ([]db.Schedule, error) {
	for kind := range req {
		if kind != "full" && kind != "recent" && kind != db.ScheduleDigest {
			return nil, badRequest("invalid_schedule", "Unknown schedule %q: use full, recent or digest.", kind).on(kind)
		}
	}
	current, err := s.db.Schedules(ctx, projectID)
	if err != nil {
		return nil, err
	}
	var out []db.Schedule
	for _, sc := range current {
		upd, ok := req[sc.Kind]
		if !ok {
			continue
		}
		if upd.Spec != nil {
			spec := strings.Join(strings.Fields(*upd.Spec), " ")
			if _, err := cron.ParseStandard(spec); err != nil || strings.HasPrefix(spec, "@every") {
				return nil, badRequest("invalid_schedule", "%q is not a five-field cron schedule (minute hour day month weekday, in UTC), e.g. \"0 3 * * *\".", *upd.Spec).on(sc.Kind + ".spec")
			}
			sc.Spec = spec
		}
		if upd.Enabled != nil {
			sc.Enabled = *upd.Enabled
		}
		out = append(out, sc)
	}
	return out, nil
}
