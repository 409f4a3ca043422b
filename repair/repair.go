// Package repair applies approved repairs and verifies them.
//
// A check files a proposal with each Postgres incident whose fix is a change
// of mapped access fields (db/repairs.go). Approving one runs a single
// guarded UPDATE of one row through the project's column-scoped repair
// connection (sources.Repairer: the Postgres repair role, or the demo SQL
// app's writer), then re-checks the customer from
// fresh reads on a schedule until the promise holds. Clerk repairs are
// guided: ParityRail shows the exact change (Guide) and never writes to Clerk.
package repair

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"parityrail/sources"
	"strings"
	"sync"
	"time"

	"parityrail/access/postgres"
	"parityrail/access/sqlite"
	"parityrail/check"
	"parityrail/db"
	"parityrail/fulfillment"
	"parityrail/mapping"
)

// DefaultSchedule is when a repair is re-checked, counted from when it was
// applied: replicas and caches lag, so a few tries over about a minute.
var DefaultSchedule = []time.Duration{0, 5 * time.Second, 15 * time.Second, 30 * time.Second, 60 * time.Second}

// Service approves, rejects and verifies repairs. One is shared by the
// server (decisions) and the verification worker (jobs).
type Service struct {
	DB *db.DB
	// Sources opens the repair connection (for one UPDATE at a time).
	Sources *sources.Opener
	Checks  *check.Runner
	Log     *slog.Logger
	// Schedule overrides DefaultSchedule (tests run it fast).
	Schedule []time.Duration
	// inflight holds the ids of repairs being verified right now.
	inflight sync.Map
}

// Error is a repair that cannot be approved or applied; Message says why
// and what to do. Code is stable (the API returns it).
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Codes of *Error beyond the postgres.Code* ones an UPDATE can fail with.
const (
	CodeGuided       = "repair_guided"        // a Clerk repair: applied by a person
	CodeRepairsOff   = "repairs_off"          // the project has not turned repairs on
	CodeNoRepairConn = "no_repair_connection" // no repair role connected
	CodeNotMapped    = "not_mapped"
	CodeDecided      = "repair_decided"  // no longer waiting for a decision
	CodeClosed       = "incident_closed" // the incident is resolved or ignored
)

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func (s *Service) schedule() []time.Duration {
	if len(s.Schedule) > 0 {
		return s.Schedule
	}
	return DefaultSchedule
}

// Blocked says why an admin cannot approve repairs of the project right now
// ("" when they can): the gates are checked again on approval.
func (s *Service) Blocked(ctx context.Context, p db.Project) (*Error, error) {
	if p.AccessSource != "postgres" && p.AccessSource != sources.SourceDemoSQL {
		return &Error{Code: CodeGuided, Message: "Repairs of this project are guided: apply the change in your app, then re-run the check."}, nil
	}
	if !p.RepairsEnabled {
		return &Error{Code: CodeRepairsOff, Message: "Turn repairs on in step 8 (Go live) to approve repairs; until then ParityRail only reads your database. Nothing was changed."}, nil
	}
	if p.AccessSource == sources.SourceDemoSQL {
		return nil, nil // the demo's SQL app has its own writer, no stored connection
	}
	conn, err := s.DB.GetConnection(ctx, p.ID, "postgres")
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return nil, err
	}
	if err != nil || conn.SealedExtra == "" {
		return &Error{Code: CodeNoRepairConn, Message: "Add a repair connection on step 3 (Database): a second connection string for a role granted UPDATE only on the mapped access columns. Nothing was changed."}, nil
	}
	return nil, nil
}

// Preview is the UPDATE that approving r runs in project p, rendered by
// the writer that runs it (Postgres's or the demo SQL app's, whose guards
// differ); empty for a repair ParityRail only guides.
func Preview(p db.Project, r db.Repair) string {
	var plan fulfillment.RepairPlan
	if err := json.Unmarshal(r.Plan, &plan); err != nil {
		return ""
	}
	switch p.AccessSource {
	case "postgres":
		return postgres.Preview(plan)
	case sources.SourceDemoSQL:
		return sqlite.Preview(plan)
	}
	return ""
}

