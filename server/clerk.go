package server

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"parityrail/db"
	"parityrail/repair"
)

type clerkConnectRequest struct {
	SecretKey string `json:"secret_key"`
	// Replace confirms replacing a connected Postgres source.
	Replace bool `json:"replace"`
}

// connectClerk is step 3's "Test & connect" for Clerk: the key is checked by
// shape, then by GET /users?limit=1, and only then sealed and stored.
func (s *Server) connectClerk(c echo.Context, req clerkConnectRequest) error {
	p := currentProject(c)
	ctx := c.Request().Context()
	if err := s.confirmReplace(c, p, "clerk", req.Replace); err != nil {
		return err
	}
	client, err := s.sources.CandidateClerk(p, req.SecretKey)
	if err != nil {
		return sourceAnswer(err)
	}
	if err := client.TestConnection(ctx); err != nil {
		return sourceAnswer(err)
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

type metadataKeysView struct {
	UserKeys             []string `json:"user_keys"`
	OrganizationKeys     []string `json:"organization_keys"`
	UsersSampled         int      `json:"users_sampled"`
	OrganizationsSampled int      `json:"organizations_sampled"`
}

// clerkMetadataKeys samples recent users (and organizations when asked) for
// step 6's dropdowns. Every call re-samples, which is what "Retry" needs.
func (s *Server) clerkMetadataKeys(c echo.Context) error {
	client, err := projectSource(c, s.sources.ClerkClient)
	if err != nil {
		return err
	}
	withOrgs := c.QueryParam("organizations") == "true" || c.QueryParam("organizations") == "1"
	sample, err := client.SampleMetadataKeys(c.Request().Context(), withOrgs)
	if err != nil {
		return sourceAnswer(err)
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

// clerkInstance is the Clerk instance a guided fix addresses: the API base
// ParityRail reads through (unless it is a demo world's), and whether the
// stored key is a development or a production instance's.
func (s *Server) clerkInstance(ctx context.Context, projectID string) repair.Instance {
	in := repair.Instance{APIBase: s.cfg.ClerkAPIBase, Environment: "development"}
	conn, err := s.db.GetConnection(ctx, projectID, "clerk")
	if err != nil {
		// A demo project (or none stored): the public API, as a person's own
		// Clerk would be addressed.
		in.APIBase = ""
		return in
	}
	if conn.Livemode {
		in.Environment = "production"
	}
	return in
}
