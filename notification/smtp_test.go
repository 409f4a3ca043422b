package notification

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// refusingBackend is an in-test SMTP server whose answers are set per test.
type refusingBackend struct {
	mu       sync.Mutex
	mailErr  *smtp.SMTPError // answer to MAIL FROM
	rcptErr  *smtp.SMTPError // answer to RCPT TO for refused@…
	received int
}

func (b *refusingBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &refusingSession{b}, nil
}

type refusingSession struct{ b *refusingBackend }

func (s *refusingSession) Mail(string, *smtp.MailOptions) error {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	if s.b.mailErr != nil {
		return s.b.mailErr
	}
	return nil
}

func (s *refusingSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasPrefix(to, "refused@") {
		return s.b.rcptErr
	}
	return nil
}

func (s *refusingSession) Data(r io.Reader) error {
	io.Copy(io.Discard, r)
	s.b.mu.Lock()
	s.b.received++
	s.b.mu.Unlock()
	return nil
}

func (s *refusingSession) Reset()        {}
func (s *refusingSession) Logout() error { return nil }

func startSMTP(t *testing.T, be smtp.Backend) SMTPConfig {
	t.Helper()
	srv := smtp.NewServer(be)
	srv.Domain, srv.AllowInsecureAuth = "localhost", true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return SMTPConfig{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, From: "parityrail@example.com", TLS: "none"}
}

func TestSMTPRefusalsAndTemporaryFailures(t *testing.T) {
	be := &refusingBackend{rcptErr: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}}
	cfg := startSMTP(t, be)
	subject, text, html := EmailContent(sampleMessage(1))
	r := SendEmail(t.Context(), cfg, []string{"refused@example.com"}, subject, text, html, "ntf_r1")
	if r.Delivered || r.Retry || r.Status != 550 || !strings.Contains(r.Hint, "refused a recipient") {
		t.Errorf("550: %+v", r)
	}
	be.mu.Lock()
	if be.received != 0 {
		t.Errorf("a refused recipient still got %d messages", be.received)
	}
	be.mailErr = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	be.mu.Unlock()
	r = SendEmail(t.Context(), cfg, []string{"ok@example.com"}, subject, text, html, "ntf_r2")
	if r.Delivered || !r.Retry || r.Status != 451 || r.Hint != "" {
		t.Errorf("451: %+v", r)
	}
	if r := SendEmail(t.Context(), cfg, nil, subject, text, html, "ntf_r3"); r.Delivered || r.Retry || !strings.Contains(r.Hint, "no recipients") {
		t.Errorf("no recipients: %+v", r)
	}

	// TLS settings the server does not speak: said at once, not retried.
	for mode, hint := range map[string]string{"starttls": "does not offer STARTTLS", "tls": "does not speak implicit TLS"} {
		c := cfg
		c.TLS = mode
		if r := SendEmail(t.Context(), c, []string{"ok@example.com"}, subject, text, html, "ntf_t"); r.Delivered || r.Retry || !strings.Contains(r.Hint, hint) {
			t.Errorf("tls %s: %+v", mode, r)
		}
	}
	r = smtpResult(fmt.Errorf("dial failed: %w", context.DeadlineExceeded), SMTPConfig{Port: 465, TLS: "starttls"})
	if r.Retry || !strings.Contains(r.Hint, "Port 465 expects implicit TLS") {
		t.Errorf("starttls on 465: %+v", r)
	}

	// Nothing listening: a network error, tried again; the port is no reply code.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cfg.Port = closed
	if r := SendEmail(t.Context(), cfg, []string{"ok@example.com"}, subject, text, html, "ntf_r4"); r.Delivered || !r.Retry || r.Status != 0 {
		t.Errorf("closed port: %+v", r)
	}
	r = smtpResult(errors.New("dial failed: dial tcp 10.0.0.1:587: connect: connection timed out"), SMTPConfig{Port: 587, TLS: "starttls"})
	if !r.Retry || r.Status != 0 {
		t.Errorf("port read as a reply code: %+v", r)
	}
	// A password is never echoed, and an empty one does not garble the answer.
	r = smtpResult(errors.New("535 5.7.8 bad credentials for hunter2"), SMTPConfig{Password: "hunter2"})
	if r.Status != 535 || strings.Contains(r.Body, "hunter2") || r.Retry {
		t.Errorf("535: %+v", r)
	}
	if r := smtpResult(errors.New("451 busy"), SMTPConfig{}); r.Body != "451 busy" || !r.Retry {
		t.Errorf("no password: %+v", r)
	}
}

func TestEmailPartsNameTheProjectAndEscapeHTML(t *testing.T) {
	m := sampleMessage(12)
	m.ProjectName = "Acme <script>\nLabs"
	subject, text, html := EmailContent(m)
	if subject != "12 new access incidents in Acme <script> Labs" {
		t.Errorf("subject %q", subject)
	}
	if !strings.Contains(text, "and 2 more: "+m.IncidentsURL) || strings.Count(text, "- [") != 10 {
		t.Errorf("text:\n%s", text)
	}
	if strings.Contains(html, "<script>") || !strings.Contains(html, "Acme &lt;script&gt;") || !strings.Contains(html, ">and 2 more</a>") {
		t.Errorf("html:\n%s", html)
	}
	m = Message{Event: EventCheckFailing, ProjectName: "Acme", CheckError: "Stripe answered 401"}
	if _, text, html := EmailContent(m); !strings.Contains(text, "Last error: Stripe answered 401") || !strings.Contains(html, "Stripe answered 401") {
		t.Errorf("check failing:\n%s", text)
	}
}

