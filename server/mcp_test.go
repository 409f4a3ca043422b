package server

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// bearerTransport adds an API key to every request of an MCP client.
type bearerTransport struct{ key string }

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.key)
	return http.DefaultTransport.RoundTrip(r)
}

func (a *testApp) mcpSession(key string) (*mcp.ClientSession, error) {
	client := mcp.NewClient(&mcp.Implementation{Name: "test-agent", Version: "1"}, nil)
	return client.Connect(a.t.Context(), &mcp.StreamableClientTransport{Endpoint: a.srv.URL + "/api/mcp",
		HTTPClient: &http.Client{Transport: bearerTransport{key}}, MaxRetries: -1}, nil)
}

// callTool calls a tool and decodes its structured answer (or, for a tool
// error, the REST error envelope in its text).
func callTool(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any, out any) *mcp.CallToolResult {
	t.Helper()
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	text := ""
	if len(res.Content) > 0 {
		if tc, ok := res.Content[0].(*mcp.TextContent); ok {
			text = tc.Text
		}
	}
	if out != nil {
		if err := json.Unmarshal([]byte(text), out); err != nil {
			t.Fatalf("%s: decode %q: %v", name, text, err)
		}
	}
	return res
}

func TestMCPServerWithTheSDKClient(t *testing.T) {
	w := newCheckWorld(t)
	app := w.app
	w.runCheck(w.owner, map[string]any{"scope": "full"})
	key := app.newKey(w.owner, "claude", w.project, "repair").Key

	cs, err := app.mcpSession(key)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if got := cs.InitializeResult().ServerInfo.Name; got != "parityrail" {
		t.Errorf("server name %q", got)
	}

	// Exactly the six tools, each with a description and an input schema;
	// none approves or applies a repair, even for a repair key.
	tools, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range tools.Tools {
		names = append(names, tl.Name)
		if tl.Description == "" || tl.InputSchema == nil {
			t.Errorf("tool %s lacks a description or schema", tl.Name)
		}
		if strings.Contains(tl.Name, "repair") || strings.Contains(tl.Name, "approve") {
			t.Errorf("tool %s acts on repairs", tl.Name)
		}
	}
	slices.Sort(names)
	want := []string{"get_access_ledger", "get_customer_state", "get_incident", "list_incidents", "list_projects", "run_check"}
	if !slices.Equal(names, want) {
		t.Fatalf("tools %v, want %v", names, want)
	}

	var projects list[v1Project]
	callTool(t, cs, "list_projects", nil, &projects)
	if len(projects.Items) != 1 || projects.Items[0].ID != w.project {
		t.Fatalf("list_projects: %+v", projects)
	}
	var incidents list[incidentView]
	callTool(t, cs, "list_incidents", map[string]any{"status": "active", "customer_id": "cus_noaccess"}, &incidents)
	if len(incidents.Items) != 1 || incidents.Items[0].Kind != "paid_without_access" {
		t.Fatalf("list_incidents: %+v", incidents)
	}
	var detail incidentDetail
	callTool(t, cs, "get_incident", map[string]any{"incident_id": incidents.Items[0].ID}, &detail)
	if detail.ID != incidents.Items[0].ID || len(detail.Fields) == 0 || len(detail.Timeline) == 0 {
		t.Fatalf("get_incident: %+v", detail)
	}
	var st customerState
	callTool(t, cs, "get_customer_state", map[string]any{"customer_id": "cus_noaccess"}, &st)
	if st.Verdict != "broken" || st.Promise == nil {
		t.Fatalf("get_customer_state: %+v", st)
	}
	var page ledgerPage
	callTool(t, cs, "get_access_ledger", map[string]any{"customer_id": "cus_noaccess"}, &page)
	if page.Chain != "intact" || len(page.Items) == 0 {
		t.Fatalf("get_access_ledger: %+v", page)
	}
	kinds := map[string]bool{}
	for _, e := range page.Items {
		kinds[string(e.Kind)] = true
	}
	if !kinds["incident_opened"] {
		t.Errorf("ledger kinds %v lack the incident", kinds)
	}
	var run runAnswer
	callTool(t, cs, "run_check", map[string]any{"customer_id": "cus_kept"}, &run)
	if run.CheckID == "" || run.Verdict == nil || !run.Verdict.Held {
		t.Fatalf("run_check: %+v", run)
	}

	// Errors are tool errors carrying the REST codes.
	var e errorBody
	res := callTool(t, cs, "list_incidents", map[string]any{"kind": "nonsense"}, &e)
	if !res.IsError || e.Error.Code != "invalid_filter" || e.Error.Field != "kind" {
		t.Errorf("bad kind: %+v %+v", res.IsError, e)
	}
	res = callTool(t, cs, "get_incident", map[string]any{"incident_id": "inc_nope"}, &e)
	if !res.IsError || e.Error.Code != "not_found" {
		t.Errorf("missing incident: %+v", e)
	}
	res = callTool(t, cs, "get_customer_state", map[string]any{"project_id": "prj_other", "customer_id": "cus_kept"}, &e)
	if !res.IsError || e.Error.Code != "not_found" || e.Error.Message != "No such project." {
		t.Errorf("unreachable project: %+v", e)
	}

	// A bad or revoked key cannot connect.
	if _, err := app.mcpSession("sk_prail_nope"); err == nil {
		t.Error("a malformed key connected")
	}
}
