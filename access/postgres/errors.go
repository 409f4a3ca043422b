package postgres

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// Error codes carried by *Error. They are stable: the server maps them to its
// own JSON error codes and the UI may branch on them.
const (
	CodeInvalidConnString = "pg_invalid_connection_string" // the pasted string cannot be used (Message says which part)
	CodeUnreachable       = "pg_unreachable"               // DNS failure, connection refused, network down
	CodeTimeout           = "pg_timeout"                   // connecting or a query took too long
	CodeAuthFailed        = "pg_auth_failed"               // SQLSTATE 28P01: wrong password
	CodeRoleMissing       = "pg_role_missing"              // SQLSTATE 28000: the role does not exist
	CodeAccessDenied      = "pg_access_denied"             // pg_hba.conf rejects the connection, or no CONNECT privilege
	CodeDatabaseMissing   = "pg_database_missing"          // SQLSTATE 3D000
	CodeTLSRequired       = "pg_tls_required"              // the server only accepts TLS connections
	CodeTLSUnsupported    = "pg_tls_unsupported"           // TLS was required but the server does not offer it
	CodeTLSFailed         = "pg_tls_failed"                // the server's certificate could not be verified
	CodeUnavailable       = "pg_unavailable"               // the server is starting, shutting down or full
	CodeNoReadableTables  = "pg_no_readable_tables"        // connected, but SELECT is granted on nothing
	CodeInvalidMapping    = "pg_invalid_mapping"           // a mapping names something the schema does not have
	CodeQueryFailed       = "pg_query_failed"              // any other failure of a query
	CodeCanceled          = "pg_canceled"                  // the caller's context ended
	CodeRowChanged        = "pg_row_changed"               // a repair's guard matched no row
	CodeRepairRefused     = "pg_repair_refused"            // a repair plan asks for something not allowed
	CodeRepairPermission  = "pg_repair_permission"         // SQLSTATE 42501 on a repair: a GRANT is missing
	CodeRepairValue       = "pg_repair_value"              // the column refused the new value (type, enum, check, not null)
)

// Error is every failure this package returns. Message is written for a
// person and never contains the password or a raw driver message.
type Error struct {
	Code    string // one of the Code* constants
	Message string
	// Field names the mapping field or connection-string part at fault,
	// e.g. "users.plan" or "sslmode"; empty when none applies.
	Field string
	// SQLState is the server's error code when there was one (e.g. "28P01").
	SQLState string
	// Err is the underlying cause, kept for logs. Connection-string parse
	// errors are never kept: pgx's carry the unredacted string.
	Err error
}

func (e *Error) Error() string { return e.Message }

func (e *Error) Unwrap() error { return e.Err }

// HasCode reports whether err is an *Error with the given code.
func HasCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

func newError(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// target is what a connection error may name: never the password.
type target struct {
	host, database, user string
	port                 uint16
}

func targetOf(cfg *pgconn.Config) target {
	return target{host: cfg.Host, port: cfg.Port, database: cfg.Database, user: cfg.User}
}

func (t target) addr() string { return net.JoinHostPort(t.host, fmt.Sprint(t.port)) }

// connectError turns a failure to connect into a message a person can act
// on. The order matters: a server's own answer (PgError) is the most precise,
// then TLS, then the network.
func connectError(err error, t target) *Error {
	e := &Error{Err: err}
	var pgErr *pgconn.PgError
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	switch {
	case errors.Is(err, context.Canceled):
		e.Code, e.Message = CodeCanceled, "The connection attempt was canceled."
	case errors.As(err, &pgErr):
		e.SQLState = pgErr.Code
		e.Code, e.Message = serverRefusal(pgErr, t)
	case errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &certErr):
		e.Code = CodeTLSFailed
		e.Message = fmt.Sprintf("The TLS certificate of %s could not be verified. With sslmode=verify-ca or verify-full, add sslrootcert=<path to the server's CA certificate> (Supabase: download it under Database settings → SSL), or use sslmode=require to encrypt without verifying.", t.host)
	case strings.Contains(err.Error(), "server refused TLS connection"):
		e.Code = CodeTLSUnsupported
		e.Message = fmt.Sprintf("The server at %s does not support TLS, but the connection string requires it (sslmode=require, verify-ca or verify-full). Enable SSL on the server, or, on a trusted private network only, use sslmode=prefer or sslmode=disable.", t.addr())
	case errors.As(err, &dnsErr):
		e.Code = CodeUnreachable
		e.Message = fmt.Sprintf("The host %q could not be found (DNS lookup failed). Check the host name in the connection string.", t.host)
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Code = CodeUnreachable
		e.Message = fmt.Sprintf("Nothing is accepting connections at %s (connection refused). Check the host and port, and that PostgreSQL is running and listening on that address.", t.addr())
	case isTimeout(err):
		e.Code = CodeTimeout
		e.Message = fmt.Sprintf("Connecting to %s timed out. Check the host and port, and that a firewall or IP allow-list (e.g. Supabase network restrictions) lets this server in.", t.addr())
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		e.Code = CodeUnreachable
		e.Message = fmt.Sprintf("The network cannot reach %s. Check the host name, and that this server can reach the database (VPN, private network, IPv6-only host).", t.addr())
	case strings.Contains(err.Error(), "unsupported startup parameter"):
		e.Code = CodeQueryFailed
		e.Message = "The connection pooler refused ParityRail's read-only session settings. Use the direct database connection (Supabase: port 5432 or the session pooler), not a transaction pooler."
	default:
		e.Code = CodeUnreachable
		e.Message = fmt.Sprintf("Could not connect to %s. Check the host, port and sslmode of the connection string.", t.addr())
	}
	return e
}

