package server

import (
	"context"
	"errors"
	"net/http"
	"parityrail/sources"
	"strconv"
	"strings"
	"time"

	"parityrail/check"
	"parityrail/db"
	"parityrail/fulfillment"
)

// REST v1 (/api/v1) is the stable interface for scripts and CI, behind API
// keys (bearer.go). "Mismatches" is the API's noun for access incidents.
// The work is done by the machine functions below, which the MCP tools
// (mcp.go) call too, so both answer the same way.

// v1Project is a project as v1 lists it.
type v1Project struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	BillingSource  string    `json:"billing_source"`
	AccessSource   string    `json:"access_source"`
	Onboarded      bool      `json:"onboarded"`
	RepairsEnabled bool      `json:"repairs_enabled"`
	CreatedAt      time.Time `json:"created_at"`
}

func (s *Server) keyProjects(ctx context.Context, k db.APIKey) (list[v1Project], error) {
	projects, err := s.db.ListProjects(ctx)
	if err != nil {
		return list[v1Project]{}, err
	}
	out := []v1Project{}
	for _, p := range projects {
		if keyReaches(k, p.ID) {
			out = append(out, v1Project{ID: p.ID, Name: p.Name, BillingSource: p.BillingSource, AccessSource: p.AccessSource,
				Onboarded: p.OnboardedAt != nil, RepairsEnabled: p.RepairsEnabled, CreatedAt: p.CreatedAt})
		}
	}
	return listOf(out), nil
}

// fieldVerdict is one mapped field of one app subject: what the app holds,
// what the promise expects, and whether they agree.
type fieldVerdict struct {
	SubjectKey   string `json:"subject_key"`
	Field        string `json:"field"`
	Path         string `json:"path"`
	Verdict      string `json:"verdict"` // held, differs
	ActualText   string `json:"actual_text"`
	ExpectedText string `json:"expected_text,omitempty"`
}

// customerState is a customer's promise beside the app's state, read now.
type customerState struct {
	ProjectID  string `json:"project_id"`
	CustomerID string `json:"customer_id"`
	// Verdict: held (no gap now), broken (some gap), unknown (a source could
	// not be read: error says why).
	Verdict       string                `json:"verdict"`
	Known         bool                  `json:"known"` // Stripe knows the customer
	Promise       *fulfillment.Promise  `json:"promise"`
	AppState      []fulfillment.Subject `json:"app_state"`
	Fields        []fieldVerdict        `json:"fields"`
	Findings      []liveFinding         `json:"findings"`
	OpenIncidents []incidentView        `json:"open_incidents"`
	LastCheckedAt *time.Time            `json:"last_checked_at"`
	Error         string                `json:"error,omitempty"`
}

func (s *Server) keyCustomerState(ctx context.Context, p db.Project, customerID string) (customerState, error) {
	id := strings.TrimSpace(customerID)
	st := customerState{ProjectID: p.ID, CustomerID: id, Verdict: "unknown", AppState: []fulfillment.Subject{},
		Fields: []fieldVerdict{}, Findings: []liveFinding{}, OpenIncidents: []incidentView{}}
	if id == "" {
		return st, badRequest("customer_required", "Name the Stripe customer (cus_…).")
	}
	out, err := s.checks.Inspect(ctx, p, id)
	var ae *apiError
	switch {
	case err == nil:
		st.Known, st.Promise, st.AppState = out.Known, out.Promise, out.Subjects
		st.Verdict = "held"
		differs := map[string]fulfillment.FieldDiff{}
		for _, f := range out.Findings {
			st.Verdict = "broken"
			k := check.FindingKey(f)
			st.Findings = append(st.Findings, liveFinding{Kind: string(f.Kind), Severity: string(f.Severity), SubjectKey: k.SubjectKey,
				Summary: f.Summary, Fields: fieldDiffs(f)})
			for _, d := range f.Fields {
				differs[k.SubjectKey+"/"+d.Field] = d
			}
		}
		for _, sub := range out.Subjects {
			key := sources.SubjectKey(sub)
			for _, fv := range mappedFields(sub) {
				v := fieldVerdict{SubjectKey: key, Field: fv.name, Path: fv.value.Path, Verdict: "held", ActualText: fieldText(fv.value)}
				if d, ok := differs[key+"/"+fv.name]; ok {
					v.Verdict, v.ExpectedText, v.ActualText = "differs", d.ExpectedText, d.ActualText
				}
				st.Fields = append(st.Fields, v)
			}
		}
	case errors.As(sourceAnswer(err), &ae):
		st.Error = ae.Message
	default:
		s.log.Warn("customer state: live read failed", "project", p.ID, "err", err)
		st.Error = "Reading Stripe or the app failed: " + err.Error()
	}
	incidents, _, err := s.db.ListIncidents(ctx, p.ID, db.IncidentFilter{CustomerID: id, Statuses: db.ActiveStatuses, Limit: 500})
	if err != nil {
		return st, err
	}
	for _, i := range incidents {
		st.OpenIncidents = append(st.OpenIncidents, viewIncident(i))
	}
	st.LastCheckedAt, err = s.db.LastCheckedAt(ctx, p.ID, id)
	return st, err
}

