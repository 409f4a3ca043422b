package server

import (
	"errors"
	"net/http"
	"net/mail"
	"strings"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"parityrail/db"
)

// dummyHash is compared against when the email is unknown, so a wrong email
// takes as long as a wrong password and does not reveal who has an account.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("parityrail-dummy-password"), bcrypt.DefaultCost)

func (s *Server) setupStatus(c echo.Context) error {
	n, err := s.db.CountUsers(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]bool{"required": n == 0})
}

type setupRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
}

func (s *Server) setup(c echo.Context, req setupRequest) error {
	email, name, err := validatePerson(req.Email, req.Name, req.Password)
	if err != nil {
		return err
	}
	hash, err := s.hashPassword(req.Password)
	if err != nil {
		return err
	}
	u, err := s.db.CreateOwner(c.Request().Context(), email, name, hash)
	if errors.Is(err, db.ErrSetupDone) {
		return newError(http.StatusConflict, "setup_done", "ParityRail is already set up. Sign in instead.")
	}
	if err != nil {
		return err
	}
	return s.signIn(c, http.StatusCreated, u)
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (s *Server) login(c echo.Context, req loginRequest) error {
	ctx := c.Request().Context()
	email := strings.TrimSpace(req.Email)
	if email == "" {
		return badRequest("email_required", "Enter your email.").on("email")
	}
	if req.Password == "" {
		return badRequest("password_required", "Enter your password.").on("password")
	}
	now, ip := s.now().UTC(), c.RealIP()
	failures, err := s.db.RecentLoginFailures(ctx, email, ip, now.Add(-loginWindow))
	if err != nil {
		return err
	}
	if err := s.loginThrottled(failures, email, ip, now); err != nil {
		return err
	}
	u, err := s.db.GetUserByEmail(ctx, email)
	hash := u.PasswordHash
	if errors.Is(err, db.ErrNotFound) {
		hash = string(dummyHash)
	} else if err != nil {
		return err
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(req.Password)) != nil || u.ID == "" {
		if err := s.db.RecordLoginFailure(ctx, email, ip); err != nil {
			return err
		}
		return newError(http.StatusUnauthorized, "invalid_credentials", "Email or password is incorrect.")
	}
	if err := s.db.ClearLoginFailures(ctx, email, ip); err != nil {
		return err
	}
	return s.signIn(c, http.StatusOK, u)
}

func (s *Server) logout(c echo.Context) error {
	if cookie, err := c.Cookie(sessionCookie); err == nil && cookie.Value != "" {
		if err := s.db.DeleteSession(c.Request().Context(), cookie.Value); err != nil {
			return err
		}
	}
	s.clearSession(c)
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) me(c echo.Context) error {
	return c.JSON(http.StatusOK, currentUser(c))
}

// signIn starts u's session (its cookie and a fresh CSRF token) and answers
// with u: the end of sign-in, of the owner's setup and of accepting an invite.
func (s *Server) signIn(c echo.Context, status int, u db.User) error {
	token, err := s.db.CreateSession(c.Request().Context(), u.ID, sessionTTL)
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: token, Path: "/", MaxAge: int(sessionTTL.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secureCookies(c)})
	if err := s.rotateCSRF(c); err != nil {
		return err
	}
	return c.JSON(status, u)
}

// validatePerson checks the fields of a new account and returns the cleaned
// email and name.
func validatePerson(email, name, password string) (string, string, error) {
	email, err := validateEmail(email)
	if err != nil {
		return "", "", err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return "", "", badRequest("invalid_name", "Enter your name.")
	}
	if len(name) > 100 {
		return "", "", badRequest("invalid_name", "Names can be at most 100 characters long.")
	}
	if err := validatePassword(password); err != nil {
		return "", "", err
	}
	return email, name, nil
}

func validateEmail(raw string) (string, error) {
	email := strings.TrimSpace(raw)
	if email == "" {
		return "", badRequest("invalid_email", "Enter an email address.")
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || !strings.Contains(email[strings.LastIndex(email, "@")+1:], ".") {
		return "", badRequest("invalid_email", "%q is not a valid email address.", email)
	}
	return email, nil
}

func (s *Server) hashPassword(p string) (string, error) {
	cost := s.cfg.PasswordCost
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(p), cost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}
