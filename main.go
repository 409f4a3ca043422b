// ParityRail checks whether a SaaS app keeps the access promises its billing
// makes. One binary: the web UI, the JSON API, the scheduler and the CLI.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"parityrail/sources"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"parityrail/check"
	"parityrail/db"
	"parityrail/demo/world"
	"parityrail/jobs"
	"parityrail/metrics"
	"parityrail/notification"
	"parityrail/notifier"
	"parityrail/repair"
	"parityrail/server"
	"parityrail/vault"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "parityrail:", err)
		os.Exit(exitCode(err))
	}
}

// exitCode is the process status of a failed command: its own when it set
// one (`parityrail check`: 1 findings, 2 could not run), else 1.
func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

// config is everything that can be set from flags or the environment. A flag
// wins over its environment variable.
type config struct {
	Addr           string
	DataDir        string
	BaseURL        string
	CredentialsKey string
	StripeAPIBase  string
	ClerkAPIBase   string
	LogLevel       string
	LogFormat      string
	TrustedProxies []*net.IPNet
	AllowPrivateDB bool
	MetricsToken   string
	// StripeMaxRPS is PARITYRAIL_STRIPE_MAX_RPS: every project's Stripe
	// budget (0: unset; negative: no cap).
	StripeMaxRPS float64
	// SMTP is PARITYRAIL_SMTP_URL: the mail server, winning over Settings → Email.
	SMTP *notification.SMTPConfig
}

const usageText = `ParityRail checks that your app grants the access your Stripe billing promises.

Usage:
  parityrail [serve] [flags]   start the web app (default)
  parityrail backup [--out f]  copy the database safely while the app runs
  parityrail version           print the version
  parityrail migrate --status  print the database's migration and the pending ones
  parityrail reset-password EMAIL
                               set a new random password for an account (printed
                               once) and sign it out everywhere
  parityrail check --project <id> [--customer cus_…] [--dry-run] [--json]
                               run a fulfillment check and print its summary
  parityrail ledger verify [--project <id>]
                               verify the Access Ledger's hash chains

Flags and environment variables (a flag wins over its variable):
  -addr       PARITYRAIL_ADDR             address to listen on (default 127.0.0.1:8080;
                                          use 0.0.0.0:8080 to accept other machines)
  -data-dir   PARITYRAIL_DATA_DIR         folder for parityrail.db and the key file
                                          (default: the folder holding this binary)
  -base-url   PARITYRAIL_BASE_URL         public URL people reach the app at, used in
                                          invite links and webhook URLs (default: from
                                          each request); https makes cookies Secure
  -log-level  PARITYRAIL_LOG_LEVEL        debug, info, warn or error (default info)
  -log-format PARITYRAIL_LOG_FORMAT       text (default) or json, one object per line
              PARITYRAIL_CREDENTIALS_KEY  base64 32-byte key sealing stored credentials;
                                          without it a key file credentials.key (mode
                                          0600) is created beside the database
              PARITYRAIL_TRUSTED_PROXIES  comma-separated CIDRs of reverse proxies whose
                                          X-Forwarded-For is believed (default: none;
                                          the TCP peer is the client)
              PARITYRAIL_METRICS_TOKEN    serve Prometheus metrics at /metrics to requests
                                          with Authorization: Bearer <token> (off unset)
              PARITYRAIL_ALLOW_PRIVATE_DB 1 lets Postgres connection strings name unix
                                          sockets and link-local/metadata addresses
              PARITYRAIL_STRIPE_API_BASE  Stripe API base (default https://api.stripe.com)
              PARITYRAIL_CLERK_API_BASE   Clerk API base (default https://api.clerk.com/v1)
`

