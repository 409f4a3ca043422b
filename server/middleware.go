package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"parityrail/db"
)

const (
	ctxUser    = "user"
	ctxSession = "session_token"
	ctxProject = "project"
)

func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("panic in handler", "path", c.Request().URL.Path, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return next(c)
	}
}

// logRequests logs method, path (never the query, which may carry tokens),
// status and duration.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		if strings.HasPrefix(c.Request().URL.Path, "/api/") {
			attrs := []any{"method", c.Request().Method, "path", c.Request().URL.Path,
				"status", c.Response().Status, "ms", time.Since(start).Milliseconds(), "request_id", requestIDOf(c)}
			if k := currentKey(c); k.ID != "" {
				attrs = append(attrs, "api_key", k.Prefix) // never more of a key than its prefix
			}
			s.log.Info("request", attrs...)
		}
		return nil
	}
}

// csrf implements the double-submit pattern: a readable cookie holds a random
// value, and every state-changing request must echo it in a header. A page on
// another origin can make the browser send the cookie but cannot read it.
func (s *Server) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if machinePath(c.Request().URL.Path) {
			return next(c) // API keys only: no cookie is a credential there
		}
		cookie, err := c.Cookie(csrfCookie)
		if err != nil || cookie.Value == "" {
			b := make([]byte, 32)
			if _, err := rand.Read(b); err != nil {
				return err
			}
			cookie = &http.Cookie{Name: csrfCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/",
				SameSite: http.SameSiteLaxMode, Secure: s.secureCookies(c)}
			c.SetCookie(cookie)
		}
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if !strings.HasPrefix(c.Request().URL.Path, "/api/") || strings.HasPrefix(c.Request().URL.Path, "/api/webhooks/") {
			return next(c) // webhooks authenticate by signature
		}
		got := c.Request().Header.Get(csrfHeader)
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(cookie.Value)) != 1 {
			return newError(http.StatusForbidden, "csrf_failed", "This request is missing its security token. Reload the page and try again.")
		}
		return next(c)
	}
}

// machinePath is a path that takes API keys and no session: /api/v1 and
// the MCP endpoint.
func machinePath(p string) bool {
	return strings.HasPrefix(p, "/api/v1/") || p == "/api/v1" || p == "/api/mcp" || strings.HasPrefix(p, "/api/mcp/")
}

// require loads the session's user and refuses callers below min. It is the
// one place roles are enforced; routes.go puts it on every protected route.
func (s *Server) require(min db.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u, err := s.sessionUser(c)
			if err != nil {
				return err
			}
			if !u.Role.AtLeast(min) {
				return errForbidden
			}
			return next(c)
		}
	}
}

// sessionUser resolves the session cookie into a user and remembers both on
// the context.
func (s *Server) sessionUser(c echo.Context) (db.User, error) {
	if u, ok := c.Get(ctxUser).(db.User); ok {
		return u, nil
	}
	cookie, err := c.Cookie(sessionCookie)
	if err != nil || cookie.Value == "" {
		return db.User{}, errUnauthenticated
	}
	u, err := s.db.SessionUser(c.Request().Context(), cookie.Value)
	if errors.Is(err, db.ErrNotFound) {
		return db.User{}, errUnauthenticated
	}
	if err != nil {
		return db.User{}, err
	}
	c.Set(ctxUser, u)
	c.Set(ctxSession, cookie.Value)
	return u, nil
}

// loaded is what a middleware stored under key for the handlers after it
// (the zero value when it stored nothing there).
func loaded[T any](c echo.Context, key string) T {
	v, _ := c.Get(key).(T)
	return v
}

func currentUser(c echo.Context) db.User { return loaded[db.User](c, ctxUser) }

// withProject loads the :id project after the role check; a missing project
// and one the caller may not reach both answer 404.
func (s *Server) withProject(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := s.db.GetProject(c.Request().Context(), c.Param("id"))
		if errors.Is(err, db.ErrNotFound) {
			return newError(http.StatusNotFound, "not_found", "No such project.")
		}
		if err != nil {
			return err
		}
		c.Set(ctxProject, p)
		return next(c)
	}
}

// withOwned loads what the path parameter param names (an incident, a
// repair), then its project, after the role check, and keeps both for the
// handler (under key and ctxProject). A missing one, or one whose project is
// gone, answers 404 "No such <what>.".
func withOwned[T any](s *Server, param, key, what string,
	get func(context.Context, string) (T, error), projectID func(T) string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx := c.Request().Context()
			v, err := get(ctx, c.Param(param))
			if errors.Is(err, db.ErrNotFound) {
				return newError(http.StatusNotFound, "not_found", "No such %s.", what)
			}
			if err != nil {
				return err
			}
			p, err := s.db.GetProject(ctx, projectID(v))
			if errors.Is(err, db.ErrNotFound) {
				return newError(http.StatusNotFound, "not_found", "No such %s.", what)
			}
			if err != nil {
				return err
			}
			c.Set(key, v)
			c.Set(ctxProject, p)
			return next(c)
		}
	}
}

func currentProject(c echo.Context) db.Project { return loaded[db.Project](c, ctxProject) }
