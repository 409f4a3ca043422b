package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"

	"parityrail/access/postgres"
	"parityrail/fulfillment"
)

// Repairer is the writer: the one connection approved repairs go through,
// separate from the read-only Source.
type Repairer struct{ appFile }

// OpenRepairer opens the file at path for writing, attached as schema.
func OpenRepairer(ctx context.Context, path, schema string) (*Repairer, error) {
	f, err := open(ctx, path, schema, false)
	if err != nil {
		return nil, err
	}
	return &Repairer{f}, nil
}

// ApplyRepair executes an approved plan on one row as the Postgres
// repairer does: only the mapped access columns (postgres.RepairColumns),
// one parameterised UPDATE guarded by every field's value as read, in a
// transaction committed only when exactly one row changed — otherwise
// nothing is written and the error is postgres.CodeRowChanged.
func (r *Repairer) ApplyRepair(ctx context.Context, m postgres.Mapping, plan fulfillment.RepairPlan) (postgres.RepairResult, error) {
	tm, cols, err := postgres.RepairColumns(m, plan)
	if err != nil {
		return postgres.RepairResult{}, err
	}
	refuse := func(format string, args ...any) (postgres.RepairResult, error) {
		return postgres.RepairResult{}, &postgres.Error{Code: postgres.CodeRepairRefused, Message: fmt.Sprintf(format+" Nothing was changed.", args...)}
	}
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return postgres.RepairResult{}, dbError(err, "starting the repair")
	}
	defer tx.Rollback() // a no-op after Commit
	t, err := bind(ctx, tx, r.schema, tm)
	if err != nil {
		return postgres.RepairResult{}, err
	}
	if t.pk == "" {
		return refuse("%s is not repairable: the table has no single-column primary key.", tm.QualifiedName())
	}

	res := postgres.RepairResult{Table: plan.Table, Key: plan.SubjectID}
	var set, guard []string
	var args []any
	for i, fc := range plan.Fields {
		col := t.cols[cols[i]]
		after, err := postgres.WriteValue(fc.Field, col, fc.After, fc.Before)
		if err != nil {
			return refuse("The new %s for %q cannot be written: %v.", fc.Field, fc.Path, err)
		}
		after = stored(after)
		args = append(args, after)
		set = append(set, ident(col.Name)+" = ?")
		res.Changes = append(res.Changes, postgres.AppliedChange{Field: fc.Field, Column: fc.Path, Before: fc.Before, After: after})
	}
	args = append(args, plan.SubjectID)
	guard = append(guard, ident(t.pk)+" = ?")
	for i, fc := range plan.Fields {
		col := t.cols[cols[i]]
		expr, before, err := guardOf(col, fc.Before)
		if err != nil {
			return refuse("The value read for %q cannot be compared: %v.", fc.Path, err)
		}
		args = append(args, before)
		guard = append(guard, expr)
	}
	res.SQL = "UPDATE " + t.name() + " SET " + strings.Join(set, ", ") + " WHERE " + strings.Join(guard, " AND ")

	out, err := tx.ExecContext(ctx, res.SQL, args...)
	if err != nil {
		var se sqlite3.Error
		if errors.As(err, &se) && (se.Code == sqlite3.ErrConstraint || se.Code == sqlite3.ErrMismatch) {
			return postgres.RepairResult{}, &postgres.Error{Code: postgres.CodeRepairValue, Err: err,
				Message: fmt.Sprintf("%s refused the new value (%v). Nothing was changed; check the plan mapping's app values.", tm.QualifiedName(), err)}
		}
		return postgres.RepairResult{}, dbError(err, "repairing "+tm.QualifiedName())
	}
	if n, err := out.RowsAffected(); err != nil || n != 1 {
		return postgres.RepairResult{}, &postgres.Error{Code: postgres.CodeRowChanged, Message: "This row changed since the check — re-run the check."}
	}
	if err := tx.Commit(); err != nil {
		return postgres.RepairResult{}, dbError(err, "committing the repair")
	}
	return res, nil
}

// stored is a written value as SQLite keeps it here: times as ISO-8601 text
// in UTC (what the app's rows hold), never the driver's own time format.
func stored(v any) any {
	if t, ok := v.(time.Time); ok {
		return t.UTC().Format(time.RFC3339Nano)
	}
	return v
}

// guardOf is the guard of one column: it holds exactly the value the check
// read (IS is SQLite's NULL-safe equality, Postgres's IS NOT DISTINCT FROM).
// JSON is compared as JSON, so spacing in the stored text does not matter.
func guardOf(col postgres.Column, before any) (string, any, error) {
	expr := ident(col.Name) + " IS ?"
	switch v := before.(type) {
	case nil, string, bool, int64:
		return expr, stored(v), nil
	case time.Time:
		return expr, stored(v), nil
	case float64: // an integer after the stored plan's JSON round trip
		if v == math.Trunc(v) {
			return expr, int64(v), nil
		}
		return expr, v, nil
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return expr, n, nil
		}
		return expr, v.String(), nil
	}
	if col.Category != postgres.CatJSONB {
		return "", nil, fmt.Errorf("a %T does not fit %s", before, col.Type)
	}
	b, err := json.Marshal(before)
	if err != nil {
		return "", nil, err
	}
	return "json(" + ident(col.Name) + ") IS json(?)", string(b), nil
}
