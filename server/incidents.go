package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"parityrail/check"
	"parityrail/db"
	"parityrail/fulfillment"
	"parityrail/ledger"
	"parityrail/repair"
)

const ctxIncident = "incident"

// subjectView names the app subject of an incident.
type subjectView struct {
	Key   string `json:"key"`
	Kind  string `json:"kind"`
	ID    string `json:"id"`
	Email string `json:"email,omitempty"`
	Name  string `json:"name,omitempty"`
}

// incidentView is an incident in a list.
type incidentView struct {
	ID             string       `json:"id"`
	ProjectID      string       `json:"project_id"`
	CustomerID     string       `json:"customer_id"`
	Subject        *subjectView `json:"subject"`
	Kind           string       `json:"kind"`
	Severity       string       `json:"severity"`
	Status         string       `json:"status"`
	Summary        string       `json:"summary"`
	AtStake        *atStakeView `json:"at_stake"`
	FirstSeenAt    time.Time    `json:"first_seen_at"`
	LastSeenAt     time.Time    `json:"last_seen_at"`
	FirstCheckID   string       `json:"first_check_id"`
	LastCheckID    string       `json:"last_check_id"`
	AcknowledgedAt *time.Time   `json:"acknowledged_at"`
	AcknowledgedBy string       `json:"acknowledged_by,omitempty"`
	IgnoredAt      *time.Time   `json:"ignored_at"`
	IgnoredBy      string       `json:"ignored_by,omitempty"`
	IgnoreReason   string       `json:"ignore_reason,omitempty"`
	ResolvedAt     *time.Time   `json:"resolved_at"`
	Resolution     string       `json:"resolution,omitempty"`
}

func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}

// atStakeView is an incident's money at stake per month.
type atStakeView struct {
	MonthlyMinor *int64 `json:"monthly_minor"`
	Currency     string `json:"currency"`
	Basis        string `json:"basis"`
}

func viewIncident(i db.Incident) incidentView {
	v := incidentView{ID: i.ID, ProjectID: i.ProjectID, CustomerID: i.CustomerID, Kind: i.Kind, Severity: i.Severity,
		Status: i.Status, Summary: i.Summary, FirstSeenAt: i.FirstSeenAt, LastSeenAt: i.LastSeenAt,
		FirstCheckID: i.FirstCheckID, LastCheckID: i.LastCheckID, AcknowledgedAt: i.AcknowledgedAt,
		AcknowledgedBy: i.AcknowledgedBy, IgnoredAt: i.IgnoredAt, IgnoredBy: i.IgnoredBy, IgnoreReason: i.IgnoreReason,
		ResolvedAt: i.ResolvedAt, Resolution: i.Resolution}
	if st := i.AtStake; st != nil {
		v.AtStake = &atStakeView{MonthlyMinor: st.MonthlyMinor, Currency: st.Currency, Basis: st.Basis}
	}
	if i.SubjectKey != "" {
		v.Subject = &subjectView{Key: i.SubjectKey, Kind: i.SubjectKind, ID: i.SubjectID, Email: i.SubjectEmail, Name: i.SubjectName}
	}
	return v
}

var (
	incidentKinds    = asStrings(fulfillment.Kinds)
	incidentStatuses = db.IncidentStatuses
	severities       = asStrings(fulfillment.Severities)
)

// listIncidents pages through a project's incidents, critical first and
// newest first (or ?sort=last_seen / first_seen, newest first); filters: status (comma-separated, or "active" for every
// unresolved, unignored status), kind, severity, customer_id, q (id, email
// or name substring), cursor.
// maxSearchLen bounds the incidents search box.
const maxSearchLen = 200

