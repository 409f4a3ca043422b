package postgres

import (
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Role name prefixes in the SQL we suggest.
const (
	ReadRole   = "parityrail_read"
	RepairRole = "parityrail_repair"
)

// Credential is the role and password a project's suggested SQL creates; it
// stays the same on every visit until someone regenerates it.
type Credential struct {
	Role     string
	Password string
}

// NewCredential makes a credential for one project: the prefix, the project's
// slug and four characters of its id (two projects on one database do not
// collide), and a fresh URL-safe password.
func NewCredential(prefix, projectName, projectID string) Credential {
	var slug strings.Builder
	for _, r := range strings.ToLower(projectName) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			slug.WriteRune(r)
		case slug.Len() > 0 && !strings.HasSuffix(slug.String(), "_"):
			slug.WriteByte('_')
		}
	}
	name := strings.Trim(slug.String(), "_")
	if len(name) > 30 {
		name = strings.Trim(name[:30], "_")
	}
	id := strings.TrimPrefix(projectID, "prj_")
	if len(id) > 4 {
		id = id[len(id)-4:]
	}
	role := prefix
	if name != "" {
		role += "_" + name
	}
	return Credential{Role: strings.ToLower(role + "_" + id), Password: newPassword()}
}

// RoleSQL is a script an admin runs as the database owner (Supabase: the SQL
// editor) to create one of our roles. The password is URL-safe, so it can go
// into a connection string as is.
type RoleSQL struct {
	Role     string `json:"role"`
	Password string `json:"password"`
	SQL      string `json:"sql"`
}

// TableRef names a table.
type TableRef struct {
	Schema string `json:"schema"`
	Name   string `json:"name"`
}

// Tables lists the mapped tables.
func (m Mapping) Tables() []TableRef {
	var out []TableRef
	for _, mt := range m.tables() {
		out = append(out, TableRef{mt.tm.SchemaName(), mt.tm.Table})
	}
	return out
}

// createRole starts a role script: CREATE ROLE, or for a role made on an
// earlier visit, the password to set instead.
func createRole(b *strings.Builder, r RoleSQL) {
	role := ident(r.Role)
	fmt.Fprintf(b, "CREATE ROLE %s LOGIN PASSWORD '%s';\n", role, r.Password)
	fmt.Fprintf(b, "-- Created it before? Run this line instead of the one above: ALTER ROLE %s PASSWORD '%s';\n", role, r.Password)
}

// ReadOnlyRoleSQL creates the read role with SELECT on the given tables
// (every table of schema public when none are mapped yet), a read-only
// default, and SELECT policies so row-level security (Supabase) hides no row.
func ReadOnlyRoleSQL(c Credential, tables []TableRef) RoleSQL {
	r := RoleSQL{Role: c.Role, Password: c.Password}
	role := ident(r.Role)
	var b strings.Builder
	createRole(&b, r)
	if len(tables) == 0 {
		fmt.Fprintf(&b, "GRANT USAGE ON SCHEMA public TO %s;\n", role)
		fmt.Fprintf(&b, "-- Narrow this to your access tables once they are mapped.\n")
		fmt.Fprintf(&b, "GRANT SELECT ON ALL TABLES IN SCHEMA public TO %s;\n", role)
	} else {
		for _, s := range schemas(tables) {
			fmt.Fprintf(&b, "GRANT USAGE ON SCHEMA %s TO %s;\n", ident(s), role)
		}
		for _, t := range tables {
			fmt.Fprintf(&b, "GRANT SELECT ON %s TO %s;\n", pgx.Identifier{t.Schema, t.Name}.Sanitize(), role)
		}
		fmt.Fprintf(&b, "-- Row-level security (Supabase): let the role see every row. Harmless where RLS is off.\n")
		for _, t := range tables {
			fmt.Fprintf(&b, "CREATE POLICY %s ON %s FOR SELECT TO %s USING (true);\n", ident(r.Role+"_select"), pgx.Identifier{t.Schema, t.Name}.Sanitize(), role)
		}
	}
	fmt.Fprintf(&b, "ALTER ROLE %s SET default_transaction_read_only = on;\n", role)
	r.SQL = b.String()
	return r
}

// RepairRoleSQL creates the repair role with SELECT on each mapped table's
// primary key and access columns and UPDATE on the access columns only. The
// schema supplies the primary keys; a table that cannot be repaired is an
// error.
func RepairRoleSQL(s Schema, m Mapping, c Credential) (RoleSQL, error) {
	tables, v, err := bind(s, m)
	if err != nil {
		return RoleSQL{}, err
	}
	for t, why := range v.NotRepairable {
		return RoleSQL{}, newError(CodeInvalidMapping, "table", "%s is not repairable: %s.", t, why)
	}
	r := RoleSQL{Role: c.Role, Password: c.Password}
	role := ident(r.Role)
	var b strings.Builder
	createRole(&b, r)
	for _, sc := range schemas(m.Tables()) {
		fmt.Fprintf(&b, "GRANT USAGE ON SCHEMA %s TO %s;\n", ident(sc), role)
	}
	for _, bt := range tables {
		table := pgx.Identifier{bt.t.Schema, bt.t.Name}.Sanitize()
		cols := accessColumnList(bt.m)
		fmt.Fprintf(&b, "GRANT SELECT (%s) ON %s TO %s;\n", quoteList(append([]string{bt.pk}, cols...)), table, role)
		fmt.Fprintf(&b, "GRANT UPDATE (%s) ON %s TO %s;\n", quoteList(cols), table, role)
	}
	fmt.Fprintf(&b, "-- Row-level security (Supabase): let the role see and update every row. Harmless where RLS is off.\n")
	for _, bt := range tables {
		table := pgx.Identifier{bt.t.Schema, bt.t.Name}.Sanitize()
		fmt.Fprintf(&b, "CREATE POLICY %s ON %s FOR SELECT TO %s USING (true);\n", ident(r.Role+"_select"), table, role)
		fmt.Fprintf(&b, "CREATE POLICY %s ON %s FOR UPDATE TO %s USING (true) WITH CHECK (true);\n", ident(r.Role+"_update"), table, role)
	}
	r.SQL = b.String()
	return r, nil
}

// accessColumnList is the mapped access columns in field order.
func accessColumnList(tm TableMapping) []string {
	cols := tm.AccessColumns()
	var out []string
	for _, f := range accessFields {
		if c, ok := cols[f]; ok {
			out = append(out, c)
		}
	}
	return out
}

func quoteList(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = ident(c)
	}
	return strings.Join(q, ", ")
}

func schemas(tables []TableRef) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range tables {
		if !seen[t.Schema] {
			seen[t.Schema] = true
			out = append(out, t.Schema)
		}
	}
	return out
}

// newPassword returns 26 random base32 characters (130 bits), URL-safe.
func newPassword() string { return rand.Text() }
