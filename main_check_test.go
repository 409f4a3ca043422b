package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"parityrail/db"
	"parityrail/demo/clerkfake"
	"parityrail/demo/stripefake"
	"parityrail/fulfillment"
	"parityrail/mapping"
	"parityrail/vault"
)

const cliStripeKey = "sk_test_parityrailCLIWorld0000000001"

// cliWebhookSecret signs the world's Stripe events.
const cliWebhookSecret = "whsec_parityrailCLIWorld000000000001"

// cliWorld is a data folder holding a project whose Stripe and Clerk are
// fakes served by this test process, with `customers` customers whose app
// users all lack the plan they pay for.
type cliWorld struct {
	dir, project string
	stripe       *stripefake.Server
	clerk        *clerkfake.Server
	users        []string // Clerk user ids, the i-th paying as cus_0000i+1
	subs         []string // subscription ids, in the same order
}

func newCLIWorld(t *testing.T, customers int, clerkLatency time.Duration) *cliWorld {
	t.Helper()
	dir := t.TempDir()
	sf := stripefake.New()
	sf.AddKey(cliStripeKey)
	ss := httptest.NewServer(sf)
	t.Cleanup(ss.Close)
	cf := clerkfake.New(clerkfake.Options{Latency: clerkLatency})
	cs := httptest.NewServer(cf)
	t.Cleanup(cs.Close)
	t.Setenv("PARITYRAIL_STRIPE_API_BASE", ss.URL)
	t.Setenv("PARITYRAIL_CLERK_API_BASE", cs.URL+"/v1")
	t.Setenv("PARITYRAIL_DATA_DIR", dir)

	sf.AddPrice(stripefake.PriceSpec{ID: "price_pro", ProductName: "Pro", UnitAmount: 4900})
	var subs []string
	for i := 1; i <= customers; i++ {
		id := fmt.Sprintf("cus_%05d", i)
		sf.AddCustomer(stripefake.CustomerSpec{ID: id})
		subs = append(subs, sf.MustAddSubscription(stripefake.SubscriptionSpec{CustomerID: id, PriceIDs: []string{"price_pro"}}))
	}
	users := cf.GenerateUsers(customers, func(i int) map[string]any {
		return map[string]any{"stripe_customer_id": fmt.Sprintf("cus_%05d", i), "plan": "free"}
	})

	v, store := localState(t)
	defer store.Close()
	ctx := context.Background()
	owner, _ := store.CreateOwner(ctx, "o@example.com", "O", "x")
	p, _ := store.CreateProject(ctx, "CLI")
	store.SaveStack(ctx, p.ID, "CLI", "stripe", "clerk", owner.ID)
	sealed, _ := v.Seal(cliStripeKey)
	whsec, _ := v.Seal(cliWebhookSecret)
	if err := store.ConnectBilling(ctx, db.Connection{ProjectID: p.ID, Kind: "stripe", SealedSecret: sealed, SealedExtra: whsec, Label: "x", ConnectedBy: owner.ID}); err != nil {
		t.Fatal(err)
	}
	sealed, _ = v.Seal(clerkfake.DefaultSecretKey)
	if err := store.ConnectAccessSource(ctx, db.Connection{ProjectID: p.ID, Kind: "clerk", SealedSecret: sealed, Label: "x", ConnectedBy: owner.ID}); err != nil {
		t.Fatal(err)
	}
	pol := fulfillment.DefaultPolicy()
	doc, _ := json.Marshal(mapping.Mapping{Identity: &mapping.Identity{Automatic: true},
		Plans:  &fulfillment.PlanMapping{NoPlanValue: "free", Rows: []fulfillment.PlanRow{{PriceID: "price_pro", AppValue: "pro"}}},
		Access: &mapping.Access{Users: mapping.Fields{StripeCustomerID: "public_metadata.stripe_customer_id", Plan: "public_metadata.plan"}},
		Policy: &pol})
	if err := store.SaveMapping(ctx, p.ID, string(doc), owner.ID, 4, 5, 6); err != nil {
		t.Fatal(err)
	}
	return &cliWorld{dir: dir, project: p.ID, stripe: sf, clerk: cf, users: users, subs: subs}
}