// serverRefusal reads a server's refusal to let us in.
func serverRefusal(pgErr *pgconn.PgError, t target) (code, msg string) {
	lower := strings.ToLower(pgErr.Message)
	switch {
	case pgErr.Code == "28P01":
		return CodeAuthFailed, fmt.Sprintf("The password for role %q was rejected (password authentication failed). Recopy the password into the connection string; percent-encode special characters such as @ : / ? # %%.", t.user)
	case pgErr.Code == "3D000":
		return CodeDatabaseMissing, fmt.Sprintf("The database %q does not exist on %s. Check the database name at the end of the connection string (Supabase: postgres).", t.database, t.host)
	case pgErr.Code == "28000" && strings.Contains(lower, "role") && strings.Contains(lower, "does not exist"):
		return CodeRoleMissing, fmt.Sprintf("The role %q does not exist on %s. Create it with the SQL under \"How to create a read-only role\", or check the user name in the connection string.", t.user, t.host)
	case strings.Contains(lower, "no pg_hba.conf entry") && (strings.Contains(lower, "ssl off") || strings.Contains(lower, "no encryption")):
		return CodeTLSRequired, fmt.Sprintf("The server at %s only accepts encrypted connections. Add sslmode=require (or verify-full) to the connection string.", t.host)
	case strings.Contains(lower, "ssl") && (strings.Contains(lower, "required") || strings.Contains(pgErr.Hint, "SSL")):
		return CodeTLSRequired, fmt.Sprintf("The server at %s requires TLS. Add sslmode=require (or verify-full) to the connection string.", t.host)
	case strings.Contains(lower, "no pg_hba.conf entry") || strings.Contains(lower, "pg_hba.conf rejects"):
		return CodeAccessDenied, fmt.Sprintf("The server at %s does not allow role %q to connect to database %q from this address (pg_hba.conf). Add an entry for this server's IP address, or check the user and database names.", t.host, t.user, t.database)
	case pgErr.Code == "42501":
		return CodeAccessDenied, fmt.Sprintf("The role %q may not connect to database %q. Run: GRANT CONNECT ON DATABASE %s TO %s;", t.user, t.database, ident(t.database), ident(t.user))
	case pgErr.Code == "28000":
		return CodeAccessDenied, fmt.Sprintf("The server at %s refused role %q. Check that the role may log in (ALTER ROLE … LOGIN) and that pg_hba.conf allows it.", t.host, t.user)
	case pgErr.Code == "53300":
		return CodeUnavailable, fmt.Sprintf("The server at %s has too many connections. Try again in a moment, or raise max_connections / use a pooler in session mode.", t.host)
	case pgErr.Code == "57P03" || pgErr.Code == "57P01":
		return CodeUnavailable, fmt.Sprintf("The server at %s is starting up or shutting down. Try again in a moment.", t.host)
	}
	return CodeQueryFailed, fmt.Sprintf("The server at %s refused the connection (SQLSTATE %s). Check the role, database and server settings.", t.host, pgErr.Code)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// queryError maps a failed query. what says what we were doing ("reading
// public.profiles"), for the message.
func queryError(err error, what string) *Error {
	e := &Error{Err: err}
	var pgErr *pgconn.PgError
	switch {
	case errors.Is(err, context.Canceled):
		e.Code, e.Message = CodeCanceled, fmt.Sprintf("Stopped %s: the check was canceled.", what)
	case errors.As(err, &pgErr) && pgErr.Code == "57014":
		e.SQLState = pgErr.Code
		e.Code, e.Message = CodeTimeout, fmt.Sprintf("The database took too long %s (statement timeout). Add an index on the mapped identity column, or try again when the database is less busy.", what)
	case errors.As(err, &pgErr) && pgErr.Code == "42501":
		e.SQLState = pgErr.Code
		e.Code, e.Message = CodeAccessDenied, fmt.Sprintf("Permission denied %s. GRANT SELECT on the mapped table and columns to the connection's role.", what)
	case errors.As(err, &pgErr) && (pgErr.Code == "42P01" || pgErr.Code == "42703"):
		e.SQLState = pgErr.Code
		e.Code, e.Message = CodeInvalidMapping, fmt.Sprintf("The mapped table or column no longer exists (%s). Review the mapping.", what)
	case errors.As(err, &pgErr):
		e.SQLState = pgErr.Code
		e.Code, e.Message = CodeQueryFailed, fmt.Sprintf("The database returned an error %s (SQLSTATE %s).", what, pgErr.Code)
	case isTimeout(err):
		e.Code, e.Message = CodeTimeout, fmt.Sprintf("Timed out %s.", what)
	default:
		e.Code, e.Message = CodeUnreachable, fmt.Sprintf("Lost the connection to the database %s. Check that it is reachable and try again.", what)
	}
	return e
}
