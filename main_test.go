package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"parityrail/db"
)

// startApp runs serve in the background like `parityrail serve` would, and
// returns its base URL and a stop function that acts like SIGTERM.
func startApp(t *testing.T, cfg config) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() { done <- serve(ctx, cfg, log, func(addr string) { ready <- addr }) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	return "http://" + addr, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("shutdown: %v", err)
		}
	}
}

// openStore opens the database of a data folder as the binary does; the
// caller closes it.
func openStore(t *testing.T, dir string) *db.DB {
	t.Helper()
	store, err := db.Open(filepath.Join(dir, "parityrail.db"))
	if err != nil {
		t.Fatal(err)
	}
	return store
}

type browser struct {
	t    *testing.T
	base string
	http *http.Client
}

func (b *browser) call(method, path string, body any) (int, map[string]any) {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, b.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	for _, c := range b.http.Jar.Cookies(req.URL) {
		if c.Name == "parityrail_csrf" {
			req.Header.Set("X-CSRF-Token", c.Value)
		}
	}
	res, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func TestRestartKeepsUsersSessionsAndProjects(t *testing.T) {
	dir := t.TempDir()
	cfg := config{Addr: "127.0.0.1:0", DataDir: dir, LogLevel: "info"}

	base, stop := startApp(t, cfg)
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t, base: base, http: &http.Client{Jar: jar}}
	b.call("GET", "/api/health", nil)
	if st, _ := b.call("POST", "/api/setup", map[string]string{"email": "o@example.com", "password": "correct horse battery", "name": "O"}); st != 201 {
		t.Fatalf("setup = %d", st)
	}
	st, p := b.call("POST", "/api/projects", map[string]string{"name": "Survives"})
	if st != 201 {
		t.Fatalf("create project = %d", st)
	}
	v1, err := openVault(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := v1.Seal("sk_test_secret")
	stop()

	// Same data folder, new process: the session cookie still works, the
	// project is there, and credentials sealed before still open.
	base, stop = startApp(t, cfg)
	defer stop()
	b.base = base
	if st, me := b.call("GET", "/api/me", nil); st != 200 || me["email"] != "o@example.com" {
		t.Fatalf("me after restart = %d %v", st, me)
	}
	if st, got := b.call("GET", "/api/projects/"+p["id"].(string), nil); st != 200 || got["name"] != "Survives" {
		t.Fatalf("project after restart = %d %v", st, got)
	}
	v2, err := openVault(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := v2.Open(sealed); err != nil || plain != "sk_test_secret" {
		t.Errorf("credential sealed before restart: %q %v", plain, err)
	}
	for _, name := range []string{"parityrail.db", "credentials.key"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", name, st.Mode().Perm())
		}
	}
}

func TestCredentialsKeyFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	if _, err := openVault(config{DataDir: dir, CredentialsKey: "too-short"}); err == nil || !strings.Contains(err.Error(), "PARITYRAIL_CREDENTIALS_KEY") {
		t.Errorf("bad key: %v", err)
	}
	key := "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	v, err := openVault(config{DataDir: dir, CredentialsKey: key})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "credentials.key")); !os.IsNotExist(err) {
		t.Error("a key file was written although the key came from the environment")
	}
	sealed, _ := v.Seal("x")
	other, _ := openVault(config{DataDir: t.TempDir()})
	if _, err := other.Open(sealed); err == nil {
		t.Error("a different key opened the credential")
	}
}