func parseConfig(args []string, stderr io.Writer) (config, []string, error) {
	env := func(name, def string) string {
		if v := strings.TrimSpace(os.Getenv(name)); v != "" {
			return v
		}
		return def
	}
	cfg := config{
		CredentialsKey: os.Getenv("PARITYRAIL_CREDENTIALS_KEY"),
		StripeAPIBase:  env("PARITYRAIL_STRIPE_API_BASE", "https://api.stripe.com"),
		ClerkAPIBase:   env("PARITYRAIL_CLERK_API_BASE", "https://api.clerk.com/v1"),
	}
	fs := flag.NewFlagSet("parityrail", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usageText) }
	fs.StringVar(&cfg.Addr, "addr", env("PARITYRAIL_ADDR", "127.0.0.1:8080"), "")
	fs.StringVar(&cfg.DataDir, "data-dir", env("PARITYRAIL_DATA_DIR", ""), "")
	fs.StringVar(&cfg.BaseURL, "base-url", env("PARITYRAIL_BASE_URL", ""), "")
	fs.StringVar(&cfg.LogLevel, "log-level", env("PARITYRAIL_LOG_LEVEL", "info"), "")
	fs.StringVar(&cfg.LogFormat, "log-format", env("PARITYRAIL_LOG_FORMAT", "text"), "")
	if err := fs.Parse(args); err != nil {
		return cfg, nil, err
	}
	if cfg.DataDir == "" {
		exe, err := os.Executable()
		if err != nil {
			return cfg, nil, fmt.Errorf("find the binary's folder (set PARITYRAIL_DATA_DIR): %w", err)
		}
		cfg.DataDir = filepath.Dir(exe)
	}
	proxies, err := server.ParseTrustedProxies(os.Getenv("PARITYRAIL_TRUSTED_PROXIES"))
	if err != nil {
		return cfg, nil, err
	}
	cfg.TrustedProxies = proxies
	cfg.AllowPrivateDB = os.Getenv("PARITYRAIL_ALLOW_PRIVATE_DB") == "1"
	cfg.MetricsToken = os.Getenv("PARITYRAIL_METRICS_TOKEN")
	if raw, set := os.LookupEnv("PARITYRAIL_STRIPE_MAX_RPS"); set && strings.TrimSpace(raw) != "" {
		rps, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
		if err != nil || rps < 0 {
			return cfg, nil, fmt.Errorf("PARITYRAIL_STRIPE_MAX_RPS must be a number of requests per second (0 lifts every cap), got %q", raw)
		}
		cfg.StripeMaxRPS = rps
		if rps == 0 {
			cfg.StripeMaxRPS = -1 // no cap at all
		}
	}
	if raw := os.Getenv("PARITYRAIL_SMTP_URL"); raw != "" {
		smtp, err := notification.ParseSMTPURL(raw)
		if err != nil {
			return cfg, nil, fmt.Errorf("PARITYRAIL_SMTP_URL: %w", err)
		}
		cfg.SMTP = &smtp
	}
	if cfg.BaseURL != "" && !strings.HasPrefix(cfg.BaseURL, "http://") && !strings.HasPrefix(cfg.BaseURL, "https://") {
		return cfg, nil, fmt.Errorf("PARITYRAIL_BASE_URL must start with http:// or https://, got %q", cfg.BaseURL)
	}
	return cfg, fs.Args(), nil
}

func run(args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "parityrail", version)
		return nil
	case "help":
		fmt.Fprint(stdout, usageText)
		return nil
	case "check":
		return runCheckCommand(args, stdout, stderr)
	case "ledger":
		return runLedgerCommand(args, stdout, stderr)
	case "backup":
		return runBackupCommand(args, stdout, stderr)
	case "migrate":
		return runMigrateCommand(args, stdout, stderr)
	case "reset-password":
		return runResetPasswordCommand(args, stdout, stderr)
	case "serve":
	default:
		fmt.Fprint(stderr, usageText)
		return fmt.Errorf("unknown command %q", cmd)
	}

	cfg, _, err := parseConfig(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	log, err := newLogger(cfg.LogLevel, cfg.LogFormat, stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, cfg, log, nil)
}

