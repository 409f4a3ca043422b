package server

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// secretScanner fails a test when a credential the test handed the app —
// a Stripe or Clerk key, a webhook signing secret, a connection string's
// password, a person's password — shows up in any HTTP answer or any log
// line. Every server test runs under it: the client registers the secret
// fields of every body it sends, and the app's log is scanned at the end.
type secretScanner struct {
	mu      sync.Mutex
	secrets map[string]bool
	log     bytes.Buffer
}

// secretFields are request fields whose values are credentials.
var secretFields = map[string]bool{
	"api_key": true, "webhook_secret": true, "secret_key": true, "password": true,
	"current_password": true, "new_password": true,
	"connection_string": true, "repair_connection_string": true,
}

func (s *secretScanner) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.Write(p)
}

// add registers a secret (short values are skipped: they match by chance).
func (s *secretScanner) add(v string) {
	v = strings.TrimSpace(v)
	if len(v) < 8 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.secrets == nil {
		s.secrets = map[string]bool{}
	}
	s.secrets[v] = true
}

// addBody registers the credentials in a request body about to be sent.
func (s *secretScanner) addBody(body any) {
	b, err := json.Marshal(body)
	if err != nil {
		return
	}
	var fields map[string]any
	if json.Unmarshal(b, &fields) != nil {
		return
	}
	for k, v := range fields {
		str, ok := v.(string)
		if !ok || !secretFields[k] {
			continue
		}
		if strings.Contains(k, "connection_string") {
			if u, err := url.Parse(strings.TrimSpace(str)); err == nil && u.User != nil {
				if p, ok := u.User.Password(); ok {
					s.add(p)
				}
			}
			continue // the rest (host, user) is shown as the connection's label
		}
		s.add(str)
	}
}

// check reports any registered secret found in text.
func (s *secretScanner) check(t *testing.T, where string, text []byte) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for secret := range s.secrets {
		if bytes.Contains(text, []byte(secret)) {
			t.Errorf("secret %s…%s leaked in %s", secret[:4], secret[len(secret)-2:], where)
		}
	}
}

// checkLog scans everything the app logged.
func (s *secretScanner) checkLog(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	logged := bytes.Clone(s.log.Bytes())
	s.mu.Unlock()
	s.check(t, "the server log", logged)
}

// The scanner itself catches a leak (so a silent scanner cannot pass).
func TestSecretScannerCatchesLeaks(t *testing.T) {
	var s secretScanner
	s.addBody(map[string]string{"api_key": "sk_test_abcdefghijkl", "connection_string": "postgres://u:pw-secret-99@h/db", "name": "Acme Corp Inc"})
	inner := &testing.T{}
	s.check(inner, "x", []byte(`{"label":"sk_test_…ijkl","conn":"postgres://u@h/db","name":"Acme Corp Inc"}`))
	if inner.Failed() {
		t.Error("masked labels and non-secret fields were reported")
	}
	for _, leak := range []string{`{"key":"sk_test_abcdefghijkl"}`, `error: password pw-secret-99 rejected`} {
		inner := &testing.T{}
		s.check(inner, "x", []byte(leak))
		if !inner.Failed() {
			t.Errorf("leak not caught: %s", leak)
		}
	}
}