func (s *Server) listIncidents(c echo.Context) error {
	f, err := incidentFilter(c.QueryParam)
	if err != nil {
		return err
	}
	out, err := s.incidentPage(c.Request().Context(), currentProject(c).ID, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// incidentFilter reads the list's filters from query parameters (or an MCP
// tool's arguments of the same names).
func incidentFilter(param func(string) string) (db.IncidentFilter, error) {
	f := db.IncidentFilter{Kind: param("kind"), Severity: param("severity"), Q: param("q"),
		Cursor: param("cursor"), CustomerID: param("customer_id"), Sort: param("sort"), Limit: 50,
		CheckID: strings.TrimSpace(param("check_id")), CheckEvent: param("check_event")}
	if f.CheckEvent != "" && f.CheckEvent != "opened" && f.CheckEvent != "resolved" {
		return f, badRequest("invalid_filter", "check_event is opened or resolved.").on("check_event")
	}
	// A search is a substring of an id, email or name: 200 characters is
	// more than any of them, and longer patterns make SQLite refuse the LIKE.
	if len([]rune(f.Q)) > maxSearchLen {
		return f, badRequest("invalid_filter", "Search for at most %d characters (an id, email or name).", maxSearchLen).on("q")
	}
	if f.Sort != "" && !slices.Contains(db.IncidentSorts, f.Sort) {
		return f, badRequest("invalid_filter", "Unknown sort %q; use %s.", f.Sort, strings.Join(db.IncidentSorts, ", ")).on("sort")
	}
	f.Currency = strings.TrimSpace(param("currency"))
	if f.Currency != "" && !isCurrency(f.Currency) {
		return f, badRequest("invalid_filter", "currency must be a three-letter ISO code such as usd.").on("currency")
	}
	if f.Sort == db.SortAtStake && f.Currency == "" {
		return f, badRequest("invalid_filter", "Sorting by money at stake needs a currency (currency=usd): amounts in different currencies do not compare.").on("currency")
	}
	for _, st := range strings.Split(param("status"), ",") {
		switch st = strings.TrimSpace(st); {
		case st == "":
		case st == "active":
			f.Statuses = append(f.Statuses, db.ActiveStatuses...)
		case slices.Contains(incidentStatuses, st):
			f.Statuses = append(f.Statuses, st)
		default:
			return f, badRequest("invalid_filter", "Unknown status %q; use %s or active.", st, strings.Join(incidentStatuses, ", ")).on("status")
		}
	}
	if f.Kind != "" && !slices.Contains(incidentKinds, f.Kind) {
		return f, badRequest("invalid_filter", "Unknown kind %q; use %s.", f.Kind, strings.Join(incidentKinds, ", ")).on("kind")
	}
	if f.Severity != "" && !slices.Contains(severities, f.Severity) {
		return f, badRequest("invalid_filter", "Unknown severity %q; use critical, high, medium or low.", f.Severity).on("severity")
	}
	if l := param("limit"); l != "" {
		var n int
		if err := json.Unmarshal([]byte(l), &n); err != nil || n < 1 || n > 500 {
			return f, badRequest("invalid_filter", "limit must be between 1 and 500.").on("limit")
		}
		f.Limit = n
	}
	return f, nil
}

// incidentPage is one page of a project's incidents.
func (s *Server) incidentPage(ctx context.Context, projectID string, f db.IncidentFilter) (list[incidentView], error) {
	items, next, err := s.db.ListIncidents(ctx, projectID, f)
	if errors.Is(err, db.ErrBadCursor) {
		return list[incidentView]{}, badRequest("invalid_cursor", "This cursor is not one the API handed out for this sort; start from the first page.")
	}
	if err != nil {
		return list[incidentView]{}, err
	}
	out := list[incidentView]{Items: make([]incidentView, 0, len(items)), NextCursor: next}
	for _, i := range items {
		out.Items = append(out.Items, viewIncident(i))
	}
	return out, nil
}

// withIncident loads the :incidentId incident and its project after the
// role check: an incident whose project is gone answers 404 like a missing
// one.
func (s *Server) withIncident(next echo.HandlerFunc) echo.HandlerFunc {
	return withOwned(s, "incidentId", ctxIncident, "incident", s.db.GetIncident,
		func(i db.Incident) string { return i.ProjectID })(next)
}

func currentIncident(c echo.Context) db.Incident { return loaded[db.Incident](c, ctxIncident) }

// fieldDiffView is one compared field, expected beside actual.
type fieldDiffView struct {
	Field           string `json:"field"`
	Path            string `json:"path"`
	Expected        any    `json:"expected"`
	ExpectedText    string `json:"expected_text"`
	ExpectedUnknown bool   `json:"expected_unknown,omitempty"`
	Actual          any    `json:"actual"`
	ActualText      string `json:"actual_text"`
	Raw             any    `json:"raw"`
}

func fieldDiffs(f fulfillment.Finding) []fieldDiffView { return diffViews(f.Fields) }

func diffViews(ds []fulfillment.FieldDiff) []fieldDiffView {
	out := make([]fieldDiffView, 0, len(ds))
	for _, d := range ds {
		out = append(out, fieldDiffView{Field: d.Field, Path: d.Path, Expected: d.Expected, ExpectedText: d.ExpectedText,
			ExpectedUnknown: d.ExpectedUnknown, Actual: d.Actual, ActualText: d.ActualText, Raw: d.Raw})
	}
	return out
}

// incidentDetail is one incident with its evidence and timeline.
type incidentDetail struct {
	incidentView
	Fields   []fieldDiffView    `json:"fields"`
	Evidence evidenceView       `json:"evidence"`
	Policy   fulfillment.Policy `json:"policy"`
	// PolicyVersion names the policy the incident was last judged under
	// (fulfillment.PolicyVersion).
	PolicyVersion string `json:"policy_version"`
	// Repair is the proposed change of mapped fields (nil when a person must
	// decide: unmatched, ambiguous, or an unmapped price).
	Repair   *fulfillment.RepairPlan `json:"repair"`
	Timeline []db.LedgerView         `json:"timeline"`
	// Proposal is the incident's newest repair proposal (Postgres), with
	// its id, status, decision and verification; nil when it has none.
	Proposal *repairView `json:"proposal"`
	// GuidedFix is the exact change to make in Clerk (Clerk incidents).
	GuidedFix *repair.GuidedFix `json:"guided_fix"`
}

type evidenceView struct {
	Promise    fulfillment.Promise   `json:"promise"`
	Subject    *fulfillment.Subject  `json:"subject"`
	Candidates []fulfillment.Subject `json:"candidates"`
	// SharedWith: every Stripe customer pointing at the subject (several
	// customers, one subject); LinkedValue: the value of a subject linked to
	// no customer Stripe holds (an unknown cus_ id, an unmatched email).
	SharedWith  []string `json:"shared_with,omitempty"`
	LinkedValue string   `json:"linked_value,omitempty"`
}

func (s *Server) incidentDetail(ctx context.Context, inc db.Incident) (incidentDetail, error) {
	d := incidentDetail{incidentView: viewIncident(inc), Fields: []fieldDiffView{}, Timeline: []db.LedgerView{}}
	var f fulfillment.Finding
	if err := json.Unmarshal(inc.Finding, &f); err != nil {
		return d, err
	}
	d.Fields, d.Policy, d.PolicyVersion = fieldDiffs(f), f.Policy, inc.PolicyVersion
	if d.PolicyVersion == "" {
		// Filed before versions were stored: the evidence names the policy.
		d.PolicyVersion = fulfillment.PolicyVersion(f.Policy)
	}
	d.Evidence = evidenceView{Promise: f.Promise, Subject: f.Subject, Candidates: f.Candidates, SharedWith: f.SharedWith,
		LinkedValue: f.LinkedValue}
	if d.Evidence.Candidates == nil {
		d.Evidence.Candidates = []fulfillment.Subject{}
	}
	if plan, ok := fulfillment.Repair(f); ok {
		d.Repair = &plan
	}
	if g, ok := repair.Guide(f, s.clerkInstance(ctx, inc.ProjectID)); ok {
		d.GuidedFix = &g
	}
	if r, err := s.db.LatestRepair(ctx, inc.ID); err == nil {
		v, err := s.viewRepair(ctx, r)
		if err != nil {
			return d, err
		}
		d.Proposal = &v
	} else if !errors.Is(err, db.ErrNotFound) {
		return d, err
	}
	timeline, err := s.db.ListLedger(ctx, inc.ProjectID, db.LedgerQuery{IncidentID: inc.ID})
	if err != nil {
		return d, err
	}
	if timeline != nil {
		d.Timeline = timeline
	}
	return d, nil
}

func (s *Server) getIncident(c echo.Context) error {
	d, err := s.incidentDetail(c.Request().Context(), currentIncident(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

func incidentStateError(err error, action string) error {
	var se *db.ErrIncidentState
	if errors.As(err, &se) {
		return newError(http.StatusConflict, "invalid_state", "This incident is %s; it cannot be %s.", se.Status, action)
	}
	return err
}

func (s *Server) acknowledgeIncident(c echo.Context) error {
	inc, err := s.db.AcknowledgeIncident(c.Request().Context(), currentIncident(c).ID, currentUser(c).ID)
	if err != nil {
		return incidentStateError(err, "acknowledged")
	}
	return c.JSON(http.StatusOK, viewIncident(inc))
}

type ignoreRequest struct {
	Reason string `json:"reason"`
}

// ledgerReason is the reason a decision must carry (kept in the ledger),
// trimmed; why says what the person is asked to explain.
func ledgerReason(raw, why string) (string, error) {
	reason := strings.TrimSpace(raw)
	if reason == "" {
		return "", badRequest("reason_required", "Say why %s; the reason is kept in the ledger.", why)
	}
	if utf8.RuneCountInString(reason) > 1000 {
		return "", badRequest("reason_too_long", "Keep the reason under 1,000 characters.")
	}
	return reason, nil
}

// ignoreReason is the reason an ignore must carry.
func ignoreReason(raw string) (string, error) {
	return ledgerReason(raw, "this incident is intentional")
}

func (s *Server) ignoreIncident(c echo.Context, req ignoreRequest) error {
	reason, err := ignoreReason(req.Reason)
	if err != nil {
		return err
	}
	inc, err := s.db.IgnoreIncident(c.Request().Context(), currentIncident(c).ID, currentUser(c).ID, reason)
	if err != nil {
		return incidentStateError(err, "ignored")
	}
	return c.JSON(http.StatusOK, viewIncident(inc))
}

// recheckView answers "Re-run check": whether the promise holds now, with
// the values read now.
type recheckView struct {
	Held     bool                 `json:"held"`
	Result   string               `json:"result"` // held, still_wrong
	Message  string               `json:"message"`
	Fields   []fieldDiffView      `json:"fields"`  // the incident's differing fields, as read now
	Subject  *fulfillment.Subject `json:"subject"` // the subject as read now (nil when gone or customer-level)
	Check    checkView            `json:"check"`
	Incident incidentView         `json:"incident"`
}

// recheckIncident re-checks the incident's customer (or unlinked subject)
// now, from freshly read state, and says whether the promise holds.
func (s *Server) recheckIncident(c echo.Context) error {
	ctx := c.Request().Context()
	inc := currentIncident(c)
	u := currentUser(c)
	req := check.Request{ProjectID: inc.ProjectID, Scope: check.ScopeCustomer, Trigger: check.TriggerPerson, StartedBy: u.ID, Actor: u.ID}
	if inc.SubjectKind == string(fulfillment.SubjectUser) || inc.SubjectKind == string(fulfillment.SubjectOrganization) {
		// A Clerk fix is applied by a person; this re-check is its verification.
		req.ResolveAs = map[string]string{inc.ID: check.ResolutionVerifiedGuided}
	}
	if inc.CustomerID != "" {
		req.CustomerIDs = []string{inc.CustomerID}
	} else {
		req.SubjectKeys = []string{inc.SubjectKey}
	}
	res, err := s.checks.Run(ctx, req)
	if err != nil {
		return checkError(err)
	}
	if res.Check.Status != "finished" {
		e := newError(http.StatusServiceUnavailable, "check_failed", "The re-check could not read everything it needs: %s", res.Check.Error)
		e.RetryAfter = retryUnavailable
		return e
	}
	// What the re-check read for this incident: shared with repair verification.
	out := repair.Outcome(res, inc)
	v := recheckView{Held: out.Held, Result: "held", Fields: diffViews(out.Fields), Subject: out.Subject, Check: s.viewCheck(res.Check)}
	if !v.Held {
		v.Result = "still_wrong"
	}
	v.Message = "Held: the promise holds now, and the incident is resolved."
	if req.ResolveAs != nil {
		v.Message = "Held: the promise holds now — verified after guided fix."
	}
	if !v.Held {
		v.Message = out.Message // each differing path: what it reads, what was expected
		if len(v.Fields) == 0 {
			v.Message = "Still wrong: the app does not keep the promise yet."
		}
	}
	now := out.Values
	for _, f := range v.Fields {
		now[f.Field] = f.ActualText
	}
	if err := s.db.AppendLedger(ctx, inc.ProjectID, db.LedgerEntry{Kind: ledger.Verification, CustomerID: inc.CustomerID,
		SubjectKey: inc.SubjectKey, IncidentID: inc.ID, CheckID: res.Check.ID, Actor: u.ID,
		Detail: map[string]any{"result": v.Result, "kind": inc.Kind, "values_now": now, "message": v.Message}}); err != nil {
		return err
	}
	fresh, err := s.db.GetIncident(ctx, inc.ID)
	if err != nil {
		return err
	}
	v.Incident = viewIncident(fresh)
	return c.JSON(http.StatusOK, v)
}

type bulkAcknowledgeRequest struct {
	IDs []string `json:"ids"`
}

// maxBulkIDs bounds one bulk acknowledge (ten list pages of 50).
const maxBulkIDs = 500

// acknowledgeIncidents acknowledges the open incidents among ids in one
// transaction. Ids of another project's incidents are untouched and counted
// as not found; when none of the ids is this project's, the answer is 404.
func (s *Server) acknowledgeIncidents(c echo.Context, req bulkAcknowledgeRequest) error {
	ids := make([]string, 0, len(req.IDs))
	for _, id := range req.IDs {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return badRequest("ids_required", "Select at least one incident to acknowledge.")
	}
	if len(ids) > maxBulkIDs {
		return badRequest("too_many_ids", "Acknowledge at most %d incidents at a time.", maxBulkIDs)
	}
	res, err := s.db.AcknowledgeIncidents(c.Request().Context(), currentProject(c).ID, ids, currentUser(c).ID)
	if err != nil {
		return err
	}
	if res.Acknowledged+res.Already+res.Skipped == 0 {
		return newError(http.StatusNotFound, "not_found", "None of these incidents belong to this project.")
	}
	return c.JSON(http.StatusOK, res)
}

func asStrings[T ~string](in []T) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return out
}
