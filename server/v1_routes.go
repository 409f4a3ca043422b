package server

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"parityrail/db"
)

// The /api/v1 handlers: each reads its input, resolves what the key may
// reach and calls a machine function (v1.go).

func (s *Server) v1Projects(c echo.Context) error {
	out, err := s.keyProjects(c.Request().Context(), currentKey(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// v1Project resolves ?project_id= for the key.
func (s *Server) v1Project(c echo.Context) (db.Project, error) {
	return s.keyProject(c, currentKey(c), c.QueryParam("project_id"))
}

func (s *Server) v1CustomerState(c echo.Context) error {
	p, err := s.v1Project(c)
	if err != nil {
		return err
	}
	st, err := s.keyCustomerState(c.Request().Context(), p, c.Param("customerId"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

func (s *Server) v1CustomerLedger(c echo.Context) error {
	p, err := s.v1Project(c)
	if err != nil {
		return err
	}
	limit, err := pageLimit(c.QueryParam("limit"), 100)
	if err != nil {
		return err
	}
	page, err := s.keyLedger(c.Request().Context(), p, c.Param("customerId"), c.QueryParam("cursor"), limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

// pageLimit reads ?limit= (1–500, def when absent).
func pageLimit(raw string, def int) (int, error) {
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > 500 {
		return 0, badRequest("invalid_filter", "limit must be between 1 and 500.").on("limit")
	}
	return n, nil
}

// v1Run starts a check: 202 with where to follow it, or 200 with the
// verdict when a one-customer check ends within 20 s.
func (s *Server) v1Run(c echo.Context, req runRequest) error {
	k := currentKey(c)
	p, err := s.keyProject(c, k, req.ProjectID)
	if err != nil {
		return err
	}
	ans, done, err := s.keyRun(c.Request().Context(), k, p, req)
	if err != nil {
		return err
	}
	if done {
		return c.JSON(http.StatusOK, ans)
	}
	return c.JSON(http.StatusAccepted, ans)
}

func (s *Server) v1Check(c echo.Context) error {
	v, err := s.keyCheck(c.Request().Context(), currentKey(c), c.Param("checkId"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) v1Mismatches(c echo.Context) error {
	p, err := s.v1Project(c)
	if err != nil {
		return err
	}
	f, err := incidentFilter(c.QueryParam)
	if err != nil {
		return err
	}
	out, err := s.incidentPage(c.Request().Context(), p.ID, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) v1Mismatch(c echo.Context) error {
	ctx := c.Request().Context()
	inc, err := s.keyIncident(ctx, currentKey(c), c.Param("mismatchId"))
	if err != nil {
		return err
	}
	d, err := s.incidentDetail(ctx, inc)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

// v1Ignore ignores a mismatch; asking again answers the same and adds
// nothing to the ledger.
func (s *Server) v1Ignore(c echo.Context, req ignoreRequest) error {
	ctx := c.Request().Context()
	inc, err := s.keyIncident(ctx, currentKey(c), c.Param("mismatchId"))
	if err != nil {
		return err
	}
	reason, err := ignoreReason(req.Reason)
	if err != nil {
		return err
	}
	if inc.Status == db.IncidentIgnored {
		return c.JSON(http.StatusOK, viewIncident(inc))
	}
	inc, err = s.db.IgnoreIncident(ctx, inc.ID, currentUser(c).ID, reason)
	if err != nil {
		return incidentStateError(err, "ignored")
	}
	return c.JSON(http.StatusOK, viewIncident(inc))
}

// approveAnswer is a repair approved by key: applied, then re-checked at
// once. Outcome: verified (the promise holds), still_broken (the re-check
// read the old values; more re-checks follow), pending (the re-check has
// not ended yet).
type approveAnswer struct {
	Outcome  string       `json:"outcome"`
	Repair   repairView   `json:"repair"`
	Incident incidentView `json:"incident"`
}

func (s *Server) v1Approve(c echo.Context) error {
	ctx := c.Request().Context()
	r, err := s.db.GetRepair(ctx, c.Param("repairId"))
	if err != nil || !keyReaches(currentKey(c), r.ProjectID) {
		return repairError(db.ErrNotFound)
	}
	if _, err := s.repairs.Approve(ctx, r.ID, currentUser(c).ID); err != nil {
		return repairError(err)
	}
	r, err = s.repairs.VerifyNow(ctx, r.ID)
	if err != nil {
		return err
	}
	a, err := s.repairWithIncident(ctx, r)
	if err != nil {
		return err
	}
	out := approveAnswer{Outcome: "pending", Repair: a.Repair, Incident: a.Incident}
	switch r.Verification {
	case db.VerifyHeld:
		out.Outcome = "verified"
	case db.VerifyStillWrong:
		out.Outcome = "still_broken"
	default:
		if r.VerifyAttempts > 0 {
			out.Outcome = "still_broken"
		}
	}
	return c.JSON(http.StatusOK, out)
}
