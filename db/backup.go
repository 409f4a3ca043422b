package db

import (
	"context"
	"fmt"
	"os"
)

// Backup writes a consistent copy of the database to path with VACUUM INTO,
// which is safe while the app keeps running (it reads one snapshot).
func (d *DB) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s already exists; choose a new file name", path)
	}
	if _, err := d.write.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return os.Chmod(path, 0o600)
}
