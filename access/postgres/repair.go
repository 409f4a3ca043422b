package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"parityrail/fulfillment"
)

// Repairer is the connection of the column-scoped repair role.
type Repairer struct {
	pool   *pgxpool.Pool
	target Target
	role   string
}

// ConnectRepair opens the repair role's connection and proves it works.
// Its sessions are not read-only, so the only writer is ApplyRepair.
func ConnectRepair(ctx context.Context, connString string) (*Repairer, error) {
	pool, t, err := open(ctx, connString, ApplicationName+"-repair", false)
	if err != nil {
		return nil, err
	}
	r := &Repairer{pool: pool, target: t}
	if err := pool.QueryRow(ctx, "SELECT current_user").Scan(&r.role); err != nil {
		pool.Close()
		return nil, queryError(err, "checking the repair role")
	}
	return r, nil
}

// Target is the host and database name, for the dashboard.
func (r *Repairer) Target() Target { return r.target }

// Role is the role the connection logged in as.
func (r *Repairer) Role() string { return r.role }

// Close closes every connection.
func (r *Repairer) Close() { r.pool.Close() }

// CheckGrants verifies that the repair role can read each mapped table's
// primary key and access columns and update the access columns; the error
// names what is missing and the GRANT to run.
func (r *Repairer) CheckGrants(ctx context.Context, m Mapping) error {
	for _, tm := range m.tables() {
		cols := accessColumnList(tm.tm)
		if len(cols) == 0 {
			continue
		}
		tx, err := r.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
		if err != nil {
			return queryError(err, "checking the repair role's grants")
		}
		_, err = r.bindRepair(ctx, tx, tm.tm, cols)
		tx.Rollback(context.WithoutCancel(ctx))
		if err != nil {
			return err
		}
	}
	return nil
}

// RepairResult records what a repair wrote, for the ledger.
type RepairResult struct {
	Table   string          `json:"table"` // schema.table
	Key     string          `json:"key"`   // primary key value
	Changes []AppliedChange `json:"changes"`
	// SQL is the statement run, with $n placeholders (values are parameters).
	SQL string `json:"sql"`
}

// AppliedChange is one column written: Before as read by the check, After
// as written (in the column's own form, e.g. "true" for a text flag).
type AppliedChange struct {
	Field  string `json:"field"`
	Column string `json:"column"`
	Before any    `json:"before"`
	After  any    `json:"after"`
}

