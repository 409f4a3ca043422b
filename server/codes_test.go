package server

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"parityrail/access/clerk"
	"parityrail/access/postgres"
	"parityrail/billing"
	"parityrail/sources"
)

// The statuses a person (or a script) can rely on, one per code, by the
// rule at the top of errors.go. Changing one is an API change.
var wantStatus = map[string]int{
	"stripe_not_connected": 409, "clerk_not_connected": 409, "database_not_connected": 409,
	"no_repair_connection": 409, "credential_unreadable": 409, "not_mapped": 409, "mapping_unreadable": 409,
	"no_access_source": 409, "unsupported_source": 409, "demo_mixed_stack": 409, "demo_unavailable": 503,
	"postgres_unavailable": 503,

	"stripe_invalid_key": 400, "stripe_unauthorized": 422, "stripe_missing_permissions": 422, "stripe_error": 422,
	"stripe_rate_limited": 429, "stripe_unavailable": 503, "stripe_unreachable": 503, "stripe_timeout": 503,

	"clerk_invalid_key": 400, "clerk_invalid_input": 400, "clerk_unauthorized": 422, "clerk_forbidden": 422,
	"clerk_rejected": 422, "clerk_not_found": 404, "clerk_rate_limited": 429, "clerk_unavailable": 503,
	"clerk_unreachable": 503, "clerk_bad_response": 503, "clerk_canceled": 499,

	"pg_invalid_connection_string": 400, "invalid_mapping": 400, "pg_auth_failed": 422, "pg_role_missing": 422,
	"pg_access_denied": 422, "pg_database_missing": 422, "pg_tls_required": 422, "pg_tls_unsupported": 422,
	"pg_tls_failed": 422, "pg_no_readable_tables": 422, "pg_query_failed": 422, "pg_repair_refused": 422,
	"pg_repair_permission": 422, "pg_repair_value": 422, "pg_row_changed": 409, "pg_unreachable": 503,
	"pg_timeout": 503, "pg_unavailable": 503, "pg_canceled": 499,

	"repair_guided": 409, "repairs_off": 409, "repair_decided": 409, "incident_closed": 409,
}

func TestErrorCodeTable(t *testing.T) {
	for code, want := range wantStatus {
		if got, ok := sourceStatus[code]; !ok || got != want {
			t.Errorf("%s: status %d in the table, want %d", code, got, want)
		}
	}
	for code := range sourceStatus {
		if _, ok := wantStatus[code]; !ok {
			t.Errorf("%s is in the table but not listed here with its status", code)
		}
	}

	// Every code a connector, a repair or the opener can return has its
	// status: a new constant without one fails here.
	emitted := append([]string{}, sources.Codes...)
	for _, f := range []string{"../access/clerk/errors.go", "../access/postgres/errors.go", "../repair/repair.go"} {
		emitted = append(emitted, codeConstants(t, f)...)
	}
	for _, code := range emitted {
		if code == postgres.CodeInvalidMapping {
			code = "invalid_mapping"
		}
		if _, ok := sourceStatus[code]; !ok {
			t.Errorf("%s can be returned by a source but has no status in sourceStatus", code)
		}
	}

	// Codes the handlers write themselves: one status per code, and the
	// same as the table's when both name it.
	seen := map[string]int{}
	for code, status := range handlerCodes(t) {
		if len(status) > 1 {
			t.Errorf("%s is answered with several statuses: %v", code, status)
		}
		for st := range status {
			seen[code] = st
			if ts, ok := sourceStatus[code]; ok && ts != st {
				t.Errorf("%s: a handler answers %d, the table %d", code, st, ts)
			}
		}
	}
	if len(seen) < 50 {
		t.Fatalf("found only %d handler codes: the scan is broken", len(seen))
	}
}

// codeConstants reads the string values of the Code* constants in a file.
func codeConstants(t *testing.T, path string) []string {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if !strings.HasPrefix(n.Name, "Code") || i >= len(vs.Values) {
					continue
				}
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					v, _ := strconv.Unquote(lit.Value)
					out = append(out, v)
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no Code constants found", path)
	}
	return out
}

var (
	newErrorCall = regexp.MustCompile(`newError\(http\.Status(\w+), "([a-z_]+)"`)
	badReqCall   = regexp.MustCompile(`badRequest\("([a-z_]+)"`)
)

// handlerCodes scans the server's own sources for the codes handlers write.
func handlerCodes(t *testing.T) map[string]map[int]bool {
	files, _ := filepath.Glob("*.go")
	statusOf := map[string]int{}
	for code := 100; code < 600; code++ {
		if txt := http.StatusText(code); txt != "" {
			statusOf[strings.NewReplacer(" ", "", "-", "", "'", "").Replace(txt)] = code
		}
	}
	statusOf["RequestEntityTooLarge"] = http.StatusRequestEntityTooLarge
	out := map[string]map[int]bool{}
	add := func(code string, st int) {
		if out[code] == nil {
			out[code] = map[int]bool{}
		}
		out[code][st] = true
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range newErrorCall.FindAllStringSubmatch(string(b), -1) {
			st, ok := statusOf[m[1]]
			if !ok {
				t.Fatalf("%s: unknown status name %s", f, m[1])
			}
			add(m[2], st)
		}
		for _, m := range badReqCall.FindAllStringSubmatch(string(b), -1) {
			add(m[1], http.StatusBadRequest)
		}
	}
	return out
}

func TestSourceAnswers(t *testing.T) {
	cases := []struct {
		err        error
		code       string
		status     int
		retryAfter int
	}{
		{&sources.SourceError{Code: sources.CodeStripeNotConnected, Message: "Connect Stripe"}, "stripe_not_connected", 409, 0},
		{&clerk.Error{Code: clerk.CodeRateLimited, Message: "slow down"}, "clerk_rate_limited", 429, retryRateLimited},
		{fmt.Errorf("read customers: %w", &postgres.Error{Code: postgres.CodeTimeout, Message: "took too long"}), "pg_timeout", 503, retryUnavailable},
		{&postgres.Error{Code: postgres.CodeInvalidMapping, Message: "no such column"}, "invalid_mapping", 400, 0},
		{fmt.Errorf("read customers: %w", &billing.APIError{Status: 502, Message: "bad gateway"}), "stripe_unavailable", 503, retryUnavailable},
		{fmt.Errorf("read customers: %w", &billing.APIError{Status: 400, Message: "No such price"}), "stripe_error", 422, 0},
		{fmt.Errorf("read: %w", &billing.NetworkError{Base: "https://api.stripe.com", Reason: "no answer in time"}), "stripe_unreachable", 503, retryUnavailable},
		{&billing.RateLimitError{}, "stripe_rate_limited", 429, retryRateLimited},
	}
	for _, c := range cases {
		var ae *apiError
		if !errors.As(sourceAnswer(c.err), &ae) {
			t.Fatalf("%v: not mapped", c.err)
		}
		if ae.Code != c.code || ae.Status != c.status || ae.RetryAfter != c.retryAfter {
			t.Errorf("%v: got %s %d retry %d, want %s %d retry %d", c.err, ae.Code, ae.Status, ae.RetryAfter, c.code, c.status, c.retryAfter)
		}
		if strings.Contains(ae.Message, "%!") || ae.Message == "" {
			t.Errorf("%s: message %q", c.code, ae.Message)
		}
	}
	plain := errors.New("driver: bad connection")
	if got := sourceAnswer(plain); got != plain {
		t.Errorf("an unknown error is passed on (logged as internal), got %v", got)
	}
}
