package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"parityrail/db"
)

// The MCP server at /api/mcp (Streamable HTTP, the official Go SDK) lets an
// AI agent read what ParityRail knows and run checks, with the same API keys
// as REST v1. Read and check only: no tool approves or applies a repair,
// whatever the key's capability. Tool errors carry the REST error codes.

// mcpKeyCtx carries the request's key from requireKey to the tools.
type mcpKeyCtx struct{}

// newMCPHandler builds the MCP endpoint once; sessions live in it.
func (s *Server) newMCPHandler() http.Handler {
	srv := mcp.NewServer(&mcp.Implementation{Name: "parityrail", Title: "ParityRail", Version: s.cfg.Version}, &mcp.ServerOptions{
		Instructions: "ParityRail checks whether a SaaS app grants exactly the access each Stripe customer paid for. " +
			"Access incidents are the gaps it found. Start with list_projects; a key scoped to one project may omit project_id.",
	})
	s.addMCPTools(srv)
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, &mcp.StreamableHTTPOptions{
		SessionTimeout: 30 * time.Minute,
		// Every request carries an API key, which a rebinding page cannot
		// send; behind a proxy on the same host the peer is loopback and the
		// Host public, which this protection would refuse.
		DisableLocalhostProtection: true,
		Logger:                     s.log,
	})
	// The SDK ties a session to the key that opened it (TokenInfo.UserID)
	// and hands each tool call the key of its own request.
	verify := func(ctx context.Context, _ string, _ *http.Request) (*auth.TokenInfo, error) {
		k, ok := ctx.Value(mcpKeyCtx{}).(db.APIKey)
		if !ok {
			return nil, auth.ErrInvalidToken
		}
		return &auth.TokenInfo{UserID: k.Actor(), Expiration: time.Now().Add(time.Hour), Extra: map[string]any{"key": k}}, nil
	}
	return auth.RequireBearerToken(verify, nil)(h)
}

// mcp serves the MCP endpoint to a request requireKey let in.
func (s *Server) mcp(c echo.Context) error {
	r := c.Request()
	s.mcpHandler.ServeHTTP(c.Response(), r.WithContext(context.WithValue(r.Context(), mcpKeyCtx{}, currentKey(c))))
	return nil
}

func toolKey(req *mcp.CallToolRequest) db.APIKey {
	if req.Extra != nil && req.Extra.TokenInfo != nil {
		if k, ok := req.Extra.TokenInfo.Extra["key"].(db.APIKey); ok {
			return k
		}
	}
	return db.APIKey{}
}

// toolAnswer turns a machine function's result into a tool result: the value
// as structured content, or a tool error whose text is the REST error
// envelope {"error": {"code", "message", "field"}}.
func (s *Server) toolAnswer(v any, err error) (*mcp.CallToolResult, any, error) {
	if err == nil {
		return nil, v, nil
	}
	var ae *apiError
	if !errors.As(err, &ae) {
		s.log.Error("mcp tool failed", "err", err)
		ae = newError(http.StatusInternalServerError, "internal", "Something went wrong on our side. It has been logged; try again.")
	}
	var body errorBody
	body.Error.Code, body.Error.Message, body.Error.Field = ae.Code, ae.Message, fieldOf(ae)
	text, _ := json.Marshal(body)
	res := &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(text)}}}
	res.SetError(ae)
	return res, nil, nil
}

// Tool inputs. Optional fields carry omitempty (not required in the schema).
// The tools that act on one project embed projectInput (see projectTool).
type (
	noInput      struct{}
	projectInput struct {
		ProjectID string `json:"project_id,omitempty" jsonschema:"the project (prj_…); omit when the key reaches one project"`
	}
	customerInput struct {
		projectInput
		CustomerID string `json:"customer_id" jsonschema:"the Stripe customer id (cus_…)"`
	}
	incidentsInput struct {
		projectInput
		Status     string `json:"status,omitempty" jsonschema:"comma-separated statuses (open, acknowledged, repairing, verifying, resolved, ignored) or active for every unresolved, unignored one"`
		Kind       string `json:"kind,omitempty" jsonschema:"paid_without_access, access_without_payment, wrong_plan, trial_mismatch, entitlement_mismatch, unmatched_customer or ambiguous_match"`
		Severity   string `json:"severity,omitempty" jsonschema:"critical, high, medium or low"`
		CustomerID string `json:"customer_id,omitempty" jsonschema:"only this Stripe customer's incidents"`
		Q          string `json:"q,omitempty" jsonschema:"substring of a customer id, email or name"`
		Cursor     string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page"`
		Limit      int    `json:"limit,omitempty" jsonschema:"page size, 1 to 500 (default 50)"`
	}
	incidentInput struct {
		IncidentID string `json:"incident_id" jsonschema:"the incident id (inc_…)"`
	}
	ledgerInput struct {
		projectInput
		CustomerID string `json:"customer_id" jsonschema:"the Stripe customer id (cus_…)"`
		Cursor     string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page"`
		Limit      int    `json:"limit,omitempty" jsonschema:"entries per page, 1 to 500 (default 100)"`
	}
	runInput struct {
		projectInput
		CustomerID string `json:"customer_id,omitempty" jsonschema:"check just this Stripe customer and wait up to 20 s for its verdict"`
		Scope      string `json:"scope,omitempty" jsonschema:"full (every customer, the default) or recent (customers with recent events); ignored with customer_id"`
		DryRun     bool   `json:"dry_run,omitempty" jsonschema:"compare without filing or resolving incidents"`
	}
)

