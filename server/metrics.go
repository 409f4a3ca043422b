package server

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics serves Prometheus metrics. It is off (404, like any unknown path)
// unless PARITYRAIL_METRICS_TOKEN is set, and then answers only requests
// bearing that token: metric labels name projects.
func (s *Server) metrics(c echo.Context) error {
	if s.cfg.Metrics == nil || s.cfg.MetricsToken == "" {
		return newError(http.StatusNotFound, "not_found", "Metrics are off: start ParityRail with PARITYRAIL_METRICS_TOKEN set to serve them.")
	}
	got, ok := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.MetricsToken)) != 1 {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="parityrail metrics"`)
		return newError(http.StatusUnauthorized, "unauthenticated", "Send Authorization: Bearer <PARITYRAIL_METRICS_TOKEN>.")
	}
	promhttp.HandlerFor(s.cfg.Metrics.Registry, promhttp.HandlerOpts{}).ServeHTTP(c.Response(), c.Request())
	return nil
}