// localState opens the vault and the database of the data folder the
// environment names, as the binary does; the caller closes the store.
func localState(t *testing.T) (*vault.Vault, *db.DB) {
	t.Helper()
	cfg, _, err := parseConfig(nil, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	v, err := openVault(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v, openStore(t, cfg.DataDir)
}

func TestCheckAndLedgerCommands(t *testing.T) {
	w := newCLIWorld(t, 5, 0)
	var out, errb bytes.Buffer
	if err := run([]string{"check", "--project", w.project, "--dry-run", "--fail-on", "none"}, &out, &errb); err != nil {
		t.Fatalf("dry run: %v\n%s", err, errb.String())
	}
	if !strings.Contains(out.String(), "dry run") || !strings.Contains(out.String(), "would open 5,") || !strings.Contains(out.String(), "paid_without_access      5") {
		t.Errorf("dry run output:\n%s", out.String())
	}
	out.Reset()
	if err := run([]string{"check", "--project", w.project, "--json", "--fail-on", "none"}, &out, &errb); err != nil {
		t.Fatalf("check: %v\n%s", err, errb.String())
	}
	var res struct {
		Check struct {
			Status string         `json:"status"`
			Counts db.CheckCounts `json:"counts"`
		} `json:"check"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.Check.Status != "finished" || res.Check.Counts.Opened != 5 {
		t.Fatalf("check --json: %v %s", err, out.String())
	}
	out.Reset()
	if err := run([]string{"check", "--project", w.project, "--customer", "cus_00003", "--fail-on", "none"}, &out, &errb); err != nil ||
		!strings.Contains(out.String(), "checked 1, held 0, opened 0") {
		t.Fatalf("customer check: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run([]string{"ledger", "verify"}, &out, &errb); err != nil || !strings.HasPrefix(out.String(), "intact: ") {
		t.Fatalf("ledger verify: %v %q", err, out.String())
	}
	if err := run([]string{"check", "--project", "prj_nope"}, &out, &errb); err == nil || !strings.Contains(err.Error(), "no project") {
		t.Errorf("unknown project: %v", err)
	}
	// A failing source: the command says so and exits non-zero.
	w.stripe.FailNext(50, stripefake.Failure{Status: 500, ShouldRetry: "false"})
	out.Reset()
	if err := run([]string{"check", "--project", w.project}, &out, &errb); err == nil || !strings.Contains(out.String(), "failed") {
		t.Errorf("failing check: %v\n%s", err, out.String())
	}

	// Tampering shows as the first broken link.
	raw, _ := sql.Open("sqlite3", filepath.Join(w.dir, "parityrail.db"))
	defer raw.Close()
	raw.Exec(`DROP TRIGGER ledger_no_update`)
	if _, err := raw.Exec(`UPDATE ledger SET actor = 'mallory' WHERE n = 2`); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err := run([]string{"ledger", "verify", "--project", w.project}, &out, &errb)
	if err == nil || !strings.Contains(out.String(), "broken: project "+w.project+", entry 2 ") {
		t.Errorf("tampered ledger: %v %q", err, out.String())
	}
}

// TestCLIHelperProcess is `parityrail` itself when run by the crash test.
func TestCLIHelperProcess(t *testing.T) {
	if os.Getenv("PARITYRAIL_CLI_HELPER") != "1" {
		t.Skip("helper process for TestKilledCheck")
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	if err := run(args, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(exitCode(err))
	}
	os.Exit(0)
}

// TestKilledCheck kills a check process while it files incidents: what it
// wrote is whole (every incident has its ledger entry, the chain is intact),
// the next start marks the run failed, and a queued webhook re-check runs.
func TestKilledCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	w := newCLIWorld(t, 2000, 400*time.Millisecond)
	cmd := exec.Command(os.Args[0], "-test.run=^TestCLIHelperProcess$", "--", "check", "--project", w.project)
	cmd.Env = append(os.Environ(), "PARITYRAIL_CLI_HELPER=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite3", "file:"+filepath.Join(w.dir, "parityrail.db")+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	count := func(q string, args ...any) int {
		var n int
		if err := raw.QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	deadline := time.Now().Add(60 * time.Second)
	for count(`SELECT COUNT(*) FROM incidents`) == 0 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no incident written in time:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	incidents := count(`SELECT COUNT(*) FROM incidents`)
	if incidents == 0 || incidents >= 2000 {
		t.Fatalf("killed mid-check expected, %d incidents written", incidents)
	}
	if opened := count(`SELECT COUNT(*) FROM ledger WHERE kind = 'incident_opened'`); opened != incidents {
		t.Errorf("%d incidents but %d incident_opened entries", incidents, opened)
	}
	if n := count(`SELECT COUNT(*) FROM incidents WHERE finding = '' OR summary = '' OR fingerprint = ''`); n != 0 {
		t.Errorf("%d half-written incidents", n)
	}
	if n := count(`SELECT COUNT(*) FROM checks WHERE status = 'running'`); n != 1 {
		t.Fatalf("running checks after the kill: %d", n)
	}

	// A webhook re-check queued meanwhile must survive the restart.
	store := openStore(t, w.dir)
	if _, err := store.RecordWebhookEvent(context.Background(), w.project, db.WebhookEvent{ID: "evt_1", Type: "invoice.paid",
		CustomerID: "cus_00007", ActedOn: true, Created: time.Now()}, 0); err != nil {
		t.Fatal(err)
	}
	store.Close()
	w.clerk = nil

	cfg, _, _ := parseConfig(nil, os.Stderr)
	cfg.Addr = "127.0.0.1:0"
	_, stop := startApp(t, cfg)
	defer stop()
	deadline = time.Now().Add(30 * time.Second)
	for count(`SELECT COUNT(*) FROM recheck_queue`) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the queued webhook re-check did not run after the restart")
		}
		time.Sleep(50 * time.Millisecond)
	}
	var status, errMsg string
	raw.QueryRow(`SELECT status, error FROM checks WHERE trigger = 'person'`).Scan(&status, &errMsg)
	if status != "failed" || !strings.HasPrefix(errMsg, "interrupted") {
		t.Errorf("killed check: %s %q", status, errMsg)
	}
	if n := count(`SELECT COUNT(*) FROM checks WHERE trigger = 'webhook' AND status = 'finished'`); n != 1 {
		t.Errorf("webhook re-checks finished: %d", n)
	}
	if n := count(`SELECT COUNT(*) FROM incidents WHERE customer_id = 'cus_00007'`); n != 1 {
		t.Errorf("incidents of the re-checked customer: %d", n)
	}
	v, err := func() (db.VerifyResult, error) {
		s, err := db.Open(filepath.Join(w.dir, "parityrail.db"))
		if err != nil {
			return db.VerifyResult{}, err
		}
		defer s.Close()
		return s.VerifyLedger(context.Background(), "")
	}()
	if err != nil || v.Broken != nil {
		t.Errorf("ledger after the crash: %+v %v", v, err)
	}
}
