// Package sqlite reads and repairs access state an app keeps in an SQLite
// file — the demo's SQL app — by the Postgres connector's rules: the same
// mapping, the same reading of every value, the same single guarded UPDATE
// per approved repair and the same error codes. Reads go through a
// read-only connection (mode=ro); repairs through a separate writer
// (Repairer), so nothing but an approved repair ever writes.
//
// The file is attached under the schema name its mapped tables use (the
// demo's parityrail_demo), so a table is schema.table exactly as in
// Postgres: incidents, repair plans and the SQL that ran read alike.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	sqlite3 "github.com/mattn/go-sqlite3"

	"parityrail/access/postgres"
	"parityrail/fulfillment"
)

// Source is the read-only connection.
type Source struct{ appFile }

// Open opens the file at path read-only, attached as schema. The file must
// exist (see Seed).
func Open(ctx context.Context, path, schema string) (*Source, error) {
	f, err := open(ctx, path, schema, true)
	if err != nil {
		return nil, err
	}
	return &Source{f}, nil
}

// appFile is the app's database file opened one way (read-only for the
// Source, for writing for the Repairer), attached as schema.
type appFile struct {
	db     *sql.DB
	schema string
}

// Close closes every connection.
func (f appFile) Close() { f.db.Close() }

// attached opens connections whose main database is a private in-memory
// one and whose app file is attached under the schema name: every pooled
// connection gets the same view.
type attached struct {
	drv    *sqlite3.SQLiteDriver
	uri    string
	schema string
	main   string // the in-memory main database's DSN
}

func (a attached) Connect(context.Context) (driver.Conn, error) {
	c, err := a.drv.Open(a.main)
	if err != nil {
		return nil, err
	}
	if _, err := c.(*sqlite3.SQLiteConn).Exec(`ATTACH DATABASE ? AS `+ident(a.schema), []driver.Value{a.uri}); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (a attached) Driver() driver.Driver { return a.drv }

// fileURI names the file for SQLite with an open mode (ro, rw, rwc).
func fileURI(path, mode string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return (&url.URL{Scheme: "file", Path: abs, RawQuery: "mode=" + mode}).String(), nil
}

func open(ctx context.Context, path, schema string, readOnly bool) (appFile, error) {
	// The writer takes the write lock when its transaction begins, so a
	// repair never fails half-way on a lock; never rwc: a missing file is an
	// error, not a new empty app.
	mode, main := "rw", "file::memory:?_busy_timeout=5000&_txlock=immediate"
	if readOnly {
		mode, main = "ro", "file::memory:?_busy_timeout=5000"
	}
	uri, err := fileURI(path, mode)
	if err != nil {
		return appFile{}, dbError(err, "opening the app's database")
	}
	db := sql.OpenDB(attached{drv: &sqlite3.SQLiteDriver{}, uri: uri, schema: schema, main: main})
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return appFile{}, dbError(err, "opening the app's database")
	}
	return appFile{db: db, schema: schema}, nil
}

// ReadSubjects streams every row of the mapped users table, then of the
// organizations table if mapped, to fn (as postgres.Source.ReadSubjects).
func (s *Source) ReadSubjects(ctx context.Context, m postgres.Mapping, fn func(fulfillment.Subject) error) error {
	return s.read(ctx, m, "", nil, fn)
}

// ReadSubject reads the rows whose identity column equals customerID.
func (s *Source) ReadSubject(ctx context.Context, m postgres.Mapping, customerID string) ([]fulfillment.Subject, error) {
	var out []fulfillment.Subject
	err := s.read(ctx, m, "identity", customerID, func(subj fulfillment.Subject) error {
		out = append(out, subj)
		return nil
	})
	return out, err
}

// ReadSubjectByKey reads one row by primary key; ok is false when it is gone.
func (s *Source) ReadSubjectByKey(ctx context.Context, m postgres.Mapping, table, key string) (subj fulfillment.Subject, ok bool, err error) {
	tm, found := m.Lookup(table)
	if !found {
		return subj, false, &postgres.Error{Code: postgres.CodeInvalidMapping, Field: "table", Message: fmt.Sprintf("The table %s is not mapped.", table)}
	}
	err = s.read(ctx, postgres.Mapping{Users: tm}, "pk", key, func(x fulfillment.Subject) error {
		subj, ok = x, true
		return nil
	})
	return subj, ok, err
}

