// Package netcause names a failed network request in a person's words
// ("the connection was refused"), so Stripe, Clerk and every other source
// that cannot be reached say what happened the same way. The Go error
// chain stays with the caller, for logs.
package netcause

import (
	"errors"
	"net"
	"os"
	"strings"
)

// Describe names why a request got no answer.
func Describe(err error) string {
	msg := err.Error()
	var dns *net.DNSError
	var opErr *net.OpError
	var ne net.Error
	switch {
	case errors.As(err, &dns):
		return "its host name does not resolve"
	case strings.Contains(msg, "connection refused"):
		return "the connection was refused"
	case errors.As(err, &ne) && ne.Timeout(), strings.Contains(msg, "Client.Timeout"), strings.Contains(msg, "i/o timeout"),
		errors.Is(err, os.ErrDeadlineExceeded):
		return "no answer in time"
	case strings.Contains(msg, "certificate"):
		return "its TLS certificate is not valid"
	case strings.Contains(msg, "connection reset") || strings.Contains(msg, "EOF"):
		return "the connection was cut"
	case strings.Contains(msg, "no route to host") || strings.Contains(msg, "network is unreachable"):
		return "the network cannot reach it"
	case errors.As(err, &opErr):
		return "the connection failed"
	}
	return "the request failed"
}