func TestCommandLine(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run([]string{"version"}, &out, &errb); err != nil || !strings.HasPrefix(out.String(), "parityrail ") {
		t.Errorf("version: %q %v", out.String(), err)
	}
	out.Reset()
	if err := run([]string{"--help"}, &out, &errb); err != nil {
		t.Errorf("--help: %v", err)
	}
	for _, v := range []string{"PARITYRAIL_ADDR", "PARITYRAIL_DATA_DIR", "PARITYRAIL_CREDENTIALS_KEY", "PARITYRAIL_BASE_URL",
		"PARITYRAIL_STRIPE_API_BASE", "PARITYRAIL_CLERK_API_BASE", "PARITYRAIL_LOG_LEVEL"} {
		if !strings.Contains(errb.String(), v) {
			t.Errorf("--help does not list %s", v)
		}
	}
	if err := run([]string{"frobnicate"}, &out, &errb); err == nil || !strings.Contains(err.Error(), `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %v", err)
	}
	t.Setenv("PARITYRAIL_BASE_URL", "parity.example.com")
	if _, _, err := parseConfig(nil, io.Discard); err == nil || !strings.Contains(err.Error(), "http:// or https://") {
		t.Errorf("base URL without scheme: %v", err)
	}
}

func TestBackupCommand(t *testing.T) {
	dir := t.TempDir()
	base, stop := startApp(t, config{Addr: "127.0.0.1:0", DataDir: dir, LogLevel: "info"})
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t, base: base, http: &http.Client{Jar: jar}}
	b.call("GET", "/api/health", nil)
	b.call("POST", "/api/setup", map[string]string{"email": "o@example.com", "password": "correct horse battery", "name": "O"})
	out := filepath.Join(dir, "copy.db")
	var stdout bytes.Buffer
	err := run([]string{"backup", "--data-dir", dir, "--out", out}, &stdout, io.Discard)
	stop()
	if err != nil || !strings.Contains(stdout.String(), "Backed up to "+out) {
		t.Fatalf("backup: %v %q", err, stdout.String())
	}
	if err := run([]string{"backup", "--data-dir", dir, "--out", out}, io.Discard, io.Discard); err == nil {
		t.Error("backup overwrote an existing file")
	}
}

// An owner who forgot the password gets a new one from the command line on
// the server; the old password and every session stop working.
func TestResetPasswordCommand(t *testing.T) {
	dir := t.TempDir()
	base, stop := startApp(t, config{Addr: "127.0.0.1:0", DataDir: dir, LogLevel: "info"})
	defer stop()
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t, base: base, http: &http.Client{Jar: jar}}
	b.call("GET", "/api/health", nil)
	b.call("POST", "/api/setup", map[string]string{"email": "o@example.com", "password": "correct horse battery", "name": "O"})
	if code, _ := b.call("GET", "/api/me", nil); code != 200 {
		t.Fatalf("signed in after setup: %d", code)
	}
	if err := run([]string{"reset-password", "--data-dir", dir, "nobody@example.com"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "no account") {
		t.Errorf("unknown email: %v", err)
	}
	var stdout bytes.Buffer
	if err := run([]string{"reset-password", "--data-dir", dir, "o@example.com"}, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`New password for o@example.com: (\S+)`).FindStringSubmatch(stdout.String())
	if m == nil || len(m[1]) < 12 {
		t.Fatalf("output: %q", stdout.String())
	}
	if code, _ := b.call("GET", "/api/me", nil); code != 401 {
		t.Errorf("the old session survived the reset: %d", code)
	}
	if code, _ := b.call("POST", "/api/auth/login", map[string]string{"email": "o@example.com", "password": "correct horse battery"}); code != 401 {
		t.Errorf("the old password still works: %d", code)
	}
	if code, _ := b.call("POST", "/api/auth/login", map[string]string{"email": "o@example.com", "password": m[1]}); code != 200 {
		t.Errorf("the new password: %d", code)
	}
}

func TestMigrateStatusCommand(t *testing.T) {
	dir := t.TempDir()
	if err := run([]string{"migrate", "--status", "--data-dir", dir}, io.Discard, io.Discard); err == nil {
		t.Error("no database: no error")
	}
	base, stop := startApp(t, config{Addr: "127.0.0.1:0", DataDir: dir, LogLevel: "info"})
	_ = base
	stop()
	var out bytes.Buffer
	if err := run([]string{"migrate", "--status", "--data-dir", dir}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "pending: none") || !strings.Contains(out.String(), "current migration: ") {
		t.Errorf("status: %q", out.String())
	}
}
