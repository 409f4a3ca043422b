package server

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/crypto/bcrypt"

	"parityrail/db"
	"parityrail/demo/clerkfake"
	"parityrail/demo/stripefake"
	"parityrail/demo/world"
	"parityrail/ledger"
	"parityrail/vault"
)

// testApp is the real router over a real SQLite file in a temp folder.
type testApp struct {
	t      *testing.T
	srv    *httptest.Server
	db     *db.DB
	s      *Server
	clerk  *clerkfake.Server  // the Clerk Backend API fake the app talks to
	stripe *stripefake.Server // the Stripe API fake, accepting testStripeKey
	// secrets fails the test when a credential it sent leaks into an answer
	// or the log.
	secrets *secretScanner
}

// testStripeKey is a full-access key the Stripe fake accepts.
const testStripeKey = "sk_test_parityrailFakeFullAccess1234"

var testUI = fstest.MapFS{
	"index.html":         {Data: []byte("<!doctype html><title>ParityRail</title><div id=root></div>")},
	"assets/app-1a2b.js": {Data: []byte("console.log('app')")},
}

func newTestApp(t *testing.T) *testApp {
	return newTestAppWith(t, Config{Version: "test", PasswordCost: bcrypt.MinCost}, filepath.Join(t.TempDir(), "parityrail.db"))
}

func newTestAppWith(t *testing.T, cfg Config, path string) *testApp {
	t.Helper()
	store, err := db.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	fakeClerk := clerkfake.New(clerkfake.Options{})
	clerkSrv := httptest.NewServer(fakeClerk)
	if cfg.ClerkAPIBase == "" {
		cfg.ClerkAPIBase = clerkSrv.URL + "/v1"
	}
	fakeStripe := stripefake.New()
	fakeStripe.AddKey(testStripeKey)
	stripeSrv := httptest.NewServer(fakeStripe)
	if cfg.StripeAPIBase == "" {
		cfg.StripeAPIBase = stripeSrv.URL
	}
	// The demo worlds, in-process as in the binary.
	if cfg.Demo == nil {
		host, err := world.StartHost()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { host.Close() })
		cfg.Demo = host
	}
	secrets := &secretScanner{}
	secrets.add(testStripeKey)
	secrets.add(testWebhookSecret)
	s, e := newServer(cfg, store, v, testUI, slog.New(slog.NewTextHandler(secrets, &slog.HandlerOptions{Level: slog.LevelDebug})))
	srv := httptest.NewServer(e)
	t.Cleanup(func() { srv.Close(); clerkSrv.Close(); stripeSrv.Close(); store.Close(); secrets.checkLog(t) })
	return &testApp{t: t, srv: srv, db: store, s: s, clerk: fakeClerk, stripe: fakeStripe, secrets: secrets}
}

// client is a browser: it keeps cookies and sends the CSRF token back.
type client struct {
	app  *testApp
	http *http.Client
}

