package server

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"parityrail/db"
	"parityrail/fulfillment"
)

// dashboardView is the project dashboard in one answer: active incidents by
// severity and kind (every severity and kind present, zeros included), the
// last ended check, the running one, the schedules and webhook health.
type dashboardView struct {
	OpenTotal      int              `json:"open_total"`
	OpenBySeverity map[string]int   `json:"open_by_severity"`
	OpenByKind     map[string]int   `json:"open_by_kind"`
	AtStake        []stakeTotalView `json:"at_stake"`
	LastCheck      *checkView       `json:"last_check"`
	RunningCheck   *checkView       `json:"running_check"`
	Schedules      []scheduleView   `json:"schedules"`
	Webhooks       db.WebhookHealth `json:"webhooks"`
}

// stakeTotalView is the money at stake of one kind in one currency.
type stakeTotalView struct {
	Currency     string `json:"currency"`
	Kind         string `json:"kind"`
	MonthlyMinor int64  `json:"monthly_minor"`
}

var dashboardKinds = []fulfillment.Kind{fulfillment.PaidWithoutAccess, fulfillment.AccessWithoutPayment, fulfillment.WrongPlan,
	fulfillment.TrialMismatch, fulfillment.EntitlementMismatch, fulfillment.UnmatchedCustomer, fulfillment.AmbiguousMatch}

func (s *Server) dashboard(c echo.Context) error {
	ctx := c.Request().Context()
	p := currentProject(c)
	counts, err := s.db.CountOpenIncidents(ctx, p.ID)
	if err != nil {
		return err
	}
	v := dashboardView{OpenTotal: counts.Total, OpenBySeverity: map[string]int{}, OpenByKind: map[string]int{}}
	for _, sev := range []string{"critical", "high", "medium", "low"} {
		v.OpenBySeverity[sev] = counts.BySeverity[sev]
	}
	for _, k := range dashboardKinds {
		v.OpenByKind[string(k)] = 0
	}
	for k, n := range counts.ByKind {
		v.OpenByKind[k] = n
	}
	totals, err := s.db.StakeTotals(ctx, p.ID)
	if err != nil {
		return err
	}
	v.AtStake = make([]stakeTotalView, len(totals))
	for i, t := range totals {
		v.AtStake[i] = stakeTotalView{Currency: t.Currency, Kind: t.Kind, MonthlyMinor: t.MonthlyMinor}
	}
	if last, err := s.db.LastCheck(ctx, p.ID); err == nil {
		view := s.viewCheck(last)
		v.LastCheck = &view
	} else if !errors.Is(err, db.ErrNotFound) {
		return err
	}
	if running, err := s.db.RunningCheck(ctx, p.ID); err == nil {
		view := s.viewCheck(running)
		v.RunningCheck = &view
	} else if !errors.Is(err, db.ErrNotFound) {
		return err
	}
	if v.Schedules, err = s.scheduleViews(ctx, p.ID); err != nil {
		return err
	}
	if v.Webhooks, err = s.db.GetWebhookHealth(ctx, p.ID); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}
