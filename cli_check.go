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
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"parityrail/check"
	"parityrail/db"
)

const checkUsage = `Usage:
  parityrail check --project <id> [--customer cus_…] [--dry-run] [--json] [--data-dir dir]
      runs a fulfillment check (full, or of one customer) and prints a summary;
      exits non-zero when the check fails. A dry run files nothing.
  parityrail ledger verify [--project <id>] [--data-dir dir]
      walks the Access Ledger's hash chains and prints "intact" or the first
      broken link; exits non-zero when broken.
`

// openState opens the database and vault of the data folder the flags and
// environment name, for the CLI commands.
func openState(dataDir string, stderr io.Writer) (config, *db.DB, error) {
	cfg, _, err := parseConfig(nil, stderr)
	if err != nil {
		return cfg, nil, err
	}
	if dataDir != "" {
		cfg.DataDir = dataDir
	}
	path := filepath.Join(cfg.DataDir, "parityrail.db")
	if _, err := os.Stat(path); err != nil {
		return cfg, nil, fmt.Errorf("no ParityRail database at %s (set --data-dir or PARITYRAIL_DATA_DIR)", path)
	}
	store, err := db.Open(path)
	return cfg, store, err
}

// runCheckCommand is `parityrail check`.
func runCheckCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parityrail check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, checkUsage) }
	project := fs.String("project", "", "")
	customer := fs.String("customer", "", "")
	dry := fs.Bool("dry-run", false, "")
	asJSON := fs.Bool("json", false, "")
	dataDir := fs.String("data-dir", "", "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *project == "" {
		fmt.Fprint(stderr, checkUsage)
		return errors.New("--project is required")
	}
	cfg, store, err := openState(*dataDir, stderr)
	if err != nil {
		return err
	}
	defer store.Close()
	v, err := openVault(cfg)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	runner := &check.Runner{DB: store, Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Opener: &check.Opener{DB: store, Vault: v, StripeAPIBase: cfg.StripeAPIBase, ClerkAPIBase: cfg.ClerkAPIBase}}
	req := check.Request{ProjectID: *project, Scope: check.ScopeFull, Trigger: check.TriggerPerson, DryRun: *dry, Actor: "cli"}
	if *customer != "" {
		req.Scope, req.CustomerIDs = check.ScopeCustomer, []string{*customer}
	}
	res, err := runner.Run(ctx, req)
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("no project %s", *project)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		out := map[string]any{"check": map[string]any{"id": res.Check.ID, "project_id": res.Check.ProjectID, "scope": res.Check.Scope,
			"trigger": res.Check.Trigger, "dry_run": res.Check.DryRun, "status": res.Check.Status, "error": res.Check.Error,
			"counts": res.Check.Counts, "started_at": res.Check.StartedAt, "finished_at": res.Check.FinishedAt}, "summary": res.Summary}
		if *customer != "" {
			out["outcomes"] = res.Outcomes
		}
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		printCheck(stdout, res)
	}
	if res.Check.Status != "finished" {
		return fmt.Errorf("the check failed: %s", res.Check.Error)
	}
	return nil
}

func printCheck(w io.Writer, res check.Result) {
	c, s := res.Check, res.Summary
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
}

// runLedgerCommand is `parityrail ledger verify`.
func runLedgerCommand(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprint(stderr, checkUsage)
		return errors.New("usage: parityrail ledger verify [--project id]")
	}
	fs := flag.NewFlagSet("parityrail ledger verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, checkUsage) }
	project := fs.String("project", "", "")
	dataDir := fs.String("data-dir", "", "")
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