func (in projectInput) project() string { return in.ProjectID }

// projectTool adapts a tool that acts on one project: the project the input
// names (or the key's one project) is resolved for the calling key first,
// and a refusal is the tool's error answer, as every other failure is.
func projectTool[In interface{ project() string }](s *Server,
	run func(ctx context.Context, k db.APIKey, p db.Project, in In) (any, error)) mcp.ToolHandlerFor[In, any] {
	return func(ctx context.Context, req *mcp.CallToolRequest, in In) (*mcp.CallToolResult, any, error) {
		k := toolKey(req)
		p, err := s.keyProjectCtx(ctx, k, in.project())
		if err != nil {
			return s.toolAnswer(nil, err)
		}
		return s.toolAnswer(run(ctx, k, p, in))
	}
}

func (s *Server) addMCPTools(srv *mcp.Server) {
	mcp.AddTool(srv, &mcp.Tool{Name: "list_projects", Description: "List the ParityRail projects this API key reaches: " +
		"each pairs a Stripe account with an app's access state (Postgres or Clerk)."},
		func(ctx context.Context, req *mcp.CallToolRequest, _ noInput) (*mcp.CallToolResult, any, error) {
			return s.toolAnswer(s.keyProjects(ctx, toolKey(req)))
		})
	mcp.AddTool(srv, &mcp.Tool{Name: "get_customer_state", Description: "Read one Stripe customer now: what billing promises " +
		"(plan, premium, trial, entitlements), what the app grants, the verdict per field, open incidents and when it was last checked."},
		projectTool(s, func(ctx context.Context, _ db.APIKey, p db.Project, in customerInput) (any, error) {
			return s.keyCustomerState(ctx, p, in.CustomerID)
		}))
	mcp.AddTool(srv, &mcp.Tool{Name: "list_incidents", Description: "List a project's access incidents (gaps between what a " +
		"customer paid for and what the app grants), critical first. Filter by status, kind, severity, customer or text; page with cursor."},
		projectTool(s, func(ctx context.Context, _ db.APIKey, p db.Project, in incidentsInput) (any, error) {
			params := map[string]string{"status": in.Status, "kind": in.Kind, "severity": in.Severity, "customer_id": in.CustomerID,
				"q": in.Q, "cursor": in.Cursor}
			if in.Limit != 0 {
				params["limit"] = strconv.Itoa(in.Limit)
			}
			f, err := incidentFilter(func(k string) string { return params[k] })
			if err != nil {
				return nil, err
			}
			return s.incidentPage(ctx, p.ID, f)
		}))
	mcp.AddTool(srv, &mcp.Tool{Name: "get_incident", Description: "Read one access incident with its evidence (the promise, " +
		"the app's values, each differing field), the proposed repair or guided fix, and its timeline."},
		func(ctx context.Context, req *mcp.CallToolRequest, in incidentInput) (*mcp.CallToolResult, any, error) {
			inc, err := s.keyIncident(ctx, toolKey(req), in.IncidentID)
			if err != nil {
				return s.toolAnswer(nil, err)
			}
			return s.toolAnswer(s.incidentDetail(ctx, inc))
		})
	mcp.AddTool(srv, &mcp.Tool{Name: "get_access_ledger", Description: "Read a customer's Access Ledger, oldest first: every " +
		"billing event, promise, check, incident, repair and verification about it, hash-chained (chain: intact or broken)."},
		projectTool(s, func(ctx context.Context, _ db.APIKey, p db.Project, in ledgerInput) (any, error) {
			raw := ""
			if in.Limit != 0 {
				raw = strconv.Itoa(in.Limit)
			}
			limit, err := pageLimit(raw, 100)
			if err != nil {
				return nil, err
			}
			return s.keyLedger(ctx, p, in.CustomerID, in.Cursor, limit)
		}))
	mcp.AddTool(srv, &mcp.Tool{Name: "run_check", Description: "Run a check now: one customer (waits up to 20 s and returns " +
		"the verdict) or a whole project (returns the check id; follow it with the status_url of REST v1)."},
		projectTool(s, func(ctx context.Context, k db.APIKey, p db.Project, in runInput) (any, error) {
			ans, _, err := s.keyRun(ctx, k, p, runRequest{ProjectID: p.ID, CustomerID: in.CustomerID, Scope: in.Scope, DryRun: in.DryRun})
			return ans, err
		}))
}
