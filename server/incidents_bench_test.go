package server

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"parityrail/db"
	"parityrail/vault"
)

// benchApp is the real router over a SQLite file holding one project with
// 100,000 incidents, and a signed-in owner's cookies.
type benchApp struct {
	e       *echo.Echo
	cookies []*http.Cookie
	project string
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

const benchIncidents = 100_000

// newBenchApp seeds benchIncidents incidents with one bulk insert: a mix of
// kinds and statuses (most resolved, as in a project that has run for a
// while), spread over 90 days of first and last sightings.
func newBenchApp(b *testing.B) *benchApp {
	b.Helper()
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
	if err := seedBulk(path, p.ID, benchIncidents); err != nil {
		b.Fatal(err)
	}
	return a
}

func seedBulk(path, project string, n int) error {
	raw, err := openRaw(path)
	if err != nil {
		return err
	}
	defer raw.Close()
	tx, err := raw.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.Prepare(`INSERT INTO incidents (id, project_id, customer_id, subject_key, subject_kind, subject_id,
		subject_email, subject_name, kind, severity, severity_rank, status, summary, fingerprint, diff_hash, finding,
		first_seen_at, last_seen_at, first_check_id, last_check_id, search) VALUES
		(?, ?, ?, ?, 'user', ?, ?, ?, ?, ?, ?, ?, 'gap', 'fp', 'dh', '{}', ?, ?, 'chk_seed', 'chk_seed', ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	kinds := []struct{ kind, severity string }{{"paid_without_access", "critical"}, {"access_without_payment", "high"},
		{"wrong_plan", "high"}, {"trial_mismatch", "medium"}, {"entitlement_mismatch", "medium"}, {"unmatched_customer", "medium"},
		{"ambiguous_match", "low"}}
	// 60% resolved, 10% ignored, 20% open, 10% acknowledged.
	statuses := []string{"resolved", "resolved", "resolved", "resolved", "resolved", "resolved", "ignored", "open", "open", "acknowledged"}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		k := kinds[i%len(kinds)]
		first := start.Add(time.Duration(i) * 77 * time.Second)
		last := first.Add(time.Duration((i*7919)%(30*24)) * time.Hour)
		cus, user, email := fmt.Sprintf("cus_%07d", i), fmt.Sprintf("user_%07d", i), fmt.Sprintf("person%07d@example.com", i)
		name := fmt.Sprintf("Person %d", i)
		if _, err := stmt.Exec(fmt.Sprintf("inc_bench%07d", i), project, cus, "user:"+user, user, email, name, k.kind, k.severity,
			db.SeverityRank(k.severity), statuses[(i/7)%len(statuses)], first.Format(time.RFC3339Nano), last.Format(time.RFC3339Nano),
			cus+" "+user+" "+email+" person "+fmt.Sprint(i)); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = raw.Exec(`ANALYZE`)
	return err
}

// BenchmarkIncidentList measures GET /api/projects/{id}/incidents through
// the real router (session, role check, project load, query, JSON) with
// 100,000 incidents: typical filters, search and each sort, first page and
// a page deep in the list (its cursor found by walking 40 pages).
func BenchmarkIncidentList(b *testing.B) {
	a := newBenchApp(b)
	base := "/api/projects/" + a.project + "/incidents?"
	cases := []struct{ name, q string }{
		{"default", ""},
		{"active", "status=active"},
		{"open", "status=open"},
		{"ignored", "status=ignored"},
		{"kind", "kind=trial_mismatch"},
		{"kind+open", "kind=wrong_plan&status=open"},
		{"severity", "severity=high"},
		{"severity+active", "severity=low&status=active"},
		{"customer", "customer_id=cus_0099999"},
		{"search_email", "q=person0054321@example.com"},
		{"search_common", "q=example.com"},
		{"search_active", "q=person00999&status=active"},
		{"last_seen", "sort=last_seen"},
		{"last_seen+open", "sort=last_seen&status=open"},
		{"last_seen+active", "sort=last_seen&status=active"},
		{"last_seen+kind", "sort=last_seen&kind=paid_without_access"},
		{"first_seen", "sort=first_seen"},
		{"first_seen+active", "sort=first_seen&status=active"},
		{"first_seen+severity", "sort=first_seen&severity=critical"},
	}
	for _, c := range cases {
		// The cursor of page 41 (2,000 rows in): paging stays as fast deep down.
		deep := ""
		for page := 0; page < 40; page++ {
			r := a.do(b, "GET", base+c.q+"&cursor="+deep, nil)
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
				took := make([]time.Duration, 0, b.N)
				for i := 0; i < b.N; i++ {
					t0 := time.Now()
					r := a.do(b, "GET", base+c.q+"&cursor="+at.cursor, nil)
					took = append(took, time.Since(t0))
					if r.Code != 200 {
						b.Fatalf("%d %s", r.Code, r.Body)
					}
				}
				slices.Sort(took)
				median, worst := took[len(took)/2], took[len(took)-1]
				b.ReportMetric(float64(median.Microseconds())/1000, "median-ms")
				b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
				// The budget is on the median: the worst of a few runs on a
				// shared two-core machine measures the neighbours too.
				if median > 100*time.Millisecond {
					b.Errorf("%s %s page: median %s, over the 100 ms budget", c.name, at.name, median)
				}
			})
		}
	}
}

func openRaw(path string) (*sql.DB, error) {
	return sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000&_journal_mode=WAL")
}
