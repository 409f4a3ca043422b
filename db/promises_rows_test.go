package db

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"testing"
	"time"

	"parityrail/ledger"
)

// oneRowAtATime writes a batch's promises and ledger entries as the store
// did before multi-row inserts: one statement execution per row. Kept to
// prove the rows written now are the same, seq and hash included.
func oneRowAtATime(ctx context.Context, tx *sql.Tx, projectID, checkID, actor string, now time.Time, b *CheckBatch) error {
	ts := formatTime(now)
	for _, p := range b.Promises {
		var boundary any
		if p.BoundaryAt != nil {
			boundary = formatTime(*p.BoundaryAt)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO promises (project_id, customer_id, fingerprint, summary, boundary_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, customer_id) DO UPDATE SET fingerprint = excluded.fingerprint,
			summary = excluded.summary, boundary_at = excluded.boundary_at, updated_at = excluded.updated_at`,
			projectID, p.CustomerID, p.Fingerprint, string(p.Summary), boundary, ts); err != nil {
			return err
		}
	}
	var n int64
	prev := ledger.Genesis
	if err := tx.QueryRowContext(ctx, `SELECT n, hash FROM ledger WHERE project_id = ? ORDER BY n DESC LIMIT 1`, projectID).Scan(&n, &prev); err != nil && err != sql.ErrNoRows {
		return err
	}
	for _, in := range b.Ledger {
		detail, err := ledger.Canonical(in.Detail)
		if err != nil {
			return err
		}
		n++
		e := ledger.Entry{ProjectID: projectID, N: n, At: now.UTC(), Kind: in.Kind, CustomerID: in.CustomerID, CheckID: checkID,
			Actor: actor, Detail: detail}
		ledger.Seal(&e, prev)
		prev = e.Hash
		if _, err := tx.ExecContext(ctx, `INSERT INTO ledger
			(project_id, n, at, kind, customer_id, subject_key, incident_id, check_id, actor, detail, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, projectID, e.N, e.At.Format(ledger.TimeFormat), string(e.Kind),
			e.CustomerID, e.SubjectKey, e.IncidentID, e.CheckID, e.Actor, string(e.Detail), e.PrevHash, e.Hash); err != nil {
			return err
		}
	}
	return nil
}

func dumpTable(t *testing.T, store *DB, q string) [][]any {
	t.Helper()
	rows, err := store.read.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	return out
}

// TestBatchRowsMatchOneRowAtATime: batches of every size around the
// statement's row count (0, 1, 63, 64, 65, 200 rows), repeated customers
// (upserts inside one statement) and a chain continued across batches give
// the very rows, row ids and hashes the one-row-a-statement writes gave.
func TestBatchRowsMatchOneRowAtATime(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2026, 5, 1, 9, 0, 0, 123456000, time.UTC)
	newStore := func() (*DB, string) {
		s := newTestStore(t)
		s.SetClock(func() time.Time { return clock })
		p, err := s.CreateProject(ctx, "rows")
		if err != nil {
			t.Fatal(err)
		}
		return s, p.ID
	}
	multi, pm := newStore()
	single, ps := newStore()
	// Same project id in both, so rows compare whole.
	if _, err := single.write.Exec(`UPDATE projects SET id = ? WHERE id = ?`, pm, ps); err != nil {
		t.Fatal(err)
	}
	bound := clock.Add(72 * time.Hour)
	i := 0
	for _, size := range []int{0, 1, 63, 64, 65, 200, 129} {
		var b CheckBatch
		for k := 0; k < size; k++ {
			i++
			id := fmt.Sprintf("cus_%d", i%150) // from the 150th row on, customers repeat
			p := PromiseRow{CustomerID: id, Fingerprint: fmt.Sprintf("fp%d", i), Summary: []byte(fmt.Sprintf(`{"n":%d}`, i))}
			if i%3 == 0 {
				p.BoundaryAt = &bound
			}
			b.Promises = append(b.Promises, p)
			b.Ledger = append(b.Ledger, LedgerEntry{Kind: ledger.PromiseChanged, CustomerID: id,
				Detail: map[string]any{"to": map[string]any{"n": i, "plan": "<pro>"}}})
		}
		if err := multi.ApplyCheckBatch(ctx, pm, "chk_1", "schedule", &b); err != nil {
			t.Fatal(err)
		}
		tx, err := single.write.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := oneRowAtATime(ctx, tx, pm, "chk_1", "schedule", clock, &b); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{`SELECT * FROM ledger ORDER BY seq`, `SELECT rowid, * FROM promises ORDER BY rowid`} {
		got, want := dumpTable(t, multi, q), dumpTable(t, single, q)
		if len(want) < 150 {
			t.Fatalf("%s: only %d rows", q, len(want))
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: rows differ (%d vs %d)", q, len(got), len(want))
		}
	}
	if res, err := multi.VerifyLedger(ctx, pm); err != nil || res.Broken != nil || res.Entries != 522 {
		t.Fatalf("verify: %+v %v", res, err)
	}
}
