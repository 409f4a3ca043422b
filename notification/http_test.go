package notification

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

// slackReceiver answers every post with status and body and keeps what it got.
func slackReceiver(t *testing.T, status int, body string, header ...string) (*httptest.Server, *[]byte) {
	t.Helper()
	var got []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

func TestSlackShowsAtMostTenIncidentsAndAOneLineFallback(t *testing.T) {
	m := sampleMessage(12)
	m.Total = 40 // the message is about more incidents than it carries
	m.Incidents[0].Summary = "Pays for pro\nbut the app\tsays free"
	m.Incidents[1].CustomerID, m.Incidents[1].Subject = "", "ann@example.com"
	srv, got := slackReceiver(t, 200, "ok")
	payload, err := SlackPayload(m)
	if err != nil {
		t.Fatal(err)
	}
	if r := (HTTPSender{}).Slack(t.Context(), srv.URL+"/services/T1/B2/secretx7Qa", payload); !r.Delivered {
		t.Fatalf("delivery: %+v", r)
	}
	var msg slackMsg
	if err := json.Unmarshal(*got, &msg); err != nil {
		t.Fatal(err)
	}
	if msg.Blocks[0].Text.Text != "40 new access incidents in Acme" {
		t.Errorf("header %q", msg.Blocks[0].Text.Text)
	}
	incidents, more := 0, ""
	for _, b := range msg.Blocks {
		if b.Type == "section" && strings.Contains(b.Text.Text, "Open incident") {
			incidents++
		}
		if b.Type == "section" && strings.Contains(b.Text.Text, "more") {
			more = b.Text.Text
		}
	}
	if incidents != 10 {
		t.Errorf("%d incident sections, want 10", incidents)
	}
	if more != "<"+m.IncidentsURL+"|and 30 more>" {
		t.Errorf("more link %q", more)
	}
	if !strings.Contains(msg.Text, "40 new access incidents in Acme") || !strings.Contains(msg.Text, m.IncidentsURL) || strings.ContainsAny(msg.Text, "\n\t") {
		t.Errorf("text fallback %q", msg.Text)
	}
	first := msg.Blocks[1].Text.Text
	if !strings.HasPrefix(first, ":red_circle: *paid_without_access* · `cus_0`") || !strings.Contains(first, "Pays for pro but the app says free") {
		t.Errorf("first incident %q", first)
	}
	if second := msg.Blocks[2].Text.Text; !strings.Contains(second, ":large_orange_circle:") || !strings.Contains(second, "ann@example.com") {
		t.Errorf("second incident %q", second)
	}
}

func TestSlackPayloadForEveryEvent(t *testing.T) {
	base := Message{ProjectName: "Acme & Co", ProjectURL: "https://pr.example.com/projects/p"}
	for event, want := range map[string]string{
		EventCheckFailing:   "Checks of Acme &amp; Co are failing: Stripe answered 401: the key was revoked",
		EventCheckRecovered: "Checks of Acme &amp; Co work again",
		EventDigest:         "Weekly digest of Acme &amp; Co: 0 open incidents",
		EventTest:           "Test notification from ParityRail (Acme &amp; Co): this channel works.",
	} {
		m := base
		m.Event, m.CheckError = event, "Stripe answered 401:\nthe key was revoked"
		if event == EventDigest {
			m.Digest = &Digest{}
		}
		p, err := SlackPayload(m)
		var s slackMsg
		if err != nil || json.Unmarshal(p, &s) != nil || s.Blocks[0].Type != "header" || len(s.Blocks) < 3 {
			t.Fatalf("%s: %v %s", event, err, p)
		}
		if !strings.HasPrefix(s.Text, want) || strings.Contains(s.Text, "\n") {
			t.Errorf("%s: text %q, want %q", event, s.Text, want)
		}
		if !strings.Contains(string(p), "https://pr.example.com/projects/p|Open the project") {
			t.Errorf("%s: no project link: %s", event, p)
		}
	}
}

func TestSlackFailuresSayWhatToDo(t *testing.T) {
	s := HTTPSender{}
	for _, c := range []struct {
		status int
		body   string
		hint   string
	}{
		{404, "no_service", `Slack says "no_service": the webhook was revoked or deleted; paste a new webhook URL.`},
		{403, "invalid_token", `Slack says "invalid_token": the webhook was revoked or deleted`},
		{404, "channel_not_found", "channel is gone or archived"},
		{403, "action_prohibited", "admin restricted posting"},
		{404, "Not Found", "URL is wrong"},
		{302, "", "does not follow redirects"},
	} {
		srv, _ := slackReceiver(t, c.status, c.body, "Location", "https://elsewhere.example.com/x")
		r := s.Slack(t.Context(), srv.URL+"/services/T1/B2/x", []byte(`{}`))
		if r.Delivered || r.Retry || r.Status != c.status || !strings.Contains(r.Hint, c.hint) {
			t.Errorf("%d %s: %+v", c.status, c.body, r)
		}
	}
	// 500: worth trying again, no hint needed.
	srv, _ := slackReceiver(t, 500, "internal error")
	if r := s.Slack(t.Context(), srv.URL, []byte(`{}`)); r.Delivered || !r.Retry || r.Status != 500 || r.Body != "internal error" {
		t.Errorf("500: %+v", r)
	}
	// Retry-After as an HTTP date.
	srv, _ = slackReceiver(t, 503, "", "Retry-After", time.Now().Add(2*time.Minute).UTC().Format(http.TimeFormat))
	if r := s.Slack(t.Context(), srv.URL, []byte(`{}`)); !r.Retry || r.RetryAfter < 100*time.Second || r.RetryAfter > 2*time.Minute {
		t.Errorf("503 with a date: %+v", r)
	}
	// A long answer is cut to 1000 bytes; an unreadable URL is not repeated.
	srv, _ = slackReceiver(t, 400, strings.Repeat("é", 800))
	if r := s.Slack(t.Context(), srv.URL, []byte(`{}`)); len(r.Body) > 1000 || !strings.HasPrefix(r.Body, "éé") {
		t.Errorf("long body: %d bytes", len(r.Body))
	}
	if r := s.Slack(t.Context(), "https://hooks.slack.com/services/T1/B2/se\x7fcret", []byte(`{}`)); r.Retry || strings.Contains(r.Body+r.Hint, "cret") {
		t.Errorf("bad URL: %+v", r)
	}
}

func TestWebhookHeadersBodyShapeAndRefusals(t *testing.T) {
	secret := NewSecret()
	var hdr http.Header
	var body []byte
	status := 200
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr, body = r.Header.Clone(), must(io.ReadAll(r.Body))
		w.WriteHeader(status)
		io.WriteString(w, "bad signature, expected secret "+secret) // a careless receiver
	}))
	defer srv.Close()
	at := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	m := Message{Event: EventCheckFailing, ProjectID: "prj_1", ProjectName: "Acme", CheckID: "chk_9", CheckError: "Stripe timed out", At: at}
	b, err := WebhookBody(m, "ntf_fail1")
	if err != nil {
		t.Fatal(err)
	}
	r := (HTTPSender{}).Webhook(t.Context(), srv.URL, secret, "ntf_fail1", b, time.Now())
	if !r.Delivered || hdr.Get("Content-Type") != "application/json" || hdr.Get("User-Agent") != "ParityRail" || hdr.Get("Idempotency-Key") != "ntf_fail1" {
		t.Fatalf("%+v headers %v", r, hdr)
	}
	if err := Verify(hdr.Get("ParityRail-Signature"), secret, body, time.Now(), time.Minute); err != nil {
		t.Errorf("receiver cannot verify: %v", err)
	}
	var shape map[string]any
	if err := json.Unmarshal(body, &shape); err != nil {
		t.Fatal(err)
	}
	if shape["created_at"] != "2026-03-02T08:00:00Z" || shape["check_id"] != "chk_9" || shape["check_error"] != "Stripe timed out" || shape["event"] != "check_failing" {
		t.Errorf("body %s", body)
	}
	for _, absent := range []string{"incidents", "total", "digest"} {
		if _, ok := shape[absent]; ok {
			t.Errorf("%q present in a check_failing body: %s", absent, body)
		}
	}
	if p := shape["project"].(map[string]any); p["id"] != "prj_1" || p["name"] != "Acme" {
		t.Errorf("project %v", p)
	}
	d, _ := WebhookBody(Message{Event: EventDigest, ProjectName: "Acme", Digest: &Digest{Opened: 2}}, "ntf_d")
	if !strings.Contains(string(d), `"open_by_severity":{}`) || !strings.Contains(string(d), `"opened":2`) {
		t.Errorf("digest body %s", d)
	}

	for code, hint := range map[int]string{401: "signing secret", 403: "signing secret", 404: "URL is wrong", 410: "gone"} {
		status = code
		r := (HTTPSender{}).Webhook(t.Context(), srv.URL, secret, "ntf_x", b, time.Now())
		if r.Delivered || r.Retry || !strings.Contains(r.Hint, hint) || strings.Contains(r.Body, secret) {
			t.Errorf("%d: %+v", code, r)
		}
	}
	if r := (HTTPSender{}).Webhook(t.Context(), srv.URL, "", "ntf_x", b, time.Now()); r.Delivered || !strings.Contains(r.Hint, "no signing secret") {
		t.Errorf("no secret: %+v", r)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestVerifyRefusesWhatAReceiverShould(t *testing.T) {
	now := time.Now()
	body := []byte(`{"id":"ntf_1"}`)
	secret := NewSecret()
	if !regexp.MustCompile(`^whsec_[0-9a-f]{64}$`).MatchString(secret) || secret == NewSecret() {
		t.Fatalf("secret %q", secret)
	}
	sig := Sign(secret, now, body)
	if !regexp.MustCompile(`^t=\d+,v1=[0-9a-f]{64}$`).MatchString(sig) {
		t.Fatalf("signature %q", sig)
	}
	if err := Verify(sig, secret, body, now.Add(4*time.Minute), 5*time.Minute); err != nil {
		t.Errorf("fresh signature: %v", err)
	}
	// While a secret rotates, a header may carry two v1 signatures.
	ts := strings.TrimPrefix(strings.Split(sig, ",")[0], "t=")
	both := sig + ",v1=" + mac("whsec_old", ts, body)
	if err := Verify(both, "whsec_old", body, now, time.Minute); err != nil {
		t.Errorf("second v1: %v", err)
	}
	for name, c := range map[string]struct {
		header, secret string
		now            time.Time
		want           string
	}{
		"wrong secret":    {sig, "whsec_wrong", now, "no signature matches"},
		"old timestamp":   {Sign(secret, now.Add(-10*time.Minute), body), secret, now, "away from now"},
		"from the future": {Sign(secret, now.Add(10*time.Minute), body), secret, now, "away from now"},
		"empty header":    {"", secret, now, "malformed"},
		"no v1":           {"t=123", secret, now, "malformed"},
	} {
		if err := Verify(c.header, c.secret, body, c.now, 5*time.Minute); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