// newLogger logs as text (for people) or as JSON, one object per line (for
// log shippers: journald, Loki, Datadog).
func newLogger(level, format string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: use text or json", format)
}

// serve runs the app until ctx ends (SIGINT/SIGTERM in production), then
// finishes in-flight requests and running jobs before closing the database.
// ready, when set, is told the address once the listener is open.
func serve(ctx context.Context, cfg config, log *slog.Logger, ready func(addr string)) error {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	store, err := db.Open(filepath.Join(cfg.DataDir, "parityrail.db"))
	if err != nil {
		return err
	}
	defer store.Close()
	if up := store.Upgraded; up.Backup != "" {
		log.Info("database upgraded", "from_migration", up.From, "to_migration", up.To, "backup", up.Backup)
	}

	v, err := openVault(cfg)
	if err != nil {
		return err
	}

	// A check whose process died is marked failed (interrupted); one whose
	// heartbeat still moves belongs to a live `parityrail check` and keeps
	// running. Heartbeats come every second: three seconds tell them apart.
	if n, err := store.FailDeadChecks(ctx, 3*time.Second); err != nil {
		return err
	} else if n > 0 {
		log.Warn("checks interrupted by the last stop were marked failed", "checks", n)
	}
	// The demo worlds are served in-process on a loopback port, so a
	// newcomer's "Explore with demo data" needs no account and no other
	// program; each world is built on first use, keeping start-up instant.
	demoHost, err := world.StartHost()
	if err != nil {
		return err
	}
	defer demoHost.Close()
	// Metrics are counted always (cheap) and served only with a token.
	meters := metrics.New(func(ctx context.Context) ([]metrics.OpenCount, error) {
		rows, err := store.OpenIncidentCounts(ctx)
		out := make([]metrics.OpenCount, len(rows))
		for i, r := range rows {
			out[i] = metrics.OpenCount{Project: r.Project, Kind: r.Kind, Severity: r.Severity, Count: r.Count}
		}
		return out, err
	})
	// The demo's SQL apps are SQLite files of their own, beside the database.
	demoAppDir := filepath.Join(cfg.DataDir, "demo")
	// One runner for the API, the schedules and the webhook worker.
	// One opener for every connector, so each project has one Stripe budget.
	opener := &sources.Opener{DB: store, Vault: v,
		StripeAPIBase: cfg.StripeAPIBase, ClerkAPIBase: cfg.ClerkAPIBase, StripeRate: cfg.StripeMaxRPS, Log: log,
		OnSourceResponse: meters.SourceResponse,
		Demo: &sources.Demo{StripeKey: world.StripeKey, ClerkKey: world.ClerkSecretKey, Bases: demoHost.Bases,
			AppDir: demoAppDir, AppSchema: world.SQLSchema, AppSeed: demoHost.AppSeed}}
	checks := &check.Runner{DB: store, Log: log, Ended: checkEnded(meters), Opener: opener}

	// A repair whose UPDATE ran when the process stopped is marked failed
	// (its transaction rolled back, or the next check sees it committed).
	if n, err := store.FailInterruptedRepairs(ctx); err != nil {
		return err
	} else if n > 0 {
		log.Warn("repairs interrupted by the last stop were marked failed", "repairs", n)
	}
	repairs := &repair.Service{DB: store, Sources: opener, Checks: checks, Log: log}
	// Notifications go out through the outbox; links need the public
	// address, set below once the listener is up when none is configured.
	notify := &notifier.Notifier{DB: store, Vault: v, BaseURL: cfg.BaseURL, EnvSMTP: cfg.SMTP, Log: log,
		OnDelivery: meters.NotificationDelivery}

	sched := jobs.NewScheduler(log)
	handler := server.New(server.Config{SchedulerRunning: sched.Running, Metrics: meters, MetricsToken: cfg.MetricsToken, BaseURL: cfg.BaseURL, TrustedProxies: cfg.TrustedProxies, AllowPrivateDB: cfg.AllowPrivateDB, Version: version, StripeAPIBase: cfg.StripeAPIBase, ClerkAPIBase: cfg.ClerkAPIBase,
		Checks: checks, Demo: demoHost, DemoAppDir: demoAppDir, Repairs: repairs, Notifier: notify}, store, v, uiFS(), log)

	cleanup := jobs.Cleanup{DB: store, LoginWindow: server.LoginWindow, Log: log}
	if err := sched.Add("17 * * * *", "cleanup", cleanup.RunOnce); err != nil {
		return fmt.Errorf("schedule cleanup: %w", err)
	}
	scheduled := jobs.ScheduledChecks{DB: store, Runner: checks, Log: log}
	if err := sched.Add(jobs.ScheduledChecksSpec, "scheduled checks", scheduled.RunOnce); err != nil {
		return fmt.Errorf("schedule checks: %w", err)
	}
	if err := sched.Add(jobs.ScheduledChecksSpec, "weekly digests", notifier.Digests{Notifier: notify}.RunOnce); err != nil {
		return fmt.Errorf("schedule digests: %w", err)
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	// A client trickling its request holds no worker: headers within 10 s,
	// the whole request (bodies are at most 1 MB) within 30 s.
	if notify.BaseURL == "" {
		notify.BaseURL = "http://" + ln.Addr().String()
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	sched.Start()
	// The webhook re-check queue lives in SQLite: items queued before a
	// restart run now.
	workerCtx, stopWorker := context.WithCancel(context.Background())
	defer stopWorker()
	workerDone := make(chan struct{})
	go func() {
		defer close(workerDone)
		jobs.RecheckWorker{DB: store, Runner: checks, Log: log}.Run(workerCtx)
	}()
	// Applied repairs are verified on a schedule kept in SQLite: one applied
	// before a restart is verified now.
	verifierDone := make(chan struct{})
	go func() {
		defer close(verifierDone)
		jobs.RepairVerifier{Repairs: repairs, Log: log}.Run(workerCtx)
	}()
	// The outbox: notifications queued before a restart (or cut off by one
	// mid-send) go out now.
	notifierDone := make(chan struct{})
	go func() {
		defer close(notifierDone)
		notify.Run(workerCtx, time.Second)
	}()
	log.Info("ParityRail is running", "version", version, "url", "http://"+ln.Addr().String(), "data", cfg.DataDir)
	if ready != nil {
		ready(ln.Addr().String())
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	sched.Stop(shutdownCtx)
	stopWorker()
	select {
	case <-workerDone:
	case <-shutdownCtx.Done():
	}
	select {
	case <-verifierDone:
	case <-shutdownCtx.Done():
	}
	select {
	case <-notifierDone:
	case <-shutdownCtx.Done():
	}
	checks.Shutdown(shutdownCtx)
	if err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

func openVault(cfg config) (*vault.Vault, error) {
	var key []byte
	var err error
	if cfg.CredentialsKey != "" {
		key, err = vault.ParseKey(cfg.CredentialsKey)
		if err != nil {
			return nil, fmt.Errorf("PARITYRAIL_CREDENTIALS_KEY: %w", err)
		}
	} else {
		key, err = vault.LoadOrCreateKeyFile(filepath.Join(cfg.DataDir, "credentials.key"))
		if err != nil {
			return nil, err
		}
	}
	return vault.New(key)
}

// checkEnded counts a check's end in the metrics: its duration and status
// (source requests are counted as they are answered: Opener.OnSourceResponse).
func checkEnded(m *metrics.Metrics) func(db.Project, db.Check, check.Summary) {
	return func(p db.Project, c db.Check, sum check.Summary) {
		at := time.Now()
		if c.FinishedAt != nil {
			at = *c.FinishedAt
		}
		m.CheckEnded(p.ID, c.Scope, c.Status, time.Duration(sum.DurationMS)*time.Millisecond, at)
	}
}
