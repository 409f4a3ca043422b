package notification

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	mail "github.com/wneessen/go-mail"
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

// ParseSMTPURL reads PARITYRAIL_SMTP_URL:
// smtp://user:pass@host:587?from=alerts@example.com&tls=starttls|tls|none
// (tls defaults to starttls; the port to 587, or 465 with tls).
func ParseSMTPURL(s string) (SMTPConfig, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Scheme != "smtp" || u.Hostname() == "" {
		return SMTPConfig{}, errors.New("write it as smtp://user:password@host:587?from=alerts@example.com&tls=starttls")
	}
	c := SMTPConfig{Host: u.Hostname(), From: u.Query().Get("from"), TLS: u.Query().Get("tls")}
	if c.TLS == "" {
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
	case !strings.Contains(c.From, "@") || strings.ContainsAny(c.From, " <>\r\n"):
		return errors.New("from: give the address mail comes from, e.g. parityrail@example.com")
	case c.TLS != "starttls" && c.TLS != "tls" && c.TLS != "none":
		return fmt.Errorf("tls %q: use starttls, tls or none", c.TLS)
	case c.TLS == "none" && !IsLoopback(c.Host):
		return errors.New("tls none is only allowed for a mail server on this machine (loopback): passwords and customer ids would cross the network in clear")
	}
	return nil
}

// SendEmail sends one multipart (text + HTML) email. messageID (the
// delivery key) becomes the Message-ID, so a receiver can drop a repeat.
func SendEmail(ctx context.Context, c SMTPConfig, to []string, subject, text, html, messageID string) Result {
	if err := c.Validate(); err != nil {
		return Result{Body: err.Error(), Hint: "The mail server settings are wrong: " + err.Error()}
	}
	m := mail.NewMsg()
	if err := m.From(c.From); err != nil {
		return Result{Body: err.Error(), Hint: "The from address is not valid; fix it in Settings → Email."}
	}
	if err := m.To(to...); err != nil {
		return Result{Body: err.Error(), Hint: "A recipient address is not valid; edit the channel."}
	}
	m.Subject(subject)
	m.SetMessageIDWithValue(messageID + "@parityrail")
	m.SetDate()
	m.SetBodyString(mail.TypeTextPlain, text)
	m.AddAlternativeString(mail.TypeTextHTML, html)

	opts := []mail.Option{mail.WithPort(c.Port), mail.WithTimeout(15 * time.Second)}
	switch c.TLS {
	case "tls":
		opts = append(opts, mail.WithSSL())
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if c.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(c.Username), mail.WithPassword(c.Password))
	}
	client, err := mail.NewClient(c.Host, opts...)
	if err != nil {
		return Result{Body: err.Error(), Hint: "The mail server settings are wrong: " + err.Error()}
	}
	if err := client.DialAndSendWithContext(ctx, m); err != nil {
		return smtpResult(err, c)
	}
	return Result{Delivered: true, Status: 250, Body: "accepted for " + strings.Join(to, ", ")}
}

var replyCode = regexp.MustCompile(`\b([45]\d\d)\b`)

// smtpResult classifies a failed send by the server's reply code.
func smtpResult(err error, c SMTPConfig) Result {
	msg := strings.ReplaceAll(err.Error(), c.Password, "…") // never echo the password
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	r := Result{Body: msg}
	var se *mail.SendError
	if errors.As(err, &se) && se.ErrorCode() != 0 {
		r.Status = se.ErrorCode()
	} else if m := replyCode.FindStringSubmatch(msg); m != nil {
		r.Status, _ = strconv.Atoi(m[1])
	}
	switch {
	case r.Status == 535 || r.Status == 534 || r.Status == 530:
		r.Hint = "The mail server refused the username or password; fix them in Settings → Email."
	case r.Status == 550 || r.Status == 553 || r.Status == 551:
		r.Hint = "The mail server refused a recipient or the from address: " + msg
	case r.Status >= 400 && r.Status < 500, r.Status == 0:
		r.Retry = true
	default:
		r.Hint = "The mail server refused the message: " + msg
	}
	if r.Status == 0 && strings.Contains(msg, "STARTTLS") {
		r.Retry, r.Hint = false, "The mail server does not offer STARTTLS; choose implicit TLS (port 465) or ask for STARTTLS."
	}
	return r
}
