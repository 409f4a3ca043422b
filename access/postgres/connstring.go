package postgres

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// allowedKeys are the connection-string options people paste from Supabase,
// Neon, RDS and friends. Anything else is refused before pgx reads a file or
// dials: service/servicefile/passfile would read files on our server, and an
// unknown key would be sent to the server as a setting.
var allowedKeys = []string{
	"host", "hostaddr", "port", "user", "password", "dbname",
	"sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword", "sslsni", "sslnegotiation",
	"connect_timeout", "target_session_attrs", "channel_binding", "require_auth",
	"application_name",
}

var sslModes = []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}

const connStringExample = "postgres://USER:PASSWORD@HOST:5432/DATABASE?sslmode=require"

// ValidateConnString checks a pasted connection string without connecting
// and returns it trimmed. It accepts a postgres:// or postgresql:// URL or a
// key=value string; the error names the part at fault and never echoes the
// password.
func ValidateConnString(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	bad := func(field, format string, args ...any) (string, error) {
		return "", newError(CodeInvalidConnString, field, format, args...)
	}
	if s == "" {
		return bad("", "Paste a connection string, e.g. %s.", connStringExample)
	}
	var keys map[string]string
	if i := strings.Index(s, "://"); i >= 0 && !strings.Contains(s[:i], "=") {
		scheme := strings.ToLower(s[:i])
		if scheme != "postgres" && scheme != "postgresql" {
			if strings.HasSuffix(scheme, ":postgresql") || strings.HasSuffix(scheme, ":postgres") {
				return bad("scheme", "Remove the %q prefix: the connection string must start with postgres:// or postgresql://.", strings.SplitN(scheme, ":", 2)[0]+":")
			}
			return bad("scheme", "The connection string must start with postgres:// or postgresql:// (this one starts with %s://).", scheme)
		}
		if s[:i] != scheme { // pgx only recognises the lower-case scheme
			s = scheme + s[i:]
		}
		var err error
		if keys, err = urlKeys(s); err != nil {
			return "", err
		}
	} else {
		var err error
		if keys, err = dsnKeys(s); err != nil {
			return "", err
		}
	}
	for k := range keys {
		if !slices.Contains(allowedKeys, k) {
			return bad(k, "The connection string option %q is not supported here; remove it. Supported options: %s.", k, strings.Join(allowedKeys, ", "))
		}
	}
	if keys["host"] == "" && keys["hostaddr"] == "" {
		return bad("host", "The connection string has no host, e.g. %s.", connStringExample)
	}
	if keys["user"] == "" {
		return bad("user", "The connection string has no user name, e.g. %s.", connStringExample)
	}
	if p := keys["port"]; p != "" {
		for _, part := range strings.Split(p, ",") {
			if n, err := strconv.Atoi(part); err != nil || n < 1 || n > 65535 {
				// Never quote the port: in a mangled URL it can be part of the password.
				return bad("port", "The port must be a number between 1 and 65535. If the password contains special characters (@ : / ? # %%), percent-encode them.")
			}
		}
	}
	if m, ok := keys["sslmode"]; ok && !slices.Contains(sslModes, m) {
		return bad("sslmode", "sslmode must be one of %s.", strings.Join(sslModes, ", "))
	}
	if _, err := parseConfig(s); err != nil {
		return "", err
	}
	return s, nil
}