// ApplyRepair executes an approved repair plan on one row: a single
// parameterised UPDATE guarded by every field's value as read, in a
// transaction with a statement timeout, committed only when exactly one row
// changed. Only the mapping's access columns of the plan's table can be
// written; anything else is refused before any SQL runs.
func (r *Repairer) ApplyRepair(ctx context.Context, m Mapping, plan fulfillment.RepairPlan) (RepairResult, error) {
	res := RepairResult{Table: plan.Table, Key: plan.SubjectID}
	tm, cols, err := RepairColumns(m, plan)
	if err != nil {
		return RepairResult{}, err
	}
	refuse := func(format string, args ...any) (RepairResult, error) {
		return RepairResult{}, newError(CodeRepairRefused, "", format+" Nothing was changed.", args...)
	}

	tx, err := r.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadWrite})
	if err != nil {
		return RepairResult{}, queryError(err, "starting the repair")
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) // a no-op after Commit
	if _, err := tx.Exec(ctx, `SELECT set_config('statement_timeout', $1, true), set_config('lock_timeout', $2, true)`,
		fmt.Sprint(RepairTimeout.Milliseconds()), fmt.Sprint((RepairTimeout / 2).Milliseconds())); err != nil {
		return RepairResult{}, queryError(err, "starting the repair")
	}
	b, err := r.bindRepair(ctx, tx, tm, cols)
	if err != nil {
		return RepairResult{}, err
	}

	var set, guard []string
	var args []any
	for _, fc := range plan.Fields {
		col := b.cols[fc.Path]
		after, err := writeValue(fc.Field, col, fc.After, fc.Before)
		if err != nil {
			return refuse("The new %s for %q cannot be written: %v.", fc.Field, fc.Path, err)
		}
		args = append(args, after)
		set = append(set, fmt.Sprintf("%s = $%d", ident(col.Name), len(args)))
		res.Changes = append(res.Changes, AppliedChange{Field: fc.Field, Column: fc.Path, Before: fc.Before, After: after})
	}
	args = append(args, plan.SubjectID)
	guard = append(guard, fmt.Sprintf("%s = $%d", ident(b.pk), len(args)))
	for _, fc := range plan.Fields {
		col := b.cols[fc.Path]
		before, err := guardValue(col, fc.Before)
		if err != nil {
			return refuse("The value read for %q cannot be compared: %v.", fc.Path, err)
		}
		args = append(args, before)
		guard = append(guard, fmt.Sprintf("%s IS NOT DISTINCT FROM $%d", ident(col.Name), len(args)))
	}
	res.SQL = "UPDATE " + pgx.Identifier{b.t.Schema, b.t.Name}.Sanitize() + " SET " + strings.Join(set, ", ") + " WHERE " + strings.Join(guard, " AND ")

	tag, err := tx.Exec(ctx, res.SQL, args...)
	if err != nil {
		return RepairResult{}, r.repairError(err, b, cols)
	}
	if n := tag.RowsAffected(); n != 1 {
		msg := "This row changed since the check — re-run the check."
		if b.t.RowSecurity {
			msg += fmt.Sprintf(" (Row-level security hides the rows of %s from %s: if the row did not change, add SELECT and UPDATE policies for the role.)", b.t.QualifiedName(), r.role)
		}
		return RepairResult{}, &Error{Code: CodeRowChanged, Message: msg}
	}
	if err := tx.Commit(ctx); err != nil {
		return RepairResult{}, queryError(err, "committing the repair")
	}
	return res, nil
}

// RepairColumns checks a repair plan against the mapping as it is now, not
// whatever the stored plan says, and returns the plan's table and the
// columns it writes in plan order. Only the mapped access columns of a
// mapped table can ever be written; anything else is refused (CodeRepairRefused)
// before any SQL runs. Every writer of repairs calls it first.
func RepairColumns(m Mapping, plan fulfillment.RepairPlan) (TableMapping, []string, error) {
	refuse := func(format string, args ...any) (TableMapping, []string, error) {
		return TableMapping{}, nil, newError(CodeRepairRefused, "", format+" Nothing was changed.", args...)
	}
	if plan.SubjectKind != fulfillment.SubjectRow {
		return refuse("This repair is for a %s, not a database row.", plan.SubjectKind)
	}
	tm, ok := m.table(plan.Table)
	if !ok {
		return refuse("The table %s is not a mapped table.", plan.Table)
	}
	if plan.SubjectID == "" {
		return refuse("The repair names no row (empty primary key).")
	}
	if len(plan.Fields) == 0 {
		return refuse("The repair changes no field.")
	}
	allowed := tm.AccessColumns()
	var cols []string
	for _, fc := range plan.Fields {
		col, ok := allowed[fc.Field]
		if !ok || col != fc.Path {
			return refuse("The repair asks to write column %q of %s, which is not its mapped %s column.", fc.Path, plan.Table, fc.Field)
		}
		if slices.Contains(cols, col) {
			return refuse("The repair writes column %q twice.", col)
		}
		cols = append(cols, col)
	}
	return tm, cols, nil
}

// repairTable is a table as the repair role sees it.
type repairTable struct {
	t    Table
	pk   string
	cols map[string]Column // column name → column
}

