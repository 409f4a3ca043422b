package db

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"parityrail/ledger"
)

// Repair statuses.
const (
	RepairProposed   = "proposed"   // waits for an admin's decision
	RepairApproved   = "approved"   // approved, the UPDATE is running
	RepairApplied    = "applied"    // written; see Verification
	RepairFailed     = "failed"     // could not be applied (nothing written)
	RepairRejected   = "rejected"   // an admin said no, with a reason
	RepairSuperseded = "superseded" // the incident changed or closed before a decision
)

// Verification states of an applied repair.
const (
	VerifyPending    = "pending"
	VerifyHeld       = "held"
	VerifyStillWrong = "still_wrong"
)

// Repair is one proposed change of a subject's mapped access fields.
type Repair struct {
	ID             string
	ProjectID      string
	IncidentID     string
	Status         string
	SubjectKind    string
	SubjectID      string
	Table          string
	Plan           json.RawMessage // fulfillment.RepairPlan
	Reason         string
	ProposedAt     time.Time
	ProposedCheck  string
	DecidedBy      string
	DecidedAt      *time.Time
	DecisionReason string
	AppliedAt      *time.Time
	Result         json.RawMessage // what the UPDATE wrote (nil until applied)
	ErrorCode      string
	Error          string
	Verification   string
	VerifyAttempts int
	NextVerifyAt   *time.Time
	VerifiedAt     *time.Time
	VerifyMessage  string
	ValuesNow      json.RawMessage // the fields as a verification last read them
	UpdatedAt      time.Time
}

// RepairProposal is what a check proposes with an incident write.
type RepairProposal struct {
	SubjectKind string
	SubjectID   string
	Table       string
	Plan        []byte // fulfillment.RepairPlan as JSON
	Reason      string
	// Detail is the repair_proposed ledger entry's detail.
	Detail map[string]any
}

// ErrRepairState is a decision the repair's status no longer allows.
type ErrRepairState struct{ Status string }

func (e *ErrRepairState) Error() string { return "repair is " + e.Status }

const repairColumns = `id, project_id, incident_id, status, subject_kind, subject_id, table_name, plan, reason, proposed_at,
	proposed_check, decided_by, decided_at, decision_reason, applied_at, result, error_code, error, verification,
	verify_attempts, next_verify_at, verified_at, verify_message, values_now, updated_at`

func scanRepair(row interface{ Scan(...any) error }) (Repair, error) {
	var r Repair
	var plan, proposed, updated string
	var decided, applied, next, verified, result, values sql.NullString
	err := row.Scan(&r.ID, &r.ProjectID, &r.IncidentID, &r.Status, &r.SubjectKind, &r.SubjectID, &r.Table, &plan, &r.Reason,
		&proposed, &r.ProposedCheck, &r.DecidedBy, &decided, &r.DecisionReason, &applied, &result, &r.ErrorCode, &r.Error,
		&r.Verification, &r.VerifyAttempts, &next, &verified, &r.VerifyMessage, &values, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return Repair{}, ErrNotFound
	}
	if err != nil {
		return Repair{}, err
	}
	r.Plan, r.ProposedAt, r.UpdatedAt = json.RawMessage(plan), parseTime(proposed), parseTime(updated)
	r.DecidedAt, r.AppliedAt, r.NextVerifyAt, r.VerifiedAt = parseNullTime(decided), parseNullTime(applied), parseNullTime(next), parseNullTime(verified)
	if result.Valid {
		r.Result = json.RawMessage(result.String)
	}
	if values.Valid {
		r.ValuesNow = json.RawMessage(values.String)
	}
	return r, nil
}

// GetRepair returns one repair.
func (d *DB) GetRepair(ctx context.Context, id string) (Repair, error) {
	return queryOne(ctx, d.read, "get repair", scanRepair, `SELECT `+repairColumns+` FROM repairs WHERE id = ?`, id)
}

// LatestRepair returns the newest repair of an incident (ErrNotFound when
// it has none).
func (d *DB) LatestRepair(ctx context.Context, incidentID string) (Repair, error) {
	return queryOne(ctx, d.read, "latest repair", scanRepair, `SELECT `+repairColumns+` FROM repairs WHERE incident_id = ?
		ORDER BY seq DESC LIMIT 1`, incidentID)
}

