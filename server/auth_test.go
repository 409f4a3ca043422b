package server

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func TestSetupCreatesOwnerOnlyOnce(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	var st map[string]bool
	c.mustDo("GET", "/api/setup", nil, 200).json(t, &st)
	if !st["required"] {
		t.Fatal("fresh install does not ask for setup")
	}

	r := c.mustDo("POST", "/api/setup", map[string]string{"email": "owner@example.com", "password": testPassword, "name": "Olive"}, 201)
	var session string
	for _, sc := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(sc, sessionCookie+"=") {
			session = sc
		}
	}
	for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(session, want) {
			t.Errorf("session cookie %q lacks %s", session, want)
		}
	}
	if strings.Contains(session, "Secure") {
		t.Errorf("session cookie over plain http is Secure: %q", session)
	}
	var me map[string]any
	c.mustDo("GET", "/api/me", nil, 200).json(t, &me)
	if me["role"] != "owner" || me["email"] != "owner@example.com" {
		t.Errorf("me = %v", me)
	}
	if _, leaked := me["password_hash"]; leaked || strings.Contains(string(c.do("GET", "/api/me", nil).Body), "$2a$") {
		t.Error("password hash returned by /api/me")
	}

	other := app.client()
	r = other.mustDo("POST", "/api/setup", map[string]string{"email": "intruder@example.com", "password": testPassword, "name": "Mallory"}, 409)
	if code, msg := r.errorInfo(t); code != "setup_done" || msg != "ParityRail is already set up. Sign in instead." {
		t.Errorf("second setup: %s %q", code, msg)
	}
	other.mustDo("GET", "/api/setup", nil, 200).json(t, &st)
	if st["required"] {
		t.Error("setup still required after owner exists")
	}
	if n, _ := app.db.CountUsers(t.Context()); n != 1 {
		t.Errorf("users = %d after refused setup", n)
	}
}

func TestSetupValidation(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	cases := []struct {
		body  map[string]any
		code  string
		msg   string
		field string
	}{
		{map[string]any{"email": "not-an-email", "password": testPassword, "name": "A"}, "invalid_email", `"not-an-email" is not a valid email address.`, "email"},
		{map[string]any{"email": "a@example.com", "password": "short", "name": "A"}, "weak_password", "Use a password of at least 12 characters.", "password"},
		{map[string]any{"email": "a@example.com", "password": testPassword, "name": "  "}, "invalid_name", "Enter your name.", "name"},
		{map[string]any{"email": "a@example.com", "password": strings.Repeat("x", 73), "name": "A"}, "invalid_password", "Passwords can be at most 72 bytes long.", "password"},
		{map[string]any{"email": "a@example.com", "pasword": testPassword, "name": "A"}, "invalid_json", `Unknown field "pasword" in the request body.`, "pasword"},
		{map[string]any{"email": 5, "password": testPassword, "name": "A"}, "invalid_json", `Field "email" must be a string.`, "email"},
	}
	for _, tc := range cases {
		r := c.mustDo("POST", "/api/setup", tc.body, 400)
		if code, msg := r.errorInfo(t); code != tc.code || msg != tc.msg {
			t.Errorf("%v: got %s %q, want %s %q", tc.body, code, msg, tc.code, tc.msg)
		}
		var body struct {
			Error struct {
				Field string `json:"field"`
			} `json:"error"`
		}
		r.json(t, &body)
		if body.Error.Field != tc.field {
			t.Errorf("%v: error.field = %q, want %q (the form shows the message under that field)", tc.body, body.Error.Field, tc.field)
		}
	}
	if n, _ := app.db.CountUsers(t.Context()); n != 0 {
		t.Errorf("bad input created %d users", n)
	}
}

func TestLoginLogoutAndServerSideSessions(t *testing.T) {
	app := newTestApp(t)
	app.setupOwner()

	c := app.client()
	c.mustDo("GET", "/api/me", nil, 401)
	r := c.mustDo("POST", "/api/auth/login", map[string]string{"email": "owner@example.com", "password": "wrong password!"}, 401)
	if _, msg := r.errorInfo(t); msg != "Email or password is incorrect." {
		t.Errorf("wrong password message %q", msg)
	}
	r = c.mustDo("POST", "/api/auth/login", map[string]string{"email": "nobody@example.com", "password": "wrong password!"}, 401)
	if _, msg := r.errorInfo(t); msg != "Email or password is incorrect." {
		t.Errorf("unknown email message %q (must not reveal who has an account)", msg)
	}
	c.mustDo("POST", "/api/auth/login", map[string]string{"email": "OWNER@example.com ", "password": testPassword}, 200)
	c.mustDo("GET", "/api/me", nil, 200)

	stolen := c.cookie(sessionCookie)
	c.mustDo("POST", "/api/auth/logout", nil, 204)
	c.mustDo("GET", "/api/me", nil, 401)

	// The old cookie is dead on the server too, not just cleared in the browser.
	replay := app.client()
	req, _ := http.NewRequest("GET", app.srv.URL+"/api/me", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: stolen})
	if status := replay.send(req); status != 401 {
		t.Errorf("session after logout answered %d", status)
	}
}