type namedField struct {
	name  string
	value *fulfillment.FieldValue
}

// mappedFields are the subject's mapped access fields, in the UI's order.
func mappedFields(s fulfillment.Subject) []namedField {
	var out []namedField
	for _, f := range []namedField{{"plan", s.Fields.Plan}, {"premium", s.Fields.Premium},
		{"trial_end", s.Fields.TrialEnd}, {"entitlements", s.Fields.Entitlements}} {
		if f.value != nil {
			out = append(out, f)
		}
	}
	return out
}

// fieldText is a field's value as read, for people.
func fieldText(v *fulfillment.FieldValue) string {
	switch {
	case v.ParseError != "":
		return "unreadable: " + v.ParseError
	case v.Text != nil:
		return *v.Text
	case v.Flag != nil:
		return strconv.FormatBool(*v.Flag)
	case v.Time != nil:
		return v.Time.UTC().Format(time.RFC3339)
	case v.Set != nil:
		return strings.Join(v.Set, ", ")
	case v.Raw == nil:
		return "(empty)"
	}
	return "(empty)"
}

// keyIncident loads an incident a key can reach; any other answers like a
// missing one.
func (s *Server) keyIncident(ctx context.Context, k db.APIKey, id string) (db.Incident, error) {
	inc, err := s.db.GetIncident(ctx, id)
	if errors.Is(err, db.ErrNotFound) || (err == nil && !keyReaches(k, inc.ProjectID)) {
		return db.Incident{}, newError(http.StatusNotFound, "not_found", "No such incident.")
	}
	return inc, err
}

// ledgerPage is a page of a customer's Access Ledger, oldest first.
type ledgerPage struct {
	Chain      string          `json:"chain"` // intact, broken
	Items      []db.LedgerView `json:"items"`
	NextCursor string          `json:"next_cursor,omitempty"`
}

func (s *Server) keyLedger(ctx context.Context, p db.Project, customerID, cursor string, limit int) (ledgerPage, error) {
	id := strings.TrimSpace(customerID)
	if id == "" {
		return ledgerPage{}, badRequest("customer_required", "Name the Stripe customer (cus_…).")
	}
	after := int64(0)
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || n < 0 {
			return ledgerPage{}, badRequest("invalid_cursor", "This cursor is not one the API handed out; start from the first page.")
		}
		after = n
	}
	entries, err := s.customerLedger(ctx, p.ID, id)
	if err != nil {
		return ledgerPage{}, err
	}
	out := ledgerPage{Chain: "intact", Items: []db.LedgerView{}}
	for _, e := range entries {
		if e.Chain != "intact" {
			out.Chain = "broken"
		}
		if e.N <= after {
			continue
		}
		if len(out.Items) == limit {
			out.NextCursor = strconv.FormatInt(out.Items[limit-1].N, 10)
			break
		}
		out.Items = append(out.Items, e)
	}
	return out, nil
}