// proposeRepair files a check's proposal for an incident inside the check's
// batch transaction and returns the repair_proposed ledger entry (nil when
// nothing new was proposed). The newest repair with the same plan stands,
// whatever its status (a rejected plan is not proposed again, a plan being
// verified is not proposed twice), unless it failed or did not stick: the
// check that follows may propose it afresh. A different plan supersedes the
// waiting one.
func proposeRepair(ctx context.Context, tx *sql.Tx, projectID, incidentID, checkID string, p *RepairProposal, now time.Time) (*LedgerEntry, error) {
	var latestPlan, latestStatus, latestVerification string
	err := tx.QueryRowContext(ctx, `SELECT plan, status, verification FROM repairs WHERE incident_id = ? ORDER BY seq DESC LIMIT 1`, incidentID).
		Scan(&latestPlan, &latestStatus, &latestVerification)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("propose repair: %w", err)
	}
	// A repair that failed, or was written but did not stick, may be tried again.
	retry := latestStatus == RepairFailed || latestVerification == VerifyStillWrong
	if err == nil && !retry && bytes.Equal([]byte(latestPlan), p.Plan) {
		return nil, nil
	}
	if err := supersedeRepairs(ctx, tx, incidentID, now); err != nil {
		return nil, err
	}
	id, ts := newID("rep_"), formatTime(now)
	if _, err := tx.ExecContext(ctx, `INSERT INTO repairs (id, project_id, incident_id, status, subject_kind, subject_id, table_name,
		plan, reason, proposed_at, proposed_check, updated_at) VALUES (?, ?, ?, 'proposed', ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, projectID, incidentID, p.SubjectKind, p.SubjectID, p.Table, string(p.Plan), p.Reason, ts, checkID, ts); err != nil {
		return nil, fmt.Errorf("propose repair: %w", err)
	}
	detail := map[string]any{"repair_id": id}
	for k, v := range p.Detail {
		detail[k] = v
	}
	return &LedgerEntry{Kind: ledger.RepairProposed, Detail: detail}, nil
}

// supersedeRepairs retires the incident's waiting proposal (the incident
// changed or closed before anyone decided).
func supersedeRepairs(ctx context.Context, tx *sql.Tx, incidentID string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE repairs SET status = 'superseded', updated_at = ? WHERE incident_id = ? AND status = 'proposed'`,
		formatTime(now), incidentID); err != nil {
		return fmt.Errorf("supersede repair: %w", err)
	}
	return nil
}

