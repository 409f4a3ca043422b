package db

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database/sqlite3"
	"github.com/golang-migrate/migrate/v4/source/iofs"
)

// atMigration builds a database file at an earlier migration level, as an
// older ParityRail left it, with one account in it.
func atMigration(t *testing.T, path string, version uint) {
	t.Helper()
	conn, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	src, _ := iofs.New(migrations, "migrations")
	drv, err := sqlite3.WithInstance(conn, &sqlite3.Config{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "sqlite3", drv)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Migrate(version); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(`INSERT INTO users (id, email, name, password_hash, role, created_at) VALUES ('usr_old', 'old@example.com', 'Old', 'x', 'owner', '2025-01-01T00:00:00Z')`); err != nil {
		t.Fatal(err)
	}
}

// Every earlier migration level upgrades to the latest with its data, after
// a backup is written; only the last five backups are kept.
func TestUpgradeFromEveryEarlierLevel(t *testing.T) {
	latest, _ := LatestMigration()
	entries, _ := os.ReadDir("migrations")
	var levels []uint
	for _, e := range entries {
		var n uint
		if _, err := fmtSscan(e.Name(), &n); err == nil && n < latest {
			levels = append(levels, n)
		}
	}
	if len(levels) < 5 {
		t.Fatalf("earlier levels: %v", levels)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "parityrail.db")
	for i, level := range levels {
		os.Remove(path)
		os.Remove(path + "-wal")
		os.Remove(path + "-shm")
		atMigration(t, path, level)
		d, err := Open(path)
		if err != nil {
			t.Fatalf("from %d: %v", level, err)
		}
		if d.Upgraded.From != level || d.Upgraded.To != latest || d.Upgraded.Backup == "" {
			t.Errorf("from %d: %+v", level, d.Upgraded)
		}
		if u, err := d.GetUserByEmail(t.Context(), "old@example.com"); err != nil || u.ID != "usr_old" {
			t.Errorf("from %d: the account is gone: %v", level, err)
		}
		d.Close()
		backups, _ := os.ReadDir(filepath.Join(dir, "backups"))
		if want := min(i+1, keepUpgradeBackups); len(backups) != want {
			t.Errorf("after %d upgrades: %d backups, want %d", i+1, len(backups), want)
		}
		// The backup is the database as it was: the old level, the account.
		old, err := sql.Open("sqlite3", "file:"+d.Upgraded.Backup+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		if v, err := schemaVersion(old); err != nil || v != level {
			t.Errorf("backup of %d is at %d (%v)", level, v, err)
		}
		old.Close()
	}
	// A database already current is opened without a backup.
	d, err := Open(path)
	if err != nil || d.Upgraded.Backup != "" {
		t.Errorf("reopening a current database: %+v %v", d.Upgraded, err)
	}
	d.Close()
}

// A database from a newer ParityRail is refused, naming both versions and
// what to do, and its file is left byte for byte as it was.
func TestNewerDatabaseIsRefusedUntouched(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parityrail.db")
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.write.Exec(`UPDATE schema_migrations SET version = 9999`); err != nil {
		t.Fatal(err)
	}
	d.Close()
	before, _ := os.ReadFile(path)
	_, err = Open(path)
	var newer *NewerDatabaseError
	if !errors.As(err, &newer) || newer.Have != 9999 {
		t.Fatalf("open: %v", err)
	}
	latest, _ := LatestMigration()
	for _, want := range []string{"newer ParityRail", "migration 9999", "knows up to " + itoa(latest), "backups"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("the refused database file changed")
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(path), "backups")); err == nil {
		t.Error("a refused database was backed up as if upgraded")
	}
}

func fmtSscan(name string, n *uint) (int, error) { return fmt.Sscanf(name, "%04d_", n) }

func itoa(n uint) string { return fmt.Sprint(n) }

func TestMigrationStatus(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parityrail.db")
	atMigration(t, path, 5)
	conn, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	st, err := ReadMigrationStatus(t.Context(), conn)
	latest, _ := LatestMigration()
	if err != nil || st.Current != 5 || st.Latest != latest || len(st.Pending) == 0 || st.Pending[0] != 8 || st.Pending[len(st.Pending)-1] != latest {
		t.Errorf("status %+v %v", st, err)
	}
}
