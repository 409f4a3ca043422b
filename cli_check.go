package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"parityrail/sources"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"parityrail/check"
	"parityrail/db"
	"parityrail/fulfillment"
)

const checkUsage = `Usage:
  parityrail check --project <id> [--customer cus_…] [--dry-run] [--json] [--data-dir dir]
                   [--fail-on critical|high|medium|any|none]
                   [--server https://host --api-key sk_prail_…]
      runs a fulfillment check (full, or of one customer) and prints a summary.
      A dry run files nothing. With --server (and --api-key or
      PARITYRAIL_API_KEY) the check runs on that ParityRail through REST v1
      instead of on the local database; --project may then be left out when
      the key reaches one project.
      Exit status: 0 when no active incident in the check's scope (the
      project, or the customer) is at or above --fail-on (default high; a
      dry run counts what it found); 1 when some are; 2 when the check could
      not run (bad flags, bad key, a source or the server unreachable, the
      check failed).
  parityrail ledger verify [--project <id>] [--data-dir dir]
      walks the Access Ledger's hash chains and prints "intact" or the first
      broken link; exits non-zero when broken.
`

// exitError ends the process with its code (main prints the message).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// cannotRun is exit status 2: the check itself could not run.
func cannotRun(err error) error {
	var ee *exitError
	if err == nil || errors.As(err, &ee) {
		return err
	}
	return &exitError{code: 2, err: err}
}

// checkOutcome is what `parityrail check` reports, in text or as --json.
type checkOutcome struct {
	Check    checkJSON       `json:"check"`
	Summary  check.Summary   `json:"summary"`
	Outcomes []check.Outcome `json:"outcomes,omitempty"`
	// Active counts the active incidents in the check's scope per severity
	// (a dry run: what it found).
	Active   map[string]int `json:"active_incidents"`
	FailOn   string         `json:"fail_on"`
	Failing  int            `json:"failing"`
	ExitCode int            `json:"exit_code"`
}

type checkJSON struct {
	ID         string         `json:"id"`
	ProjectID  string         `json:"project_id"`
	Scope      string         `json:"scope"`
	Trigger    string         `json:"trigger"`
	DryRun     bool           `json:"dry_run"`
	Status     string         `json:"status"`
	Error      string         `json:"error"`
	Counts     db.CheckCounts `json:"counts"`
	StartedAt  time.Time      `json:"started_at"`
	FinishedAt *time.Time     `json:"finished_at"`
}

func toCheckJSON(c db.Check) checkJSON {
	return checkJSON{ID: c.ID, ProjectID: c.ProjectID, Scope: c.Scope, Trigger: c.Trigger, DryRun: c.DryRun, Status: c.Status,
		Error: c.Error, Counts: c.Counts, StartedAt: c.StartedAt, FinishedAt: c.FinishedAt}
}

// openState opens the database of the data folder the flags and
// environment name, for the CLI commands.
func openState(dataDir string, stderr io.Writer) (config, *db.DB, error) {
	cfg, path, err := statePath(dataDir, stderr)
	if err != nil {
		return cfg, nil, err
	}
	store, err := db.Open(path)
	return cfg, store, err
}

// statePath finds the database file of the data folder (dataDir, else the
// configured one); it must exist.
func statePath(dataDir string, stderr io.Writer) (config, string, error) {
	cfg, _, err := parseConfig(nil, stderr)
	if err != nil {
		return cfg, "", err
	}
	if dataDir != "" {
		cfg.DataDir = dataDir
	}
	path := filepath.Join(cfg.DataDir, "parityrail.db")
	if _, err := os.Stat(path); err != nil {
		return cfg, "", fmt.Errorf("no ParityRail database at %s (set --data-dir or PARITYRAIL_DATA_DIR)", path)
	}
	return cfg, path, nil
}

// stateFlags starts the flags of a command on the local database, with the
// --data-dir each of them takes.
func stateFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs, fs.String("data-dir", "", "data folder (default PARITYRAIL_DATA_DIR or the binary's folder)")
}

// checkFlags are the flags of `parityrail check`.
type checkFlags struct {
	project, customer, dataDir, failOn, server, apiKey string
	dry, asJSON                                        bool
	threshold                                          fulfillment.Threshold
}