// urlKeys lists a URL's settings the way pgx reads them.
func urlKeys(s string) (map[string]string, error) {
	if strings.Contains(s, "#") {
		return nil, newError(CodeInvalidConnString, "password", "The connection string contains a # (in the password?). Percent-encode it as %%23.")
	}
	u, err := url.Parse(s)
	if err != nil {
		// url.Error quotes the whole string, password included: never show it.
		if strings.Contains(err.Error(), "invalid port") {
			return nil, newError(CodeInvalidConnString, "port", "The port must be a number between 1 and 65535. If the password contains special characters (@ : / ? # %%), percent-encode them.")
		}
		return nil, newError(CodeInvalidConnString, "url", "The connection string is not a valid URL. If the password contains special characters (@ : / ? # %% or spaces), percent-encode them (e.g. @ → %%40), or use the key=value form.")
	}
	keys := map[string]string{}
	if u.User != nil {
		keys["user"] = u.User.Username()
		if _, ok := u.User.Password(); ok {
			keys["password"] = "set"
		}
	}
	if u.Host != "" {
		var hosts, ports []string
		for _, hp := range strings.Split(u.Host, ",") {
			h, p := hp, ""
			if i := strings.LastIndex(hp, ":"); i >= 0 && !strings.HasSuffix(hp, "]") {
				h, p = hp[:i], hp[i+1:]
			}
			hosts, ports = append(hosts, h), append(ports, p)
		}
		keys["host"] = strings.Join(hosts, ",")
		if strings.Join(ports, "") != "" {
			for i, p := range ports {
				if p == "" {
					ports[i] = "5432"
				}
			}
			keys["port"] = strings.Join(ports, ",")
		}
	}
	if db := strings.TrimPrefix(u.Path, "/"); db != "" {
		keys["dbname"] = db
	}
	for k, v := range u.Query() {
		k = canonicalKey(k)
		if k == "ssl" && len(v) > 0 && v[len(v)-1] == "true" { // the URL-only alias for sslmode=require
			k, v = "sslmode", []string{"require"}
		}
		if len(v) > 0 {
			keys[k] = v[len(v)-1]
		}
	}
	return keys, nil
}

// dsnKeys lists a key=value string's settings. pgx does the real parse; this
// only needs the names (values may be quoted with spaces inside).
func dsnKeys(s string) (map[string]string, error) {
	keys := map[string]string{}
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		eq := strings.IndexByte(s, '=')
		if eq <= 0 || strings.ContainsAny(strings.TrimSpace(s[:eq]), " \t\n") {
			return nil, newError(CodeInvalidConnString, "", "The connection string is neither a postgres:// URL nor key=value pairs (e.g. host=db.example.com port=5432 user=parityrail_read password=… dbname=app sslmode=require).")
		}
		key := canonicalKey(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " \t\n")
		var val strings.Builder
		if strings.HasPrefix(s, "'") {
			i := 1
			for ; i < len(s) && s[i] != '\''; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, newError(CodeInvalidConnString, key, "The value of %s has an opening quote (') but no closing one.", key)
			}
			s = s[i+1:]
		} else {
			i := 0
			for ; i < len(s) && !strings.ContainsRune(" \t\n", rune(s[i])); i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
			}
			s = s[i:]
		}
		keys[key] = val.String()
	}
	return keys, nil
}

func canonicalKey(k string) string {
	if k == "database" {
		return "dbname"
	}
	return k
}

// parseConfig parses a validated string with pgx, refusing keys outside the
// allow-list before pgx touches a file.
func parseConfig(s string) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfigWithOptions(s, pgx.ParseConfigOptions{
		ParseConfigOptions: pgconn.ParseConfigOptions{ConnStringAllowedKeys: append(slices.Clone(allowedKeys), "ssl", "database")},
	})
	if err != nil {
		var pce *pgconn.ParseConfigError
		if errors.As(err, &pce) {
			// pgx's message is best-effort redacted only: say which part, keep no cause.
			msg := pce.Error()
			for _, part := range []string{"sslmode", "port", "connect_timeout", "target_session_attrs", "channel_binding", "require_auth", "TLS", "sslcert", "sslkey", "sslrootcert"} {
				if strings.Contains(msg, part) {
					return nil, newError(CodeInvalidConnString, part, "The connection string's %s setting is invalid (or a file it names cannot be read).", part)
				}
			}
		}
		return nil, newError(CodeInvalidConnString, "", "The connection string could not be read. Use the form %s; percent-encode special characters in the password.", connStringExample)
	}
	return cfg, nil
}

// Target is what the dashboard may show of a connection: never the user or
// password.
type Target struct {
	Host     string `json:"host"`
	Database string `json:"database"`
}

func (t Target) String() string { return t.Host + " / " + t.Database }

// Describe returns the host and database name of a connection string.
func Describe(connString string) (Target, error) {
	s, err := ValidateConnString(connString)
	if err != nil {
		return Target{}, err
	}
	cfg, err := parseConfig(s)
	if err != nil {
		return Target{}, err
	}
	return Target{Host: cfg.Host, Database: cfg.Database}, nil
}
