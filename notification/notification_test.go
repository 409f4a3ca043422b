package notification

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"testing"
	"time"

	"parityrail/testutil/smtptest"
)

func sampleMessage(n int) Message {
	m := Message{Event: EventIncidents, ProjectID: "prj_1", ProjectName: "Acme", ProjectURL: "https://pr.example.com/projects/prj_1",
		IncidentsURL: "https://pr.example.com/projects/prj_1/incidents?status=active", Total: n, CheckID: "chk_1", At: time.Now()}
	for i := range n {
		sev := "high"
		if i == 0 {
			sev = "critical"
		}
		m.Incidents = append(m.Incidents, Incident{ID: fmt.Sprintf("inc_%d", i), Kind: "paid_without_access", Severity: sev,
			CustomerID: fmt.Sprintf("cus_%d", i), Summary: "Pays for pro, app says free <b>", URL: fmt.Sprintf("https://pr.example.com/incidents/inc_%d", i)})
	}
	return m
}

type slackMsg struct {
	Text   string `json:"text"`
	Blocks []struct {
		Type string `json:"type"`
		Text *struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"text"`
	} `json:"blocks"`
}

func TestSlackPayloadIsBlockKitWithAFallback(t *testing.T) {
	var got []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		if r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(400)
			return
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	payload, err := SlackPayload(sampleMessage(13))
	if err != nil {
		t.Fatal(err)
	}
	if r := (HTTPSender{}).Slack(t.Context(), srv.URL, payload); !r.Delivered || r.Status != 200 {
		t.Fatalf("delivery: %+v", r)
	}
	var m slackMsg
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatal(err)
	}
	if m.Blocks[0].Type != "header" || m.Blocks[0].Text.Text != "13 new access incidents in Acme" {
		t.Errorf("header: %+v", m.Blocks[0])
	}
	sections, more := 0, ""
	for _, b := range m.Blocks {
		if b.Type == "section" {
			sections++
			if strings.Contains(b.Text.Text, "and 3 more") {
				more = b.Text.Text
			}
		}
	}
	if sections != 11 || !strings.Contains(more, "incidents?status=active|and 3 more") {
		t.Errorf("%d sections, more %q", sections, more)
	}
	if !strings.Contains(m.Text, "13 new access incidents in Acme: 1 critical, 12 high") {
		t.Errorf("text fallback %q", m.Text)
	}
	if strings.Contains(string(got), "<b>") || !strings.Contains(string(got), ":red_circle:") {
		t.Errorf("escaping or emoji: %s", got)
	}
}

func TestSlackAnswersBecomeRetriesOrHints(t *testing.T) {
	answer := func(status int, body string, hdr ...string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i+1 < len(hdr); i += 2 {
				w.Header().Set(hdr[i], hdr[i+1])
			}
			w.WriteHeader(status)
			io.WriteString(w, body)
		}))
	}
	gone, busy, limited := answer(404, "no_service"), answer(503, "down"), answer(429, "slow down", "Retry-After", "7")
	defer gone.Close()
	defer busy.Close()
	defer limited.Close()
	s := HTTPSender{}
	if r := s.Slack(t.Context(), gone.URL, []byte(`{}`)); r.Delivered || r.Retry || !strings.Contains(r.Hint, `"no_service"`) || !strings.Contains(r.Hint, "paste a new webhook URL") {
		t.Errorf("404: %+v", r)
	}
	if r := s.Slack(t.Context(), busy.URL, []byte(`{}`)); r.Delivered || !r.Retry || r.Status != 503 {
		t.Errorf("503: %+v", r)
	}
	if r := s.Slack(t.Context(), limited.URL, []byte(`{}`)); !r.Retry || r.RetryAfter != 7*time.Second {
		t.Errorf("429: %+v", r)
	}
	if r := s.Slack(t.Context(), "http://127.0.0.1:1/x", []byte(`{}`)); r.Delivered || !r.Retry || !strings.Contains(r.Body, "refused") {
		t.Errorf("nothing listening: %+v", r)
	}
}

func TestWebhooksAreSignedLikeStripe(t *testing.T) {
	secret := NewSecret()
	var body []byte
	var sig, key string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		sig, key = r.Header.Get(SignatureHeader), r.Header.Get("Idempotency-Key")
		if err := Verify(sig, secret, body, time.Now(), 5*time.Minute); err != nil {
			http.Error(w, err.Error(), 401)
			return
		}
	}))
	defer srv.Close()
	b, err := WebhookBody(sampleMessage(2), "ntf_abc")
	if err != nil {
		t.Fatal(err)
	}
	if r := (HTTPSender{}).Webhook(t.Context(), srv.URL, secret, "ntf_abc", b, time.Now()); !r.Delivered {
		t.Fatalf("signed webhook refused: %+v", r)
	}
	var got struct {
		ID        string     `json:"id"`
		Event     string     `json:"event"`
		Total     int        `json:"total"`
		Incidents []Incident `json:"incidents"`
		Project   struct{ Name string }
	}
	json.Unmarshal(body, &got)
	if key != "ntf_abc" || got.ID != "ntf_abc" || got.Event != "incidents" || got.Total != 2 || len(got.Incidents) != 2 || got.Project.Name != "Acme" {
		t.Errorf("body %s key %q", body, key)
	}
	if err := Verify(sig, "whsec_other", body, time.Now(), 5*time.Minute); err == nil {
		t.Error("a wrong secret verified")
	}
	if err := Verify(sig, secret, append(body, ' '), time.Now(), 5*time.Minute); err == nil {
		t.Error("a changed body verified")
	}
	if err := Verify(Sign(secret, time.Now().Add(-time.Hour), body), secret, body, time.Now(), 5*time.Minute); err == nil {
		t.Error("an hour-old signature verified")
	}
	// A receiver refusing the signature is told apart.
	if r := (HTTPSender{}).Webhook(t.Context(), srv.URL, "whsec_wrong", "ntf_x", b, time.Now()); r.Delivered || r.Retry || !strings.Contains(r.Hint, "signing secret") {
		t.Errorf("401: %+v", r)
	}
}

func TestEmailArrivesAsMultipartThroughARealSMTPServer(t *testing.T) {
	srv := smtptest.Start(t, "alerts", "s3cret-pass")
	cfg := SMTPConfig{Host: srv.Host, Port: srv.Port, Username: "alerts", Password: "s3cret-pass", From: "parityrail@example.com", TLS: "none"}
	subject, text, html := EmailContent(sampleMessage(2))
	r := SendEmail(t.Context(), cfg, []string{"a@example.com", "b@example.com"}, subject, text, html, "ntf_mail1")
	if !r.Delivered {
		t.Fatalf("send: %+v", r)
	}
	mails := srv.Mails()
	if len(mails) != 1 || strings.Join(mails[0].To, ",") != "a@example.com,b@example.com" || mails[0].From != "parityrail@example.com" {
		t.Fatalf("received: %+v", mails)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(mails[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("Subject") != "2 new access incidents in Acme" || msg.Header.Get("Message-Id") != "<ntf_mail1@parityrail>" {
		t.Errorf("headers: %v", msg.Header)
	}
	mt, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if mt != "multipart/alternative" {
		t.Fatalf("content type %q", mt)
	}
	parts := map[string]string{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		b, _ := io.ReadAll(p)
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		parts[ct] = string(b)
	}
	if msg.Header.Get("Auto-Submitted") != "auto-generated" || msg.Header.Get("From") != "<parityrail@example.com>" && msg.Header.Get("From") != "parityrail@example.com" {
		t.Errorf("headers: %v", msg.Header)
	}
	if len(parts) != 2 || !strings.Contains(parts["text/plain"], "cus_0") || !strings.Contains(parts["text/plain"], "Acme") ||
		!strings.Contains(parts["text/html"], "Acme") || !strings.Contains(parts["text/html"], "cus_0") || strings.Contains(parts["text/html"], "<b>") {
		t.Errorf("parts: %q", parts)
	}

	// A wrong password: not retried, and the person is told what to fix.
	cfg.Password = "wrong"
	r = SendEmail(t.Context(), cfg, []string{"a@example.com"}, subject, text, html, "ntf_mail2")
	if r.Delivered || r.Retry || r.Status != 535 || !strings.Contains(r.Hint, "username or password") || strings.Contains(r.Body, "wrong") {
		t.Errorf("bad password: %+v", r)
	}
}

func TestSMTPSettings(t *testing.T) {
	c, err := ParseSMTPURL("smtp://user:p%40ss@mail.example.com?from=alerts@example.com")
	if err != nil || c.Host != "mail.example.com" || c.Port != 587 || c.TLS != "starttls" || c.Password != "p@ss" || c.From != "alerts@example.com" {
		t.Errorf("parsed %+v %v", c, err)
	}
	if c, err := ParseSMTPURL("smtp://mail.example.com?from=a@example.com&tls=tls"); err != nil || c.Port != 465 {
		t.Errorf("implicit tls: %+v %v", c, err)
	}
	for raw, want := range map[string]string{
		"http://mail.example.com?from=a@b.c":            "smtp://",
		"smtp://mail.example.com":                       "from",
		"smtp://mail.example.com?from=a@b.c&tls=ssl":    "tls",
		"smtp://mail.example.com?from=a@b.c&tls=none":   "loopback",
		"smtp://mail.example.com:99999?from=a@b.c":      "port",
		"smtp://localhost:2525?from=a@b.c&tls=none":     "",
		"smtp://[::1]:2525?from=a@example.com&tls=none": "",
	} {
		_, err := ParseSMTPURL(raw)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: %v, want %q", raw, err, want)
		}
	}
}

func TestBackoffAndGivingUp(t *testing.T) {
	first := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := first
	var waits []time.Duration
	for attempt := 1; ; attempt++ {
		next, ok := NextAttempt(first, attempt, now, 0)
		if !ok {
			break
		}
		waits = append(waits, next.Sub(now))
		now = next
	}
	want := []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 24 * time.Hour, 24 * time.Hour}
	if fmt.Sprint(waits) != fmt.Sprint(want) {
		t.Errorf("waits %v, want %v", waits, want)
	}
	if next, _ := NextAttempt(first, 1, first, 10*time.Minute); next.Sub(first) != 10*time.Minute {
		t.Error("Retry-After not honoured")
	}
}

func TestLabelsAndURLs(t *testing.T) {
	l := LabelURL("https://hooks.slack.com/services/T0001/B0002/abcdefghijklmnopx7Qa")
	if l != "hooks.slack.com/…/x7Qa" {
		t.Errorf("label %q", l)
	}
	if got := LabelRecipients([]string{"ann@example.com", "bo@x.io"}); got != "a…@example.com, b…@x.io" {
		t.Errorf("recipients %q", got)
	}
	for raw, ok := range map[string]bool{
		"https://hooks.slack.com/services/X": true,
		"http://127.0.0.1:9/x":               true,
		"http://localhost:8080/hook":         true,
		"http://example.com/hook":            false,
		"ftp://example.com":                  false,
		"hooks.slack.com/services/X":         false,
		"https://user:pw@example.com/x":      false,
	} {
		if err := ValidateURL(raw); (err == nil) != ok {
			t.Errorf("%s: %v", raw, err)
		}
	}
}

func TestDigestRendersEverywhere(t *testing.T) {
	since := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	m := Message{Event: EventDigest, ProjectName: "Acme", ProjectURL: "https://x/projects/p", Digest: &Digest{
		WeekStart: since, WeekEnd: since.AddDate(0, 0, 7), OpenBySeverity: map[string]int{"critical": 1, "high": 2},
		OpenByKind: map[string]int{"paid_without_access": 1, "wrong_plan": 2}, Opened: 4, Resolved: 1, ChecksRun: 30, ChecksFailed: 1,
		WebhookDeliveries: 12, SignatureFailures: 2, Oldest: &Incident{Kind: "wrong_plan", CustomerID: "cus_9", Summary: "s"}, OldestSince: &since,
		AtStake: []Stake{{Currency: "usd", Kind: "paid_without_access", MonthlyMinor: 4900}, {Currency: "jpy", Kind: "wrong_plan", MonthlyMinor: 1200}}}}
	subject, text, html := EmailContent(m)
	if subject != "Weekly digest of Acme: 3 open incidents" || !strings.Contains(text, "wrong_plan               2") ||
		!strings.Contains(text, "12 received, 2 refused") || !strings.Contains(html, "Oldest open incident") ||
		!strings.Contains(text, "49.00 USD/month paid_without_access") || !strings.Contains(text, "1200 JPY/month wrong_plan") ||
		!strings.Contains(html, "Money at stake") {
		t.Errorf("digest email:\n%s\n%s", subject, text)
	}
	p, _ := SlackPayload(m)
	var s slackMsg
	json.Unmarshal(p, &s)
	if !strings.Contains(s.Text, "4 opened, 1 resolved, 30 checks run (1 failed)") || !strings.Contains(string(p), "49.00 USD/month") {
		t.Errorf("digest slack: %s", p)
	}
	if _, err := WebhookBody(m, "ntf_d"); err != nil {
		t.Error(err)
	}
}
