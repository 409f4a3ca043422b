package server

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"
)

type passwordChange struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// changePassword sets a new password after the current one is proven, and
// signs the account out everywhere else (a stolen session dies with the old
// password); this browser stays signed in.
func (s *Server) changePassword(c echo.Context, req passwordChange) error {
	u := currentUser(c)
	if req.CurrentPassword == "" {
		return badRequest("current_password_required", "Enter your current password.").on("current_password")
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(req.CurrentPassword)) != nil {
		return badRequest("wrong_password", "That is not your current password.").on("current_password")
	}
	if err := validatePassword(req.NewPassword); err != nil {
		return onField(err, "new_password")
	}
	hash, err := s.hashPassword(req.NewPassword)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := s.db.SetPasswordHash(ctx, u.ID, hash); err != nil {
		return err
	}
	keep := ""
	if cookie, err := c.Cookie(sessionCookie); err == nil {
		keep = cookie.Value
	}
	n, err := s.db.EndUserSessions(ctx, u.ID, keep)
	if err != nil {
		return err
	}
	s.log.Info("password changed", "user", u.ID, "other_sessions_ended", n)
	return c.NoContent(http.StatusNoContent)
}

// signOutEverywhere ends every session of the account, this one included.
func (s *Server) signOutEverywhere(c echo.Context) error {
	u := currentUser(c)
	n, err := s.db.EndUserSessions(c.Request().Context(), u.ID, "")
	if err != nil {
		return err
	}
	s.log.Info("signed out everywhere", "user", u.ID, "sessions_ended", n)
	s.clearSession(c)
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) clearSession(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secureCookies(c)})
}

// rotateCSRF gives a newly signed-in browser a fresh CSRF token, so a token
// planted before sign-in (a shared computer, a sibling subdomain) is useless.
func (s *Server) rotateCSRF(c echo.Context) error {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: csrfCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/",
		SameSite: http.SameSiteLaxMode, Secure: s.secureCookies(c)})
	return nil
}