func decidedError(r db.Repair) *Error {
	switch r.Status {
	case db.RepairApproved:
		return &Error{Code: CodeDecided, Message: "This repair is being applied already (approved by someone else a moment ago); it runs once."}
	case db.RepairApplied:
		return &Error{Code: CodeDecided, Message: "This repair was already approved and applied; it runs once."}
	case db.RepairRejected:
		return &Error{Code: CodeDecided, Message: "This repair was rejected; re-run the check for a new proposal."}
	case db.RepairSuperseded:
		return &Error{Code: CodeDecided, Message: "The incident changed since this repair was proposed; review the newer proposal."}
	case db.RepairFailed:
		return &Error{Code: CodeDecided, Message: "This repair failed; re-run the check for a new proposal."}
	}
	return &Error{Code: CodeDecided, Message: "This repair is " + r.Status + "."}
}

func closedError(status string) *Error {
	if status == db.IncidentIgnored {
		return &Error{Code: CodeClosed, Message: "This incident is ignored; it cannot be repaired. Nothing was changed."}
	}
	return &Error{Code: CodeClosed, Message: "This incident is already resolved; there is nothing to repair. Nothing was changed."}
}

// Approve applies a proposed repair for the admin userID: the project's
// gates are checked first, then the repair is claimed (of two approvals
// exactly one runs it), then one guarded UPDATE runs through the repair
// connection. The answer is the repair as recorded: applied (verification
// scheduled) or, with an error saying why, failed with nothing written.
func (s *Service) Approve(ctx context.Context, repairID, userID string) (db.Repair, error) {
	r, err := s.DB.GetRepair(ctx, repairID)
	if err != nil {
		return db.Repair{}, err
	}
	p, err := s.DB.GetProject(ctx, r.ProjectID)
	if err != nil {
		return db.Repair{}, err
	}
	inc, err := s.DB.GetIncident(ctx, r.IncidentID)
	if err != nil {
		return db.Repair{}, err
	}
	if r.Status == db.RepairProposed && (inc.Status == db.IncidentResolved || inc.Status == db.IncidentIgnored) {
		return r, closedError(inc.Status)
	}
	if r.Status != db.RepairProposed {
		if r.Status == db.RepairSuperseded && inc.Status == db.IncidentResolved {
			return r, closedError(inc.Status)
		}
		return r, decidedError(r)
	}
	if r.SubjectKind != string(fulfillment.SubjectRow) {
		return r, &Error{Code: CodeGuided, Message: "This repair is guided: apply the change in Clerk, then re-run the check."}
	}
	if blocked, err := s.Blocked(ctx, p); err != nil || blocked != nil {
		if err != nil {
			return r, err
		}
		return r, blocked
	}
	// The allowlist of writable columns comes from the mapping as it is now,
	// never from the stored proposal (ApplyRepair enforces it).
	m, err := s.mapping(ctx, p.ID)
	if err != nil {
		return r, err
	}
	var plan fulfillment.RepairPlan
	if err := json.Unmarshal(r.Plan, &plan); err != nil {
		return r, fmt.Errorf("read repair plan: %w", err)
	}

	r, err = s.DB.ClaimRepair(ctx, repairID, userID)
	var rs *db.ErrRepairState
	var is *db.ErrIncidentState
	switch {
	case errors.As(err, &rs):
		cur, gerr := s.DB.GetRepair(ctx, repairID)
		if gerr != nil {
			return db.Repair{}, gerr
		}
		return cur, decidedError(cur)
	case errors.As(err, &is):
		return r, closedError(is.Status)
	case err != nil:
		return db.Repair{}, err
	}

	res, applyErr := s.apply(ctx, p, m, plan)
	// The outcome is recorded even if the request was canceled meanwhile.
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if applyErr != nil {
		code, msg := "repair_failed", applyErr.Error()
		var pe *postgres.Error
		var re *Error
		switch {
		case errors.As(applyErr, &pe):
			code, msg = pe.Code, pe.Message
		case errors.As(applyErr, &re):
			code, msg = re.Code, re.Message
		default:
			s.log().Error("repair failed", "repair", repairID, "err", applyErr)
			msg = "The repair could not be applied. Nothing was changed; try again, and check ParityRail's log if it keeps failing."
		}
		failed, err := s.DB.RepairFailed(rec, repairID, userID, code, msg)
		if err != nil {
			return db.Repair{}, err
		}
		return failed, &Error{Code: code, Message: msg}
	}
	result, err := json.Marshal(res)
	if err != nil {
		return db.Repair{}, err
	}
	changes := make([]map[string]any, 0, len(res.Changes))
	for _, c := range res.Changes {
		changes = append(changes, map[string]any{"field": c.Field, "column": c.Column, "before": c.Before, "after": c.After})
	}
	return s.DB.RepairApplied(rec, repairID, result, map[string]any{"repair_id": repairID, "table": res.Table, "key": res.Key,
		"changes": changes, "sql": res.SQL, "rows": 1})
}

