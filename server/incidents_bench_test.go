package server

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"parityrail/db"
	"parityrail/vault"
)

// benchApp is the real router over a SQLite file holding the benchmark
// world in one project, and a signed-in owner's cookies.
type benchApp struct {
	e       *echo.Echo
	cookies []*http.Cookie
	project string
	path    string // the store's file
}

func (a *benchApp) do(b *testing.B, method, path string, body any) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Content-Type", "application/json")
	for _, c := range a.cookies {
		req.AddCookie(c)
		if c.Name == csrfCookie {
			req.Header.Set(csrfHeader, c.Value)
		}
	}
	rec := httptest.NewRecorder()
	a.e.ServeHTTP(rec, req)
	// A cookie set again replaces the old one (login rotates the CSRF cookie).
	for _, c := range rec.Result().Cookies() {
		a.cookies = slices.DeleteFunc(a.cookies, func(o *http.Cookie) bool { return o.Name == c.Name })
		a.cookies = append(a.cookies, c)
	}
	return rec
}

// newBenchApp seeds the benchmark world (world_bench_test.go: 1,000,000
// customers' promises, links and ledger, 250,000 incidents of which
// 100,000 open, a week of checks and webhooks) into the project of a
// signed-in owner, through bulk SQL on the store's own file.
func newBenchApp(b *testing.B) *benchApp {
	b.Helper()
	w, err := newBenchWorld()
	if err != nil {
		b.Fatal(err)
	}
	store, err := db.Open(filepath.Join(b.TempDir(), "parityrail.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	v, err := vault.New(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		b.Fatal(err)
	}
	_, e := newServer(Config{Version: "bench", PasswordCost: bcrypt.MinCost}, store, v, testUI,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	a := &benchApp{e: e}
	a.do(b, "GET", "/api/health", nil)
	if r := a.do(b, "POST", "/api/setup", map[string]string{"email": "owner@example.com", "password": testPassword, "name": "Owner"}); r.Code != 201 {
		b.Fatalf("setup: %d %s", r.Code, r.Body)
	}
	var p projectView
	r := a.do(b, "POST", "/api/projects", map[string]string{"name": "Big"})
	if r.Code != 201 {
		b.Fatalf("project: %d %s", r.Code, r.Body)
	}
	json.Unmarshal(r.Body.Bytes(), &p)
	a.project = p.ID

	path, err := store.Path()
	if err != nil {
		b.Fatal(err)
	}
	a.path = path
	raw, err := openRaw(path)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	var owner string
	if err := raw.QueryRow(`SELECT id FROM users WHERE email = 'owner@example.com'`).Scan(&owner); err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	if err := seedWorld(raw, p.ID, owner, w, time.Now()); err != nil {
		b.Fatal(err)
	}
	var size int64
	if fi, err := os.Stat(path); err == nil {
		size = fi.Size()
	}
	b.Logf("seeded %s in %s (%d MB)", w, time.Since(t0).Round(time.Second), size>>20)
	return a
}

// timed runs the request b.N times and reports its p50, p95 and worst in
// ms; over budget at p95 is an error. check reads the first answer.
func (a *benchApp) timed(b *testing.B, path string, budget time.Duration, check func(*testing.B, []byte)) {
	b.Helper()
	// One request first, untimed: the timings are of a warm server.
	if r := a.do(b, "GET", path, nil); r.Code != 200 {
		b.Fatalf("%s: %d %s", path, r.Code, r.Body)
	}
	took := make([]time.Duration, 0, b.N)
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		r := a.do(b, "GET", path, nil)
		took = append(took, time.Since(t0))
		if r.Code != 200 {
			b.Fatalf("%s: %d %s", path, r.Code, r.Body)
		}
		if i == 0 && check != nil {
			check(b, r.Body.Bytes())
		}
	}
	slices.Sort(took)
	p50, p95, worst := took[(len(took)-1)/2], took[(len(took)*95+99)/100-1], took[len(took)-1]
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(p50), "p50-ms")
	b.ReportMetric(ms(p95), "p95-ms")
	b.ReportMetric(ms(worst), "worst-ms")
	b.ReportMetric(0, "ns/op")
	// A p95 needs 20 runs (-benchtime 20x or more); the first, single run
	// that go test makes only reports.
	if len(took) >= 20 && p95 > budget {
		b.Errorf("%s: p95 %s over the %s budget (p50 %s, worst %s)", path, p95, budget, p50, worst)
	}
}

