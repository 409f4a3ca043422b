package server

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"parityrail/access/clerk"
	"parityrail/db"
)

type clerkConnectRequest struct {
	SecretKey string `json:"secret_key"`
	// Replace confirms replacing a connected Postgres source.
	Replace bool `json:"replace"`
}

// connectClerk is step 3's "Test & connect" for Clerk: the key is checked by
// shape, then by GET /users?limit=1, and only then sealed and stored.
func (s *Server) connectClerk(c echo.Context) error {
	var req clerkConnectRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	p := currentProject(c)
	ctx := c.Request().Context()
	if err := s.confirmReplace(c, p, "clerk", req.Replace); err != nil {
		return err
	}
	client, err := s.newClerk(req.SecretKey)
	if err != nil {
		return clerkError(err)
	}
	if err := client.TestConnection(ctx); err != nil {
		return clerkError(err)
	}
	sealed, err := s.vault.Seal(req.SecretKey)
	if err != nil {
		return err
	}
	conn := db.Connection{ProjectID: p.ID, Kind: "clerk", SealedSecret: sealed, Label: client.MaskedLabel(),
		Livemode: client.Mode() == "live", ConnectedBy: currentUser(c).ID}
	if err := s.db.ConnectAccessSource(ctx, conn); err != nil {
		return err
	}
	return s.answerConnected(c, p.ID, "clerk", nil)
}

// newClerk builds a Clerk client for a pasted or stored key, against the
// configured API base.
func (s *Server) newClerk(secretKey string) (*clerk.Client, error) {
	return clerk.New(clerk.Config{BaseURL: s.cfg.ClerkAPIBase, SecretKey: secretKey})
}

// projectClerk opens the project's stored Clerk key.
func (s *Server) projectClerk(c echo.Context) (*clerk.Client, error) {
	if p := currentProject(c); isDemo(p) {
		return s.demoClerk(p.ID)
	}
	conn, err := s.db.GetConnection(c.Request().Context(), currentProject(c).ID, "clerk")
	if errors.Is(err, db.ErrNotFound) {
		return nil, newError(http.StatusConflict, "clerk_not_connected", "Connect Clerk on step 3 (Database) first.")
	}
	if err != nil {
		return nil, err
	}
	key, err := s.vault.Open(conn.SealedSecret)
	if err != nil {
		return nil, newError(http.StatusConflict, "credential_unreadable", "The stored Clerk key cannot be decrypted (the credentials key changed?). Reconnect Clerk on step 3.")
	}
	client, err := s.newClerk(key)
	if err != nil {
		return nil, clerkError(err)
	}
	return client, nil
}

type metadataKeysView struct {
	UserKeys             []string `json:"user_keys"`
	OrganizationKeys     []string `json:"organization_keys"`
	UsersSampled         int      `json:"users_sampled"`
	OrganizationsSampled int      `json:"organizations_sampled"`
}

// clerkMetadataKeys samples recent users (and organizations when asked) for
// step 6's dropdowns. Every call re-samples, which is what "Retry" needs.
func (s *Server) clerkMetadataKeys(c echo.Context) error {
	client, err := s.projectClerk(c)
	if err != nil {
		return err
	}
	withOrgs := c.QueryParam("organizations") == "true" || c.QueryParam("organizations") == "1"
	sample, err := client.SampleMetadataKeys(c.Request().Context(), withOrgs)
	if err != nil {
		return clerkError(err)
	}
	v := metadataKeysView{UserKeys: sample.UserKeys, OrganizationKeys: sample.OrganizationKeys,
		UsersSampled: sample.UsersSampled, OrganizationsSampled: sample.OrganizationsSampled}
	if v.UserKeys == nil {
		v.UserKeys = []string{}
	}
	if v.OrganizationKeys == nil {
		v.OrganizationKeys = []string{}
	}
	return c.JSON(http.StatusOK, v)
}

// clerkError maps the Clerk package's errors (whose messages are already
// written for a person, from the user's page) to API answers.
func clerkError(err error) error {
	var ce *clerk.Error
	if !errors.As(err, &ce) {
		return err
	}
	status := http.StatusBadGateway
	switch ce.Code {
	case clerk.CodeInvalidKey, clerk.CodeInvalidInput:
		status = http.StatusBadRequest
	case clerk.CodeUnauthorized, clerk.CodeForbidden, clerk.CodeRejected:
		status = http.StatusUnprocessableEntity
	case clerk.CodeRateLimited:
		status = http.StatusTooManyRequests
	case clerk.CodeNotFound:
		status = http.StatusNotFound
	}
	return newError(status, ce.Code, "%s", ce.Message)
}
