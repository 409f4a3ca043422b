package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"parityrail/db"
	"parityrail/ledger"
)

// TestBackupUnderWrites: `parityrail backup` of a database another process
// keeps writing to is one consistent moment: restored into a new data
// folder, the app opens it, every chain verifies, and it holds a whole
// prefix of what was written — at least what was there before the backup
// began, at most what was there after it ended.
func TestBackupUnderWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("writes for a while")
	}
	dir := t.TempDir()
	ctx := context.Background()
	live := openStore(t, dir)
	defer live.Close()
	if _, err := live.CreateOwner(ctx, "o@example.com", "O", "x"); err != nil {
		t.Fatal(err)
	}
	var projects []string
	for _, name := range []string{"A", "B"} {
		p, err := live.CreateProject(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		projects = append(projects, p.ID)
	}
	count := func(d *db.DB) int64 {
		res, err := d.VerifyLedger(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if res.Broken != nil {
			t.Fatalf("ledger broken: %v", res.Broken)
		}
		return res.Entries
	}

	// Writers append to both projects' ledgers, one entry a transaction.
	var stop atomic.Bool
	var wg sync.WaitGroup
	for _, p := range projects {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				if err := live.AppendLedger(ctx, p, db.LedgerEntry{Kind: ledger.BillingEvent, CustomerID: "cus_w", Actor: "webhook",
					Detail: map[string]any{"i": i}}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for count(live) < 200 {
	}
	before := count(live)
	out := filepath.Join(t.TempDir(), "backup.db")
	var stdout bytes.Buffer
	if err := run([]string{"backup", "--data-dir", dir, "--out", out}, &stdout, io.Discard); err != nil {
		t.Fatalf("backup: %v", err)
	}
	after := count(live)
	stop.Store(true)
	wg.Wait()

	// Restore: the copy becomes another folder's database.
	restored := t.TempDir()
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(restored, "parityrail.db"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	back := openStore(t, restored)
	defer back.Close()
	got := count(back)
	if got < before || got > after {
		t.Errorf("the backup holds %d entries; %d existed when it began and %d when it ended", got, before, after)
	}
	if ps, err := back.ListProjects(ctx); err != nil || len(ps) != 2 {
		t.Errorf("projects in the backup: %d %v", len(ps), err)
	}
	if _, err := back.GetUserByEmail(ctx, "o@example.com"); err != nil {
		t.Errorf("the owner is not in the backup: %v", err)
	}
	t.Logf("backup during writes: %d ledger entries (live: %d before, %d after)", got, before, after)
}
