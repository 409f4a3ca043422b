// Package pgtest gives each test its own database on a real PostgreSQL.
//
// It uses PARITYRAIL_TEST_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/postgres,
// else a throwaway cluster started with initdb/pg_ctl when those binaries
// exist. Only when none works does the test skip — and with
// PARITYRAIL_REQUIRE_POSTGRES=1 (as CI sets) that skip is a failure.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const defaultURL = "postgres://postgres@127.0.0.1:5432/postgres"

var (
	once    sync.Once
	adminDB string // URL of a database we may CREATE DATABASE from
	whyNot  string // why no server is available
	stopper func() // stops the throwaway cluster, if one was started
)

// StopThrowaway stops the throwaway cluster if this process started one.
// Packages whose tests use NewDatabase call it from TestMain after m.Run.
func StopThrowaway() {
	if stopper != nil {
		stopper()
	}
}

// NewDatabase creates an empty database for this test, drops it when the test
// ends, and returns its connection URL.
func NewDatabase(t testing.TB) string {
	t.Helper()
	once.Do(findServer)
	if adminDB == "" {
		msg := "no PostgreSQL available: " + whyNot
		if os.Getenv("PARITYRAIL_REQUIRE_POSTGRES") == "1" {
			t.Fatal(msg + " (PARITYRAIL_REQUIRE_POSTGRES=1)")
		}
		t.Skip(msg)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "prail_test_" + hex.EncodeToString(b)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, adminDB)
	if err != nil {
		t.Fatalf("connect to test PostgreSQL: %v", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := pgx.Connect(ctx, adminDB)
		if err != nil {
			t.Errorf("drop test database: %v", err)
			return
		}
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	u, _ := url.Parse(adminDB)
	u.Path = "/" + name
	return u.String()
}

func findServer() {
	candidates := []string{defaultURL}
	if env := os.Getenv("PARITYRAIL_TEST_POSTGRES_URL"); env != "" {
		candidates = []string{env}
	}
	var errs []string
	for _, c := range candidates {
		if err := ping(c); err == nil {
			adminDB = c
			return
		} else {
			errs = append(errs, fmt.Sprintf("%s: %v", redact(c), err))
		}
	}
	if u, stop, err := startThrowaway(); err == nil {
		adminDB, stopper = u, stop
		return
	} else {
		errs = append(errs, "throwaway cluster: "+err.Error())
	}
	whyNot = fmt.Sprint(errs)
}

func ping(u string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.Ping(ctx)
}

func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparseable URL)"
	}
	return p.Redacted()
}

// startThrowaway starts a private cluster in a temp folder and returns its URL
// and a function that stops it and removes the folder.
func startThrowaway() (string, func(), error) {
	bin := findPGBin()
	if bin == "" {
		return "", nil, fmt.Errorf("initdb/pg_ctl not found")
	}
	dir, err := os.MkdirTemp("", "prail-pg-")
	if err != nil {
		return "", nil, err
	}
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	// initdb refuses to run as root; run it as the postgres user then.
	var prefix []string
	if os.Geteuid() == 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			return "", nil, fmt.Errorf("running as root and no postgres user to run initdb as")
		}
		if err := exec.Command("chown", pg.Username, dir).Run(); err != nil {
			return "", nil, fmt.Errorf("chown temp cluster dir: %w", err)
		}
		prefix = []string{"runuser", "-u", "postgres", "--"}
	}
	data := filepath.Join(dir, "data")
	cmd := func(name string, args ...string) *exec.Cmd {
		all := append(append([]string{}, prefix...), append([]string{filepath.Join(bin, name)}, args...)...)
		return exec.Command(all[0], all[1:]...)
	}
	if out, err := cmd("initdb", "-D", data, "-U", "postgres", "-A", "trust").CombinedOutput(); err != nil {
		return "", nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", port, dir)
	if out, err := cmd("pg_ctl", "-D", data, "-o", opts, "-w", "-l", filepath.Join(dir, "log"), "start").CombinedOutput(); err != nil {
		return "", nil, fmt.Errorf("pg_ctl start: %v: %s", err, out)
	}
	stop := func() {
		_ = cmd("pg_ctl", "-D", data, "-m", "immediate", "stop").Run()
		os.RemoveAll(dir)
	}
	u := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres", port)
	if err := ping(u); err != nil {
		stop()
		return "", nil, err
	}
	return u, stop, nil
}

// findPGBin finds the folder holding initdb and pg_ctl: PATH first, then
// Debian's versioned folders, newest first.
func findPGBin() string {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("pg_ctl"); err == nil {
			return filepath.Dir(p)
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	return ""
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
