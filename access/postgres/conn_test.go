package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

const secret = "Sup3r-S3cret-pw"

// A role that could write cannot write through the read connection.
func TestReadConnectionIsReadOnly(t *testing.T) {
	db := newTestDB(t, `CREATE TABLE profiles (id int PRIMARY KEY, plan text)`, `INSERT INTO profiles VALUES (1, 'free')`)
	_, cs := db.role(secret, "GRANT ALL ON profiles TO ROLE")
	s := db.source(cs)
	ctx := ctxT(t)

	for _, sql := range []string{
		`INSERT INTO profiles VALUES (2, 'pro')`,
		`UPDATE profiles SET plan = 'pro'`,
		`DELETE FROM profiles`,
		`CREATE TABLE sneaky (id int)`,
	} {
		_, err := s.pool.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "25006" {
			t.Errorf("%s through the read connection: %v, want read_only_sql_transaction (25006)", sql, err)
		}
	}
	var plan string
	db.admin.QueryRow(ctx, `SELECT plan FROM profiles WHERE id = 1`).Scan(&plan)
	if plan != "free" {
		t.Errorf("row changed to %q", plan)
	}
	for setting, want := range map[string]string{"default_transaction_read_only": "on", "statement_timeout": "30s", "application_name": "parityrail"} {
		var got string
		if err := s.pool.QueryRow(ctx, "SELECT current_setting($1)", setting).Scan(&got); err != nil || got != want {
			t.Errorf("%s = %q (%v), want %q", setting, got, err, want)
		}
	}
	if got := s.Target(); got.Database == "" || got.Host != "127.0.0.1" {
		t.Errorf("Target() = %+v", got)
	}
}

// The string's own settings cannot turn read-only off.
func TestReadConnectionOverridesString(t *testing.T) {
	db := newTestDB(t, `CREATE TABLE t (id int PRIMARY KEY)`)
	_, cs := db.role(secret, "GRANT ALL ON t TO ROLE")
	// application_name is an allowed key; options (which could carry -c) is not.
	if _, err := Connect(ctxT(t), cs+"?options=-c%20default_transaction_read_only%3Doff"); code(err) != CodeInvalidConnString {
		t.Fatalf("options= accepted: %v", err)
	}
	s := db.source(cs + "?application_name=other")
	var app string
	s.pool.QueryRow(ctxT(t), "SELECT current_setting('application_name')").Scan(&app)
	if app != ApplicationName {
		t.Errorf("application_name = %q", app)
	}
}

// Failures a person can act on, against the real server.
func TestConnectErrorsRealServer(t *testing.T) {
	db := newTestDB(t, `CREATE TABLE t (id int PRIMARY KEY)`)
	noGrants, _ := db.role(secret)
	u, _ := url.Parse(db.url)
	with := func(f func(u *url.URL)) string {
		c := *u
		c.User = url.UserPassword(noGrants, secret)
		f(&c)
		return c.String()
	}
	cases := []struct {
		name, connString, code, want string
	}{
		{"refused", with(func(u *url.URL) { u.Host = "127.0.0.1:1" }), CodeUnreachable, "connection refused"},
		{"database missing", with(func(u *url.URL) { u.Path = "/no_such_db_here" }), CodeDatabaseMissing, `database "no_such_db_here" does not exist`},
		{"role missing", with(func(u *url.URL) { u.User = url.UserPassword("no_such_role_x", secret) }), CodeRoleMissing, `role "no_such_role_x" does not exist`},
		{"no readable table", with(func(u *url.URL) {}), CodeNoReadableTables, "The role can connect but cannot read any table. GRANT SELECT on the access table"},
		{"certificate not verifiable", with(func(u *url.URL) { u.RawQuery = "sslmode=verify-full" }), CodeTLSFailed, "could not be verified"},
		{"malformed", "postgres://user:" + secret + "@host:notaport/db", CodeInvalidConnString, "port"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Connect(ctxT(t), c.connString)
			checkErr(t, err, c.code, c.want)
		})
	}
}

// checkErr asserts the code and message, and that the password appears
// nowhere: not in the message, not in any wrapped cause.
func checkErr(t *testing.T, err error, wantCode, wantMsg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", wantCode)
	}
	if code(err) != wantCode || !strings.Contains(err.Error(), wantMsg) {
		t.Errorf("got %s: %q\nwant %s containing %q", code(err), err, wantCode, wantMsg)
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), secret) || strings.Contains(fmt.Sprintf("%+v", e), secret) {
			t.Errorf("the password leaks in %T: %v", e, e)
		}
	}
}

// fakeServer speaks just enough of the PostgreSQL protocol to refuse us the
// way real servers do. It answers N to every SSLRequest.
func fakeServer(t *testing.T, refuse func(be *pgproto3.Backend)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				be := pgproto3.NewBackend(conn, conn)
				for {
					msg, err := be.ReceiveStartupMessage()
					if err != nil {
						return
					}
					if _, ssl := msg.(*pgproto3.SSLRequest); ssl {
						conn.Write([]byte("N"))
						continue
					}
					break
				}
				refuse(be)
			}()
		}
	}()
	return ln.Addr().String()
}

func fatal(be *pgproto3.Backend, code, msg string) {
	be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: code, Message: msg})
	be.Flush()
}

