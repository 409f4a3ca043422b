package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"parityrail/db"
	"parityrail/notification"
)

// smtpView is the workspace's mail server as Settings → Email shows it:
// never the password, only whether one is set.
type smtpView struct {
	Configured  bool   `json:"configured"`
	Source      string `json:"source"` // environment, settings, or "" when none
	Host        string `json:"host"`
	Port        int    `json:"port"`
	Username    string `json:"username"`
	PasswordSet bool   `json:"password_set"`
	From        string `json:"from"`
	TLS         string `json:"tls"`
}

type smtpRequest struct {
	Host     string  `json:"host"`
	Port     int     `json:"port"`
	Username string  `json:"username"`
	Password *string `json:"password"` // absent: keep the stored one
	From     string  `json:"from"`
	TLS      string  `json:"tls"`
}

func (s *Server) getSMTP(c echo.Context) error {
	cfg, source, err := s.notifier.SMTP(c.Request().Context())
	if err != nil && source == "" {
		return c.JSON(http.StatusOK, smtpView{})
	}
	return c.JSON(http.StatusOK, smtpView{Configured: true, Source: source, Host: cfg.Host, Port: cfg.Port, Username: cfg.Username,
		PasswordSet: cfg.Password != "", From: cfg.From, TLS: cfg.TLS})
}

// saveSMTP stores the mail server; with PARITYRAIL_SMTP_URL set the
// environment wins and this is refused.
func (s *Server) saveSMTP(c echo.Context) error {
	if s.notifier.EnvSMTP != nil {
		return newError(http.StatusConflict, "smtp_from_environment",
			"The mail server is set by PARITYRAIL_SMTP_URL on the server; change it there (the environment wins over this page).")
	}
	var req smtpRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	cfg := notification.SMTPConfig{Host: strings.TrimSpace(req.Host), Port: req.Port, Username: strings.TrimSpace(req.Username),
		From: strings.TrimSpace(req.From), TLS: req.TLS}
	if cfg.TLS == "" {
		cfg.TLS = "starttls"
	}
	if cfg.Port == 0 {
		cfg.Port = 587
	}
	stored, err := s.db.GetSMTP(ctx)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return err
	}
	sealed := stored.SealedPassword
	if req.Password != nil {
		sealed = ""
		if *req.Password != "" {
			if sealed, err = s.vault.Seal(*req.Password); err != nil {
				return err
			}
		}
	}
	if err := cfg.Validate(); err != nil {
		return badRequest("invalid_smtp", "%s", err.Error()).on(smtpField(err.Error()))
	}
	if err := s.db.SaveSMTP(ctx, db.SMTP{Host: cfg.Host, Port: cfg.Port, Username: cfg.Username, SealedPassword: sealed, From: cfg.From,
		TLS: cfg.TLS, UpdatedBy: currentUser(c).ID}); err != nil {
		return err
	}
	return s.getSMTP(c)
}

// smtpField names the form field a validation message is about.
func smtpField(msg string) string {
	m := strings.ToLower(msg)
	for _, f := range []struct{ word, field string }{{"from", "from"}, {"port", "port"}, {"tls", "tls"}, {"loopback", "tls"}, {"host", "host"}} {
		if strings.Contains(m, f.word) {
			return f.field
		}
	}
	return "host"
}