func (s *Service) mapping(ctx context.Context, projectID string) (postgres.Mapping, error) {
	doc, err := s.DB.GetMapping(ctx, projectID)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return postgres.Mapping{}, err
	}
	notMapped := &Error{Code: CodeNotMapped, Message: "Map the access columns on step 6 (Access mapping) first: only mapped columns can be repaired. Nothing was changed."}
	if err != nil {
		return postgres.Mapping{}, notMapped
	}
	m, err := mapping.Parse(doc)
	if err != nil || m.Access == nil || m.Identity == nil {
		return postgres.Mapping{}, notMapped
	}
	return m.Postgres(), nil
}

// apply opens the repair connection (used for this one UPDATE and nothing
// else) and runs the plan.
func (s *Service) apply(ctx context.Context, p db.Project, m postgres.Mapping, plan fulfillment.RepairPlan) (postgres.RepairResult, error) {
	rep, err := s.Sources.Repairer(ctx, p)
	var se *sources.SourceError
	if errors.As(err, &se) {
		return postgres.RepairResult{}, &Error{Code: se.Code, Message: se.Message + " Nothing was changed."}
	}
	if err != nil {
		return postgres.RepairResult{}, err
	}
	defer rep.Close()
	return rep.ApplyRepair(ctx, m, plan)
}

// Reject records an admin's no with the reason.
func (s *Service) Reject(ctx context.Context, repairID, userID, reason string) (db.Repair, error) {
	r, err := s.DB.RejectRepair(ctx, repairID, userID, reason)
	var rs *db.ErrRepairState
	if errors.As(err, &rs) {
		cur, gerr := s.DB.GetRepair(ctx, repairID)
		if gerr != nil {
			return db.Repair{}, gerr
		}
		return cur, decidedError(cur)
	}
	return r, err
}

// VerifyDue runs every due verification once (the worker calls it often).
func (s *Service) VerifyDue(ctx context.Context) error {
	due, err := s.DB.DueVerifications(ctx, s.DB.Now(), 20)
	if err != nil {
		return err
	}
	for _, r := range due {
		if err := s.verify(ctx, r); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			s.log().Error("verify repair", "repair", r.ID, "err", err)
		}
	}
	return nil
}

// VerifyNow runs the repair's verification now when one is due (the first
// is due the moment the repair is applied) rather than when the worker next
// looks, and returns the repair as it then stands. REST v1's approve answers
// with the outcome this way.
func (s *Service) VerifyNow(ctx context.Context, id string) (db.Repair, error) {
	r, err := s.DB.GetRepair(ctx, id)
	if err != nil {
		return r, err
	}
	if r.Verification == db.VerifyPending && r.NextVerifyAt != nil && !r.NextVerifyAt.After(s.DB.Now()) {
		if err := s.verify(ctx, r); err != nil {
			return r, err
		}
	}
	return s.DB.GetRepair(ctx, id)
}

