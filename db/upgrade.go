package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// NewerDatabaseError refuses a database written by a newer ParityRail: its
// migrations are beyond what this binary knows, so this binary would
// misread it. Nothing is changed.
type NewerDatabaseError struct {
	Path       string
	Have, Know uint
}

func (e *NewerDatabaseError) Error() string {
	return fmt.Sprintf("this database (%s) was written by a newer ParityRail (migration %d; this binary knows up to %d). Nothing was changed: run that newer version, or restore a backup from %s made before the upgrade.",
		e.Path, e.Have, e.Know, filepath.Join(filepath.Dir(e.Path), "backups"))
}

// Upgrade says what opening the database migrated: from and to migration
// versions and the backup written first ("" when nothing was pending or the
// database was new).
type Upgrade struct {
	From, To uint
	Backup   string
}

// keepUpgradeBackups is how many pre-upgrade backups are kept.
const keepUpgradeBackups = 5

// schemaVersion reads the applied migration, 0 for a new database.
func schemaVersion(conn *sql.DB) (uint, error) {
	var n int
	if err := conn.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n); err != nil || n == 0 {
		return 0, err
	}
	var v sql.NullInt64
	err := conn.QueryRow(`SELECT version FROM schema_migrations LIMIT 1`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return uint(v.Int64), err
}

// prepareUpgrade refuses a newer database and, when migrations are pending
// on an existing one, first copies it to backups/ (keeping the last five),
// so an upgrade can always be undone.
func prepareUpgrade(conn *sql.DB, path string) (Upgrade, error) {
	latest, err := LatestMigration()
	if err != nil {
		return Upgrade{}, err
	}
	have, err := schemaVersion(conn)
	if err != nil {
		return Upgrade{}, fmt.Errorf("read the database's migration version: %w", err)
	}
	up := Upgrade{From: have, To: latest}
	switch {
	case have > latest:
		return up, &NewerDatabaseError{Path: path, Have: have, Know: latest}
	case have == 0 || have == latest:
		return up, nil
	}
	dir := filepath.Join(filepath.Dir(path), "backups")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return up, fmt.Errorf("create %s: %w", dir, err)
	}
	up.Backup = filepath.Join(dir, fmt.Sprintf("parityrail-m%04d-%s.db", have, time.Now().UTC().Format("20060102T150405.000Z")))
	if _, err := conn.Exec(`VACUUM INTO ?`, up.Backup); err != nil {
		return up, fmt.Errorf("back up before upgrading (nothing was migrated): %w", err)
	}
	return up, pruneUpgradeBackups(dir)
}

func pruneUpgradeBackups(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "parityrail-m") && strings.HasSuffix(e.Name(), ".db") {
			names = append(names, e.Name())
		}
	}
	// Names sort by version, then time: the oldest go first.
	slices.Sort(names)
	for len(names) > keepUpgradeBackups {
		if err := os.Remove(filepath.Join(dir, names[0])); err != nil {
			return err
		}
		names = names[1:]
	}
	return nil
}

// MigrationStatus is what `parityrail migrate --status` prints.
type MigrationStatus struct {
	Current, Latest uint
	Dirty           bool
	Pending         []uint
}

// ReadMigrationStatus reads a database's migration state through conn
// (opened read-only by the caller) without changing anything.
func ReadMigrationStatus(ctx context.Context, conn *sql.DB) (MigrationStatus, error) {
	var st MigrationStatus
	var err error
	if st.Latest, err = LatestMigration(); err != nil {
		return st, err
	}
	if st.Current, err = schemaVersion(conn); err != nil {
		return st, err
	}
	_ = conn.QueryRowContext(ctx, `SELECT dirty FROM schema_migrations LIMIT 1`).Scan(&st.Dirty)
	entries, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		return st, err
	}
	for _, e := range entries {
		var n uint
		if _, err := fmt.Sscanf(e.Name(), "%04d_", &n); err == nil && n > st.Current {
			st.Pending = append(st.Pending, n)
		}
	}
	return st, nil
}
