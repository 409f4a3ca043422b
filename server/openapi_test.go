package server

import (
	"bytes"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// openAPIDoc is the part of the OpenAPI document the drift tests read.
type openAPIDoc struct {
	OpenAPI    string                          `yaml:"openapi"`
	Paths      map[string]map[string]yaml.Node `yaml:"paths"`
	Components struct {
		SecuritySchemes map[string]struct {
			Type string `yaml:"type"`
			In   string `yaml:"in"`
			Name string `yaml:"name"`
		} `yaml:"securitySchemes"`
		Parameters map[string]openAPIParam `yaml:"parameters"`
		Schemas    map[string]yaml.Node    `yaml:"schemas"`
		Responses  map[string]yaml.Node    `yaml:"responses"`
	} `yaml:"components"`
}

type openAPIParam struct {
	Ref  string `yaml:"$ref"`
	Name string `yaml:"name"`
	In   string `yaml:"in"`
}

type openAPIOp struct {
	Summary     string                 `yaml:"summary"`
	Role        string                 `yaml:"x-role"`
	Parameters  []openAPIParam         `yaml:"parameters"`
	RequestBody map[string]any         `yaml:"requestBody"`
	Responses   map[string]yaml.Node   `yaml:"responses"`
	Security    *[]map[string][]string `yaml:"security"`
}

var httpMethods = []string{"get", "put", "post", "delete", "patch", "head", "options"}

func parseOpenAPI(t *testing.T, b []byte) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("openapi.yaml does not parse: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	return doc
}

// documentedOps maps "METHOD /path/{param}" to its operation.
func documentedOps(t *testing.T, doc openAPIDoc) (map[string]openAPIOp, map[string][]openAPIParam) {
	t.Helper()
	ops := map[string]openAPIOp{}
	pathParams := map[string][]openAPIParam{}
	for path, item := range doc.Paths {
		for key, node := range item {
			if key == "parameters" {
				var ps []openAPIParam
				if err := node.Decode(&ps); err != nil {
					t.Fatalf("%s parameters: %v", path, err)
				}
				pathParams[path] = ps
				continue
			}
			if !slices.Contains(httpMethods, key) {
				t.Errorf("%s: unexpected key %q", path, key)
				continue
			}
			var op openAPIOp
			if err := node.Decode(&op); err != nil {
				t.Fatalf("%s %s: %v", key, path, err)
			}
			ops[strings.ToUpper(key)+" "+path] = op
		}
	}
	return ops, pathParams
}

// echoToOpenAPI turns /api/projects/:id into /api/projects/{id}.
func echoToOpenAPI(path string) string {
	return regexp.MustCompile(`:([A-Za-z0-9_]+)`).ReplaceAllString(path, "{$1}")
}

// routeRoles reads the guard of every route from routes.go: the first of
// member, admin or owner among a route's middleware, or public. bodies are
// the routes whose handler withBody wraps.
func routeRoles(t *testing.T) (roles map[string]string, bodies map[string]bool) {
	t.Helper()
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^\s*e\.(GET|POST|PUT|PATCH|DELETE)\("([^"]+)", (withBody\()?s\.\w+\)?((?:, [\w.]+)*)\)`)
	roles, bodies = map[string]string{}, map[string]bool{}
	for _, m := range re.FindAllStringSubmatch(string(src), -1) {
		key := m[1] + " " + echoToOpenAPI(m[2])
		bodies[key] = m[3] != ""
		role := "public"
		for _, arg := range strings.Split(m[4], ", ") {
			if arg == "member" || arg == "admin" || arg == "owner" {
				role = arg
				break
			}
			// API keys: any live key, or one with the repair capability.
			if arg == "key" {
				role = "apikey"
			}
			if arg == "requireRepairKey" {
				role = "apikey:repair"
			}
		}
		roles[key] = role
	}
	if len(roles) < 40 {
		t.Fatalf("read only %d routes from routes.go; is the pattern out of date?", len(roles))
	}
	return roles, bodies
}