// incidentListBudget is issue 18's: the incidents list at p95 ≤ 50 ms.
const incidentListBudget = 50 * time.Millisecond

// BenchmarkIncidentList measures GET /api/projects/{id}/incidents through
// the real router (session, role check, project load, query, JSON) in the
// benchmark world: each filter, sort and search the incidents page, the
// dashboard's links and the check page ask for, the first page and (where
// there is one) a page 20,000 rows deep, its cursor found by walking 40
// pages of 500.
func BenchmarkIncidentList(b *testing.B) {
	benchIncidentList(b, newBenchApp(b))
}

func benchIncidentList(b *testing.B, a *benchApp) {
	base := "/api/projects/" + a.project + "/incidents?"
	cases := []struct{ name, q string }{
		// The incidents page (status defaults to active there).
		{"active", "status=active"},
		{"all", ""},
		{"open", "status=open"},
		{"acknowledged", "status=acknowledged"},
		{"ignored", "status=ignored"},
		{"resolved", "status=resolved"},
		{"kind+active", "kind=trial_mismatch&status=active"},
		{"kind+open", "kind=wrong_plan&status=open"},
		{"kind", "kind=paid_without_access"},
		{"severity+active", "severity=high&status=active"},
		{"severity+low+active", "severity=low&status=active"},
		{"severity", "severity=critical"},
		{"last_seen+active", "sort=last_seen&status=active"},
		{"last_seen+open", "sort=last_seen&status=open"},
		{"last_seen+kind+active", "sort=last_seen&kind=paid_without_access&status=active"},
		{"last_seen", "sort=last_seen"},
		{"first_seen+active", "sort=first_seen&status=active"},
		{"first_seen+severity+active", "sort=first_seen&severity=critical&status=active"},
		{"first_seen", "sort=first_seen"},
		{"at_stake_usd+active", "sort=at_stake&currency=usd&status=active"},
		{"at_stake_eur+active", "sort=at_stake&currency=eur&status=active"},
		{"at_stake_usd", "sort=at_stake&currency=usd"},
		// Search: one customer's email or id, a name, and a common string.
		{"search_email+active", "q=person0054320@example.com&status=active"},
		{"search_email", "q=person0054320@example.com"},
		{"search_customer", "q=cus_0999996"},
		{"search_name+active", "q=person%20123456&status=active"},
		{"search_missing+active", "q=nobody@nowhere.test&status=active"},
		{"search_common+active", "q=example.com&status=active"},
		{"search_prefix+active", "q=person00999&status=active"},
		// A customer's incidents (the API's customer_id).
		{"customer", "customer_id=cus_0999996"},
		// The check page: what a check opened or resolved.
		{"check_first_opened", "check_id=chk_full_0&check_event=opened&limit=100"},
		{"check_daily_resolved", "check_id=chk_full_3&check_event=resolved&limit=100"},
		{"check_daily", "check_id=chk_full_3&limit=100"},
		{"check_webhook", "check_id=chk_wh_0000100&limit=100"},
	}
	for _, c := range cases {
		deep := ""
		for page := 0; page < 40; page++ {
			r := a.do(b, "GET", base+c.q+"&limit=500&cursor="+deep, nil)
			if r.Code != 200 {
				b.Fatalf("%s: %d %s", c.name, r.Code, r.Body)
			}
			var l list[incidentView]
			json.Unmarshal(r.Body.Bytes(), &l)
			if l.NextCursor == "" {
				break
			}
			deep = l.NextCursor
		}
		for _, at := range []struct{ name, cursor string }{{"first", ""}, {"deep", deep}} {
			if at.name == "deep" && at.cursor == "" {
				continue
			}
			b.Run(c.name+"/"+at.name, func(b *testing.B) {
				a.timed(b, base+c.q+"&cursor="+at.cursor, incidentListBudget, nil)
			})
		}
	}
}

func openRaw(path string) (*sql.DB, error) {
	// A large page cache: the seed writes millions of index entries.
	return sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000&_journal_mode=WAL&_cache_size=-400000")
}
