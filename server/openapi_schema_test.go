package server

import (
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"parityrail/access/postgres"
	"parityrail/check"
	"parityrail/db"
	"parityrail/fulfillment"
	"parityrail/mapping"
	"parityrail/onboarding"
	"parityrail/repair"
)

// TestOpenAPISchemasMatchGoViews: each shared schema lists exactly the JSON
// fields of the Go type the handlers answer with, marks as required only
// fields that are always written (no omitempty), and gives scalars the JSON
// type Go writes — so a renamed or added json tag fails here. Request
// bodies are checked for their field names and types.
func TestOpenAPISchemasMatchGoViews(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]map[string]any `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(openAPISpec, &doc); err != nil {
		t.Fatal(err)
	}
	schemas := doc.Components.Schemas
	views := map[string]any{
		"User":                db.User{},
		"Person":              person{},
		"Invite":              inviteView{},
		"Project":             projectView{},
		"ProjectAndCheck":     demoAnswer{},
		"Connection":          connectionView{},
		"ConnectedConnection": connectedView{},
		"Price":               priceView{},
		"AppValues":           appValuesView{},
		"AppValuesOrigin":     appValuesOrigin{},
		"AppValue":            appValueItem{},
		"RoleSQL":             postgres.RoleSQL{},
		"Table":               postgres.Table{},
		"Policy":              fulfillment.Policy{},
		"Progress":            progressView{},
		"CheckCounts":         db.CheckCounts{},
		"Check":               checkView{},
		"CheckSummary":        check.Summary{},
		"SampleFinding":       check.SampleFinding{},
		"Schedule":            scheduleView{},
		"ScheduleUpdate":      scheduleUpdate{},
		"WebhookHealth":       db.WebhookHealth{},
		"SubjectRef":          subjectView{},
		"Incident":            incidentView{},
		"FieldDiff":           fieldDiffView{},
		"Subject":             fulfillment.Subject{},
		"SubscriptionVerdict": fulfillment.SubscriptionVerdict{},
		"Promise":             fulfillment.Promise{},
		"FieldChange":         repairFieldView{},
		"RepairPlan":          fulfillment.RepairPlan{},
		"LedgerEntry":         db.LedgerView{},
		"Repair":              repairView{},
		"RepairAndIncident":   repairAnswer{},
		"GuidedFix":           repair.GuidedFix{},
		"IncidentDetail":      incidentDetail{},
		"CustomerView":        customerView{},
		"Mapping":             mapping.Mapping{},
		"Identity":            mapping.Identity{},
		"PlanMapping":         fulfillment.PlanMapping{},
		"AccessFields":        mapping.Fields{},
		"AccessMapping":       mapping.Access{},
		"FieldValue":          fulfillment.FieldValue{},
		"SubjectFields":       fulfillment.Fields{},
		"ApiKey":              apiKeyView{},
		"CreatedApiKey":       createdKeyView{},
		"CreateApiKeyRequest": createKeyRequest{},
		"V1Project":           v1Project{},
		"FieldVerdict":        fieldVerdict{},
		"CustomerState":       customerState{},
		"LedgerPage":          ledgerPage{},
		"RunRequest":          runRequest{},
		"Verdict":             verdict{},
		"RunAnswer":           runAnswer{},
		"ApproveAnswer":       approveAnswer{},
		"ChannelEvents":       db.ChannelEvents{},
		"Channel":             channelView{},
		"ChannelRequest":      channelRequest{},
		"TestResult":          testResult{},
		"Delivery":            db.Delivery{},
		"DigestPreview":       digestPreview{},
		"SMTPSettings":        smtpView{},
		"SMTPRequest":         smtpRequest{},
		"StripeBudget":        budgetView{},
		"WebhookDay":          db.WebhookDay{},
		"PolicyView":          policyView{},
		"PolicyBound":         fulfillment.PolicyBound{},
		"PolicyPreview":       previewView{},
		"PreviewExample":      check.PreviewExample{},
		"PolicyUpdate":        fulfillment.Policy{},
	}
	// Request bodies: optional fields are not required even when Go has
	// no omitempty on them.
	requests := map[string]bool{"ScheduleUpdate": true, "ProjectNameRequest": true, "Mapping": true, "RunRequest": true, "CreateApiKeyRequest": true,
		"ChannelRequest": true, "SMTPRequest": true, "PolicyUpdate": true}
	views["ProjectNameRequest"] = projectNameRequest{}
	// The answers and requests frontend/src/types.ts aliases.
	maps.Copy(views, map[string]any{
		"Onboarding":             onboarding.Progress{},
		"OnboardingStep":         onboarding.Step{},
		"StackRequest":           stackRequest{},
		"ClerkConnectRequest":    clerkConnectRequest{},
		"DatabaseConnectRequest": databaseConnectRequest{},
		"SetupSQL":               setupSQLView{},
		"DatabaseSchema":         schemaView{},
		"Column":                 postgres.Column{},
		"SchemaSuggestion":       postgres.Suggestion{},
		"TableSuggestion":        postgres.TableSuggestion{},
		"TableMapping":           postgres.TableMapping{},
		"MembersSuggestion":      postgres.MembersSuggestion{},
		"StartCheckRequest":      startCheckRequest{},
		"GoLiveRequest":          goLiveRequest{},
		"StakeTotal":             stakeTotalView{},
		"Dashboard":              dashboardView{},
		"BulkAcknowledged":       db.BulkAcknowledged{},
		"RecheckResult":          recheckView{},
	})
	for _, name := range []string{"StackRequest", "ClerkConnectRequest", "DatabaseConnectRequest", "StartCheckRequest", "GoLiveRequest"} {
		requests[name] = true
	}
	// The answers of goLive and createDemoProject share one schema.
	if !reflect.DeepEqual(jsonFields(reflect.TypeOf(goLiveView{})), jsonFields(reflect.TypeOf(demoAnswer{}))) {
		t.Error("goLiveView and demoAnswer differ: ProjectAndCheck no longer fits both")
	}
	for name, v := range views {
		s, ok := schemas[name]
		if !ok {
			t.Errorf("no schema %s", name)
			continue
		}
		props, required := flatten(t, schemas, s)
		fields := jsonFields(reflect.TypeOf(v))
		var missing, extra []string
		for f := range fields {
			if _, ok := props[f]; !ok {
				missing = append(missing, f)
			}
		}
		for p := range props {
			if _, ok := fields[p]; !ok {
				extra = append(extra, p)
			}
		}
		sort.Strings(missing)
		sort.Strings(extra)
		if len(missing) > 0 {
			t.Errorf("schema %s lacks %v (json fields of %T)", name, missing, v)
		}
		if len(extra) > 0 {
			t.Errorf("schema %s has %v, which %T does not write", name, extra, v)
		}
		for _, r := range required {
			if f, ok := fields[r]; ok && f.omitempty {
				t.Errorf("schema %s requires %s, but %T omits it when empty", name, r, v)
			}
		}
		for f, info := range fields {
			if !info.omitempty && !slices.Contains(required, f) && !requests[name] {
				t.Errorf("schema %s: %s is always written by %T but not required", name, f, v)
			}
			p, ok := props[f].(map[string]any)
			if !ok {
				continue
			}
			want := jsonType(info.typ)
			if got, ok := p["type"].(string); ok && want != "" && got != want {
				t.Errorf("schema %s.%s has type %s; Go writes %s", name, f, got, want)
			}
		}
	}
}

type jsonField struct {
	typ       reflect.Type
	omitempty bool
}

// jsonFields lists the JSON object keys encoding/json writes for t.
func jsonFields(t reflect.Type) map[string]jsonField {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	out := map[string]jsonField{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = jsonField{typ: f.Type, omitempty: strings.Contains(opts, "omitempty")}
	}
	return out
}

// jsonType is the JSON type a scalar Go type encodes as ("" when not simple).
func jsonType(t reflect.Type) string {
	if t == reflect.TypeOf(time.Time{}) {
		return "string"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 { // json.RawMessage: any JSON
			return ""
		}
		return "array"
	case reflect.Map:
		return "object"
	}
	return ""
}

// flatten merges a schema's properties and required lists through $ref and allOf.
func flatten(t *testing.T, schemas map[string]map[string]any, s map[string]any) (map[string]any, []string) {
	t.Helper()
	props := map[string]any{}
	var required []string
	if ref, ok := s["$ref"].(string); ok {
		target, ok := schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
		if !ok {
			t.Fatalf("$ref %s does not resolve", ref)
		}
		return flatten(t, schemas, target)
	}
	if all, ok := s["allOf"].([]any); ok {
		for _, part := range all {
			p, r := flatten(t, schemas, part.(map[string]any))
			for k, v := range p {
				props[k] = v
			}
			required = append(required, r...)
		}
	}
	if p, ok := s["properties"].(map[string]any); ok {
		for k, v := range p {
			props[k] = v
		}
	}
	if r, ok := s["required"].([]any); ok {
		for _, x := range r {
			required = append(required, x.(string))
		}
	}
	return props, required
}

// TestOpenAPIBodiesMatchGoTypes: the request bodies and the inline answers
// of operations list exactly the JSON fields of the Go types the handlers
// decode and answer with.
func TestOpenAPIBodiesMatchGoTypes(t *testing.T) {
	var doc struct {
		Paths      map[string]map[string]any `yaml:"paths"`
		Components struct {
			Schemas map[string]map[string]any `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(openAPISpec, &doc); err != nil {
		t.Fatal(err)
	}
	ops := map[string]map[string]any{}
	for _, item := range doc.Paths {
		for _, op := range item {
			if m, ok := op.(map[string]any); ok {
				if id, ok := m["operationId"].(string); ok {
					ops[id] = m
				}
			}
		}
	}
	jsonSchema := func(content any) map[string]any {
		c, _ := content.(map[string]any)
		j, _ := c["application/json"].(map[string]any)
		s, _ := j["schema"].(map[string]any)
		return s
	}
	requests := map[string]any{
		"setup": setupRequest{}, "login": loginRequest{}, "acceptInvite": acceptRequest{},
		"createProject": projectNameRequest{}, "renameProject": projectNameRequest{}, "saveStack": stackRequest{},
		"connectStripe": stripeConnectRequest{}, "connectClerk": clerkConnectRequest{},
		"connectDatabase": databaseConnectRequest{}, "saveMappings": mapping.Mapping{},
		"startCheck": startCheckRequest{}, "acknowledgeIncidents": bulkAcknowledgeRequest{},
		"ignoreIncident": ignoreRequest{}, "completeDryRun": dryRunDoneRequest{}, "goLive": goLiveRequest{},
		"rejectRepair": rejectRequest{}, "changeRole": roleRequest{},
		"createInvite": inviteRequest{}, "createApiKey": createKeyRequest{}, "v1Run": runRequest{},
		"v1IgnoreMismatch": ignoreRequest{}, "saveStripeBudget": budgetRequest{},
		"savePolicy": fulfillment.Policy{}, "previewPolicy": fulfillment.Policy{},
	}
	answers := map[string]struct {
		status string
		v      any
	}{
		"clerkMetadataKeys":    {"200", metadataKeysView{}},
		"setupSQL":             {"200", setupSQLView{}},
		"schema":               {"200", schemaView{}},
		"recheckIncident":      {"200", recheckView{}},
		"acknowledgeIncidents": {"200", db.BulkAcknowledged{}},
		"dashboard":            {"200", dashboardView{}},
		"saveMappings":         {"200", savedMapping{}},
		"getMappings":          {"200", mapping.Mapping{}},
		"goLive":               {"200", goLiveView{}},
	}
	same := func(what string, s map[string]any, v any) {
		t.Helper()
		if s == nil {
			t.Errorf("%s: no JSON schema", what)
			return
		}
		props, _ := flatten(t, doc.Components.Schemas, s)
		fields := jsonFields(reflect.TypeOf(v))
		for f := range fields {
			if _, ok := props[f]; !ok {
				t.Errorf("%s lacks %s (a json field of %T)", what, f, v)
			}
		}
		for p := range props {
			if _, ok := fields[p]; !ok {
				t.Errorf("%s has %s, which %T does not have", what, p, v)
			}
		}
	}
	for id, v := range requests {
		op, ok := ops[id]
		if !ok {
			t.Errorf("no operation %s", id)
			continue
		}
		body, _ := op["requestBody"].(map[string]any)
		same(id+" request body", jsonSchema(body["content"]), v)
	}
	for id, a := range answers {
		op, ok := ops[id]
		if !ok {
			t.Errorf("no operation %s", id)
			continue
		}
		responses, _ := op["responses"].(map[string]any)
		r, _ := responses[a.status].(map[string]any)
		same(id+" "+a.status+" answer", jsonSchema(r["content"]), a.v)
	}
}