// stopped carries fn's error out untouched.
type stopped struct{ err error }

func (e stopped) Error() string { return e.err.Error() }

func (s *Source) read(ctx context.Context, m postgres.Mapping, by string, arg any, fn func(fulfillment.Subject) error) error {
	tables := []postgres.TableMapping{m.Users}
	if m.Orgs != nil {
		tables = append(tables, *m.Orgs)
	}
	for _, tm := range tables {
		t, err := bind(ctx, s.db, s.schema, tm)
		if err != nil {
			return err
		}
		if err := t.stream(ctx, s.db, by, arg, fn); err != nil {
			var st stopped
			if errors.As(err, &st) {
				return st.err
			}
			return err
		}
	}
	return nil
}

// column is one column of a mapped table as the file declares it, with the
// Postgres category its declared type reads as.
type column struct {
	name string
	col  postgres.Column
}

// table is a table mapping checked against the file: every name in it
// exists, so it may appear (quoted) in SQL.
type table struct {
	tm     postgres.TableMapping
	schema string
	pk     string
	cols   map[string]postgres.Column // column name → column
	fields []struct{ field, column string }
}

// querier is what both a *sql.DB and a *sql.Tx offer.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// bind reads the table's declared columns and checks the mapping's names.
func bind(ctx context.Context, q querier, schema string, tm postgres.TableMapping) (*table, error) {
	if tm.SchemaName() != schema {
		return nil, &postgres.Error{Code: postgres.CodeInvalidMapping, Field: "table",
			Message: fmt.Sprintf("The table %s is not in this app's database (its tables are %s.<table>).", tm.QualifiedName(), schema)}
	}
	rows, err := q.QueryContext(ctx, `SELECT name, type, pk FROM pragma_table_info(?, ?)`, tm.Table, schema)
	if err != nil {
		return nil, dbError(err, "reading the schema")
	}
	defer rows.Close()
	t := &table{tm: tm, schema: schema, cols: map[string]postgres.Column{}}
	var pks []string
	for rows.Next() {
		var name, typ string
		var pk int
		if err := rows.Scan(&name, &typ, &pk); err != nil {
			return nil, dbError(err, "reading the schema")
		}
		t.cols[name] = postgres.Column{Name: name, Type: strings.ToLower(typ), Category: category(typ), Nullable: true}
		if pk > 0 {
			pks = append(pks, name)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err, "reading the schema")
	}
	if len(t.cols) == 0 {
		return nil, &postgres.Error{Code: postgres.CodeInvalidMapping, Field: "table", Message: fmt.Sprintf("The table %s does not exist in the app's database.", tm.QualifiedName())}
	}
	if len(pks) == 1 {
		t.pk = pks[0]
	}
	need := []string{tm.Identity, tm.Email, tm.Name}
	for _, f := range []struct{ field, column string }{
		{fulfillment.FieldPlan, tm.Plan}, {fulfillment.FieldPremium, tm.Premium},
		{fulfillment.FieldTrialEnd, tm.TrialEnd}, {fulfillment.FieldEntitlements, tm.Entitlements},
	} {
		if f.column != "" {
			t.fields = append(t.fields, f)
			need = append(need, f.column)
		}
	}
	for _, c := range need {
		if _, ok := t.cols[c]; c != "" && !ok {
			return nil, &postgres.Error{Code: postgres.CodeInvalidMapping, Field: "table",
				Message: fmt.Sprintf("The column %q of %s does not exist in the app's database.", c, tm.QualifiedName())}
		}
	}
	return t, nil
}

