package server

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"parityrail/apikey"
	"parityrail/db"
)

// Machine access: /api/v1 and /api/mcp take an API key as a Bearer token and
// nothing else. A session cookie is not a credential there, so neither is a
// CSRF token needed: a page on another origin cannot make a browser send an
// Authorization header.

const ctxAPIKey = "api_key"

// Per-key request budget.
const (
	keyRate  = 10 // requests per second
	keyBurst = 50
)

func invalidKey(format string, args ...any) *apiError {
	return newError(http.StatusUnauthorized, "invalid_api_key", format, args...)
}

var (
	errKeyMissing = invalidKey("Send an API key as \"Authorization: Bearer sk_prail_…\"; an admin creates one in Settings → API keys. " +
		"Session cookies are not accepted on /api/v1 or /api/mcp.")
	errKeyMalformed = invalidKey("This is not a ParityRail API key (sk_prail_ followed by 49 letters and digits); check it was copied whole.")
	errKeyUnknown   = invalidKey("This API key is unknown or has been revoked. An admin can create a new one in Settings → API keys.")
	errNeedsRepair  = newError(http.StatusForbidden, "repair_capability_required",
		"This API key can read and run checks but not approve repairs. An admin can create a key with the repair capability.")
	errNoProject = newError(http.StatusNotFound, "not_found", "No such project.")
)

// bearerKey reads the key of a request; "" when there is no Bearer token.
func bearerKey(r *http.Request) string {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// authenticateKey resolves the request's key: live, within its rate, last
// use recorded. Only the key's prefix is ever logged.
func (s *Server) authenticateKey(c echo.Context) (db.APIKey, error) {
	raw := bearerKey(c.Request())
	switch {
	case raw == "":
		return db.APIKey{}, errKeyMissing
	case !apikey.Valid(raw):
		return db.APIKey{}, errKeyMalformed
	}
	ctx := c.Request().Context()
	k, err := s.db.APIKeyByHash(ctx, apikey.Hash(raw))
	if errors.Is(err, db.ErrNotFound) {
		prefix, _ := apikey.Shown(raw)
		s.log.Info("api key refused", "prefix", prefix, "ip", c.RealIP(), "request_id", requestIDOf(c))
		return db.APIKey{}, errKeyUnknown
	}
	if err != nil {
		return db.APIKey{}, err
	}
	if wait := s.limiters.take(k.ID); wait > 0 {
		e := newError(http.StatusTooManyRequests, "rate_limited",
			"This API key sent more than %d requests a second (bursts up to %d). Wait and retry.", keyRate, keyBurst)
		e.RetryAfter = int(math.Ceil(wait.Seconds()))
		return db.APIKey{}, e
	}
	if s.limiters.touch(k.ID, c.RealIP(), time.Now()) {
		if err := s.db.TouchAPIKey(ctx, k.ID, c.RealIP()); err != nil {
			s.log.Warn("api key last use not recorded", "key", k.ID, "err", err)
		}
	}
	return k, nil
}

// requireKey guards /api/v1: the key becomes the request's actor
// ("apikey:<id>"), which every ledger entry it causes records.
func (s *Server) requireKey(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		k, err := s.authenticateKey(c)
		if err != nil {
			return err
		}
		c.Set(ctxAPIKey, k)
		c.Set(ctxUser, db.User{ID: k.Actor(), Name: k.Name})
		return next(c)
	}
}

func currentKey(c echo.Context) db.APIKey { return loaded[db.APIKey](c, ctxAPIKey) }

// requireRepairKey refuses a read key before anything is looked up.
func requireRepairKey(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentKey(c).Capability != db.CapabilityRepair {
			return errNeedsRepair
		}
		return next(c)
	}
}

// keyReaches says whether a key may see a project's data.
func keyReaches(k db.APIKey, projectID string) bool {
	return k.ProjectID == "" || k.ProjectID == projectID
}

// keyProject resolves the project a key request is about: the one named, or
// the key's own when none is. A project out of the key's reach answers
// exactly like one that does not exist.
func (s *Server) keyProject(c echo.Context, k db.APIKey, projectID string) (db.Project, error) {
	return s.keyProjectCtx(c.Request().Context(), k, projectID)
}

func (s *Server) keyProjectCtx(ctx context.Context, k db.APIKey, projectID string) (db.Project, error) {
	id := strings.TrimSpace(projectID)
	if id == "" {
		if k.ProjectID == "" {
			return db.Project{}, badRequest("project_required", "This key reaches every project: name one with project_id.").on("project_id")
		}
		id = k.ProjectID
	}
	if !keyReaches(k, id) {
		return db.Project{}, errNoProject
	}
	p, err := s.db.GetProject(ctx, id)
	if errors.Is(err, db.ErrNotFound) {
		return db.Project{}, errNoProject
	}
	return p, err
}

// keyLimiters holds each key's token bucket and when its last use was
// written, so a busy script costs no write per request.
type keyLimiters struct {
	mu sync.Mutex
	m  map[string]*keyState
}

type keyState struct {
	lim     *rate.Limiter
	touched time.Time
	ip      string
}

func (l *keyLimiters) state(id string) *keyState {
	if l.m == nil {
		l.m = map[string]*keyState{}
	}
	st, ok := l.m[id]
	if !ok {
		st = &keyState{lim: rate.NewLimiter(keyRate, keyBurst)}
		l.m[id] = st
	}
	return st
}

// take spends one request of the key's budget; it returns how long to wait
// when the budget is spent (nothing is spent then).
func (l *keyLimiters) take(id string) time.Duration {
	l.mu.Lock()
	lim := l.state(id).lim
	l.mu.Unlock()
	r := lim.Reserve()
	if d := r.Delay(); d > 0 {
		r.Cancel()
		return d
	}
	return 0
}

// touch says whether the key's last use should be written now: once a
// minute, or when the address changed.
func (l *keyLimiters) touch(id, ip string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.state(id)
	if ip == st.ip && now.Sub(st.touched) < time.Minute {
		return false
	}
	st.touched, st.ip = now, ip
	return true
}

func (l *keyLimiters) forget(id string) {
	l.mu.Lock()
	delete(l.m, id)
	l.mu.Unlock()
}
