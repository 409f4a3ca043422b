package sources

import "fmt"

// SourceError is a project that cannot be checked yet, or a connector that
// cannot be opened: its message says what to do. The server's error table
// gives each code its HTTP status.
type SourceError struct {
	Code    string
	Message string
	Err     error
}

func (e *SourceError) Error() string { return e.Message }
func (e *SourceError) Unwrap() error { return e.Err }

func sourceError(code, format string, args ...any) *SourceError {
	return &SourceError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Codes of *SourceError.
const (
	CodeStripeNotConnected   = "stripe_not_connected"
	CodeClerkNotConnected    = "clerk_not_connected"
	CodeDatabaseNotConnected = "database_not_connected"
	CodeNoRepairConnection   = "no_repair_connection"
	CodeCredentialUnreadable = "credential_unreadable"
	CodeStripeInvalidKey     = "stripe_invalid_key"
	CodeClerkInvalidKey      = "clerk_invalid_key"
	CodePostgresUnavailable  = "postgres_unavailable"
	CodeNotMapped            = "not_mapped"
	CodeMappingUnreadable    = "mapping_unreadable"
	CodeNoAccessSource       = "no_access_source"
	CodeUnsupportedSource    = "unsupported_source"
	CodeDemoMixed            = "demo_mixed_stack"
	CodeDemoUnavailable      = "demo_unavailable"
)

// Codes lists every code a *SourceError carries (the server's error table
// is tested against it).
var Codes = []string{CodeStripeNotConnected, CodeClerkNotConnected, CodeDatabaseNotConnected, CodeNoRepairConnection,
	CodeCredentialUnreadable, CodeStripeInvalidKey, CodeClerkInvalidKey, CodePostgresUnavailable, CodeNotMapped,
	CodeMappingUnreadable, CodeNoAccessSource, CodeUnsupportedSource, CodeDemoMixed, CodeDemoUnavailable}
