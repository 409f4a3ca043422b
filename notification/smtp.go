package notification

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/textproto"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	gomail "github.com/wneessen/go-mail"
)

// SMTPConfig is a mail server.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
	// TLS: "starttls", "tls" (implicit) or "none" (loopback hosts only).
	TLS string
}

// smtpURLForm is how an SMTP URL is written, for error messages.
const smtpURLForm = "smtp://user:password@host:587?from=alerts@example.com&tls=starttls"

// ParseSMTPURL reads an SMTP URL (PARITYRAIL_SMTP_URL):
//
//	smtp://user:pass@host:587?from=alerts@example.com&tls=starttls|tls|none
//
// tls defaults to starttls (smtps:// means tls); the port to 587, or 465
// with tls. Special characters in the username and password are
// percent-encoded (@ as %40). Errors name what is wrong and never repeat
// the password.
func ParseSMTPURL(s string) (SMTPConfig, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return SMTPConfig{}, errors.New("the SMTP URL is empty; write it as " + smtpURLForm)
	}
	u, err := url.Parse(s)
	if err != nil { // url's error repeats the URL, password included
		return SMTPConfig{}, errors.New("the SMTP URL cannot be read as a URL; percent-encode special characters in the username and password (@ as %40, : as %3A, / as %2F) and write it as " + smtpURLForm)
	}
	if u.Scheme != "smtp" && u.Scheme != "smtps" {
		return SMTPConfig{}, fmt.Errorf("scheme %q: an SMTP URL starts with smtp:// (or smtps:// for implicit TLS), e.g. %s", u.Scheme, smtpURLForm)
	}
	if u.Hostname() == "" {
		return SMTPConfig{}, errors.New("host: the SMTP URL names no mail server; write it as " + smtpURLForm)
	}
	if u.Path != "" && u.Path != "/" {
		return SMTPConfig{}, errors.New("path: an SMTP URL has no path; put from= and tls= after a ?, e.g. " + smtpURLForm)
	}
	q := u.Query()
	for k := range q {
		if k != "from" && k != "tls" {
			return SMTPConfig{}, fmt.Errorf("setting %q: an SMTP URL takes only from= and tls= after the ?", k)
		}
	}
	c := SMTPConfig{Host: u.Hostname(), From: strings.TrimSpace(q.Get("from")), TLS: strings.ToLower(strings.TrimSpace(q.Get("tls")))}
	switch {
	case u.Scheme == "smtps" && c.TLS == "":
		c.TLS = "tls"
	case u.Scheme == "smtps" && c.TLS != "tls":
		return c, fmt.Errorf("tls %q contradicts smtps:// (implicit TLS); drop tls= or write smtp://", c.TLS)
	case c.TLS == "":
		c.TLS = "starttls"
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	switch p := u.Port(); {
	case p != "":
		if c.Port, err = strconv.Atoi(p); err != nil {
			return c, fmt.Errorf("port %q is not a number", p)
		}
	case c.TLS == "tls":
		c.Port = 465
	default:
		c.Port = 587
	}
	if c.From == "" {
		return c, errors.New("from: the SMTP URL needs the address mail comes from, e.g. ?from=parityrail@example.com")
	}
	return c, c.Validate()
}

// Validate says what is wrong with a mail server's settings, naming the
// setting first (host, port, from, tls).
func (c SMTPConfig) Validate() error {
	switch {
	case strings.TrimSpace(c.Host) == "" || strings.ContainsAny(c.Host, " /@") || (strings.Contains(c.Host, ":") && net.ParseIP(c.Host) == nil):
		return errors.New("host: give the mail server's host name, e.g. smtp.example.com")
	case c.Port < 1 || c.Port > 65535:
		return fmt.Errorf("port %d: use the mail server's port, usually 587 (STARTTLS) or 465 (TLS)", c.Port)
	case !validFrom(c.From):
		return errors.New("from: give the address mail comes from, e.g. parityrail@example.com or ParityRail <parityrail@example.com>")
	case c.TLS != "starttls" && c.TLS != "tls" && c.TLS != "none":
		return fmt.Errorf("tls %q: use starttls, tls or none", c.TLS)
	case c.TLS == "none" && !IsLoopback(c.Host):
		return errors.New("tls none is only allowed for a mail server on this machine (loopback): passwords and customer ids would cross the network in clear")
	}
	return nil
}

// validFrom: one address, optionally with a display name, on one line.
func validFrom(from string) bool {
	if strings.ContainsAny(from, "\r\n") {
		return false
	}
	a, err := mail.ParseAddress(from)
	return err == nil && strings.Contains(a.Address, "@") && !strings.HasPrefix(a.Address, "@") && !strings.HasSuffix(a.Address, "@")
}

