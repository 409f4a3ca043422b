// Package storetest opens throwaway ParityRail stores for tests.
package storetest

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"parityrail/db"
	"parityrail/vault"
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

// Vault is a vault under a fixed test key, for sealing a test project's
// secrets.
func Vault(t testing.TB) *vault.Vault {
	t.Helper()
	v, err := vault.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// OwnerProject creates the workspace owner and one project named name in
// store; the caller picks its stack and connects its sources.
func OwnerProject(t testing.TB, store *db.DB, name string) (owner db.User, p db.Project) {
	t.Helper()
	ctx := context.Background()
	owner, err := store.CreateOwner(ctx, "owner@example.com", "Owner", "x")
	if err != nil {
		t.Fatal(err)
	}
	if p, err = store.CreateProject(ctx, name); err != nil {
		t.Fatal(err)
	}
	return owner, p
}