// runCheckCommand is `parityrail check`.
func runCheckCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parityrail check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, checkUsage) }
	var f checkFlags
	fs.StringVar(&f.project, "project", "", "")
	fs.StringVar(&f.customer, "customer", "", "")
	fs.BoolVar(&f.dry, "dry-run", false, "")
	fs.BoolVar(&f.asJSON, "json", false, "")
	fs.StringVar(&f.dataDir, "data-dir", "", "")
	fs.StringVar(&f.failOn, "fail-on", "high", "")
	fs.StringVar(&f.server, "server", "", "")
	fs.StringVar(&f.apiKey, "api-key", os.Getenv("PARITYRAIL_API_KEY"), "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return cannotRun(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprint(stderr, checkUsage)
		return cannotRun(fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	var err error
	if f.threshold, err = fulfillment.ParseThreshold(f.failOn); err != nil {
		return cannotRun(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var out checkOutcome
	if f.server != "" {
		out, err = remoteCheck(ctx, f)
	} else {
		out, err = localCheck(ctx, f, stderr)
	}
	if err != nil {
		return cannotRun(err)
	}
	out.FailOn, out.Failing = f.threshold.Name, f.threshold.Failing(out.Active)
	switch {
	case out.Check.Status != "finished":
		out.ExitCode = 2
	case out.Failing > 0:
		out.ExitCode = 1
	}
	if f.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return cannotRun(err)
		}
	} else {
		printCheck(stdout, out)
	}
	switch out.ExitCode {
	case 2:
		return &exitError{code: 2, err: fmt.Errorf("the check failed: %s", out.Check.Error)}
	case 1:
		return &exitError{code: 1, err: fmt.Errorf("%d active incident(s) at or above %s (--fail-on %s)", out.Failing, thresholdWords(f.threshold), f.threshold.Name)}
	}
	return nil
}

func thresholdWords(t fulfillment.Threshold) string {
	if t.Name == "any" {
		return "any severity"
	}
	return t.Name
}

// localCheck runs the check on this machine's database.
func localCheck(ctx context.Context, f checkFlags, stderr io.Writer) (checkOutcome, error) {
	if f.project == "" {
		fmt.Fprint(stderr, checkUsage)
		return checkOutcome{}, errors.New("--project is required")
	}
	cfg, store, err := openState(f.dataDir, stderr)
	if err != nil {
		return checkOutcome{}, err
	}
	defer store.Close()
	v, err := openVault(cfg)
	if err != nil {
		return checkOutcome{}, err
	}
	runner := &check.Runner{DB: store, Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Opener: &sources.Opener{DB: store, Vault: v, StripeAPIBase: cfg.StripeAPIBase, ClerkAPIBase: cfg.ClerkAPIBase, StripeRate: cfg.StripeMaxRPS}}
	req := check.Request{ProjectID: f.project, Scope: check.ScopeFull, Trigger: check.TriggerPerson, DryRun: f.dry, Actor: "cli"}
	if f.customer != "" {
		req.Scope, req.CustomerIDs = check.ScopeCustomer, []string{f.customer}
	}
	res, err := runner.Run(ctx, req)
	if errors.Is(err, db.ErrNotFound) {
		return checkOutcome{}, fmt.Errorf("no project %s", f.project)
	}
	if err != nil {
		return checkOutcome{}, err
	}
	out := checkOutcome{Check: toCheckJSON(res.Check), Summary: res.Summary, Active: res.Summary.Severities}
	if f.customer != "" {
		out.Outcomes = res.Outcomes
	}
	if !f.dry {
		if out.Active, err = store.ActiveSeverityCounts(ctx, f.project, f.customer); err != nil {
			return out, err
		}
	}
	return out, nil
}

func printCheck(w io.Writer, out checkOutcome) {
	c, s := out.Check, out.Summary
	what := c.Scope + " check"
	if c.DryRun {
		what = "dry run (" + c.Scope + ", files nothing)"
	}
	fmt.Fprintf(w, "%s %s of project %s: %s in %.1fs\n", what, c.ID, c.ProjectID, c.Status, float64(s.DurationMS)/1000)
	if c.Error != "" {
		fmt.Fprintf(w, "  error: %s\n", c.Error)
	}
	n := c.Counts
	if c.DryRun {
		fmt.Fprintf(w, "  checked %d, held %d; would open %d, update %d, resolve %d\n",
			n.Checked, n.Held, n.Opened, n.Updated, s.WouldResolve)
	} else {
		fmt.Fprintf(w, "  checked %d, held %d, opened %d, updated %d, resolved %d, errors %d\n",
			n.Checked, n.Held, n.Opened, n.Updated, n.Resolved, n.Errors)
	}
	fmt.Fprintf(w, "  read %d Stripe customers and %d app subjects (%d Stripe requests)\n", s.Customers, s.Subjects, s.StripeRequests)
	if len(s.Kinds) > 0 {
		kinds := make([]string, 0, len(s.Kinds))
		for k := range s.Kinds {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		fmt.Fprintln(w, "  findings:")
		for _, k := range kinds {
			fmt.Fprintf(w, "    %-24s %d\n", k, s.Kinds[k])
		}
	}
	if len(s.UnmappedPrices) > 0 {
		var ps []string
		for _, p := range s.UnmappedPrices {
			ps = append(ps, fmt.Sprintf("%s (%d)", p.PriceID, p.Customers))
		}
		fmt.Fprintf(w, "  unmapped prices: %s\n", strings.Join(ps, ", "))
	}
	if s.UnmatchedCustomers > 0 {
		fmt.Fprintf(w, "  customers owed access that match no app subject: %d (e.g. %s)\n", s.UnmatchedCustomers, strings.Join(s.UnmatchedSample, ", "))
	}
	for _, x := range s.Sample {
		subject := x.Subject
		if subject == "" {
			subject = "-"
		}
		fmt.Fprintf(w, "  sample: [%s] %s %s: %s\n", x.Severity, x.CustomerID, subject, x.Summary)
	}
	if c.Status != "finished" {
		return
	}
	what = "active incidents"
	if c.DryRun {
		what = "findings"
	}
	var parts []string
	for _, sev := range fulfillment.Severities {
		parts = append(parts, fmt.Sprintf("%s %d", sev, out.Active[string(sev)]))
	}
	fmt.Fprintf(w, "  %s: %s; --fail-on %s: %d failing\n", what, strings.Join(parts, ", "), out.FailOn, out.Failing)
}

// runLedgerCommand is `parityrail ledger verify`.
func runLedgerCommand(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprint(stderr, checkUsage)
		return errors.New("usage: parityrail ledger verify [--project id]")
	}
	fs, dataDir := stateFlags("parityrail ledger verify", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, checkUsage) }
	project := fs.String("project", "", "")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	_, store, err := openState(*dataDir, stderr)
	if err != nil {
		return err
	}
	defer store.Close()
	res, err := store.VerifyLedger(context.Background(), *project)
	if err != nil {
		return err
	}
	if res.Broken != nil {
		fmt.Fprintf(stdout, "broken: %s\n", res.Broken.Error())
		return errors.New("the Access Ledger is not intact")
	}
	fmt.Fprintf(stdout, "intact: %d entries in %d project chains\n", res.Entries, res.Projects)
	return nil
}
