package postgres

import (
	"strings"
	"testing"
)

// Step 3 says when the read role can do more than read, and which grant to
// drop; a role made as "How to create a read-only role" says is quiet.
func TestReadRoleWarnings(t *testing.T) {
	db := newTestDB(t, `CREATE TABLE users (id serial PRIMARY KEY, plan text)`, `CREATE TABLE audit (id serial PRIMARY KEY)`)
	ctx := ctxT(t)

	_, reader := db.role("pw1", "GRANT USAGE ON SCHEMA public TO ROLE", "GRANT SELECT ON users TO ROLE")
	if w, err := db.source(reader).ReadRoleWarnings(ctx); err != nil || len(w) != 0 {
		t.Errorf("a read-only role: %v %v", w, err)
	}

	writerName, writer := db.role("pw2", "GRANT USAGE ON SCHEMA public TO ROLE", "GRANT SELECT, UPDATE ON users TO ROLE", "GRANT SELECT ON audit TO ROLE")
	w, err := db.source(writer).ReadRoleWarnings(ctx)
	if err != nil || len(w) != 1 || !strings.Contains(w[0], "can write to public.users") ||
		!strings.Contains(w[0], `REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON "public"."users" FROM "`+writerName+`"`) {
		t.Errorf("a role that can update: %q %v", w, err)
	}

	// The test database's own connection is a superuser's.
	w, err = db.source(db.url).ReadRoleWarnings(ctx)
	if err != nil || len(w) == 0 || !strings.Contains(w[0], "is a superuser") || !strings.Contains(w[0], "NOSUPERUSER") {
		t.Errorf("a superuser: %q %v", w, err)
	}
}
