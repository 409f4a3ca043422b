package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ReadRoleWarnings says what the read connection's role could do beyond
// reading: a superuser (or a role that bypasses row security, creates roles
// or owns tables) can turn default_transaction_read_only off in its own
// session, and write grants let it change the app's data if that ever
// happened. Each warning names the grant to drop; none means the role only
// reads.
func (s *Source) ReadRoleWarnings(ctx context.Context) ([]string, error) {
	var out []string
	err := s.readTx(ctx, StatementTimeout, "checking the role's privileges", func(tx pgx.Tx) error {
		var role string
		var super, bypass, createRole bool
		if err := tx.QueryRow(ctx, `SELECT current_user, rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = current_user`).
			Scan(&role, &super, &bypass, &createRole); err != nil {
			return err
		}
		q := pgx.Identifier{role}.Sanitize()
		if super {
			out = append(out, fmt.Sprintf("The read role %s is a superuser: it could switch read-only mode off. Use a role made for ParityRail (see \"How to create a read-only role\"), or ALTER ROLE %s NOSUPERUSER.", role, q))
		}
		if createRole {
			out = append(out, fmt.Sprintf("The read role %s can create roles: ALTER ROLE %s NOCREATEROLE.", role, q))
		}
		if bypass && !super {
			out = append(out, fmt.Sprintf("The read role %s bypasses row-level security: ALTER ROLE %s NOBYPASSRLS.", role, q))
		}
		rows, err := tx.Query(ctx, `SELECT n.nspname || '.' || c.relname,
				c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user),
				has_table_privilege(c.oid, 'INSERT'), has_table_privilege(c.oid, 'UPDATE'),
				has_table_privilege(c.oid, 'DELETE'), has_table_privilege(c.oid, 'TRUNCATE')
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('information_schema') AND n.nspname !~ '^pg_'
			ORDER BY 1 LIMIT 500`)
		if err != nil {
			return err
		}
		defer rows.Close()
		var owned, writable []string
		for rows.Next() {
			var table string
			var owner, ins, upd, del, trunc bool
			if err := rows.Scan(&table, &owner, &ins, &upd, &del, &trunc); err != nil {
				return err
			}
			switch {
			case owner:
				owned = append(owned, table)
			case ins || upd || del || trunc:
				writable = append(writable, table)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(owned) > 0 && !super {
			out = append(out, fmt.Sprintf("The read role %s owns %s, so it can write there whatever its grants say. Connect with a role that owns nothing.", role, listSome(owned)))
		}
		if len(writable) > 0 && !super {
			out = append(out, fmt.Sprintf("The read role %s can write to %s. Drop it: REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON %s FROM %s.",
				role, listSome(writable), strings.Join(quoteTables(writable, 3), ", "), q))
		}
		return nil
	})
	return out, err
}

// listSome names up to three things and how many more.
func listSome(items []string) string {
	if len(items) <= 3 {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more tables", strings.Join(items[:3], ", "), len(items)-3)
}

func quoteTables(tables []string, n int) []string {
	var out []string
	for i, t := range tables {
		if i == n {
			break
		}
		schema, name, _ := strings.Cut(t, ".")
		out = append(out, pgx.Identifier{schema, name}.Sanitize())
	}
	return out
}
