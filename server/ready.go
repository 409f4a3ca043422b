package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"parityrail/db"
)

type readiness struct {
	Ready  bool              `json:"ready"`
	Checks map[string]string `json:"checks"`
}

// ready is the readiness probe: 200 when the database takes writes, its
// migrations are current, the credentials key is loaded and cron is
// scheduling; 503 naming what is not. /api/health stays the cheap liveness
// probe.
func (s *Server) ready(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	r := readiness{Ready: true, Checks: map[string]string{}}
	set := func(part, problem string) {
		if problem == "" {
			r.Checks[part] = "ok"
			return
		}
		r.Checks[part], r.Ready = problem, false
	}
	if err := s.db.Writable(ctx); err != nil {
		s.log.Warn("readiness: database not writable", "err", err)
		set("database", "the database does not take writes (read-only file, full disk or locked): see the server log")
	} else {
		set("database", "")
	}
	set("migrations", s.migrationProblem(ctx))
	if s.vault == nil {
		set("vault", "the credentials key is not loaded")
	} else {
		set("vault", "")
	}
	if s.cfg.SchedulerRunning == nil || !s.cfg.SchedulerRunning() {
		set("scheduler", "scheduled checks are not running")
	} else {
		set("scheduler", "")
	}
	status := http.StatusOK
	if !r.Ready {
		status = http.StatusServiceUnavailable
	}
	return c.JSON(status, r)
}

func (s *Server) migrationProblem(ctx context.Context) string {
	latest, err := db.LatestMigration()
	if err != nil {
		return "this binary's migrations cannot be read"
	}
	have, dirty, err := s.db.MigrationVersion(ctx)
	switch {
	case err != nil:
		return "the migration version cannot be read"
	case dirty:
		return fmt.Sprintf("migration %d stopped halfway: restore the backup taken before the upgrade", have)
	case have != latest:
		return fmt.Sprintf("the database is at migration %d, this binary expects %d", have, latest)
	}
	return ""
}
