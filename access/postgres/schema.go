package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Schema is what the role can read: tables and views with the columns it may
// SELECT. Nothing else is ever named in our SQL.
type Schema struct {
	Tables []Table `json:"tables"`
}

// Table is one table or view.
type Table struct {
	Schema string `json:"schema"`
	Name   string `json:"name"`
	// Kind is "table", "view", "materialized view", "partitioned table" or "foreign table".
	Kind    string   `json:"kind"`
	Columns []Column `json:"columns"`
	// PrimaryKey lists the primary key's columns in key order; empty for views
	// and tables without one. It may name columns the role cannot read.
	PrimaryKey []string `json:"primary_key,omitempty"`
	// RowSecurity: row-level security is on, the role does not bypass it and
	// no SELECT policy applies to it, so it sees no rows at all (Supabase's
	// default for a new role).
	RowSecurity bool `json:"row_security,omitempty"`
}

// Column is one readable column.
type Column struct {
	Name string `json:"name"`
	// Type is the SQL type as PostgreSQL writes it, e.g. "text",
	// "timestamp with time zone", "text[]", "plan_tier".
	Type string `json:"type"`
	// Category is the type's family, which decides what a column can map
	// (Cat* constants); a domain has its base type's category.
	Category   string   `json:"category"`
	Nullable   bool     `json:"nullable"`
	EnumValues []string `json:"enum_values,omitempty"`
}

// Type categories.
const (
	CatText        = "text" // text, varchar, char, citext, name
	CatEnum        = "enum"
	CatBool        = "boolean"
	CatInt         = "integer" // smallint, integer, bigint
	CatNumeric     = "numeric" // numeric, real, double precision
	CatTimestamptz = "timestamptz"
	CatTimestamp   = "timestamp"
	CatDate        = "date"
	CatJSONB       = "jsonb"
	CatJSON        = "json"
	CatTextArray   = "text[]"
	CatUUID        = "uuid"
	CatOther       = "other"
)

// QualifiedName is schema.table as people read it, e.g. public.profiles.
func (t Table) QualifiedName() string { return t.Schema + "." + t.Name }

// Column finds a column by exact name.
func (t Table) Column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// Table finds a table by exact schema and name.
func (s Schema) Table(schema, name string) (Table, bool) {
	for _, t := range s.Tables {
		if t.Schema == schema && t.Name == name {
			return t, true
		}
	}
	return Table{}, false
}

// schemaSQL lists readable columns of readable relations, with each column's
// type resolved through domains and arrays to a category.
const schemaSQL = `
SELECT n.nspname, c.relname, c.relkind::text,
       a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
       bt.typname, bt.typtype::text, COALESCE(et.typname, ''), COALESCE(et.typtype::text, ''),
       COALESCE(ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = bt.oid ORDER BY e.enumsortorder), '{}'),
       COALESCE(ARRAY(SELECT k.attname::text FROM pg_constraint pk
                      CROSS JOIN LATERAL unnest(pk.conkey) WITH ORDINALITY AS u(attnum, ord)
                      JOIN pg_attribute k ON k.attrelid = pk.conrelid AND k.attnum = u.attnum
                      WHERE pk.conrelid = c.oid AND pk.contype = 'p' ORDER BY u.ord), '{}'),
       c.relrowsecurity AND NOT (SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user)
         AND (c.relforcerowsecurity OR NOT pg_has_role(c.relowner, 'USAGE'))
         AND NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polcmd IN ('r', '*')
                         AND (0 = ANY (p.polroles) OR EXISTS (SELECT 1 FROM unnest(p.polroles) r WHERE pg_has_role(r, 'USAGE'))))
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
LEFT JOIN pg_type et ON et.oid = bt.typelem AND bt.typcategory = 'A'
WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
  AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
  AND has_schema_privilege(n.oid, 'USAGE')
  AND has_column_privilege(c.oid, a.attnum, 'SELECT')
ORDER BY n.nspname = 'public' DESC, n.nspname, c.relname, a.attnum`

// Schema introspects the tables and views the role can SELECT from.
func (s *Source) Schema(ctx context.Context) (Schema, error) {
	var out Schema
	err := s.readTx(ctx, StatementTimeout, "reading the schema", func(tx pgx.Tx) error {
		var err error
		out, err = introspect(ctx, tx)
		return err
	})
	return out, err
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func introspect(ctx context.Context, q querier) (Schema, error) {
	rows, err := q.Query(ctx, schemaSQL)
	if err != nil {
		return Schema{}, err
	}
	defer rows.Close()
	var out Schema
	for rows.Next() {
		var (
			nsp, rel, kind, col, typ, base, baseKind, elem, elemKind string
			nullable, rls                                            bool
			enum, pk                                                 []string
		)
		if err := rows.Scan(&nsp, &rel, &kind, &col, &typ, &nullable, &base, &baseKind, &elem, &elemKind, &enum, &pk, &rls); err != nil {
			return Schema{}, err
		}
		n := len(out.Tables)
		if n == 0 || out.Tables[n-1].Schema != nsp || out.Tables[n-1].Name != rel {
			out.Tables = append(out.Tables, Table{Schema: nsp, Name: rel, Kind: relKinds[kind], PrimaryKey: pk, RowSecurity: rls})
			n++
		}
		c := Column{Name: col, Type: typ, Category: category(base, baseKind, elem, elemKind), Nullable: nullable}
		if c.Category == CatEnum {
			c.EnumValues = enum
		}
		out.Tables[n-1].Columns = append(out.Tables[n-1].Columns, c)
	}
	return out, rows.Err()
}

var relKinds = map[string]string{"r": "table", "v": "view", "m": "materialized view", "p": "partitioned table", "f": "foreign table"}

// category maps a (base) type to the family that decides what it can map.
func category(base, baseKind, elem, elemKind string) string {
	if elem != "" {
		if elemKind != "e" && category(elem, elemKind, "", "") == CatText {
			return CatTextArray
		}
		return CatOther
	}
	if baseKind == "e" {
		return CatEnum
	}
	switch base {
	case "text", "varchar", "bpchar", "citext", "name":
		return CatText
	case "bool":
		return CatBool
	case "int2", "int4", "int8":
		return CatInt
	case "numeric", "float4", "float8":
		return CatNumeric
	case "timestamptz":
		return CatTimestamptz
	case "timestamp":
		return CatTimestamp
	case "date":
		return CatDate
	case "jsonb":
		return CatJSONB
	case "json":
		return CatJSON
	case "uuid":
		return CatUUID
	}
	return CatOther
}

// isTextual: values compare as text without a cast.
func isTextual(cat string) bool { return cat == CatText || cat == CatEnum }
