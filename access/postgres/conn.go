// Package postgres reads an app's access state from its PostgreSQL (or
// Supabase) database and, with a separate column-scoped role, repairs it.
//
// The read connection is read-only three times over: the session starts with
// default_transaction_read_only=on, every read runs in a READ ONLY
// transaction, and the role SQL we suggest grants only SELECT. Identifiers
// come from the introspected schema and are quoted; values are parameters.
package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Timeouts. A statement timeout protects the customer's database from a
// runaway query; the streaming read of a whole table gets longer because the
// server counts the time it waits for us to consume rows.
const (
	StatementTimeout = 30 * time.Second
	ReadTimeout      = 5 * time.Minute
	RepairTimeout    = 10 * time.Second
	connectTimeout   = 10 * time.Second
)

// ApplicationName is how our sessions show up in pg_stat_activity.
const ApplicationName = "parityrail"

// Source is the read-only connection to an app's database.
type Source struct {
	pool   *pgxpool.Pool
	target Target
}

// Connect opens the read-only connection, proves it works and that the role
// can read at least one table. Close the Source when done.
func Connect(ctx context.Context, connString string) (*Source, error) {
	pool, t, err := open(ctx, connString, ApplicationName, true)
	if err != nil {
		return nil, err
	}
	s := &Source{pool: pool, target: t}
	var readable bool
	err = s.readTx(ctx, StatementTimeout, "checking which tables the role can read", func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE c.relkind IN ('r','v','m','p','f') AND n.nspname NOT IN ('information_schema') AND n.nspname !~ '^pg_'
			  AND has_schema_privilege(n.oid, 'USAGE') AND has_any_column_privilege(c.oid, 'SELECT'))`).Scan(&readable)
	})
	if err == nil && !readable {
		err = newError(CodeNoReadableTables, "", "The role can connect but cannot read any table. GRANT SELECT on the access table (and USAGE on its schema) to the role — see \"How to create a read-only role\".")
	}
	if err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Target is the host and database name, for the dashboard.
func (s *Source) Target() Target { return s.target }

// Close closes every connection.
func (s *Source) Close() { s.pool.Close() }

// open builds and probes a pool. readOnly forces read-only sessions.
func open(ctx context.Context, connString, appName string, readOnly bool) (*pgxpool.Pool, Target, error) {
	s, err := ValidateConnString(connString)
	if err != nil {
		return nil, Target{}, err
	}
	cc, err := parseConfig(s)
	if err != nil {
		return nil, Target{}, err
	}
	// Ours win over anything the string says: startup parameters are applied
	// after the string's options.
	cc.RuntimeParams["application_name"] = appName
	cc.RuntimeParams["statement_timeout"] = fmt.Sprint(StatementTimeout.Milliseconds())
	if readOnly {
		cc.RuntimeParams["default_transaction_read_only"] = "on"
	}
	if cc.ConnectTimeout == 0 {
		cc.ConnectTimeout = connectTimeout
	}
	pc, err := pgxpool.ParseConfig("")
	if err != nil {
		return nil, Target{}, newError(CodeInvalidConnString, "", "Could not prepare the connection pool.")
	}
	pc.ConnConfig = cc
	pc.MaxConns = 4 // a check reads one table at a time; leave the customer's connections alone
	pc.MinConns = 0
	pc.MaxConnIdleTime = time.Minute

	t := targetOf(&cc.Config)
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, Target{}, connectError(err, t)
	}
	pctx, cancel := context.WithTimeout(ctx, connectTimeout+5*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, Target{}, connectError(err, t)
	}
	return pool, Target{Host: cc.Host, Database: cc.Database}, nil
}

// readTx runs fn in a READ ONLY, REPEATABLE READ transaction (one snapshot
// for every table of a check) with the given statement timeout.
func (s *Source) readTx(ctx context.Context, timeout time.Duration, what string, fn func(pgx.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return queryError(err, what)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `SELECT set_config('statement_timeout', $1, true)`, fmt.Sprint(timeout.Milliseconds())); err != nil {
		return queryError(err, what)
	}
	if err := fn(tx); err != nil {
		if _, ok := err.(*Error); ok {
			return err
		}
		return queryError(err, what)
	}
	return nil
}