// SendEmail sends one multipart/alternative email (text, then HTML) with
// go-mail: From c.From, Message-ID "<messageID@parityrail>" (the delivery
// key, so a receiver can drop a repeat), Auto-Submitted: auto-generated.
// TLS per c.TLS (starttls mandatory, implicit tls, or none on loopback);
// PLAIN auth only when c.Username is set; 15 s timeouts.
func SendEmail(ctx context.Context, c SMTPConfig, to []string, subject, text, html, messageID string) Result {
	if err := c.Validate(); err != nil {
		return Result{Body: err.Error(), Hint: "The mail server settings are wrong: " + err.Error()}
	}
	if len(to) == 0 {
		return Result{Body: "no recipients", Hint: "The channel has no recipients; add an address."}
	}
	m := gomail.NewMsg()
	if err := m.From(c.From); err != nil {
		return Result{Body: err.Error(), Hint: "The from address is not valid; fix it in the mail server settings."}
	}
	if err := m.To(to...); err != nil {
		return Result{Body: err.Error(), Hint: "A recipient address is not valid; edit the channel."}
	}
	m.Subject(oneLine(subject))
	m.SetMessageIDWithValue(messageID + "@parityrail")
	m.SetDate()
	m.SetUserAgent("ParityRail")
	m.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated") // RFC 3834: no vacation replies
	m.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	m.SetBodyString(gomail.TypeTextPlain, text)
	m.AddAlternativeString(gomail.TypeTextHTML, html)

	opts := []gomail.Option{gomail.WithPort(c.Port), gomail.WithTimeout(smtpTimeout)}
	auth := gomail.SMTPAuthPlain
	switch c.TLS {
	case "tls":
		opts = append(opts, gomail.WithSSL())
	case "none":
		// Loopback only (Validate). go-mail's PLAIN refuses a clear-text
		// connection except to localhost, 127.0.0.1 and ::1; NoEnc lets
		// the rest of loopback (127.0.0.2, x.localhost) log in too.
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
		auth = gomail.SMTPAuthPlainNoEnc
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if c.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(c.Username), gomail.WithPassword(c.Password))
	}
	client, err := gomail.NewClient(c.Host, opts...)
	if err != nil {
		return Result{Body: err.Error(), Hint: "The mail server settings are wrong: " + err.Error()}
	}
	if err := client.DialAndSendWithContext(ctx, m); err != nil {
		return smtpResult(err, c)
	}
	return Result{Delivered: true, Status: 250, Body: "accepted for " + strings.Join(to, ", ")}
}

const smtpTimeout = 15 * time.Second

// replyCode finds an SMTP reply ("535 5.7.8 …") in an error's text; it
// must follow the start or ": " so that a port ("…:587: connect") is not one.
var replyCode = regexp.MustCompile(`(?:^|: )([45]\d\d)[ -]`)

// smtpResult classifies a failed send by the server's reply code.
func smtpResult(err error, c SMTPConfig) Result {
	msg := err.Error()
	if c.Password != "" {
		msg = strings.ReplaceAll(msg, c.Password, "…") // never echo the password
	}
	r := Result{Body: clip(msg, maxBody)}
	var te *textproto.Error
	var se *gomail.SendError
	switch {
	case errors.As(err, &te):
		r.Status = te.Code
	case errors.As(err, &se) && se.ErrorCode() != 0:
		r.Status = se.ErrorCode()
	default:
		if m := replyCode.FindStringSubmatch(msg); m != nil {
			r.Status, _ = strconv.Atoi(m[1])
		}
	}
	const settings = "the mail server settings (Settings → Email, or PARITYRAIL_SMTP_URL)"
	var ne net.Error
	switch {
	case r.Status == 535 || r.Status == 534:
		r.Hint = "The mail server refused the username or password; fix them in " + settings + "."
	case r.Status == 530:
		r.Hint = "The mail server wants a login: set the username and password in " + settings + "."
	case r.Status == 550 || r.Status == 551 || r.Status == 553 || r.Status == 554 && strings.Contains(strings.ToLower(msg), "recipient"):
		r.Hint = "The mail server refused a recipient or the from address (" + clip(oneLine(msg), 300) + "); check the channel's addresses and the from address."
	case r.Status == 552:
		r.Hint = "The mail server refused the message as too large or over quota: " + clip(oneLine(msg), 300)
	case r.Status >= 400 && r.Status < 500:
		r.Retry = true
	case r.Status >= 500:
		r.Hint = "The mail server refused the message: " + clip(oneLine(msg), 300)
	case strings.Contains(msg, "does not support STARTTLS"):
		r.Hint = "The mail server does not offer STARTTLS; choose implicit TLS (usually port 465) or ask for STARTTLS."
	case strings.Contains(msg, "does not support SMTP AUTH"):
		r.Hint = "The mail server offers no login on this port; clear the username, or use its submission port (587 or 465)."
	case strings.Contains(msg, "x509:") || strings.Contains(msg, "certificate"):
		r.Hint = fmt.Sprintf("The mail server's TLS certificate is not valid for %s; use the host name the certificate names.", c.Host)
	case strings.Contains(msg, "first record does not look like a TLS handshake"):
		r.Hint = fmt.Sprintf("Port %d does not speak implicit TLS; use tls starttls (usually port 587), or port 465 for tls.", c.Port)
	case c.TLS == "starttls" && c.Port == 465 && (errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()):
		r.Hint = "Port 465 expects implicit TLS: choose tls (not starttls) for it, or use port 587 with starttls."
	default: // nothing answered, or the connection broke: try again later
		r.Retry = true
	}
	return r
}

// clip cuts s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
