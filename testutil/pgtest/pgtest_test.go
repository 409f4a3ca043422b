package pgtest

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Each test gets its own empty database on a real server.
func TestDatabasesAreRealAndSeparate(t *testing.T) {
	ctx := context.Background()
	a, b := NewDatabase(t), NewDatabase(t)
	if a == b {
		t.Fatal("two tests would share a database")
	}
	ca, err := pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close(ctx)
	if _, err := ca.Exec(ctx, `CREATE TABLE accounts (id int primary key, plan text); INSERT INTO accounts VALUES (1, 'pro')`); err != nil {
		t.Fatal(err)
	}
	var plan string
	if err := ca.QueryRow(ctx, `SELECT plan FROM accounts WHERE id = $1`, 1).Scan(&plan); err != nil || plan != "pro" {
		t.Fatalf("read back %q, %v", plan, err)
	}
	cb, err := pgx.Connect(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close(ctx)
	var n int
	cb.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name = 'accounts'`).Scan(&n)
	if n != 0 {
		t.Error("the second database sees the first one's table")
	}
}

// The throwaway-cluster fallback works where the binaries exist.
func TestThrowawayCluster(t *testing.T) {
	if testing.Short() || findPGBin() == "" {
		t.Skip("no initdb here")
	}
	u, stop, err := startThrowaway()
	if err != nil {
		t.Fatalf("throwaway cluster: %v", err)
	}
	defer stop()
	if err := ping(u); err != nil {
		t.Fatal(err)
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	StopThrowaway()
	os.Exit(code)
}
