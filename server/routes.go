package server

import (
	"github.com/labstack/echo/v4"

	"parityrail/db"
)

// routes lists every route in one place, with the guard visible on each line;
// withBody marks the handlers that take a JSON request body.
func (s *Server) routes(e *echo.Echo) {
	member, admin, owner := s.require(db.RoleMember), s.require(db.RoleAdmin), s.require(db.RoleOwner)
	project := s.withProject

	// Public.
	e.GET("/api/health", s.health)
	e.GET("/api/ready", s.ready)
	e.GET("/metrics", s.metrics) // bearer token (PARITYRAIL_METRICS_TOKEN), off without it
	e.GET("/api/openapi.yaml", s.openAPI)
	e.GET("/api/setup", s.setupStatus)
	e.POST("/api/setup", withBody(s.setup))
	e.POST("/api/auth/login", withBody(s.login))
	e.POST("/api/auth/logout", s.logout)
	e.GET("/api/invites/:token", s.showInvite)
	e.POST("/api/invites/:token/accept", s.acceptInvite)
	e.POST("/api/webhooks/stripe/:projectId", s.stripeWebhook) // signature auth, no CSRF

	// Signed in.
	e.GET("/api/me", s.me, member)
	e.POST("/api/me/password", withBody(s.changePassword), member)
	e.POST("/api/me/sign-out-everywhere", s.signOutEverywhere, member)

	e.GET("/api/projects", s.listProjects, member)
	e.POST("/api/projects", withBody(s.createProject), admin)
	e.GET("/api/projects/:id", s.getProject, member, project)
	e.PATCH("/api/projects/:id", withBody(s.renameProject), admin, project)
	e.DELETE("/api/projects/:id", s.deleteProject, owner, project)
	e.PUT("/api/projects/:id/stack", withBody(s.saveStack), admin, project)
	e.GET("/api/projects/:id/connections", s.listConnections, member, project)
	e.POST("/api/projects/:id/stripe", withBody(s.connectStripe), admin, project, s.ownDataOnly)
	e.GET("/api/projects/:id/stripe/prices", s.stripePrices, member, project)
	e.GET("/api/projects/:id/stripe/budget", s.getBudget, member, project)
	e.PUT("/api/projects/:id/stripe/budget", withBody(s.saveBudget), admin, project)
	e.POST("/api/projects/:id/database", withBody(s.connectDatabase), admin, project, s.ownDataOnly)
	e.GET("/api/projects/:id/database/setup-sql", s.setupSQL, admin, project)
	e.GET("/api/projects/:id/schema", s.schema, member, project)
	e.POST("/api/projects/:id/clerk", withBody(s.connectClerk), admin, project, s.ownDataOnly)
	e.GET("/api/projects/:id/clerk/metadata-keys", s.clerkMetadataKeys, member, project)
	e.GET("/api/projects/:id/app-values", s.appValues, member, project) // the plan values the app stores, for step 5
	e.GET("/api/projects/:id/mappings", s.getMappings, member, project)
	e.PUT("/api/projects/:id/mappings", withBody(s.saveMappings), admin, project)
	e.GET("/api/projects/:id/policy", s.getPolicy, member, project)
	e.POST("/api/projects/:id/policy/preview", s.previewPolicy, member, project) // judges stored reads only: no Stripe call
	e.PUT("/api/projects/:id/policy", s.savePolicy, admin, project)

	// Checks, incidents, customers, schedules, webhook health. Incident
	// routes load the incident's project after the role check (withIncident).
	incident := s.withIncident
	e.POST("/api/projects/:id/checks", withBody(s.startCheck), member, project)
	e.GET("/api/projects/:id/checks", s.listChecks, member, project)
	e.GET("/api/projects/:id/checks/:checkId", s.getCheck, member, project)
	e.GET("/api/projects/:id/incidents", s.listIncidents, member, project)
	e.POST("/api/projects/:id/incidents/acknowledge", withBody(s.acknowledgeIncidents), member, project)
	e.GET("/api/incidents/:incidentId", s.getIncident, member, incident)
	e.POST("/api/incidents/:incidentId/acknowledge", s.acknowledgeIncident, member, incident)
	e.POST("/api/incidents/:incidentId/ignore", withBody(s.ignoreIncident), member, incident)
	e.POST("/api/incidents/:incidentId/recheck", s.recheckIncident, member, incident)
	e.POST("/api/incidents/:incidentId/demo/apply", s.applyDemoFix, member, incident) // demo projects only
	e.GET("/api/projects/:id/customers/:customerId", s.getCustomer, member, project)
	e.GET("/api/projects/:id/schedules", s.getSchedules, member, project)
	e.PUT("/api/projects/:id/schedules", withBody(s.saveSchedules), admin, project)
	e.GET("/api/projects/:id/webhooks", s.webhookHealth, member, project)

	// Demo data: "Explore with demo data" and its reset.
	e.POST("/api/projects/demo", s.createDemoProject, admin)
	e.POST("/api/projects/:id/demo/reset", s.resetDemo, admin, project)
	// Onboarding steps 7–8 and the project dashboard.
	e.POST("/api/projects/:id/onboarding/dry-run", withBody(s.completeDryRun), member, project)
	e.POST("/api/projects/:id/go-live", withBody(s.goLive), admin, project)
	e.GET("/api/projects/:id/dashboard", s.dashboard, member, project)
	// Repairs: admins decide; withRepair loads the repair's project after
	// the role check.
	repairRoute := s.withRepair
	e.POST("/api/repairs/:repairId/approve", s.approveRepair, admin, repairRoute)
	e.POST("/api/repairs/:repairId/reject", withBody(s.rejectRepair), admin, repairRoute)

	e.GET("/api/team/members", s.listMembers, member)
	e.PATCH("/api/team/members/:userId", withBody(s.changeRole), owner)
	e.DELETE("/api/team/members/:userId", s.removeMember, admin)
	e.GET("/api/team/invites", s.listInvites, admin)
	e.POST("/api/team/invites", withBody(s.createInvite), admin)
	e.DELETE("/api/team/invites/:inviteId", s.revokeInvite, admin)

	// Notifications: members read channels and the delivery log; admins
	// change channels, send tests and the digest, and set the mail server.
	e.GET("/api/projects/:id/notification-channels", s.listChannels, member, project)
	e.POST("/api/projects/:id/notification-channels", withBody(s.createChannel), admin, project)
	e.PATCH("/api/projects/:id/notification-channels/:channelId", withBody(s.updateChannel), admin, project)
	e.DELETE("/api/projects/:id/notification-channels/:channelId", s.deleteChannel, admin, project)
	e.POST("/api/projects/:id/notification-channels/:channelId/test", s.testChannel, admin, project)
	e.GET("/api/projects/:id/notification-deliveries", s.listDeliveries, member, project)
	e.GET("/api/projects/:id/digest/preview", s.previewDigest, member, project)
	e.POST("/api/projects/:id/digest/send", s.sendDigest, admin, project)
	e.GET("/api/settings/smtp", s.getSMTP, admin)
	e.PUT("/api/settings/smtp", s.saveSMTP, admin)

	e.GET("/api/api-keys", s.listAPIKeys, admin)
	e.POST("/api/api-keys", withBody(s.createAPIKey), admin)
	e.DELETE("/api/api-keys/:keyId", s.revokeAPIKey, admin)

	// REST v1 and MCP: API keys only (bearer.go), never a session. A key
	// reaches its project (or all); repairs need the repair capability,
	// checked before the repair is looked up.
	key := s.requireKey
	e.GET("/api/v1/projects", s.v1Projects, key)
	e.GET("/api/v1/customers/:customerId/state", s.v1CustomerState, key)
	e.GET("/api/v1/customers/:customerId/ledger", s.v1CustomerLedger, key)
	e.POST("/api/v1/reconciliation/run", withBody(s.v1Run), key)
	e.GET("/api/v1/checks/:checkId", s.v1Check, key)
	e.GET("/api/v1/mismatches", s.v1Mismatches, key)
	e.GET("/api/v1/mismatches/:mismatchId", s.v1Mismatch, key)
	e.POST("/api/v1/mismatches/:mismatchId/ignore", withBody(s.v1Ignore), key)
	e.POST("/api/v1/repairs/:repairId/approve", s.v1Approve, key, requireRepairKey)
	e.POST("/api/mcp", s.mcp, key)   // JSON-RPC messages
	e.GET("/api/mcp", s.mcp, key)    // a session's event stream
	e.DELETE("/api/mcp", s.mcp, key) // end a session

	// Unknown API paths are JSON 404s; everything else is the app.
	e.Any("/api/*", s.apiNotFound)
	e.GET("/*", s.spa)
	e.HEAD("/*", s.spa)
}

func (s *Server) apiNotFound(c echo.Context) error {
	return newError(404, "not_found", "There is no such API path.")
}