// TestOpenAPIMatchesRouter: every route on the real router is documented
// with the same method and path, every documented operation is a real route,
// and each says the role routes.go guards it with.
func TestOpenAPIMatchesRouter(t *testing.T) {
	doc := parseOpenAPI(t, openAPISpec)
	ops, pathParams := documentedOps(t, doc)

	app := newTestApp(t)
	_, e := newServer(Config{}, app.db, nil, testUI, nil)
	registered := map[string]bool{}
	for _, r := range e.Routes() {
		if strings.Contains(r.Path, "*") { // the catch-alls: JSON 404 and the SPA
			continue
		}
		registered[r.Method+" "+echoToOpenAPI(r.Path)] = true
	}
	if len(registered) < 40 {
		t.Fatalf("only %d routes on the router", len(registered))
	}
	var missing, extra []string
	for k := range registered {
		if _, ok := ops[k]; !ok {
			missing = append(missing, k)
		}
	}
	for k := range ops {
		if !registered[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, k := range missing {
		t.Errorf("route %s is not documented in server/openapi.yaml", k)
	}
	for _, k := range extra {
		t.Errorf("openapi.yaml documents %s, which is not a route", k)
	}

	roles, bodies := routeRoles(t)
	paramRe := regexp.MustCompile(`\{([^}]+)\}`)
	for k, op := range ops {
		method, path, _ := strings.Cut(k, " ")
		if op.Summary == "" {
			t.Errorf("%s has no summary", k)
		}
		if want, ok := roles[k]; !ok {
			t.Errorf("%s: its line in routes.go was not understood", k)
		} else if op.Role != want {
			t.Errorf("%s: x-role %q, routes.go guards it as %q", k, op.Role, want)
		}
		if bodies[k] && op.RequestBody == nil {
			t.Errorf("%s: routes.go decodes a JSON body (withBody), openapi.yaml documents none", k)
		}
		if len(op.Responses) == 0 {
			t.Errorf("%s documents no responses", k)
		}
		success := false
		for code := range op.Responses {
			if strings.HasPrefix(code, "2") {
				success = true
			}
		}
		if !success {
			t.Errorf("%s documents no success response", k)
		}
		// Key routes take the bearer key and nothing else: no session, so
		// no CSRF token either.
		if strings.HasPrefix(op.Role, "apikey") {
			if op.Security == nil || len(*op.Security) != 1 || len((*op.Security)[0]) != 1 || (*op.Security)[0]["apiKey"] == nil {
				t.Errorf("%s takes API keys: security must be exactly [{apiKey: []}]", k)
			}
			if _, ok := op.Responses["401"]; !ok {
				t.Errorf("%s does not document 401", k)
			}
			continue
		}
		if op.Role != "public" {
			if _, ok := op.Responses["401"]; !ok {
				t.Errorf("%s (role %s) does not document 401", k, op.Role)
			}
		}
		if op.Role == "admin" || op.Role == "owner" {
			if _, ok := op.Responses["403"]; !ok {
				t.Errorf("%s (role %s) does not document 403", k, op.Role)
			}
		}
		// State-changing calls need the CSRF header (except the webhook,
		// which Stripe signs); public GETs need no session.
		if method != "GET" && !strings.HasPrefix(path, "/api/webhooks/") {
			if op.Security == nil || len(*op.Security) == 0 {
				t.Errorf("%s does not require the csrfHeader scheme", k)
			} else {
				for _, alt := range *op.Security {
					if _, ok := alt["csrfHeader"]; !ok {
						t.Errorf("%s: a security alternative lacks csrfHeader: %v", k, alt)
					}
				}
			}
		}
		// A public GET needs no session: `security: []`, or only the metrics
		// bearer token (which is not a person's role).
		if op.Role == "public" && method == "GET" && (op.Security == nil || len(*op.Security) != 0) {
			if _, token := firstAlt(op.Security)["metricsToken"]; !token || path != "/metrics" {
				t.Errorf("%s is public but does not say `security: []`", k)
			}
		}
		// Every {param} in the path is declared as a path parameter.
		declared := map[string]bool{}
		for _, p := range append(slices.Clone(pathParams[path]), op.Parameters...) {
			if p.Ref != "" {
				name := strings.TrimPrefix(p.Ref, "#/components/parameters/")
				cp, ok := doc.Components.Parameters[name]
				if !ok {
					t.Errorf("%s: parameter %s is not a component", k, p.Ref)
					continue
				}
				p = cp
			}
			if p.In == "path" {
				declared[p.Name] = true
			}
		}
		for _, m := range paramRe.FindAllStringSubmatch(path, -1) {
			if !declared[m[1]] {
				t.Errorf("%s: path parameter %q is not declared", k, m[1])
			}
		}
	}

	schemes := doc.Components.SecuritySchemes
	if s := schemes["csrfHeader"]; s.In != "header" || s.Name != csrfHeader {
		t.Errorf("csrfHeader scheme = %+v, want header %s", s, csrfHeader)
	}
	if s := schemes["sessionCookie"]; s.In != "cookie" || s.Name != sessionCookie {
		t.Errorf("sessionCookie scheme = %+v, want cookie %s", s, sessionCookie)
	}
	if !bytes.Contains(openAPISpec, []byte(csrfCookie)) {
		t.Errorf("openapi.yaml does not name the CSRF cookie %s", csrfCookie)
	}
	if _, ok := doc.Components.Schemas["Error"]; !ok {
		t.Error("no shared Error schema")
	}
}

// TestOpenAPIRefsResolve: every $ref points at a component that exists.
func TestOpenAPIRefsResolve(t *testing.T) {
	var root yaml.Node
	if err := yaml.Unmarshal(openAPISpec, &root); err != nil {
		t.Fatal(err)
	}
	doc := parseOpenAPI(t, openAPISpec)
	have := map[string]bool{}
	for name := range doc.Components.Schemas {
		have["#/components/schemas/"+name] = true
	}
	for name := range doc.Components.Responses {
		have["#/components/responses/"+name] = true
	}
	for name := range doc.Components.Parameters {
		have["#/components/parameters/"+name] = true
	}
	refs := 0
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == "$ref" {
					refs++
					if !have[n.Content[i+1].Value] {
						t.Errorf("line %d: $ref %s does not resolve", n.Content[i+1].Line, n.Content[i+1].Value)
					}
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&root)
	if refs < 100 {
		t.Errorf("only %d $refs: the shared components are not used", refs)
	}
	for _, name := range []string{"Project", "Check", "Incident", "IncidentDetail", "CustomerView", "Repair", "User", "Invite"} {
		if !have["#/components/schemas/"+name] {
			t.Errorf("no %s schema", name)
		}
	}
}

// TestOpenAPIServedWithoutSession: a signed-out caller gets the document.
func TestOpenAPIServedWithoutSession(t *testing.T) {
	app := newTestApp(t)
	r := app.client().do("GET", "/api/openapi.yaml", nil)
	if r.Status != 200 {
		t.Fatalf("GET /api/openapi.yaml = %d: %s", r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/yaml" {
		t.Errorf("Content-Type = %q, want application/yaml", ct)
	}
	if !bytes.Equal(r.Body, openAPISpec) {
		t.Error("served document differs from server/openapi.yaml")
	}
	doc := parseOpenAPI(t, r.Body)
	if _, ok := doc.Paths["/api/openapi.yaml"]; !ok {
		t.Error("the served document does not document itself")
	}
}

func firstAlt[T any](sec *[]map[string]T) map[string]T {
	if sec == nil || len(*sec) == 0 {
		return nil
	}
	return (*sec)[0]
}
