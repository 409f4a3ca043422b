package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// LatestMigration is the newest migration this binary carries.
func LatestMigration() (uint, error) {
	entries, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		return 0, err
	}
	var latest uint
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		if !ok {
			continue
		}
		if n, err := strconv.ParseUint(num, 10, 32); err == nil && uint(n) > latest {
			latest = uint(n)
		}
	}
	return latest, nil
}

// MigrationVersion is the database's applied migration and whether a
// migration stopped halfway (dirty).
func (d *DB) MigrationVersion(ctx context.Context) (uint, bool, error) {
	var v sql.NullInt64
	var dirty bool
	err := d.read.QueryRowContext(ctx, `SELECT version, dirty FROM schema_migrations LIMIT 1`).Scan(&v, &dirty)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read migration version: %w", err)
	}
	return uint(v.Int64), dirty, nil
}

// Writable proves the database takes writes: it takes the write lock and
// lets it go without changing anything.
func (d *DB) Writable(ctx context.Context) error {
	conn, err := d.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return err
	}
	_, werr := conn.ExecContext(ctx, `UPDATE schema_migrations SET version = version`)
	_, err = conn.ExecContext(ctx, `ROLLBACK`)
	return errors.Join(werr, err)
}