// bindRepair checks, in the repair role's own view of the schema, that the
// table has a single readable primary key and that every column to write
// exists, is readable and updatable.
func (r *Repairer) bindRepair(ctx context.Context, tx pgx.Tx, tm TableMapping, cols []string) (*repairTable, error) {
	schema, err := introspect(ctx, tx)
	if err != nil {
		return nil, queryError(err, "reading the schema for the repair")
	}
	table := pgx.Identifier{tm.SchemaName(), tm.Table}.Sanitize()
	t, ok := schema.Table(tm.SchemaName(), tm.Table)
	if !ok {
		return nil, r.grantError(fmt.Sprintf("The repair role %s cannot read %s.", r.role, tm.QualifiedName()),
			fmt.Sprintf("GRANT USAGE ON SCHEMA %s TO %s; GRANT SELECT (<primary key>, %s) ON %s TO %s;", ident(tm.SchemaName()), ident(r.role), quoteList(cols), table, ident(r.role)))
	}
	if len(t.PrimaryKey) != 1 {
		return nil, newError(CodeRepairRefused, "table", "%s is not repairable: the table has no single-column primary key. Nothing was changed.", t.QualifiedName())
	}
	b := &repairTable{t: t, pk: t.PrimaryKey[0], cols: map[string]Column{}}
	var unreadable []string
	if _, ok := t.Column(b.pk); !ok {
		unreadable = append(unreadable, b.pk)
	}
	for _, c := range cols {
		col, ok := t.Column(c)
		if !ok {
			unreadable = append(unreadable, c)
		}
		b.cols[c] = col
	}
	if len(unreadable) > 0 {
		return nil, r.grantError(fmt.Sprintf("The repair role %s cannot read %s of %s.", r.role, quoteList(unreadable), t.QualifiedName()),
			fmt.Sprintf("GRANT SELECT (%s) ON %s TO %s;", quoteList(unreadable), table, ident(r.role)))
	}
	var missing []string
	for _, c := range cols {
		var can bool
		if err := tx.QueryRow(ctx, `SELECT has_column_privilege($1::regclass, $2, 'UPDATE')`, table, c).Scan(&can); err != nil {
			return nil, queryError(err, "checking the repair role's grants")
		}
		if !can {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, r.grantError(fmt.Sprintf("The repair role %s may not update %s of %s.", r.role, quoteList(missing), t.QualifiedName()),
			fmt.Sprintf("GRANT UPDATE (%s) ON %s TO %s;", quoteList(missing), table, ident(r.role)))
	}
	return b, nil
}

func (r *Repairer) grantError(what, grant string) *Error {
	return &Error{Code: CodeRepairPermission, SQLState: "42501", Message: what + " Nothing was changed. Run as the table owner: " + grant}
}

// repairError maps a failed UPDATE.
func (r *Repairer) repairError(err error, b *repairTable, cols []string) *Error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return queryError(err, "repairing "+b.t.QualifiedName())
	}
	table := pgx.Identifier{b.t.Schema, b.t.Name}.Sanitize()
	switch pgErr.Code {
	case "42501": // a grant vanished between the check above and the UPDATE, or RLS/trigger
		e := r.grantError(fmt.Sprintf("The repair role %s was refused the update of %s.", r.role, b.t.QualifiedName()),
			fmt.Sprintf("GRANT UPDATE (%s) ON %s TO %s;", quoteList(cols), table, ident(r.role)))
		e.Err = err
		return e
	case "55P03":
		return &Error{Code: CodeTimeout, SQLState: pgErr.Code, Err: err, Message: "The row is locked by another transaction. Nothing was changed; try again in a moment."}
	}
	if strings.HasPrefix(pgErr.Code, "22") || strings.HasPrefix(pgErr.Code, "23") {
		// The customer's own constraint or type refused our value: their message is the useful part.
		return &Error{Code: CodeRepairValue, SQLState: pgErr.Code, Err: err,
			Message: fmt.Sprintf("%s refused the new value (%s). Nothing was changed; check the plan mapping's app values and the column's constraints.", b.t.QualifiedName(), shorten(pgErr.Message))}
	}
	return queryError(err, "repairing "+b.t.QualifiedName())
}