// repairTx runs step on the repair and its incident inside one write
// transaction, then appends the step's ledger entry (if any).
func (d *DB) repairTx(ctx context.Context, id string, step func(tx *sql.Tx, r Repair, inc Incident) (*LedgerEntry, error)) (Repair, error) {
	if err := d.inTx(ctx, "update repair", func(tx *sql.Tx) error {
		r, err := scanRepair(tx.QueryRowContext(ctx, `SELECT `+repairColumns+` FROM repairs WHERE id = ?`, id))
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				return err
			}
			return fmt.Errorf("update repair: %w", err)
		}
		inc, err := scanIncident(tx.QueryRowContext(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE id = ?`, r.IncidentID))
		if err != nil {
			return fmt.Errorf("update repair: %w", err)
		}
		entry, err := step(tx, r, inc)
		if err != nil {
			return err
		}
		if entry != nil {
			entry.CustomerID, entry.SubjectKey, entry.IncidentID = inc.CustomerID, inc.SubjectKey, inc.ID
			if err := appendLedger(ctx, tx, r.ProjectID, d.now(), []LedgerEntry{*entry}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return Repair{}, err
	}
	return d.GetRepair(ctx, id)
}

func execOne(ctx context.Context, tx *sql.Tx, q string, args ...any) error {
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("update repair: %w", err)
	}
	return nil
}

// ClaimRepair moves a proposed repair to approved (the UPDATE is about to
// run) and its incident to repairing, in one transaction: of two admins
// approving at once, exactly one gets the claim. A repair that is not
// proposed any more answers *ErrRepairState, an incident that is resolved
// or ignored *ErrIncidentState; either way nothing changes.
func (d *DB) ClaimRepair(ctx context.Context, id, userID string) (Repair, error) {
	return d.repairTx(ctx, id, func(tx *sql.Tx, r Repair, inc Incident) (*LedgerEntry, error) {
		if r.Status != RepairProposed {
			return nil, &ErrRepairState{Status: r.Status}
		}
		if inc.Status == IncidentResolved || inc.Status == IncidentIgnored {
			return nil, &ErrIncidentState{Status: inc.Status}
		}
		now := formatTime(d.now())
		if err := execOne(ctx, tx, `UPDATE repairs SET status = 'approved', decided_by = ?, decided_at = ?, updated_at = ?
			WHERE id = ? AND status = 'proposed'`, userID, now, now, id); err != nil {
			return nil, err
		}
		return nil, execOne(ctx, tx, `UPDATE incidents SET status = 'repairing' WHERE id = ?`, inc.ID)
	})
}

// RepairApplied records a written repair (result: what the UPDATE wrote),
// ledgers the approval with the actor and before/after, moves the incident
// to verifying and schedules the first verification now.
func (d *DB) RepairApplied(ctx context.Context, id string, result []byte, detail map[string]any) (Repair, error) {
	return d.repairTx(ctx, id, func(tx *sql.Tx, r Repair, inc Incident) (*LedgerEntry, error) {
		if r.Status != RepairApproved {
			return nil, &ErrRepairState{Status: r.Status}
		}
		now := formatTime(d.now())
		if err := execOne(ctx, tx, `UPDATE repairs SET status = 'applied', applied_at = ?, result = ?, verification = 'pending',
			verify_attempts = 0, next_verify_at = ?, updated_at = ? WHERE id = ?`, now, string(result), now, now, id); err != nil {
			return nil, err
		}
		if inc.Status != IncidentResolved && inc.Status != IncidentIgnored {
			if err := execOne(ctx, tx, `UPDATE incidents SET status = 'verifying' WHERE id = ?`, inc.ID); err != nil {
				return nil, err
			}
		}
		return &LedgerEntry{Kind: ledger.RepairApproved, Actor: r.DecidedBy, Detail: detail}, nil
	})
}

// reopenStatus is where an incident returns when a repair did not fix it.
func reopenStatus(inc Incident) string {
	if inc.AcknowledgedAt != nil {
		return IncidentAcknowledged
	}
	return IncidentOpen
}

// RepairFailed records a repair that could not be applied (nothing was
// written), ledgers it with the actor and returns the incident to open.
func (d *DB) RepairFailed(ctx context.Context, id, actor, code, message string) (Repair, error) {
	return d.repairTx(ctx, id, func(tx *sql.Tx, r Repair, inc Incident) (*LedgerEntry, error) {
		if r.Status != RepairApproved {
			return nil, &ErrRepairState{Status: r.Status}
		}
		now := formatTime(d.now())
		if err := execOne(ctx, tx, `UPDATE repairs SET status = 'failed', error_code = ?, error = ?, updated_at = ? WHERE id = ?`,
			code, message, now, id); err != nil {
			return nil, err
		}
		if inc.Status == IncidentRepairing {
			if err := execOne(ctx, tx, `UPDATE incidents SET status = ? WHERE id = ?`, reopenStatus(inc), inc.ID); err != nil {
				return nil, err
			}
		}
		return &LedgerEntry{Kind: ledger.RepairFailed, Actor: actor, Detail: map[string]any{"repair_id": id, "code": code, "message": message}}, nil
	})
}

// RejectRepair records an admin's no, with the reason, in the ledger.
func (d *DB) RejectRepair(ctx context.Context, id, userID, reason string) (Repair, error) {
	return d.repairTx(ctx, id, func(tx *sql.Tx, r Repair, inc Incident) (*LedgerEntry, error) {
		if r.Status != RepairProposed {
			return nil, &ErrRepairState{Status: r.Status}
		}
		now := formatTime(d.now())
		if err := execOne(ctx, tx, `UPDATE repairs SET status = 'rejected', decided_by = ?, decided_at = ?, decision_reason = ?,
			updated_at = ? WHERE id = ?`, userID, now, reason, now, id); err != nil {
			return nil, err
		}
		return &LedgerEntry{Kind: ledger.RepairRejected, Actor: userID, Detail: map[string]any{"repair_id": id, "reason": reason}}, nil
	})
}

// DueVerifications lists applied repairs whose next verification is due.
func (d *DB) DueVerifications(ctx context.Context, now time.Time, limit int) ([]Repair, error) {
	return queryAll(ctx, d.read, "due verifications", scanRepair, `SELECT `+repairColumns+` FROM repairs
		WHERE verification = 'pending' AND next_verify_at <= ? ORDER BY next_verify_at LIMIT ?`, formatTime(now), limit)
}

// VerifyAttempt is the outcome of one verification re-check.
type VerifyAttempt struct {
	Held bool
	// Next is when to try again; nil means this was the last try.
	Next      *time.Time
	Message   string
	ValuesNow any
	CheckID   string
	Actor     string
}

// RecordVerification stores one verification re-check. A held or final
// attempt ends the verification and is ledgered (held, or still wrong with
// the values read); a final still-wrong attempt returns the incident to open.
func (d *DB) RecordVerification(ctx context.Context, id string, a VerifyAttempt) (Repair, error) {
	values, err := json.Marshal(a.ValuesNow)
	if err != nil {
		return Repair{}, fmt.Errorf("record verification: %w", err)
	}
	return d.repairTx(ctx, id, func(tx *sql.Tx, r Repair, inc Incident) (*LedgerEntry, error) {
		if r.Verification != VerifyPending {
			return nil, &ErrRepairState{Status: r.Status + "/" + r.Verification}
		}
		now := d.now()
		ts := formatTime(now)
		attempts := r.VerifyAttempts + 1
		if !a.Held && a.Next != nil {
			return nil, execOne(ctx, tx, `UPDATE repairs SET verify_attempts = ?, next_verify_at = ?, verify_message = ?, values_now = ?,
				updated_at = ? WHERE id = ?`, attempts, formatTime(*a.Next), a.Message, string(values), ts, id)
		}
		result := VerifyHeld
		if !a.Held {
			result = VerifyStillWrong
		}
		if err := execOne(ctx, tx, `UPDATE repairs SET verification = ?, verify_attempts = ?, next_verify_at = NULL, verified_at = ?,
			verify_message = ?, values_now = ?, updated_at = ? WHERE id = ?`, result, attempts, ts, a.Message, string(values), ts, id); err != nil {
			return nil, err
		}
		if !a.Held && inc.Status == IncidentVerifying {
			if err := execOne(ctx, tx, `UPDATE incidents SET status = ? WHERE id = ?`, reopenStatus(inc), inc.ID); err != nil {
				return nil, err
			}
		}
		return &LedgerEntry{Kind: ledger.Verification, Actor: a.Actor, CheckID: a.CheckID, Detail: map[string]any{
			"repair_id": id, "result": result, "attempts": attempts, "values_now": a.ValuesNow, "message": a.Message, "kind": inc.Kind}}, nil
	})
}

// FailInterruptedRepairs marks repairs whose UPDATE was running when the
// process stopped as failed (their transaction was rolled back, or committed
// and the next check sees it) and returns their incidents to open.
func (d *DB) FailInterruptedRepairs(ctx context.Context) (int, error) {
	type item struct{ id, by string }
	var items []item
	if err := eachPair(ctx, d.read, "interrupted repairs", func(id, by string) { items = append(items, item{id, by}) },
		`SELECT id, decided_by FROM repairs WHERE status = 'approved'`); err != nil {
		return 0, err
	}
	for _, it := range items {
		if _, err := d.RepairFailed(ctx, it.id, it.by, "interrupted",
			"ParityRail stopped while this repair ran. Re-run the check to see the row as it is now."); err != nil {
			return 0, err
		}
	}
	return len(items), nil
}

// DeferVerification moves a pending verification's next try to at without
// spending an attempt (another check of the project was running).
func (d *DB) DeferVerification(ctx context.Context, id string, at time.Time) (Repair, error) {
	if _, err := d.write.ExecContext(ctx, `UPDATE repairs SET next_verify_at = ?, updated_at = ? WHERE id = ? AND verification = 'pending'`,
		formatTime(at), formatTime(d.now()), id); err != nil {
		return Repair{}, fmt.Errorf("defer verification: %w", err)
	}
	return d.GetRepair(ctx, id)
}
