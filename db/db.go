// Package db holds ParityRail's own state in one SQLite file: people,
// sessions, invites, projects, checks, incidents, repairs and the Access Ledger.
// Every query is written out by hand, one file per entity.
package db

import (
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database/sqlite3"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	_ "github.com/mattn/go-sqlite3"
)

//go:embed migrations/*.sql
var migrations embed.FS

// ErrNotFound is returned when a row asked for by id does not exist.
var ErrNotFound = errors.New("not found")

// DB is the state store. Writes go through a single connection so SQLite never
// has two writers racing for the lock; reads use a small pool that WAL lets run
// beside the writer.
type DB struct {
	write *sql.DB
	read  *sql.DB
	now   func() time.Time
	// Upgraded says what Open migrated, for the start-up log.
	Upgraded Upgrade
}

// Open opens (creating if needed) the SQLite file at path and applies every
// pending migration.
func Open(path string) (*DB, error) {
	// Pragmas, set per connection through the DSN:
	//   journal_mode=WAL   readers never block the writer and vice versa; a
	//                      crash loses nothing that was committed.
	//   synchronous=NORMAL the safe and fast pairing with WAL.
	//   busy_timeout=10000 wait up to 10 s for a lock instead of failing.
	//   foreign_keys=on    SQLite leaves them off unless asked.
	//   _txlock=immediate  write transactions take the lock at BEGIN, so they
	//                      cannot deadlock by upgrading a read lock later.
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL")
	q.Set("_busy_timeout", "10000")
	q.Set("_foreign_keys", "on")
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()

	// The file holds password hashes and sealed credentials: create it
	// readable by this user only (SQLite gives its -wal and -shm files the
	// same mode).
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	} else {
		f.Close()
	}

	write, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	if err := write.Ping(); err != nil {
		write.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	upgrade, err := prepareUpgrade(write, path)
	if err != nil {
		write.Close()
		return nil, err
	}
	if err := migrateUp(write); err != nil {
		write.Close()
		return nil, err
	}

	q.Set("mode", "ro")
	read, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open %s for reading: %w", path, err)
	}
	read.SetMaxOpenConns(4)
	return &DB{write: write, read: read, now: func() time.Time { return time.Now().UTC() }, Upgraded: upgrade}, nil
}

func migrateUp(conn *sql.DB) error {
	src, err := iofs.New(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	drv, err := sqlite3.WithInstance(conn, &sqlite3.Config{})
	if err != nil {
		return fmt.Errorf("prepare migrations: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "sqlite3", drv)
	if err != nil {
		return fmt.Errorf("prepare migrations: %w", err)
	}
	if err := m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// Close closes both pools; WAL contents are checkpointed by SQLite on the
// last close.
func (d *DB) Close() error {
	return errors.Join(d.read.Close(), d.write.Close())
}

// SetClock replaces the clock (tests only need it for expiry).
func (d *DB) SetClock(now func() time.Time) { d.now = now }

// Now is the store's clock, in UTC.
func (d *DB) Now() time.Time { return d.now() }

func newID(prefix string) string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return prefix + hex.EncodeToString(b)
}

const timeFormat = time.RFC3339Nano

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeFormat, s)
	return t
}

func parseNullTime(s sql.NullString) *time.Time {
	if !s.Valid {
		return nil
	}
	t := parseTime(s.String)
	return &t
}

// Path reports the SQLite file's path (for tests and backups).
func (d *DB) Path() (string, error) {
	var p string
	err := d.read.QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&p)
	return p, err
}
