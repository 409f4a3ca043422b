// Package server is ParityRail's HTTP edge: the JSON API under /api and the
// embedded single-page app. Handlers stay thin; they validate input, call the
// store, and map failures to messages a person can act on.
package server

import (
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"parityrail/sources"
	"path/filepath"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"parityrail/check"
	"parityrail/db"
	"parityrail/demo/world"
	"parityrail/metrics"
	"parityrail/notifier"
	"parityrail/repair"
	"parityrail/vault"
)

// Config is what the server needs from the command line and environment.
type Config struct {
	// BaseURL is the public address people reach the app at (invite links,
	// webhook URLs). Empty: derived from each request's Host.
	BaseURL string
	Version string
	// API bases of the outside services (tests and the demo point them at
	// the fakes in demo/).
	StripeAPIBase string
	ClerkAPIBase  string
	// PasswordCost is the bcrypt cost of new password hashes (0: bcrypt's
	// default). Tests lower it to stay fast.
	PasswordCost int
	// Demo serves demo projects' worlds in-process (nil: demo projects
	// cannot be created or checked).
	Demo *world.Host
	// DemoAppDir holds the demo SQL apps' SQLite files (empty: "demo"
	// beside the database file).
	DemoAppDir string
	// Checks runs fulfillment checks; main shares one runner between the
	// server and the jobs. Nil: one is built from the fields above.
	Checks *check.Runner
	// WebhookDebounce is how long a webhook re-check waits for more events
	// of the same customer (0: 300 ms; negative: none).
	WebhookDebounce time.Duration
	// TrustedProxies are the proxies whose X-Forwarded-For is believed
	// (PARITYRAIL_TRUSTED_PROXIES); none: the TCP peer is the client.
	TrustedProxies []*net.IPNet
	// SchedulerRunning says whether cron is scheduling jobs (readiness);
	// nil: no scheduler, so not ready.
	SchedulerRunning func() bool
	// Metrics, when set, is served at /metrics (to MetricsToken bearers
	// only) and counts webhook events.
	Metrics      *metrics.Metrics
	MetricsToken string
	// AllowPrivateDB lets connection strings name unix sockets and
	// link-local / metadata addresses (PARITYRAIL_ALLOW_PRIVATE_DB=1).
	AllowPrivateDB bool
	// Repairs applies approved repairs; main shares it with the
	// verification worker. Nil: one is built over Checks.
	Repairs *repair.Service
	// Notifier delivers notifications; main shares it with the outbox
	// worker. Nil: one is built (links from BaseURL).
	Notifier *notifier.Notifier
}

// Server holds everything a handler needs; it is built once in main.
type Server struct {
	cfg   Config
	db    *db.DB
	vault *vault.Vault
	ui    fs.FS
	log   *slog.Logger
	now   func() time.Time
	// checks runs fulfillment checks (shared with the jobs).
	checks *check.Runner
	// repairs applies approved repairs (verified by a jobs worker).
	repairs *repair.Service
	// limiters holds each API key's request budget.
	limiters keyLimiters
	// mcpHandler serves /api/mcp (its sessions live in it).
	mcpHandler http.Handler
	// notifier sends tests and digests (shared with the outbox worker).
	notifier *notifier.Notifier
	// sources opens every connector (the check runner's own opener, so a
	// project's Stripe budget is one per process).
	sources *sources.Opener
}

const (
	sessionCookie = "parityrail_session"
	csrfCookie    = "parityrail_csrf"
	csrfHeader    = "X-CSRF-Token"
	sessionTTL    = 14 * 24 * time.Hour
	inviteTTL     = 7 * 24 * time.Hour
)

// New builds the Echo instance with every route. ui is the built SPA (the
// folder holding index.html).
func New(cfg Config, store *db.DB, v *vault.Vault, ui fs.FS, log *slog.Logger) *echo.Echo {
	_, e := newServer(cfg, store, v, ui, log)
	return e
}

func newServer(cfg Config, store *db.DB, v *vault.Vault, ui fs.FS, log *slog.Logger) (*Server, *echo.Echo) {
	if cfg.DemoAppDir == "" {
		if path, err := store.Path(); err == nil {
			cfg.DemoAppDir = filepath.Join(filepath.Dir(path), "demo")
		}
	}
	s := &Server{cfg: cfg, db: store, vault: v, ui: ui, log: log, now: time.Now, checks: cfg.Checks}
	if s.checks == nil {
		s.checks = &check.Runner{DB: store, Log: log, Opener: &sources.Opener{DB: store, Vault: v,
			StripeAPIBase: cfg.StripeAPIBase, ClerkAPIBase: cfg.ClerkAPIBase, Demo: demoOf(cfg.Demo, cfg.DemoAppDir)}}
	}
	s.sources, _ = s.checks.Opener.(*sources.Opener)
	if s.sources == nil { // a test's own opener: connectors open like the default one
		s.sources = &sources.Opener{DB: store, Vault: v, StripeAPIBase: cfg.StripeAPIBase, ClerkAPIBase: cfg.ClerkAPIBase, Demo: demoOf(cfg.Demo, cfg.DemoAppDir)}
	}
	s.repairs = cfg.Repairs
	if s.repairs == nil {
		s.repairs = &repair.Service{DB: store, Sources: s.sources, Checks: s.checks, Log: log}
	}
	s.mcpHandler = s.newMCPHandler()
	s.notifier = cfg.Notifier
	if s.notifier == nil {
		s.notifier = &notifier.Notifier{DB: store, Vault: v, BaseURL: cfg.BaseURL, Log: log}
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = ipExtractor(cfg.TrustedProxies)
	e.Use(s.requestID, s.recoverPanics, s.securityHeaders, s.logRequests, s.limitBodies, s.csrf)
	s.routes(e)
	return s, e
}

// secureCookies: cookies carry Secure when people reach the app over https.
func (s *Server) secureCookies(c echo.Context) bool {
	if s.cfg.BaseURL != "" {
		return strings.HasPrefix(s.cfg.BaseURL, "https://")
	}
	return c.Scheme() == "https"
}

// baseURL is where people reach this app, for links the app hands out.
func (s *Server) baseURL(c echo.Context) string {
	if s.cfg.BaseURL != "" {
		return strings.TrimRight(s.cfg.BaseURL, "/")
	}
	return c.Scheme() + "://" + c.Request().Host
}

func (s *Server) health(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "version": s.cfg.Version})
}