func (a *testApp) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{app: a, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// errorCode returns the error code and message of an error answer.
func (r response) errorInfo(t *testing.T) (string, string) {
	t.Helper()
	var b errorBody
	r.json(t, &b)
	return b.Error.Code, b.Error.Message
}

func (c *client) cookie(name string) string {
	u, _ := url.Parse(c.app.srv.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

func (c *client) do(method, path string, body any) response {
	c.app.t.Helper()
	return c.doWith(method, path, body, nil)
}

// doWith is do with extra request headers.
func (c *client) doWith(method, path string, body any, header http.Header) response {
	c.app.t.Helper()
	// Like the SPA, make sure a CSRF cookie exists before the first write.
	if method != http.MethodGet && c.cookie(csrfCookie) == "" {
		c.do(http.MethodGet, "/api/health", nil)
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.app.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
		c.app.secrets.addBody(body)
	}
	req, err := http.NewRequest(method, c.app.srv.URL+path, rd)
	if err != nil {
		c.app.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method != http.MethodGet {
		req.Header.Set(csrfHeader, c.cookie(csrfCookie))
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.app.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	c.app.secrets.check(c.app.t, method+" "+path, b)
	hdr, _ := json.Marshal(res.Header)
	c.app.secrets.check(c.app.t, method+" "+path+" headers", hdr)
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// send sends a request built by hand, for what do cannot build (a replayed
// cookie, a missing or forged CSRF header, a chunked body), and returns its
// status.
func (c *client) send(req *http.Request) int {
	c.app.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.app.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func (c *client) mustDo(method, path string, body any, want int) response {
	c.app.t.Helper()
	r := c.do(method, path, body)
	if r.Status != want {
		c.app.t.Fatalf("%s %s = %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}

const testPassword = "correct horse battery"

// setupOwner creates the owner through the API and returns a signed-in client.
func (a *testApp) setupOwner() (*client, db.User) {
	c := a.client()
	var u db.User
	c.mustDo("POST", "/api/setup", map[string]string{"email": "owner@example.com", "password": testPassword, "name": "Olive Owner"}, 201).json(a.t, &u)
	return c, u
}

// addUser inserts a person with a role directly (fast path for role tests)
// and returns a signed-in client.
func (a *testApp) addUser(owner *client, email string, role db.Role) (*client, db.User) {
	a.t.Helper()
	var inv inviteView
	owner.mustDo("POST", "/api/team/invites", map[string]string{"email": email, "role": string(role)}, 201).json(a.t, &inv)
	c := a.client()
	var u db.User
	c.mustDo("POST", "/api/invites/"+tokenOf(inv.URL)+"/accept", map[string]string{"name": "Person " + string(role), "password": testPassword}, 201).json(a.t, &u)
	return c, u
}

// newProject creates a project through the API, as the first screen does.
func (c *client) newProject(name string) projectView {
	c.app.t.Helper()
	var p projectView
	c.mustDo("POST", "/api/projects", map[string]string{"name": name}, 201).json(c.app.t, &p)
	return p
}

// stackProject creates a project on Stripe whose access state comes from
// access ("clerk", "postgres"): onboarding step 1 done, nothing connected.
func (c *client) stackProject(name, access string) projectView {
	c.app.t.Helper()
	p := c.newProject(name)
	c.mustDo("PUT", "/api/projects/"+p.ID+"/stack", map[string]string{"name": name, "billing_source": "stripe", "access_source": access}, 200).json(c.app.t, &p)
	return p
}

// clerkProject is a project on the test app's Stripe and Clerk fakes, its
// keys stored directly.
func (a *testApp) clerkProject(owner *client, name string) string {
	a.t.Helper()
	p := owner.stackProject(name, "clerk")
	a.connect(p.ID, "clerk", clerkfake.DefaultSecretKey)
	a.connect(p.ID, "stripe", testStripeKey)
	return p.ID
}

// ledgerKind lists a project's Access Ledger entries of one kind, oldest
// first; q narrows the ledger first.
func (a *testApp) ledgerKind(project string, q db.LedgerQuery, kind ledger.Kind) []db.LedgerView {
	a.t.Helper()
	entries, err := a.db.ListLedger(a.t.Context(), project, q)
	if err != nil {
		a.t.Fatal(err)
	}
	var out []db.LedgerView
	for _, e := range entries {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func tokenOf(inviteURL string) string {
	u, _ := url.Parse(inviteURL)
	return filepath.Base(u.Path)
}

// setClock moves the server's and the store's clocks together.
func (a *testApp) setClock(now time.Time) {
	a.s.now = func() time.Time { return now }
	a.db.SetClock(func() time.Time { return now.UTC() })
}

func dbConnection(projectID, kind, label string, live bool, by string) db.Connection {
	return db.Connection{ProjectID: projectID, Kind: kind, SealedSecret: "v1:unused", Label: label, Livemode: live, ConnectedBy: by}
}

// connect stores a working connection directly (the connect endpoints probe
// the fakes at Stripe's rate cap, too slow for fixtures).
func (a *testApp) connect(projectID, kind, secret string) {
	a.t.Helper()
	sealed, err := a.s.vault.Seal(secret)
	if err != nil {
		a.t.Fatal(err)
	}
	if err := a.db.SaveConnection(a.t.Context(), db.Connection{ProjectID: projectID, Kind: kind, SealedSecret: sealed, Label: "test"}); err != nil {
		a.t.Fatal(err)
	}
}