// runRequest starts a check by key.
type runRequest struct {
	ProjectID  string `json:"project_id"`
	CustomerID string `json:"customer_id"`
	Scope      string `json:"scope"`
	DryRun     bool   `json:"dry_run"`
}

// runAnswer: the check, and for one customer that finished in time, the
// verdict.
type runAnswer struct {
	CheckID   string     `json:"check_id"`
	StatusURL string     `json:"status_url"`
	Check     *checkView `json:"check,omitempty"`
	Verdict   *verdict   `json:"verdict,omitempty"`
}

// verdict is whether one customer's promise holds after its check.
type verdict struct {
	CustomerID    string         `json:"customer_id"`
	Held          bool           `json:"held"`
	OpenIncidents []incidentView `json:"open_incidents"`
}

// customerWait is how long a one-customer run waits for its verdict.
const customerWait = 20 * time.Second

// keyRun starts a check; with a customer it waits up to customerWait for the
// verdict (done reports whether it came).
func (s *Server) keyRun(ctx context.Context, k db.APIKey, p db.Project, req runRequest) (ans runAnswer, done bool, err error) {
	scope := strings.TrimSpace(req.Scope)
	customer := strings.TrimSpace(req.CustomerID)
	switch {
	case customer != "" && scope != "" && scope != check.ScopeCustomer:
		return ans, false, badRequest("invalid_scope", "A run with customer_id checks that customer; leave scope out (or say customer).")
	case customer != "":
		scope = check.ScopeCustomer
	case scope == "":
		scope = check.ScopeFull
	case scope != check.ScopeFull && scope != check.ScopeRecent:
		return ans, false, badRequest("invalid_scope", "Unknown scope %q: use full or recent, or name a customer_id.", scope)
	}
	r := check.Request{ProjectID: p.ID, Scope: scope, Trigger: check.TriggerAPI, DryRun: req.DryRun, Actor: k.Actor()}
	if customer != "" {
		r.CustomerIDs = []string{customer}
	}
	started, err := s.checks.Start(ctx, r)
	if err != nil {
		return ans, false, checkError(err)
	}
	ans = runAnswer{CheckID: started.ID, StatusURL: "/api/v1/checks/" + started.ID}
	if customer == "" {
		return ans, false, nil
	}
	ch, finished, err := s.waitCheck(ctx, started.ID, customerWait)
	if err != nil || !finished {
		return ans, false, err
	}
	v := s.viewCheck(ch)
	ans.Check = &v
	if ch.Status != "finished" {
		return ans, true, nil
	}
	incidents, _, err := s.db.ListIncidents(ctx, p.ID, db.IncidentFilter{CustomerID: customer, Statuses: db.ActiveStatuses, Limit: 500})
	if err != nil {
		return ans, true, err
	}
	vd := &verdict{CustomerID: customer, Held: len(incidents) == 0, OpenIncidents: []incidentView{}}
	for _, i := range incidents {
		vd.OpenIncidents = append(vd.OpenIncidents, viewIncident(i))
	}
	if !req.DryRun {
		ans.Verdict = vd
	}
	return ans, true, nil
}

// waitCheck polls a check until it ends or the wait is over.
func (s *Server) waitCheck(ctx context.Context, id string, wait time.Duration) (db.Check, bool, error) {
	deadline := time.Now().Add(wait)
	for {
		ch, err := s.db.GetCheck(ctx, id)
		if err != nil || ch.Status != "running" {
			return ch, err == nil, err
		}
		if time.Now().After(deadline) {
			return ch, false, nil
		}
		select {
		case <-ctx.Done():
			return ch, false, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *Server) keyCheck(ctx context.Context, k db.APIKey, id string) (checkView, error) {
	ch, err := s.db.GetCheck(ctx, id)
	if errors.Is(err, db.ErrNotFound) || (err == nil && !keyReaches(k, ch.ProjectID)) {
		return checkView{}, newError(http.StatusNotFound, "not_found", "No such check.")
	}
	if err != nil {
		return checkView{}, err
	}
	return s.viewCheck(ch), nil
}
