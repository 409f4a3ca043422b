package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"parityrail/testutil/pgtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.StopThrowaway()
	os.Exit(code)
}

// testDB is a fresh database with a superuser connection to it.
type testDB struct {
	t     *testing.T
	url   string
	admin *pgx.Conn
}

func newTestDB(t *testing.T, setup ...string) *testDB {
	t.Helper()
	u := pgtest.NewDatabase(t)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatalf("connect as admin: %v", err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) })
	db := &testDB{t: t, url: u, admin: admin}
	for _, s := range setup {
		db.exec(s)
	}
	return db
}

func (db *testDB) exec(sql string, args ...any) {
	db.t.Helper()
	if _, err := db.admin.Exec(context.Background(), sql, args...); err != nil {
		db.t.Fatalf("%s: %v", sql, err)
	}
}

// role creates a LOGIN role with a unique name (roles are cluster-wide) and
// returns its name and a connection string for this database. The grants
// are run with ROLE replaced by the quoted name.
func (db *testDB) role(password string, grants ...string) (name, connString string) {
	db.t.Helper()
	b := make([]byte, 5)
	rand.Read(b)
	name = "prail_t_" + hex.EncodeToString(b)
	db.exec(fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'", name, password))
	db.t.Cleanup(func() {
		ctx := context.Background()
		db.admin.Exec(ctx, "DROP OWNED BY "+name)
		if _, err := db.admin.Exec(ctx, "DROP ROLE IF EXISTS "+name); err != nil {
			db.t.Errorf("drop role %s: %v", name, err)
		}
	})
	for _, g := range grants {
		db.exec(strings.ReplaceAll(g, "ROLE", name))
	}
	return name, db.urlAs(name, password)
}

// urlAs is this database's URL with another user and password.
func (db *testDB) urlAs(user, password string) string {
	u, _ := url.Parse(db.url)
	u.User = url.UserPassword(user, password)
	return u.String()
}

func (db *testDB) source(connString string) *Source {
	db.t.Helper()
	s, err := Connect(context.Background(), connString)
	if err != nil {
		db.t.Fatalf("Connect: %v", err)
	}
	db.t.Cleanup(s.Close)
	return s
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// code returns the *Error code of err ("" when err is not one).
func code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// newBenchDB is a database holding 100,000 profiles.
func newBenchDB(b *testing.B) string {
	u := pgtest.NewDatabase(b)
	conn, err := pgx.Connect(b.Context(), u)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(b.Context())
	for _, sql := range []string{
		`CREATE TABLE profiles (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), stripe_customer_id text, plan text, is_premium boolean, trial_ends_at timestamptz, entitlements jsonb)`,
		`INSERT INTO profiles (stripe_customer_id, plan, is_premium, trial_ends_at, entitlements)
		 SELECT 'cus_' || g, CASE WHEN g % 3 = 0 THEN 'pro' ELSE 'free' END, g % 3 = 0,
		        CASE WHEN g % 10 = 0 THEN now() + interval '7 days' END, '{"sso": true, "api": false}'
		 FROM generate_series(1, 100000) g`,
	} {
		if _, err := conn.Exec(b.Context(), sql); err != nil {
			b.Fatal(err)
		}
	}
	return u
}
