package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// PromiseFingerprints calls fn with every customer's last promise
// fingerprint and boundary, for a full check to ledger only the changes.
func (d *DB) PromiseFingerprints(ctx context.Context, projectID string, fn func(customerID, fingerprint string, boundary *time.Time)) error {
	return eachRow(ctx, d.read, "promise fingerprints", func(row rowScanner) error {
		var id, fp string
		var b sql.NullString
		if err := row.Scan(&id, &fp, &b); err != nil {
			return err
		}
		fn(id, fp, parseNullTime(b))
		return nil
	}, `SELECT customer_id, fingerprint, boundary_at FROM promises WHERE project_id = ?`, projectID)
}

// PromiseOf returns one customer's stored promise row (ok false when none).
func (d *DB) PromiseOf(ctx context.Context, projectID, customerID string) (PromiseRow, time.Time, bool, error) {
	var p PromiseRow
	var summary, updated string
	var b sql.NullString
	err := d.read.QueryRowContext(ctx, `SELECT customer_id, fingerprint, summary, boundary_at, updated_at FROM promises
		WHERE project_id = ? AND customer_id = ?`, projectID, customerID).Scan(&p.CustomerID, &p.Fingerprint, &summary, &b, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return p, time.Time{}, false, nil
	}
	if err != nil {
		return p, time.Time{}, false, fmt.Errorf("promise: %w", err)
	}
	p.Summary, p.BoundaryAt = []byte(summary), parseNullTime(b)
	return p, parseTime(updated), true, nil
}

// RecentCustomers lists the customers the recent check covers:
// webhook events since `since`, promise boundaries (trial ends, period ends,
// grace ends, pending windows) between since and until, and every customer
// with an unresolved incident. Unlinked subjects with open incidents come
// back as subject keys.
func (d *DB) RecentCustomers(ctx context.Context, projectID string, since, until time.Time) (customers, subjectKeys []string, err error) {
	seen := map[string]bool{}
	add := func(q string, args ...any) error {
		ids, err := queryAll(ctx, d.read, "recent customers", scanString, q, args...)
		for _, id := range ids {
			if id != "" && !seen[id] {
				seen[id] = true
				customers = append(customers, id)
			}
		}
		return err
	}
	if err := add(`SELECT DISTINCT customer_id FROM webhook_events WHERE project_id = ? AND received_at >= ? AND customer_id <> ''`,
		projectID, formatTime(since)); err != nil {
		return nil, nil, err
	}
	if err := add(`SELECT customer_id FROM promises WHERE project_id = ? AND boundary_at IS NOT NULL AND boundary_at >= ? AND boundary_at <= ?`,
		projectID, formatTime(since), formatTime(until)); err != nil {
		return nil, nil, err
	}
	if err := add(`SELECT DISTINCT customer_id FROM incidents WHERE project_id = ? AND status IN ('open', 'acknowledged', 'repairing', 'verifying')`,
		projectID); err != nil {
		return nil, nil, err
	}
	subjectKeys, err = queryAll(ctx, d.read, "recent customers", scanString, `SELECT DISTINCT subject_key FROM incidents WHERE project_id = ? AND customer_id = ''
		AND status IN ('open', 'acknowledged', 'repairing', 'verifying')`, projectID)
	if err != nil {
		return nil, nil, err
	}
	return customers, subjectKeys, nil
}

// SubjectLinks calls fn for every stored subject link of the project.
func (d *DB) SubjectLinks(ctx context.Context, projectID string, fn func(subjectKey, customerID string)) error {
	return eachPair(ctx, d.read, "subject links", fn, `SELECT subject_key, customer_id FROM subject_links WHERE project_id = ?`, projectID)
}

// LinkedSubjects returns the subject keys last seen linked to a customer.
func (d *DB) LinkedSubjects(ctx context.Context, projectID, customerID string) ([]string, error) {
	return queryAll(ctx, d.read, "linked subjects", scanString,
		`SELECT subject_key FROM subject_links WHERE project_id = ? AND customer_id = ? ORDER BY subject_key`, projectID, customerID)
}

// writePromises upserts a batch's promise rows.
func writePromises(ctx context.Context, st *stmts, projectID, ts string, rows []PromiseRow) error {
	args := make([]any, 0, len(rows)*6)
	for _, p := range rows {
		var boundary any
		if p.BoundaryAt != nil {
			boundary = formatTime(*p.BoundaryAt)
		}
		args = append(args, projectID, p.CustomerID, p.Fingerprint, string(p.Summary), boundary, ts)
	}
	if err := insertRows(ctx, st.tx, `INSERT INTO promises (project_id, customer_id, fingerprint, summary, boundary_at, updated_at)
		VALUES `, ` ON CONFLICT (project_id, customer_id) DO UPDATE SET fingerprint = excluded.fingerprint,
		summary = excluded.summary, boundary_at = excluded.boundary_at, updated_at = excluded.updated_at`, 6, args); err != nil {
		return fmt.Errorf("write promise: %w", err)
	}
	return nil
}

// rowsPerInsert is how many rows one INSERT statement carries: a full
// check writes a promise and a ledger entry per customer, and one
// statement execution per row cost more in database/sql and cgo
// round trips than SQLite's own work. Rows are inserted in order, so row
// ids (the ledger's seq) and upserts of a repeated key come out as they did
// one statement per row.
const rowsPerInsert = 64

// insertRows runs head + "(?, …), (?, …)" + tail over args, cols values a
// row, rowsPerInsert rows a statement, each statement shape prepared once.
func insertRows(ctx context.Context, tx *sql.Tx, head, tail string, cols int, args []any) error {
	prepared := map[int]*sql.Stmt{}
	defer func() {
		for _, st := range prepared {
			st.Close()
		}
	}()
	for len(args) > 0 {
		n := min(len(args)/cols, rowsPerInsert)
		st := prepared[n]
		if st == nil {
			row := "(?" + strings.Repeat(", ?", cols-1) + ")"
			q := head + row + strings.Repeat(", "+row, n-1) + tail
			var err error
			if st, err = tx.PrepareContext(ctx, q); err != nil {
				return err
			}
			prepared[n] = st
		}
		if _, err := st.ExecContext(ctx, args[:n*cols]...); err != nil {
			return err
		}
		args = args[n*cols:]
	}
	return nil
}
