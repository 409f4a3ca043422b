package sqlite

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
)

// seedTable keeps what a file was seeded from, beside the app's tables.
const seedTable = "parityrail_seed"

// Seed (re)creates the file at path from an SQL script, whole or not at
// all: the script runs into a new file beside it, which then replaces the
// old one, so a reader never sees a half-seeded app. version is kept in
// the file for SeedVersion.
func Seed(path, script, version string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("seed %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".seed-*")
	if err != nil {
		return fmt.Errorf("seed %s: %w", path, err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name()) // gone after the rename
	uri, err := fileURI(tmp.Name(), "rw")
	if err != nil {
		return fmt.Errorf("seed %s: %w", path, err)
	}
	db, err := sql.Open("sqlite3", uri)
	if err != nil {
		return fmt.Errorf("seed %s: %w", path, err)
	}
	_, err = db.Exec(script+fmt.Sprintf(";\nCREATE TABLE %s (version TEXT NOT NULL);\nINSERT INTO %s (version) VALUES (?);", seedTable, seedTable), version)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("seed %s: %w", path, err)
	}
	// A journal left by a write the process died in would be replayed into
	// the new file: it belongs to the old one.
	if err := os.Remove(path + "-journal"); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("seed %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("seed %s: %w", path, err)
	}
	return nil
}

// SeedVersion is the version the file at path was seeded with; "" when it
// is missing or unreadable (seed it again).
func SeedVersion(path string) string {
	if _, err := os.Stat(path); err != nil {
		return ""
	}
	uri, err := fileURI(path, "ro")
	if err != nil {
		return ""
	}
	db, err := sql.Open("sqlite3", uri)
	if err != nil {
		return ""
	}
	defer db.Close()
	var v string
	if err := db.QueryRow(`SELECT version FROM ` + seedTable).Scan(&v); err != nil {
		return ""
	}
	return v
}