func TestSMTPURLsReadAsWritten(t *testing.T) {
	c, err := ParseSMTPURL("smtps://u:p%40ss@mail.example.com?from=ParityRail%20%3Calerts@example.com%3E")
	if err != nil || c.TLS != "tls" || c.Port != 465 || c.From != "ParityRail <alerts@example.com>" {
		t.Errorf("smtps: %+v %v", c, err)
	}
	if c, err := ParseSMTPURL(" smtp://127.0.0.2:2525?from=a@example.com&tls=NONE "); err != nil || c.TLS != "none" || c.Port != 2525 {
		t.Errorf("upper-case tls: %+v %v", c, err)
	}
	for raw, want := range map[string]string{
		"": "empty",
		"smtp://user:se/cret@mail.example.com?from=a@example.com": "percent-encode",
		"smtp://mail.example.com/x?from=a@example.com":            "path",
		"smtp://mail.example.com?form=a@example.com":              `setting "form"`,
		"smtps://mail.example.com?from=a@example.com&tls=none":    "contradicts",
		"smtp://mail.example.com:abc?from=a@example.com":          "cannot be read",
		"smtp://10.0.0.5?from=a@example.com&tls=none":             "loopback",
		"smtp://mail.example.com?from=nobody":                     "from",
	} {
		_, err := ParseSMTPURL(raw)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "cret") {
			t.Errorf("%q: %v, want %q", raw, err, want)
		}
	}
	for _, c := range []SMTPConfig{
		{Host: "", Port: 587, From: "a@example.com", TLS: "starttls"},
		{Host: "mail.example.com", Port: 0, From: "a@example.com", TLS: "starttls"},
		{Host: "mail.example.com", Port: 70000, From: "a@example.com", TLS: "starttls"},
		{Host: "mail.example.com", Port: 587, From: "a@example.com\r\nBcc: x@y.z", TLS: "starttls"},
		{Host: "mail.example.com", Port: 587, From: "a@example.com", TLS: "ssl"},
		{Host: "mail.example.com", Port: 25, From: "a@example.com", TLS: "none"},
	} {
		if c.Validate() == nil {
			t.Errorf("valid: %+v", c)
		}
	}
	if err := (SMTPConfig{Host: "::1", Port: 25, From: "a@example.com", TLS: "none"}).Validate(); err != nil {
		t.Errorf("::1: %v", err)
	}
}

func TestBackoffEdges(t *testing.T) {
	first := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if next, ok := NextAttempt(first, 0, first, 0); !ok || next.Sub(first) != time.Minute {
		t.Errorf("attempt 0: %v %v", next, ok)
	}
	if next, ok := NextAttempt(first, 3, first.Add(time.Hour), 45*time.Minute); !ok || next.Sub(first) != 105*time.Minute {
		t.Errorf("Retry-After larger than 30 min: %v", next)
	}
	if next, ok := NextAttempt(first, 3, first.Add(time.Hour), 10*time.Second); !ok || next.Sub(first) != 90*time.Minute {
		t.Errorf("Retry-After smaller than 30 min: %v", next)
	}
	if _, ok := NextAttempt(first, 6, first.Add(50*time.Hour), 0); ok {
		t.Error("a retry past three days was scheduled")
	}
	if _, ok := NextAttempt(first, 2, first.Add(time.Hour), 100*time.Hour); ok {
		t.Error("a Retry-After past three days was scheduled")
	}
}

func TestLabelsNeverShowTheWholeSecret(t *testing.T) {
	for _, c := range []struct{ raw, want, hidden string }{
		{"https://hooks.slack.com/services/T0001/B0002/abcdefghijklmnopx7Qa", "hooks.slack.com/…/x7Qa", "services/T0001/B0002/abcdefghijklmnopx7Qa"},
		{"https://user:pw@example.com/hook?token=s3cr3t", "example.com/…/ok", "hook"},
		{"https://user:pw@example.com/hook?token=s3cr3t", "example.com/…/ok", "s3cr3t"},
		{"https://user:pw@example.com/hook?token=s3cr3t", "example.com/…/ok", "pw"},
		{"http://127.0.0.1:8080/ab", "127.0.0.1:8080/…/b", "/ab"},
		{"https://example.com/a", "example.com", "/a"},
		{"https://example.com/", "example.com", "/"},
		{"not a url", "(unreadable URL)", "not a url"},
	} {
		got := LabelURL(c.raw)
		if got != c.want || strings.Contains(got, c.hidden) {
			t.Errorf("%s: %q, want %q without %q", c.raw, got, c.want, c.hidden)
		}
	}
	if got := LabelRecipients([]string{" Émile <emile@example.com>", "x@y.io", "broken"}); got != "e…@example.com, x…@y.io, …" {
		t.Errorf("recipients %q", got)
	}
	for raw, ok := range map[string]bool{"http://[::1]:8080/x": true, "https://": false, "http://127.0.0.1.example.com/x": false} {
		if err := ValidateURL(raw); (err == nil) != ok {
			t.Errorf("%s: %v", raw, err)
		}
	}
	if err := ValidateURL("http://example.com/services/secret"); err == nil || strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), "use https://") {
		t.Errorf("http on another host: %v", err)
	}
}
