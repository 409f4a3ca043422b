package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// queryer is what both the pool and a transaction offer for reading rows.
type queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// rowQueryer is what both the pool and a transaction offer for reading one row.
type rowQueryer interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// rowScanner is a *sql.Row or *sql.Rows: what every scanX function reads from.
type rowScanner = interface{ Scan(...any) error }

// queryAll runs query and reads every row with scan, in order. A failure is
// wrapped with what, the caller's name for the list ("list users").
func queryAll[T any](ctx context.Context, q queryer, what string, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	var out []T
	err := eachRow(ctx, q, what, func(row rowScanner) error {
		v, err := scan(row)
		out = append(out, v)
		return err
	}, query, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// queryOne runs a one-row query and reads the row with scan. ErrNotFound
// (scan's answer when there is no row) comes back bare, so callers can test
// for it; any other failure is wrapped with what, as in queryAll.
func queryOne[T any](ctx context.Context, q rowQueryer, what string, scan func(rowScanner) (T, error), query string, args ...any) (T, error) {
	v, err := scan(q.QueryRowContext(ctx, query, args...))
	if err != nil && !errors.Is(err, ErrNotFound) {
		var zero T
		return zero, fmt.Errorf("%s: %w", what, err)
	}
	return v, err
}

// eachRow runs query and reads every row with read, in order. A failure of
// the query, of read or of the rows is wrapped with what, as in queryAll.
func eachRow(ctx context.Context, q queryer, what string, read func(rowScanner) error, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := read(rows); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// eachPair runs a query of two columns (a key and its value, say) and calls
// fn with every row.
func eachPair[A, B any](ctx context.Context, q queryer, what string, fn func(a A, b B), query string, args ...any) error {
	return eachRow(ctx, q, what, func(row rowScanner) error {
		var a A
		var b B
		if err := row.Scan(&a, &b); err != nil {
			return err
		}
		fn(a, b)
		return nil
	}, query, args...)
}

// scanString reads a one-column row of text, such as an id.
func scanString(row rowScanner) (string, error) {
	var s string
	err := row.Scan(&s)
	return s, err
}
