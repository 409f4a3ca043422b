package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"parityrail/fulfillment"
)

// ReadSubjects streams every row of the mapped users table, then of the
// organizations table if mapped, to fn — one query per table, rows converted
// as they arrive. Rows with a NULL or empty identity are included (they may
// grant access nobody pays for).
//
// Subject.CustomerID is the identity value as read (trimmed). When the
// mapping's billing field is not stripe.customer.id (an email or a metadata
// value), the caller resolves it to the customer id before matching.
// An error returned by fn stops the read and is returned as is.
func (s *Source) ReadSubjects(ctx context.Context, m Mapping, fn func(fulfillment.Subject) error) error {
	return s.read(ctx, ReadTimeout, m, "", nil, fn)
}

// ReadSubject reads the rows (users and organizations) whose identity column
// equals customerID, for a re-check of one customer. Several rows mean an
// ambiguous match; none, an unmatched customer.
func (s *Source) ReadSubject(ctx context.Context, m Mapping, customerID string) ([]fulfillment.Subject, error) {
	var out []fulfillment.Subject
	err := s.read(ctx, StatementTimeout, m, "identity", customerID, func(subj fulfillment.Subject) error {
		out = append(out, subj)
		return nil
	})
	return out, err
}

// ReadSubjectByKey reads one row by primary key; table is the
// Subject.Table / RepairPlan.Table (schema.table). ok is false when the row
// is gone.
func (s *Source) ReadSubjectByKey(ctx context.Context, m Mapping, table, key string) (subj fulfillment.Subject, ok bool, err error) {
	tm, found := m.table(table)
	if !found {
		return subj, false, newError(CodeInvalidMapping, "table", "The table %s is not mapped.", table)
	}
	only := Mapping{Users: tm}
	err = s.read(ctx, StatementTimeout, only, "pk", key, func(x fulfillment.Subject) error {
		subj, ok = x, true
		return nil
	})
	return subj, ok, err
}

// Lookup finds a mapped table by schema.table (a Subject.Table).
func (m Mapping) Lookup(qualified string) (TableMapping, bool) { return m.table(qualified) }

// table finds a mapped table by schema.table.
func (m Mapping) table(qualified string) (TableMapping, bool) {
	for _, mt := range m.tables() {
		if mt.tm.QualifiedName() == qualified {
			return mt.tm, true
		}
	}
	return TableMapping{}, false
}

// stopped carries fn's error through readTx untouched.
type stopped struct{ err error }

func (e stopped) Error() string { return e.err.Error() }

func (s *Source) read(ctx context.Context, timeout time.Duration, m Mapping, by string, arg any, fn func(fulfillment.Subject) error) error {
	err := s.readTx(ctx, timeout, "reading the access state", func(tx pgx.Tx) error {
		schema, err := introspect(ctx, tx)
		if err != nil {
			return queryError(err, "reading the schema")
		}
		tables, _, err := bind(schema, m)
		if err != nil {
			return err
		}
		for _, b := range tables {
			where := ""
			switch by {
			case "identity":
				where = " WHERE " + b.identityExpr() + " = $1"
			case "pk":
				if b.pk == "" {
					return newError(CodeInvalidMapping, "table", "%s has no usable primary key to read a row by.", b.t.QualifiedName())
				}
				where = " WHERE " + ident(b.pk) + " = $1"
			}
			if err := b.stream(ctx, tx, where, arg, fn); err != nil {
				return err
			}
		}
		return nil
	})
	var st stopped
	if errors.As(err, &st) {
		return st.err
	}
	return err
}

// identityExpr compares text identities directly (so an index is used) and
// others as text.
func (b *boundTable) identityExpr() string {
	if b.ident.Category == CatText {
		return ident(b.ident.Name)
	}
	return ident(b.ident.Name) + "::text"
}