// verify re-checks the repaired customer (or unlinked row) from fresh reads.
// One attempt runs at a time per repair: the worker and VerifyNow may reach
// the same due attempt, and the later one finds it already spent.
func (s *Service) verify(ctx context.Context, r db.Repair) error {
	if _, busy := s.inflight.LoadOrStore(r.ID, true); busy {
		return nil
	}
	defer s.inflight.Delete(r.ID)
	fresh, err := s.DB.GetRepair(ctx, r.ID)
	if err != nil {
		return err
	}
	if fresh.Verification != db.VerifyPending || fresh.VerifyAttempts != r.VerifyAttempts ||
		fresh.NextVerifyAt == nil || fresh.NextVerifyAt.After(s.DB.Now()) {
		return nil
	}
	inc, err := s.DB.GetIncident(ctx, r.IncidentID)
	if err != nil {
		return err
	}
	attempt := VerifyOutcome{}
	if inc.Status == db.IncidentResolved {
		// Something else (a full check) saw the promise hold first.
		attempt = VerifyOutcome{Held: true, Message: "The promise holds: the incident was resolved (" + inc.Resolution + ")."}
	} else {
		// The re-check runs for the person who approved the repair: the
		// check page names them.
		req := check.Request{ProjectID: r.ProjectID, Scope: check.ScopeCustomer, Trigger: check.TriggerPerson, StartedBy: r.DecidedBy, Actor: r.DecidedBy,
			ResolveAs: map[string]string{inc.ID: check.ResolutionVerifiedRepair}}
		if inc.CustomerID != "" {
			req.CustomerIDs = []string{inc.CustomerID}
		} else {
			req.SubjectKeys = []string{inc.SubjectKey}
		}
		res, err := s.Checks.Run(ctx, req)
		var busy *db.BusyError
		switch {
		case errors.As(err, &busy):
			// Another check of the project runs: try again shortly, no attempt spent.
			return s.later(ctx, r, 5*time.Second)
		case err != nil:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			attempt.Message = "The re-check could not run: " + errorText(err)
		case res.Check.Status != "finished":
			if ctx.Err() != nil {
				return ctx.Err()
			}
			attempt.Message = "The re-check could not read everything it needs: " + res.Check.Error
			attempt.CheckID = res.Check.ID
		default:
			attempt = Outcome(res, inc)
		}
	}
	a := db.VerifyAttempt{Held: attempt.Held, Message: attempt.Message, ValuesNow: attempt.Values, CheckID: attempt.CheckID, Actor: r.DecidedBy}
	sched := s.schedule()
	if !attempt.Held {
		if next := r.VerifyAttempts + 1; next < len(sched) {
			at := r.ProposedAt
			if r.AppliedAt != nil {
				at = *r.AppliedAt
			}
			t := at.Add(sched[next])
			a.Next = &t
		} else {
			a.Message = stillWrongMessage(len(sched), sched[len(sched)-1], attempt.Message)
		}
	}
	_, err = s.DB.RecordVerification(context.WithoutCancel(ctx), r.ID, a)
	return err
}

func (s *Service) later(ctx context.Context, r db.Repair, d time.Duration) error {
	// Rewrite the schedule slot without spending an attempt.
	_, err := s.DB.DeferVerification(ctx, r.ID, s.DB.Now().Add(d))
	return err
}

func stillWrongMessage(tries int, over time.Duration, last string) string {
	msg := fmt.Sprintf("The promise still does not hold after %d re-checks over %s. The incident stays open with the values read last", tries, over.Round(time.Second))
	if last != "" {
		msg += ": " + strings.TrimSuffix(last, ".")
	}
	return msg + ". Look for something in the app that writes the row back, then re-run the check."
}

func errorText(err error) string {
	var se *sources.SourceError
	if errors.As(err, &se) {
		return se.Message
	}
	return err.Error()
}

// VerifyOutcome is whether one re-check found the promise holding for an
// incident, with the values read now.
type VerifyOutcome struct {
	Held    bool
	Message string
	// Values are the subject's mapped fields as read now (field → raw).
	Values  map[string]any
	Fields  []fulfillment.FieldDiff // still differing (not held)
	Subject *fulfillment.Subject    // as read now (nil when gone)
	CheckID string
}

// Outcome reads a finished customer check for one incident: held when the
// check found no gap of the incident's kind for its subject.
func Outcome(res check.Result, inc db.Incident) VerifyOutcome {
	v := VerifyOutcome{Held: true, Values: map[string]any{}, CheckID: res.Check.ID}
	key := db.IncidentKey{CustomerID: inc.CustomerID, SubjectKey: inc.SubjectKey, Kind: inc.Kind}
	for _, o := range res.Outcomes {
		for _, sub := range o.Subjects {
			if sources.SubjectKey(sub) == inc.SubjectKey {
				sub := sub
				v.Subject = &sub
			}
		}
		for _, f := range o.Findings {
			if check.FindingKey(f) == key {
				v.Held, v.Fields = false, f.Fields
			}
		}
	}
	if v.Subject != nil {
		for name, fv := range map[string]*fulfillment.FieldValue{fulfillment.FieldPlan: v.Subject.Fields.Plan,
			fulfillment.FieldPremium: v.Subject.Fields.Premium, fulfillment.FieldTrialEnd: v.Subject.Fields.TrialEnd,
			fulfillment.FieldEntitlements: v.Subject.Fields.Entitlements} {
			if fv != nil {
				v.Values[name] = fv.Raw
			}
		}
	}
	if v.Held {
		v.Message = "Held: the promise holds now."
		return v
	}
	var parts []string
	for _, d := range v.Fields {
		parts = append(parts, fmt.Sprintf("%s reads %s, expected %s", d.Path, d.ActualText, d.ExpectedText))
	}
	v.Message = "Still wrong: " + strings.Join(parts, "; ") + "."
	return v
}
