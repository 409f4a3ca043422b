package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"parityrail/db"
)

// connectionView is how a connection is shown: masked labels only, never a
// secret.
type connectionView struct {
	Kind        string    `json:"kind"`
	Label       string    `json:"label"`
	ExtraLabel  string    `json:"extra_label,omitempty"`
	Mode        string    `json:"mode"`
	ConnectedAt time.Time `json:"connected_at"`
}

func viewConnection(c db.Connection) connectionView {
	mode := "test"
	if c.Livemode {
		mode = "live"
	}
	return connectionView{Kind: c.Kind, Label: c.Label, ExtraLabel: c.ExtraLabel, Mode: mode, ConnectedAt: c.ConnectedAt}
}

func (s *Server) listConnections(c echo.Context) error {
	conns, err := s.db.ListConnections(c.Request().Context(), currentProject(c).ID)
	if err != nil {
		return err
	}
	views := make([]connectionView, len(conns))
	for i, conn := range conns {
		views[i] = viewConnection(conn)
	}
	return c.JSON(http.StatusOK, listOf(views))
}

var accessSourceNames = map[string]string{"postgres": "Postgres / Supabase", "clerk": "Clerk"}

// confirmReplace refuses to connect one access source over the other unless
// the person confirmed it: a project reads access state from one place only.
func (s *Server) confirmReplace(c echo.Context, p db.Project, kind string, confirmed bool) error {
	other := map[string]string{"postgres": "clerk", "clerk": "postgres"}[kind]
	existing, err := s.db.GetConnection(c.Request().Context(), p.ID, other)
	if errors.Is(err, db.ErrNotFound) || (err == nil && confirmed) {
		return nil
	}
	if err != nil {
		return err
	}
	return newError(http.StatusConflict, "replace_required",
		"This project already reads access state from %s (%s). Connecting %s replaces it: connect a Postgres database or Clerk, not both. Confirm to replace it.",
		accessSourceNames[other], existing.Label, accessSourceNames[kind])
}

// projectSource opens one of the current project's stored sources with open
// (a demo project's world otherwise), answering a refusal with its code.
func projectSource[T any](c echo.Context, open func(context.Context, db.Project) (T, error)) (T, error) {
	src, err := open(c.Request().Context(), currentProject(c))
	if err != nil {
		var none T
		return none, sourceAnswer(err)
	}
	return src, nil
}