// stream runs one SELECT over the table and hands each row to fn.
func (b *boundTable) stream(ctx context.Context, tx pgx.Tx, where string, arg any, fn func(fulfillment.Subject) error) error {
	type field struct {
		name string
		col  Column
		c    *cell
	}
	textCell := func(col *Column) *cell {
		if col == nil {
			return nil
		}
		return &cell{expr: ident(col.Name) + "::text", cat: CatText}
	}
	pk := &cell{expr: "NULL::text", cat: CatText}
	if b.pk != "" {
		pk = textCell(&Column{Name: b.pk})
	}
	id, email, name := textCell(&b.ident), textCell(b.email), textCell(b.name)
	cells := []*cell{pk, id}
	for _, c := range []*cell{email, name} {
		if c != nil {
			cells = append(cells, c)
		}
	}
	var fields []field
	for _, f := range accessFields {
		if col, ok := b.cols[f]; ok {
			c := newCell(col)
			fields = append(fields, field{f, col, c})
			cells = append(cells, c)
		}
	}
	exprs, dests := make([]string, len(cells)), make([]any, len(cells))
	for i, c := range cells {
		exprs[i], dests[i] = c.expr, c.dest()
	}
	sql := "SELECT " + strings.Join(exprs, ", ") + " FROM " + pgx.Identifier{b.t.Schema, b.t.Name}.Sanitize() + where
	var args []any
	if where != "" {
		args = append(args, arg)
	}
	what := "reading " + b.t.QualifiedName()
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return queryError(err, what)
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(dests...); err != nil {
			return queryError(err, what)
		}
		subj := fulfillment.Subject{Kind: fulfillment.SubjectRow, Table: b.t.QualifiedName()}
		subj.CustomerID = strings.TrimSpace(id.text())
		subj.ID = pk.text()
		if b.pk == "" {
			subj.ID = id.text() // best label there is; such rows are never repaired
		}
		subj.Email, subj.Name = email.text(), name.text()
		for _, f := range fields {
			subj.Fields.Set(f.name, fieldValue(f.name, f.col.Name, f.c.raw()))
		}
		if err := fn(subj); err != nil {
			return stopped{err}
		}
	}
	if err := rows.Err(); err != nil {
		return queryError(err, what)
	}
	return nil
}

// cell is one selected column: its SQL expression and a scan target reused
// for every row.
type cell struct {
	expr string
	cat  string
	s    *string
	b    *bool
	i    *int64
	tz   pgtype.Timestamptz
	ts   pgtype.Timestamp
	d    pgtype.Date
	arr  []*string
}

// newCell picks how to select a column so it scans into a plain Go value.
func newCell(col Column) *cell {
	q := ident(col.Name)
	c := &cell{cat: col.Category, expr: q}
	switch col.Category {
	case CatBool, CatTimestamptz, CatTimestamp, CatDate:
	case CatInt:
		c.expr = q + "::bigint"
	case CatTextArray:
		c.expr = q + "::text[]"
	default: // text, enum, jsonb (decoded by us, numbers kept exact)
		c.expr = q + "::text"
	}
	return c
}

func (c *cell) dest() any {
	switch c.cat {
	case CatBool:
		return &c.b
	case CatInt:
		return &c.i
	case CatTimestamptz:
		return &c.tz
	case CatTimestamp:
		return &c.ts
	case CatDate:
		return &c.d
	case CatTextArray:
		return &c.arr
	}
	return &c.s
}

func (c *cell) text() string {
	if c == nil || c.s == nil {
		return ""
	}
	return *c.s
}

// raw is the value as read, JSON-friendly: nil, string, bool, int64,
// time.Time (UTC), []string or decoded JSON. Infinite dates read as the
// strings "infinity" / "-infinity".
func (c *cell) raw() any {
	switch c.cat {
	case CatBool:
		if c.b == nil {
			return nil
		}
		return *c.b
	case CatInt:
		if c.i == nil {
			return nil
		}
		return *c.i
	case CatTimestamptz:
		return timeRaw(c.tz.Valid, c.tz.InfinityModifier, c.tz.Time)
	case CatTimestamp:
		return timeRaw(c.ts.Valid, c.ts.InfinityModifier, c.ts.Time)
	case CatDate:
		return timeRaw(c.d.Valid, c.d.InfinityModifier, c.d.Time)
	case CatTextArray:
		if c.arr == nil {
			return nil
		}
		out := make([]string, 0, len(c.arr))
		for _, s := range c.arr {
			if s != nil {
				out = append(out, *s)
			}
		}
		return out
	case CatJSONB:
		if c.s == nil {
			return nil
		}
		v, err := decodeJSON(*c.s)
		if err != nil { // cannot happen for jsonb; keep the text
			return *c.s
		}
		return v
	}
	if c.s == nil {
		return nil
	}
	return *c.s
}

func timeRaw(valid bool, inf pgtype.InfinityModifier, t time.Time) any {
	switch {
	case !valid:
		return nil
	case inf == pgtype.Infinity:
		return "infinity"
	case inf == pgtype.NegativeInfinity:
		return "-infinity"
	}
	return t.UTC()
}

// ident quotes one identifier that came from the introspected schema.
func ident(name string) string { return pgx.Identifier{name}.Sanitize() }
