package db

import (
	"context"
	"database/sql"
	"fmt"
)

// queryer is what both the pool and a transaction offer for reading rows.
type queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// rowScanner is a *sql.Row or *sql.Rows: what every scanX function reads from.
type rowScanner = interface{ Scan(...any) error }

// queryAll runs query and reads every row with scan, in order. A failure is
// wrapped with what, the caller's name for the list ("list users").
func queryAll[T any](ctx context.Context, q queryer, what string, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// scanString reads a one-column row of text, such as an id.
func scanString(row rowScanner) (string, error) {
	var s string
	err := row.Scan(&s)
	return s, err
}