// TestOpenAPIEnumsAreGos: the kinds, severities and statuses the contract
// (and through it the UI's types) lists are exactly Go's.
func TestOpenAPIEnumsAreGos(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Enum []string `yaml:"enum"`
			} `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(openAPISpec, &doc); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]string{
		"IncidentKind":   asStrings(fulfillment.Kinds),
		"Severity":       asStrings(fulfillment.Severities),
		"IncidentStatus": db.IncidentStatuses,
		// Every Cat* constant, in the order access/postgres declares them.
		"ColumnCategory": {postgres.CatText, postgres.CatEnum, postgres.CatBool, postgres.CatInt, postgres.CatNumeric,
			postgres.CatTimestamptz, postgres.CatTimestamp, postgres.CatDate, postgres.CatJSONB, postgres.CatJSON,
			postgres.CatTextArray, postgres.CatUUID, postgres.CatOther},
	} {
		if got := doc.Components.Schemas[name].Enum; !slices.Equal(got, want) {
			t.Errorf("%s enum %v, Go has %v", name, got, want)
		}
	}
}

// TestOpenAPIScheduleKindsAreGos: the schedules a project has (db's
// defaults) are the kinds Schedule lists and the keys ScheduleUpdates takes.
func TestOpenAPIScheduleKindsAreGos(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas struct {
				Schedule struct {
					Properties struct {
						Kind struct {
							Enum []string `yaml:"enum"`
						} `yaml:"kind"`
					} `yaml:"properties"`
				} `yaml:"Schedule"`
				ScheduleUpdates struct {
					Properties map[string]any `yaml:"properties"`
				} `yaml:"ScheduleUpdates"`
			} `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(openAPISpec, &doc); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, s := range db.DefaultSchedules {
		want = append(want, s.Kind)
	}
	if got := doc.Components.Schemas.Schedule.Properties.Kind.Enum; !slices.Equal(got, want) {
		t.Errorf("Schedule.kind enum %v, db.DefaultSchedules has %v", got, want)
	}
	if got := slices.Sorted(maps.Keys(doc.Components.Schemas.ScheduleUpdates.Properties)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Errorf("ScheduleUpdates takes %v, db.DefaultSchedules has %v", got, want)
	}
}