// category is how a declared SQLite type reads: SQLite stores booleans as
// integers, times as ISO-8601 text and JSON as text, so the declared type
// says what the value means.
func category(declared string) string {
	d := strings.ToUpper(declared)
	switch {
	case strings.Contains(d, "BOOL"):
		return postgres.CatBool
	case strings.Contains(d, "INT"):
		return postgres.CatInt
	case strings.Contains(d, "TIMESTAMP"), strings.Contains(d, "DATETIME"):
		return postgres.CatTimestamptz
	case strings.Contains(d, "JSON"):
		return postgres.CatJSONB
	}
	return postgres.CatText
}

func (t *table) name() string { return ident(t.schema) + "." + ident(t.tm.Table) }

// stream runs one SELECT over the table and hands each row to fn.
func (t *table) stream(ctx context.Context, q querier, by string, arg any, fn func(fulfillment.Subject) error) error {
	pk := "NULL"
	if t.pk != "" {
		pk = "CAST(" + ident(t.pk) + " AS TEXT)"
	}
	textOf := func(c string) string {
		if c == "" {
			return "NULL"
		}
		return "CAST(" + ident(c) + " AS TEXT)"
	}
	exprs := []string{pk, textOf(t.tm.Identity), textOf(t.tm.Email), textOf(t.tm.Name)}
	for _, f := range t.fields {
		exprs = append(exprs, ident(f.column))
	}
	query := "SELECT " + strings.Join(exprs, ", ") + " FROM " + t.name()
	var args []any
	switch by {
	case "identity":
		query += " WHERE " + ident(t.tm.Identity) + " = ?"
		args = append(args, arg)
	case "pk":
		if t.pk == "" {
			return &postgres.Error{Code: postgres.CodeInvalidMapping, Field: "table", Message: fmt.Sprintf("%s has no single-column primary key to read a row by.", t.tm.QualifiedName())}
		}
		query += " WHERE " + ident(t.pk) + " = ?"
		args = append(args, arg)
	}
	what := "reading " + t.tm.QualifiedName()
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return dbError(err, what)
	}
	defer rows.Close()
	var key, id, email, name sql.NullString
	values := make([]any, len(t.fields))
	dests := []any{&key, &id, &email, &name}
	for i := range values {
		dests = append(dests, &values[i])
	}
	for rows.Next() {
		if err := rows.Scan(dests...); err != nil {
			return dbError(err, what)
		}
		subj := fulfillment.Subject{Kind: fulfillment.SubjectRow, Table: t.tm.QualifiedName(),
			ID: key.String, CustomerID: strings.TrimSpace(id.String), Email: email.String, Name: name.String}
		if t.pk == "" {
			subj.ID = id.String // the best label there is; such rows are never repaired
		}
		for i, f := range t.fields {
			subj.Fields.Set(f.field, postgres.FieldValue(f.field, f.column, raw(t.cols[f.column], values[i])))
		}
		if err := fn(subj); err != nil {
			return stopped{err}
		}
	}
	if err := rows.Err(); err != nil {
		return dbError(err, what)
	}
	return nil
}

// raw is a stored value as the Postgres connector would read it: a boolean
// for a BOOLEAN column, decoded JSON for a JSON one, text as text. Times
// stay the text stored, so a repair's guard compares exactly what was read.
func raw(col postgres.Column, v any) any {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	switch col.Category {
	case postgres.CatBool:
		if n, ok := v.(int64); ok {
			return n != 0
		}
	case postgres.CatJSONB:
		if s, ok := v.(string); ok {
			if d, err := postgres.DecodeJSON(s); err == nil {
				return d
			}
		}
	}
	return v
}

// ident quotes one identifier that came from the mapping (checked by bind).
func ident(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// dbError files a failure of the app's database with the Postgres
// connector's codes; the message names what was being done.
func dbError(err error, what string) *postgres.Error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &postgres.Error{Code: postgres.CodeCanceled, Err: err, Message: "Stopped " + what + ": the request ended."}
	}
	var se sqlite3.Error
	if errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked) {
		return &postgres.Error{Code: postgres.CodeTimeout, Err: err, Message: "The app's database is busy; nothing was changed. Try again in a moment."}
	}
	return &postgres.Error{Code: postgres.CodeQueryFailed, Err: err,
		Message: fmt.Sprintf("The demo app's database failed while %s (%v). Reset the demo data to rebuild it.", what, err)}
}
