package server

import (
	"cmp"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"parityrail/apikey"
	"parityrail/db"
)

// apiKeyView is a key as Settings → API keys lists it: never the key.
type apiKeyView struct {
	ID            string     `json:"id"`
	Name          string     `json:"name"`
	ProjectID     string     `json:"project_id"`
	ProjectName   string     `json:"project_name,omitempty"`
	Capability    string     `json:"capability"`
	Prefix        string     `json:"prefix"`
	Last4         string     `json:"last4"`
	CreatedBy     string     `json:"created_by"`
	CreatedByName string     `json:"created_by_name,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	LastUsedAt    *time.Time `json:"last_used_at"`
	LastUsedIP    string     `json:"last_used_ip,omitempty"`
}

// createdKeyView is the create answer: the only time the key is shown.
type createdKeyView struct {
	apiKeyView
	Key string `json:"key"`
}

type createKeyRequest struct {
	Name       string `json:"name"`
	ProjectID  string `json:"project_id"`
	Capability string `json:"capability"`
}

// keyNames remembers the creators' and projects' names while one answer
// is written: a list of keys reads each person and project once.
type keyNames struct {
	s        *Server
	people   map[string]string
	projects map[string]string
}

func (s *Server) keyNames() *keyNames {
	return &keyNames{s: s, people: map[string]string{}, projects: map[string]string{}}
}

func (n *keyNames) view(c echo.Context, k db.APIKey) apiKeyView {
	v := apiKeyView{ID: k.ID, Name: k.Name, ProjectID: k.ProjectID, Capability: k.Capability, Prefix: k.Prefix, Last4: k.Last4,
		CreatedBy: k.CreatedBy, CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt, LastUsedIP: k.LastUsedIP}
	ctx := c.Request().Context()
	name, ok := n.people[k.CreatedBy]
	if !ok {
		if u, err := n.s.db.GetUser(ctx, k.CreatedBy); err == nil {
			name = cmp.Or(u.Name, u.Email)
		}
		n.people[k.CreatedBy] = name
	}
	v.CreatedByName = name
	if k.ProjectID != "" {
		pname, ok := n.projects[k.ProjectID]
		if !ok {
			if p, err := n.s.db.GetProject(ctx, k.ProjectID); err == nil {
				pname = p.Name
			}
			n.projects[k.ProjectID] = pname
		}
		v.ProjectName = pname
	}
	return v
}

func (s *Server) viewKey(c echo.Context, k db.APIKey) apiKeyView { return s.keyNames().view(c, k) }

func (s *Server) listAPIKeys(c echo.Context) error {
	keys, err := s.db.ListAPIKeys(c.Request().Context())
	if err != nil {
		return err
	}
	views := make([]apiKeyView, 0, len(keys))
	names := s.keyNames()
	for _, k := range keys {
		views = append(views, names.view(c, k))
	}
	return c.JSON(http.StatusOK, listOf(views))
}

// createAPIKey makes a key for scripts, CI or an MCP client. The answer
// carries the key once; only its hash is kept.
func (s *Server) createAPIKey(c echo.Context, req createKeyRequest) error {
	name, err := givenName(req.Name, "Key", "Name the key after what uses it, e.g. \"CI pipeline\".")
	if err != nil {
		return err
	}
	if req.Capability != db.CapabilityRead && req.Capability != db.CapabilityRepair {
		return badRequest("invalid_capability", "Choose read (read state, run checks, ignore incidents) or repair (also approve repairs).")
	}
	projectID := strings.TrimSpace(req.ProjectID)
	if projectID != "" {
		if _, err := s.db.GetProject(c.Request().Context(), projectID); errors.Is(err, db.ErrNotFound) {
			return badRequest("invalid_project", "There is no project %q; leave it empty for a key that reaches every project.", projectID).on("project_id")
		} else if err != nil {
			return err
		}
	}
	key := apikey.New()
	prefix, last4 := apikey.Shown(key)
	u := currentUser(c)
	k, err := s.db.CreateAPIKey(c.Request().Context(), db.APIKey{Name: name, ProjectID: projectID, Capability: req.Capability,
		Prefix: prefix, Last4: last4, CreatedBy: u.ID}, apikey.Hash(key))
	if err != nil {
		return err
	}
	s.log.Info("api key created", "key", k.ID, "prefix", prefix, "capability", k.Capability, "project", k.ProjectID, "by", u.ID)
	return c.JSON(http.StatusCreated, createdKeyView{apiKeyView: s.viewKey(c, k), Key: key})
}

// revokeAPIKey refuses the key from the next request on.
func (s *Server) revokeAPIKey(c echo.Context) error {
	u := currentUser(c)
	k, err := s.db.RevokeAPIKey(c.Request().Context(), c.Param("keyId"), u.ID)
	if errors.Is(err, db.ErrNotFound) {
		return newError(http.StatusNotFound, "not_found", "No such API key (it may already be revoked).")
	}
	if err != nil {
		return err
	}
	s.limiters.forget(k.ID)
	s.log.Info("api key revoked", "key", k.ID, "prefix", k.Prefix, "by", u.ID)
	return c.NoContent(http.StatusNoContent)
}