// Failures a real server cannot be made to produce here (it trusts every
// local connection and offers TLS).
func TestConnectErrorsFakeServer(t *testing.T) {
	wrongPassword := fakeServer(t, func(be *pgproto3.Backend) {
		be.Send(&pgproto3.AuthenticationCleartextPassword{})
		be.Flush()
		be.SetAuthType(pgproto3.AuthTypeCleartextPassword)
		if _, err := be.Receive(); err != nil {
			return
		}
		fatal(be, "28P01", `password authentication failed for user "app_read"`)
	})
	tlsRequired := fakeServer(t, func(be *pgproto3.Backend) {
		fatal(be, "28000", `no pg_hba.conf entry for host "127.0.0.1", user "app_read", database "app", no encryption`)
	})
	tlsRequiredOld := fakeServer(t, func(be *pgproto3.Backend) {
		fatal(be, "28000", `no pg_hba.conf entry for host "127.0.0.1", user "app_read", database "app", SSL off`)
	})
	hbaReject := fakeServer(t, func(be *pgproto3.Backend) {
		fatal(be, "28000", `pg_hba.conf rejects connection for host "127.0.0.1", user "app_read", database "app", SSL encryption`)
	})
	full := fakeServer(t, func(be *pgproto3.Backend) { fatal(be, "53300", "sorry, too many clients already") })
	silent := fakeServer(t, func(be *pgproto3.Backend) { time.Sleep(5 * time.Second) })

	at := func(addr, query string) string {
		return "postgres://app_read:" + secret + "@" + addr + "/app?" + query
	}
	cases := []struct {
		name, connString, code, want string
	}{
		{"wrong password", at(wrongPassword, "sslmode=prefer"), CodeAuthFailed, `The password for role "app_read" was rejected`},
		{"TLS required", at(tlsRequired, "sslmode=disable"), CodeTLSRequired, "only accepts encrypted connections. Add sslmode=require"},
		{"TLS required (PostgreSQL < 17 wording)", at(tlsRequiredOld, "sslmode=disable"), CodeTLSRequired, "sslmode=require"},
		{"TLS not offered", at(tlsRequired, "sslmode=require"), CodeTLSUnsupported, "does not support TLS"},
		{"pg_hba rejects", at(hbaReject, "sslmode=disable"), CodeAccessDenied, "pg_hba.conf"},
		{"too many connections", at(full, "sslmode=disable"), CodeUnavailable, "too many connections"},
		{"timeout", at(silent, "sslmode=disable&connect_timeout=1"), CodeTimeout, "timed out"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Connect(ctxT(t), c.connString)
			checkErr(t, err, c.code, c.want)
		})
	}
}

func TestConnectUnknownHost(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := Connect(ctx, "postgres://u:"+secret+"@no-such-host.invalid:5432/app?connect_timeout=5")
	// Without a resolver the lookup can time out instead of failing.
	if c := code(err); c != CodeUnreachable && c != CodeTimeout {
		t.Fatalf("got %s: %v", c, err)
	}
	checkErr(t, err, code(err), "no-such-host.invalid")
}

func TestValidateConnString(t *testing.T) {
	cases := []struct {
		in, field, want string
	}{
		{"  postgres://u:p@db.example.com:5432/app?sslmode=require \n", "", ""},
		{"postgresql://u:p@db.example.com/app", "", ""},
		{"POSTGRES://u:p@db.example.com/app", "", ""},
		{"host=db.example.com port=5432 user=u password='a b' dbname=app sslmode=verify-full", "", ""},
		{"", "", "Paste a connection string"},
		{"mysql://u:p@h/db", "scheme", "must start with postgres:// or postgresql://"},
		{"jdbc:postgresql://h:5432/db", "scheme", `Remove the "jdbc:" prefix`},
		{"postgres://u:p@:5432/app", "host", "no host"},
		{"postgres://db.example.com/app", "user", "no user name"},
		{"postgres://u:p@h:99999/app", "port", "port must be a number"},
		{"postgres://u:p@h/app?sslmode=yes", "sslmode", "sslmode must be one of"},
		{"postgres://u:p@h/app?pgbouncer=true", "pgbouncer", `option "pgbouncer" is not supported`},
		{"postgres://u:p@h/app?service=x", "service", `option "service" is not supported`},
		{"postgres://u:pa#ss@h/app", "password", "Percent-encode it as %23"},
		{"postgres://u:p%zz@h/app", "url", "percent-encode them"},
		{"host=h user=u password='unterminated", "password", "no closing one"},
		{"just some words", "", "neither a postgres:// URL nor key=value"},
	}
	for _, c := range cases {
		got, err := ValidateConnString(c.in)
		if c.want == "" {
			if err != nil || got != strings.TrimSpace(c.in) && !strings.EqualFold(got, strings.TrimSpace(c.in)) {
				t.Errorf("ValidateConnString(%q) = %q, %v", c.in, got, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeInvalidConnString || e.Field != c.field || !strings.Contains(e.Message, c.want) {
			t.Errorf("ValidateConnString(%q) = %v (%+v), want field %q and %q", c.in, err, e, c.field, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "pa#ss") {
			t.Errorf("the password leaks: %v", err)
		}
	}
}

func TestDescribe(t *testing.T) {
	got, err := Describe("postgresql://postgres.abcd:" + secret + "@aws-0-eu-west-1.pooler.supabase.com:5432/postgres?sslmode=require")
	if err != nil || got != (Target{Host: "aws-0-eu-west-1.pooler.supabase.com", Database: "postgres"}) {
		t.Fatalf("Describe = %+v, %v", got, err)
	}
	if s := got.String(); strings.Contains(s, secret) || strings.Contains(s, "abcd") {
		t.Errorf("String() leaks: %q", s)
	}
	got, err = Describe("host=10.0.0.5 user=app password=" + secret + " dbname=billing")
	if err != nil || got != (Target{Host: "10.0.0.5", Database: "billing"}) {
		t.Fatalf("Describe = %+v, %v", got, err)
	}
}
