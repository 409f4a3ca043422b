package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// ValueCount is one value a column holds and how many rows hold it.
type ValueCount struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

// ColumnValues are the most common values of one column, for step 5's "what
// does the app really store" (plan values to map prices to).
type ColumnValues struct {
	// Values, most rows first; NULL and empty text are left out (they always
	// mean no plan) and counted in Unset.
	Values []ValueCount
	Unset  int64
	// Distinct is how many distinct set values there are; more than
	// len(Values) when the list was cut at the limit.
	Distinct int64
	// RowSecurity: row-level security hides every row from the role, so
	// the counts are zero whatever the table holds.
	RowSecurity bool
}

// DistinctValues counts the values of schema.table.column, most common
// first, at most limit of them. The table and column are checked against
// what the role can read before being named in SQL (quoted), and the read
// runs in the source's read-only transaction: one GROUP BY, one scan.
func (s *Source) DistinctValues(ctx context.Context, schema, table, column string, limit int) (ColumnValues, error) {
	var out ColumnValues
	err := s.readTx(ctx, StatementTimeout, "counting the values of "+schema+"."+table+"."+column, func(tx pgx.Tx) error {
		sch, err := introspect(ctx, tx)
		if err != nil {
			return err
		}
		t, ok := sch.Table(schema, table)
		if !ok {
			return newError(CodeInvalidMapping, "table", "The table %s.%s does not exist or the role cannot read it.", schema, table)
		}
		if _, ok := t.Column(column); !ok {
			return newError(CodeInvalidMapping, "column", "The column %q is not in %s (or the role cannot read it).", column, t.QualifiedName())
		}
		out.RowSecurity = t.RowSecurity
		// NULL and '' fold into one group that sorts first, so the limit
		// always leaves room for it and the set values are exactly the top
		// ones; the window counts every group before the cut.
		q := `SELECT v, n, count(*) OVER () FROM (
			SELECT NULLIF(` + ident(column) + `::text, '') AS v, count(*) AS n
			FROM ` + ident(t.Schema) + `.` + ident(t.Name) + ` GROUP BY 1) g
			ORDER BY v IS NULL DESC, n DESC, v LIMIT $1`
		rows, err := tx.Query(ctx, q, limit+1)
		if err != nil {
			return err
		}
		defer rows.Close()
		var total int64
		unset := false
		for rows.Next() {
			var (
				v *string
				n int64
			)
			if err := rows.Scan(&v, &n, &total); err != nil {
				return err
			}
			if v == nil {
				out.Unset, unset = n, true
				continue
			}
			if len(out.Values) < limit {
				out.Values = append(out.Values, ValueCount{Value: *v, Count: n})
			}
		}
		out.Distinct = total
		if unset {
			out.Distinct--
		}
		return rows.Err()
	})
	return out, err
}
