package server

import (
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestReadiness(t *testing.T) {
	running := true
	app := newTestAppWith(t, Config{Version: "test", PasswordCost: bcrypt.MinCost, SchedulerRunning: func() bool { return running }},
		filepath.Join(t.TempDir(), "p.db"))
	c := app.client()
	var r readiness
	c.mustDo("GET", "/api/ready", nil, 200).json(t, &r)
	for _, part := range []string{"database", "migrations", "vault", "scheduler"} {
		if r.Checks[part] != "ok" || !r.Ready {
			t.Errorf("ready: %+v", r)
		}
	}

	running = false
	r = readiness{}
	c.mustDo("GET", "/api/ready", nil, 503).json(t, &r)
	if r.Ready || !strings.Contains(r.Checks["scheduler"], "not running") || r.Checks["database"] != "ok" {
		t.Errorf("scheduler stopped: %+v", r)
	}
	running = true
	c.mustDo("GET", "/api/health", nil, 200) // liveness stays cheap and green
}
