package main

import (
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// After a demo check, /metrics (with the token) reports the check, its
// source requests and the open incidents by kind; without the token it is
// refused, and with no token configured it does not exist.
func TestMetricsAfterADemoCheck(t *testing.T) {
	dir := t.TempDir()
	base, stop := startApp(t, config{Addr: "127.0.0.1:0", DataDir: dir, LogLevel: "info", MetricsToken: "scrape-secret-123"})
	defer stop()
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t, base: base, http: &http.Client{Jar: jar}}
	b.call("GET", "/api/health", nil)
	b.call("POST", "/api/setup", map[string]string{"email": "o@example.com", "password": "correct horse battery", "name": "O"})
	code, p := b.call("POST", "/api/projects/demo", nil)
	if code != 201 && code != 200 {
		t.Fatalf("demo project: %d %v", code, p)
	}

	scrape := func(token string) (int, map[string]*dto.MetricFamily) {
		req, _ := http.NewRequest("GET", base+"/metrics", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != 200 {
			return res.StatusCode, nil
		}
		parser := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := parser.TextToMetricFamilies(res.Body)
		if err != nil {
			t.Fatalf("metrics do not parse: %v", err)
		}
		return 200, fams
	}
	if code, _ := scrape(""); code != 401 {
		t.Errorf("no token: %d", code)
	}
	if code, _ := scrape("wrong"); code != 401 {
		t.Errorf("wrong token: %d", code)
	}
	var fams map[string]*dto.MetricFamily
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, fams = scrape("scrape-secret-123")
		if f := fams["parityrail_checks_total"]; f != nil && len(f.Metric) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no check counted within 60 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	label := func(m *dto.Metric, name string) string {
		for _, l := range m.Label {
			if l.GetName() == name {
				return l.GetValue()
			}
		}
		return ""
	}
	checks := fams["parityrail_checks_total"].Metric[0]
	if label(checks, "status") != "finished" || label(checks, "project") == "" || checks.Counter.GetValue() < 1 {
		t.Errorf("checks_total: %v", checks)
	}
	if f := fams["parityrail_check_duration_seconds"]; f == nil || f.Metric[0].Histogram.GetSampleCount() < 1 {
		t.Errorf("no check duration: %v", f)
	}
	open := 0.0
	for _, m := range fams["parityrail_incidents_open"].GetMetric() {
		if label(m, "kind") == "" || label(m, "severity") == "" || strings.HasPrefix(label(m, "project"), "cus_") {
			t.Errorf("incidents_open labels: %v", m.Label)
		}
		open += m.Gauge.GetValue()
	}
	if open < 10 {
		t.Errorf("the demo world's open incidents: %v", open)
	}
	var stripe float64
	for _, m := range fams["parityrail_source_requests_total"].GetMetric() {
		if label(m, "source") == "stripe" && label(m, "status_class") == "2xx" {
			stripe = m.Counter.GetValue()
		}
	}
	if stripe < 1 {
		t.Errorf("no answered Stripe requests counted by status class")
	}
	if fams["go_goroutines"] == nil || fams["process_resident_memory_bytes"] == nil {
		t.Error("no runtime or process metrics")
	}

	// Off without a token: an unknown path.
	base2, stop2 := startApp(t, config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), LogLevel: "info"})
	defer stop2()
	res, err := http.Get(base2 + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Errorf("metrics without a configured token: %d", res.StatusCode)
	}
}
