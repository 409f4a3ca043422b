// Package storetest opens throwaway ParityRail stores for tests.
package storetest

import (
	"path/filepath"
	"testing"

	"parityrail/db"
)

// Open opens a fresh store in the test's temporary directory, closed when
// the test ends, and returns it with its file's path.
func Open(t testing.TB) (*db.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "parityrail.db")
	store, err := db.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store, path
}
