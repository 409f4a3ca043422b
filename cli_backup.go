package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"
)

// runBackupCommand is `parityrail backup [--out file] [--data-dir dir]`: a
// consistent copy of the database, safe while the app runs.
func runBackupCommand(args []string, stdout, stderr io.Writer) error {
	fs, dataDir := stateFlags("backup", stderr)
	out := fs.String("out", "", "backup file (default parityrail-backup-<UTC time>.db in the data folder)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, store, err := openState(*dataDir, stderr)
	if err != nil {
		return err
	}
	defer store.Close()
	path := *out
	if path == "" {
		path = filepath.Join(cfg.DataDir, "parityrail-backup-"+time.Now().UTC().Format("20060102T150405Z")+".db")
	}
	if err := store.Backup(context.Background(), path); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Backed up to %s.\nKeep credentials.key (or PARITYRAIL_CREDENTIALS_KEY) with it: stored credentials cannot be opened without it.\n", path)
	return nil
}
