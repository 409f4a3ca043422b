package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"parityrail/apikey"
	"parityrail/db"
	"parityrail/demo/stripefake"
)

// cli runs `parityrail <args>` as its own process (this test binary in
// helper mode) and returns its exit status and output.
func cli(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestCLIHelperProcess$", "--"}, args...)...)
	cmd.Env = append(append(os.Environ(), "PARITYRAIL_CLI_HELPER=1"), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

// TestCheckExitCodesGateAPipeline: 0 when nothing at or above --fail-on is
// active, 1 when something is, 2 when the check could not run; locally and
// through --server.
func TestCheckExitCodesGateAPipeline(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	w := newCLIWorld(t, 3, 0)
	ctx := context.Background()

	// A key for the --server runs, made as an admin would.
	store := openStore(t, w.dir)
	key := apikey.New()
	prefix, last4 := apikey.Shown(key)
	if _, err := store.CreateAPIKey(ctx, db.APIKey{Name: "CI", ProjectID: w.project, Capability: "read", Prefix: prefix, Last4: last4, CreatedBy: "usr_ci"}, apikey.Hash(key)); err != nil {
		t.Fatal(err)
	}
	store.Close()
	cfg, _, err := parseConfig(nil, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr = "127.0.0.1:0"
	base, stop := startApp(t, cfg)
	defer stop()
	remote := []string{"--server", base}
	check := func(flags []string) []string { return append([]string{"check"}, flags...) }
	keyEnv := []string{"PARITYRAIL_API_KEY=" + key}

	// Every customer pays for pro and has free: critical incidents.
	code, out, errOut := cli(t, nil, "check", "--project", w.project)
	if code != 1 || !strings.Contains(out, "active incidents: critical 3, high 0, medium 0, low 0; --fail-on high: 3 failing") ||
		!strings.Contains(errOut, "3 active incident(s) at or above high") {
		t.Fatalf("local, broken world: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, _ = cli(t, nil, "check", "--project", w.project, "--fail-on", "none"); code != 0 {
		t.Errorf("--fail-on none: exit %d\n%s", code, out)
	}
	if code, out, errOut = cli(t, keyEnv, append(check(remote), "--json")...); code != 1 {
		t.Fatalf("remote, broken world: exit %d\n%s\n%s", code, out, errOut)
	}
	var res checkOutcome
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Check.Status != "finished" || res.Check.Trigger != "api" ||
		res.Active["critical"] != 3 || res.Failing != 3 || res.ExitCode != 1 || res.FailOn != "high" {
		t.Fatalf("remote --json: %v\n%s", err, out)
	}
	// A dry run counts what it found (nothing filed).
	if code, out, _ = cli(t, keyEnv, append(check(remote), "--dry-run", "--fail-on", "critical")...); code != 1 || !strings.Contains(out, "findings: critical 3") {
		t.Errorf("remote dry run: exit %d\n%s", code, out)
	}

	// The app is fixed for cus_00001: that customer's check passes.
	if err := w.clerk.SetUserMetadata(w.users[0], "public_metadata", map[string]any{"stripe_customer_id": "cus_00001", "plan": "pro"}); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut = cli(t, nil, "check", "--project", w.project, "--customer", "cus_00001"); code != 0 {
		t.Errorf("local, fixed customer: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut = cli(t, nil, append(check(remote), "--api-key", key, "--customer", "cus_00001", "--fail-on", "any")...); code != 0 {
		t.Errorf("remote, fixed customer: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, _, _ = cli(t, keyEnv, append(check(remote), "--customer", "cus_00002")...); code != 1 {
		t.Errorf("remote, broken customer: exit %d", code)
	}

	// Could not run: 2.
	for name, c := range map[string]struct {
		env  []string
		args []string
		msg  string
	}{
		"bad --fail-on":  {nil, []string{"check", "--project", w.project, "--fail-on", "severe"}, "use critical, high, medium, any or none"},
		"no project":     {nil, []string{"check"}, "--project is required"},
		"unknown":        {nil, []string{"check", "--project", "prj_nope"}, "no project prj_nope"},
		"no key":         {nil, check(remote), "needs an API key"},
		"bad key":        {[]string{"PARITYRAIL_API_KEY=" + apikey.New()}, check(remote), "invalid_api_key"},
		"server down":    {keyEnv, []string{"check", "--server", "http://127.0.0.1:1"}, "cannot reach ParityRail"},
		"not reachable":  {keyEnv, append(check(remote), "--project", "prj_other"), "No such project."},
		"stray argument": {nil, []string{"check", "--project", w.project, "extra"}, "unexpected argument"},
	} {
		code, out, errOut := cli(t, c.env, c.args...)
		if code != 2 || !strings.Contains(errOut, c.msg) {
			t.Errorf("%s: exit %d, want 2 with %q\n%s\n%s", name, code, c.msg, out, errOut)
		}
	}
	// A source failing during the check.
	w.stripe.FailNext(50, stripefake.Failure{Status: 500, ShouldRetry: "false"})
	if code, out, errOut = cli(t, nil, "check", "--project", w.project); code != 2 || !strings.Contains(errOut, "the check failed") {
		t.Errorf("failing source: exit %d\n%s\n%s", code, out, errOut)
	}
}