// loginFrom signs in as a browser behind the given address (the test server
// trusts X-Forwarded-For from loopback, as behind a reverse proxy).
func loginFrom(c *client, ip, email, password string) response {
	c.app.t.Helper()
	return c.doWith("POST", "/api/auth/login", map[string]string{"email": email, "password": password}, http.Header{"X-Forwarded-For": {ip}})
}

func TestLoginThrottle(t *testing.T) {
	loopback, _ := ParseTrustedProxies("127.0.0.1/32,::1/128")
	app := newTestAppWith(t, Config{Version: "test", PasswordCost: bcrypt.MinCost, TrustedProxies: loopback}, filepath.Join(t.TempDir(), "p.db"))
	app.setupOwner()
	now := time.Now()
	app.setClock(now)
	attacker, owner := app.client(), app.client()
	const email = "owner@example.com"
	for i := 0; i < maxLoginFailures; i++ {
		if r := loginFrom(attacker, "203.0.113.66", email, "guess number "+string(rune('a'+i))); r.Status != 401 {
			t.Fatalf("failure %d: %d", i, r.Status)
		}
	}
	// The attacker's address now waits, even with the right password...
	r := loginFrom(attacker, "203.0.113.66", email, testPassword)
	code, msg := r.errorInfo(t)
	if r.Status != 429 || code != "too_many_attempts" || msg != "Too many failed sign-in attempts for this email from your network. Try again in 30 seconds." {
		t.Errorf("throttle: %d %s %q", r.Status, code, msg)
	}
	if ra := r.Header.Get("Retry-After"); ra != "30" {
		t.Errorf("Retry-After = %q", ra)
	}
	// ...but the owner, from their own network, is not locked out.
	if r := loginFrom(owner, "198.51.100.7", email, testPassword); r.Status != 200 {
		t.Fatalf("owner from another address: %d %s", r.Status, r.Body)
	}
	// The delay grows with each further failure: 30 s, then 60 s.
	app.setClock(now.Add(31 * time.Second))
	if r := loginFrom(attacker, "203.0.113.66", email, "wrong again"); r.Status != 401 {
		t.Fatalf("after the first delay: %d", r.Status)
	}
	if r := loginFrom(attacker, "203.0.113.66", email, testPassword); r.Status != 429 || r.Header.Get("Retry-After") != "60" {
		t.Errorf("second delay: %d Retry-After %q", r.Status, r.Header.Get("Retry-After"))
	}
	app.setClock(now.Add(31*time.Second + time.Minute + time.Second))
	if r := loginFrom(attacker, "203.0.113.66", email, testPassword); r.Status != 200 {
		t.Errorf("after the delay the right password works: %d", r.Status)
	}
	// Spraying: many emails from one address slow that address down.
	sprayer := app.client()
	for i := 0; i < maxIPFailures; i++ {
		loginFrom(sprayer, "192.0.2.99", "user"+string(rune('a'+i))+"@example.com", "Password123!")
	}
	r = loginFrom(sprayer, "192.0.2.99", "fresh@example.com", "Password123!")
	if _, msg := r.errorInfo(t); r.Status != 429 || msg != "Too many failed sign-in attempts from your network. Try again in 30 seconds." {
		t.Errorf("spraying: %d %q", r.Status, msg)
	}
}

func TestLoginDelayGrowsAndIsCapped(t *testing.T) {
	for n, want := range map[int]time.Duration{0: 0, 4: 0, 5: 30 * time.Second, 6: time.Minute, 7: 2 * time.Minute, 9: 8 * time.Minute, 10: loginWindow, 400: loginWindow} {
		if got := loginDelay(n, maxLoginFailures); got != want {
			t.Errorf("%d failures: %s, want %s", n, got, want)
		}
	}
}

func TestCSRFRefusesWritesWithoutToken(t *testing.T) {
	app := newTestApp(t)
	owner, _ := app.setupOwner()
	req, _ := http.NewRequest("POST", app.srv.URL+"/api/projects", strings.NewReader(`{"name":"Sneaky"}`))
	req.Header.Set("Content-Type", "application/json")
	// owner carries the session cookie, not the header.
	if status := owner.send(req); status != 403 {
		t.Fatalf("write without CSRF header = %d", status)
	}
	req, _ = http.NewRequest("POST", app.srv.URL+"/api/projects", strings.NewReader(`{"name":"Sneaky"}`))
	req.Header.Set(csrfHeader, "forged-value")
	if status := owner.send(req); status != 403 {
		t.Fatalf("write with a wrong CSRF header = %d", status)
	}
	if ps, _ := app.db.ListProjects(t.Context()); len(ps) != 0 {
		t.Errorf("refused request created %d projects", len(ps))
	}
	owner.mustDo("POST", "/api/projects", map[string]string{"name": "Fine"}, 201)
}

func TestSecureCookiesBehindHTTPSBaseURL(t *testing.T) {
	app := newTestAppWith(t, Config{BaseURL: "https://parity.example.com", PasswordCost: bcrypt.MinCost}, t.TempDir()+"/p.db")
	c := app.client()
	r := c.do("GET", "/api/health", nil)
	if sc := r.Header.Get("Set-Cookie"); !strings.Contains(sc, "Secure") {
		t.Errorf("csrf cookie without Secure behind https: %q", sc)
	}
}