// guardValue turns a value as read (possibly after a JSON round trip of the
// stored plan) into a parameter equal to the column's current value.
func guardValue(col Column, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch col.Category {
	case CatBool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			return strconv.ParseBool(x)
		}
	case CatInt:
		return toInt(v)
	case CatTimestamptz, CatTimestamp:
		switch x := v.(type) {
		case time.Time:
			return x.UTC(), nil
		case string: // RFC 3339 after JSON, or infinity: PostgreSQL parses it
			return x, nil
		}
	case CatDate:
		switch x := v.(type) {
		case time.Time:
			return x.UTC().Format(time.DateOnly), nil
		case string:
			if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
				return t.UTC().Format(time.DateOnly), nil
			}
			return x, nil
		}
	case CatJSONB:
		b, err := json.Marshal(v)
		return string(b), err
	case CatTextArray:
		return toStrings(v)
	default:
		if s, ok := v.(string); ok {
			return s, nil
		}
	}
	return nil, fmt.Errorf("a %T does not fit %s", v, col.Type)
}

// WriteValue converts a plan's After into what a column of col's category
// stores (the SQL demo app writes with the same rules).
func WriteValue(field string, col Column, after, before any) (any, error) {
	return writeValue(field, col, after, before)
}

// writeValue converts a plan's After into what the column stores.
func writeValue(field string, col Column, after, before any) (any, error) {
	switch field {
	case fulfillment.FieldPlan:
		if after == nil {
			return nil, nil
		}
		s, ok := after.(string)
		if !ok {
			return nil, fmt.Errorf("a plan must be text, not %T", after)
		}
		return s, nil
	case fulfillment.FieldPremium:
		on, ok := after.(bool)
		if !ok {
			return nil, fmt.Errorf("a premium flag must be true or false, not %T", after)
		}
		switch col.Category {
		case CatBool:
			return on, nil
		case CatInt:
			if on {
				return int64(1), nil
			}
			return int64(0), nil
		}
		return strconv.FormatBool(on), nil
	case fulfillment.FieldTrialEnd:
		if after == nil {
			return nil, nil
		}
		var t time.Time
		switch x := after.(type) {
		case time.Time:
			t = x.UTC()
		case string:
			p, err := time.Parse(time.RFC3339Nano, x)
			if err != nil {
				return nil, fmt.Errorf("%q is not a time", x)
			}
			t = p.UTC()
		default:
			return nil, fmt.Errorf("a trial end must be a time, not %T", after)
		}
		switch col.Category {
		case CatTimestamptz, CatTimestamp:
			return t, nil
		case CatDate:
			return t.Format(time.DateOnly), nil
		case CatInt:
			// Keep the unit the app uses: milliseconds if that is what it held.
			if n, err := toInt(before); err == nil && fulfillment.EpochInMillis(float64(n.(int64))) {
				return t.UnixMilli(), nil
			}
			return t.Unix(), nil
		}
		return t.Format(time.RFC3339), nil
	case fulfillment.FieldEntitlements:
		set, err := toStrings(after)
		if err != nil {
			return nil, err
		}
		set = slices.Compact(slices.Sorted(slices.Values(set)))
		if col.Category == CatTextArray {
			return set, nil
		}
		if _, isList := before.([]any); isList { // the app keeps a list of names
			b, err := json.Marshal(set)
			return string(b), err
		}
		b, err := json.Marshal(fulfillment.EntitlementObject(before, set))
		return string(b), err
	}
	return nil, fmt.Errorf("%q is not an access field", field)
}

func toInt(v any) (any, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case float64:
		if x == math.Trunc(x) {
			return int64(x), nil
		}
	case json.Number:
		return x.Int64()
	case string:
		return strconv.ParseInt(strings.TrimSpace(x), 10, 64)
	}
	return nil, fmt.Errorf("%v is not an integer", v)
}

func toStrings(v any) ([]string, error) {
	switch x := v.(type) {
	case nil:
		return []string{}, nil
	case []string:
		return x, nil
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%v is not a feature name", e)
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, fmt.Errorf("a %T is not a list of features", v)
}
