package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"parityrail/access/postgres"
	"parityrail/db"
	"parityrail/repair"
)

const ctxRepair = "repair"

// repairFieldView is one field a repair changes: before (as the check read
// it) → after.
type repairFieldView struct {
	Field  string `json:"field"`
	Path   string `json:"path"`
	Before any    `json:"before"`
	After  any    `json:"after"`
}

// repairView is a repair proposal with its decision, result and verification.
type repairView struct {
	ID             string            `json:"id"`
	IncidentID     string            `json:"incident_id"`
	ProjectID      string            `json:"project_id"`
	Status         string            `json:"status"`
	SubjectKind    string            `json:"subject_kind"`
	SubjectID      string            `json:"subject_id"`
	Table          string            `json:"table,omitempty"`
	Fields         []repairFieldView `json:"fields"`
	Reason         string            `json:"reason"`
	ProposedAt     time.Time         `json:"proposed_at"`
	ProposedCheck  string            `json:"proposed_check_id,omitempty"`
	DecidedBy      string            `json:"decided_by,omitempty"`
	DecidedByName  string            `json:"decided_by_name,omitempty"`
	DecidedAt      *time.Time        `json:"decided_at"`
	DecisionReason string            `json:"decision_reason,omitempty"`
	AppliedAt      *time.Time        `json:"applied_at"`
	// Result is what the UPDATE wrote: table, key, changes, the SQL run.
	Result         *postgres.RepairResult `json:"result"`
	ErrorCode      string                 `json:"error_code,omitempty"`
	Error          string                 `json:"error,omitempty"`
	Verification   string                 `json:"verification"` // "", pending, held, still_wrong
	VerifyAttempts int                    `json:"verify_attempts"`
	NextVerifyAt   *time.Time             `json:"next_verify_at"`
	VerifiedAt     *time.Time             `json:"verified_at"`
	VerifyMessage  string                 `json:"verify_message,omitempty"`
	ValuesNow      map[string]any         `json:"values_now,omitempty"`
	// Blocked says why approving is unavailable for the project right now
	// (repairs off, no repair connection); empty when an admin can approve.
	Blocked     string `json:"blocked,omitempty"`
	BlockedCode string `json:"blocked_code,omitempty"`
	// Preview is the UPDATE approving runs, while the repair waits for it.
	Preview string `json:"preview,omitempty"`
}

func (s *Server) viewRepair(ctx context.Context, r db.Repair) (repairView, error) {
	v := repairView{ID: r.ID, IncidentID: r.IncidentID, ProjectID: r.ProjectID, Status: r.Status, SubjectKind: r.SubjectKind,
		SubjectID: r.SubjectID, Table: r.Table, Fields: []repairFieldView{}, Reason: r.Reason, ProposedAt: r.ProposedAt,
		ProposedCheck: r.ProposedCheck, DecidedBy: r.DecidedBy, DecidedAt: r.DecidedAt, DecisionReason: r.DecisionReason,
		AppliedAt: r.AppliedAt, ErrorCode: r.ErrorCode, Error: r.Error, Verification: r.Verification,
		VerifyAttempts: r.VerifyAttempts, NextVerifyAt: r.NextVerifyAt, VerifiedAt: r.VerifiedAt, VerifyMessage: r.VerifyMessage}
	var plan struct {
		Fields []repairFieldView `json:"fields"`
	}
	if err := json.Unmarshal(r.Plan, &plan); err != nil {
		return v, err
	}
	if plan.Fields != nil {
		v.Fields = plan.Fields
	}
	if len(r.Result) > 0 {
		var res postgres.RepairResult
		if err := json.Unmarshal(r.Result, &res); err == nil {
			v.Result = &res
		}
	}
	if len(r.ValuesNow) > 0 {
		_ = json.Unmarshal(r.ValuesNow, &v.ValuesNow)
	}
	if r.DecidedBy != "" {
		if u, err := s.db.GetUser(ctx, r.DecidedBy); err == nil {
			v.DecidedByName = u.Name
			if v.DecidedByName == "" {
				v.DecidedByName = u.Email
			}
		}
	}
	if r.Status == db.RepairProposed {
		p, err := s.db.GetProject(ctx, r.ProjectID)
		if err != nil {
			return v, err
		}
		blocked, err := s.repairs.Blocked(ctx, p)
		if err != nil {
			return v, err
		}
		if blocked != nil {
			v.Blocked, v.BlockedCode = blocked.Message, blocked.Code
		}
		v.Preview = repair.Preview(p, r)
	}
	return v, nil
}

// withRepair loads the :repairId repair and its project after the role
// check: a repair of a project that is gone answers 404 like a missing one.
func (s *Server) withRepair(next echo.HandlerFunc) echo.HandlerFunc {
	return withOwned(s, "repairId", ctxRepair, "repair", s.db.GetRepair,
		func(r db.Repair) string { return r.ProjectID })(next)
}

func currentRepair(c echo.Context) db.Repair { return loaded[db.Repair](c, ctxRepair) }

// repairAnswer is a decision's answer: the repair as recorded and its
// incident as it stands.
type repairAnswer struct {
	Repair   repairView   `json:"repair"`
	Incident incidentView `json:"incident"`
}

func (s *Server) answerRepair(c echo.Context, status int, r db.Repair) error {
	a, err := s.repairWithIncident(c.Request().Context(), r)
	if err != nil {
		return err
	}
	return c.JSON(status, a)
}

func (s *Server) repairWithIncident(ctx context.Context, r db.Repair) (repairAnswer, error) {
	v, err := s.viewRepair(ctx, r)
	if err != nil {
		return repairAnswer{}, err
	}
	inc, err := s.db.GetIncident(ctx, r.IncidentID)
	if err != nil {
		return repairAnswer{}, err
	}
	return repairAnswer{Repair: v, Incident: viewIncident(inc)}, nil
}

// repairError maps why a repair was refused or failed; nothing was written
// in any of these cases.
func repairError(err error) error {
	if errors.Is(err, db.ErrNotFound) {
		return newError(http.StatusNotFound, "not_found", "No such repair.")
	}
	return sourceAnswer(err)
}

// approveRepair runs an approved repair now and answers with its result;
// the verification re-checks run in the background (jobs).
func (s *Server) approveRepair(c echo.Context) error {
	r, err := s.repairs.Approve(c.Request().Context(), currentRepair(c).ID, currentUser(c).ID)
	if err != nil {
		return repairError(err)
	}
	return s.answerRepair(c, http.StatusOK, r)
}

type rejectRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) rejectRepair(c echo.Context, req rejectRequest) error {
	reason, err := ledgerReason(req.Reason, "this repair is rejected")
	if err != nil {
		return err
	}
	r, err := s.repairs.Reject(c.Request().Context(), currentRepair(c).ID, currentUser(c).ID, reason)
	if err != nil {
		return repairError(err)
	}
	return s.answerRepair(c, http.StatusOK, r)
}
