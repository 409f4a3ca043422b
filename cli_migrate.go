package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"

	"parityrail/db"
)

// runMigrateCommand is `parityrail migrate --status [--data-dir dir]`: the
// database's migration and what this binary would apply, read without
// changing anything (the file is opened read-only).
func runMigrateCommand(args []string, stdout, stderr io.Writer) error {
	fs, dataDir := stateFlags("migrate", stderr)
	status := fs.Bool("status", false, "print the current and pending migrations")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*status {
		return fmt.Errorf("usage: parityrail migrate --status [--data-dir dir] (migrations are applied when the app starts)")
	}
	_, path, err := statePath(*dataDir, stderr)
	if err != nil {
		return err
	}
	conn, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer conn.Close()
	st, err := db.ReadMigrationStatus(context.Background(), conn)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database: %s\ncurrent migration: %d%s\nthis binary's latest: %d\n", path, st.Current, map[bool]string{true: " (dirty: a migration stopped halfway)"}[st.Dirty], st.Latest)
	switch {
	case st.Current > st.Latest:
		fmt.Fprintln(stdout, "newer than this binary: it will refuse to start; run the newer ParityRail")
	case len(st.Pending) == 0:
		fmt.Fprintln(stdout, "pending: none")
	default:
		fmt.Fprintf(stdout, "pending: %v (applied at the next start, after a backup to backups/)\n", st.Pending)
	}
	return nil
}
