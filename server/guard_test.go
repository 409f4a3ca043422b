package server

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"
)

// Every answer — the SPA, the API and errors — carries the browser
// protections; HSTS only when people reach the app over https.
func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	for _, tc := range []struct{ method, path string }{
		{"GET", "/"}, {"GET", "/projects/x/incidents"}, {"GET", "/api/health"},
		{"GET", "/api/me"}, {"GET", "/api/no-such-path"}, {"POST", "/api/setup"},
	} {
		r := c.do(tc.method, tc.path, nil)
		for h, want := range map[string]string{
			"Content-Security-Policy": contentSecurityPolicy,
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "same-origin",
		} {
			if got := r.Header.Get(h); got != want {
				t.Errorf("%s %s (%d): %s = %q, want %q", tc.method, tc.path, r.Status, h, got, want)
			}
		}
		if !strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") || r.Header.Get("Permissions-Policy") == "" {
			t.Errorf("%s %s: no frame-ancestors or Permissions-Policy", tc.method, tc.path)
		}
		if r.Header.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s %s: HSTS over plain http", tc.method, tc.path)
		}
	}
	tls := newTestAppWith(t, Config{Version: "test", PasswordCost: bcrypt.MinCost, BaseURL: "https://rail.example.com"}, filepath.Join(t.TempDir(), "p.db"))
	if got := tls.client().do("GET", "/api/health", nil).Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
		t.Errorf("behind https: HSTS = %q", got)
	}
}

// A body over the limit is refused with 413 and the error envelope — not
// read halfway and reported as bad JSON — and changes nothing.
func TestOversizedBodiesAre413(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	big := map[string]any{"email": "a@example.com", "password": testPassword, "name": strings.Repeat("x", 5<<20)}
	r := c.mustDo("POST", "/api/setup", big, 413)
	if code, msg := r.errorInfo(t); code != "too_large" || !strings.Contains(msg, "256 kB") {
		t.Errorf("got %s %q", code, msg)
	}
	if n, _ := app.db.CountUsers(t.Context()); n != 0 {
		t.Errorf("an oversized setup created %d users", n)
	}
	// Chunked (no declared length): stopped at the limit, still 413.
	c.mustDo("GET", "/api/setup", nil, 200)
	req, _ := http.NewRequest("POST", app.srv.URL+"/api/setup", struct{ *bytes.Reader }{bytes.NewReader(bytes.Repeat([]byte(" "), 300<<10))})
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(csrfHeader, c.cookie(csrfCookie))
	if status := c.send(req); status != 413 {
		t.Errorf("chunked 300 kB body: %d, want 413", status)
	}
}

// A search longer than any id, email or name is refused as input, naming q,
// instead of reaching SQLite ("LIKE or GLOB pattern too complex").
func TestLongSearchIsInvalidInput(t *testing.T) {
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	p := owner.newProject("Acme")
	owner.mustDo("GET", "/api/projects/"+p.ID+"/incidents?q="+strings.Repeat("%25", 200), nil, 200)
	r := owner.mustDo("GET", "/api/projects/"+p.ID+"/incidents?q="+strings.Repeat("a", 201), nil, 400)
	var body struct {
		Error struct{ Code, Field string } `json:"error"`
	}
	r.json(t, &body)
	if body.Error.Field != "q" {
		t.Errorf("field %q, want q", body.Error.Field)
	}
}

// X-Forwarded-For is believed only from a trusted proxy: from anyone else
// the TCP peer is the client, whatever the header says.
func TestClientIPTrustsOnlyConfiguredProxies(t *testing.T) {
	trusted, err := ParseTrustedProxies("10.0.0.0/8, 192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseTrustedProxies("10.0.0.0/33"); err == nil {
		t.Error("a bad CIDR was accepted")
	}
	ip := func(extract echo.IPExtractor, peer, xff string) string {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = net.JoinHostPort(peer, "5000")
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		return extract(r)
	}
	cases := []struct {
		name    string
		trusted []*net.IPNet
		peer    string
		xff     string
		want    string
	}{
		{"no proxies configured: header ignored", nil, "203.0.113.9", "1.2.3.4", "203.0.113.9"},
		{"untrusted peer spoofs the header", trusted, "203.0.113.9", "1.2.3.4", "203.0.113.9"},
		{"loopback is not trusted unless named", trusted, "127.0.0.1", "1.2.3.4", "127.0.0.1"},
		{"trusted proxy", trusted, "10.1.2.3", "198.51.100.20", "198.51.100.20"},
		{"trusted proxy, client prepends a fake", trusted, "10.1.2.3", "1.2.3.4, 198.51.100.20", "198.51.100.20"},
		{"chain of trusted proxies", trusted, "10.1.2.3", "198.51.100.20, 192.0.2.7", "198.51.100.20"},
	}
	for _, tc := range cases {
		if got := ip(ipExtractor(tc.trusted), tc.peer, tc.xff); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}
