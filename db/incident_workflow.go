package db

// The incident workflow people drive: acknowledge, ignore, bulk acknowledge,
// and the repair statuses.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"parityrail/ledger"
)

// ErrIncidentState is a workflow step the incident's status does not allow.
type ErrIncidentState struct{ Status string }

func (e *ErrIncidentState) Error() string { return "incident is " + e.Status }

// AcknowledgeIncident moves an open incident to acknowledged and ledgers who
// did it. Acknowledging an acknowledged incident changes nothing.
func (d *DB) AcknowledgeIncident(ctx context.Context, id, userID string) (Incident, error) {
	return d.transition(ctx, id, func(i Incident) (string, []any, *LedgerEntry, error) {
		switch i.Status {
		case IncidentAcknowledged:
			return "", nil, nil, nil
		case IncidentOpen:
		default:
			return "", nil, nil, &ErrIncidentState{Status: i.Status}
		}
		now := formatTime(d.now())
		return `UPDATE incidents SET status = 'acknowledged', acknowledged_at = ?, acknowledged_by = ? WHERE id = ?`,
			[]any{now, userID, id},
			&LedgerEntry{Kind: ledger.IncidentAcknowledged, Actor: userID, Detail: map[string]any{"kind": i.Kind, "from": i.Status}}, nil
	})
}

// IgnoreIncident marks an open or acknowledged incident as intentional, with
// the person's reason. It stays ignored until its expected values change.
func (d *DB) IgnoreIncident(ctx context.Context, id, userID, reason string) (Incident, error) {
	return d.transition(ctx, id, func(i Incident) (string, []any, *LedgerEntry, error) {
		if i.Status != IncidentOpen && i.Status != IncidentAcknowledged {
			return "", nil, nil, &ErrIncidentState{Status: i.Status}
		}
		now := formatTime(d.now())
		// A person is a user id; an API key is "apikey:<id>" (kept apart:
		// ignored_by references people).
		var person any = userID
		key, byKey := strings.CutPrefix(userID, "apikey:")
		if byKey {
			person = nil
		} else {
			key = ""
		}
		return `UPDATE incidents SET status = 'ignored', ignored_at = ?, ignored_by = ?, ignored_by_key = ?, ignore_reason = ? WHERE id = ?`,
			[]any{now, person, key, reason, id},
			&LedgerEntry{Kind: ledger.IncidentIgnored, Actor: userID, Detail: map[string]any{"kind": i.Kind, "from": i.Status, "reason": reason}}, nil
	})
}

func (d *DB) transition(ctx context.Context, id string, step func(Incident) (string, []any, *LedgerEntry, error)) (Incident, error) {
	err := d.inTx(ctx, "update incident", func(tx *sql.Tx) error {
		i, err := scanIncident(tx.QueryRowContext(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE id = ?`, id))
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				return err
			}
			return fmt.Errorf("update incident: %w", err)
		}
		q, args, entry, err := step(i)
		if err != nil || q == "" {
			return err
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("update incident: %w", err)
		}
		entry.CustomerID, entry.SubjectKey, entry.IncidentID = i.CustomerID, i.SubjectKey, i.ID
		return appendLedger(ctx, tx, i.ProjectID, d.now(), []LedgerEntry{*entry})
	})
	if err != nil {
		return Incident{}, err
	}
	return d.GetIncident(ctx, id)
}

// SetIncidentStatus moves an unresolved incident to repairing or verifying
// (for the repairs workflow) and ledgers it with the given entry.
func (d *DB) SetIncidentStatus(ctx context.Context, id, status string, entry LedgerEntry) (Incident, error) {
	if status != IncidentRepairing && status != IncidentVerifying && status != IncidentAcknowledged && status != IncidentOpen {
		return Incident{}, fmt.Errorf("set incident status: %q is set by checks, not directly", status)
	}
	return d.transition(ctx, id, func(i Incident) (string, []any, *LedgerEntry, error) {
		if i.Status == IncidentResolved || i.Status == IncidentIgnored {
			return "", nil, nil, &ErrIncidentState{Status: i.Status}
		}
		return `UPDATE incidents SET status = ? WHERE id = ?`, []any{status, id}, &entry, nil
	})
}

// BulkAcknowledged counts what AcknowledgeIncidents did with each id.
type BulkAcknowledged struct {
	Acknowledged int      `json:"acknowledged"` // open → acknowledged, ledgered
	Already      int      `json:"already"`      // acknowledged before: unchanged
	Skipped      int      `json:"skipped"`      // resolved, ignored, repairing or verifying: unchanged
	NotFound     int      `json:"not_found"`    // no such incident in this project: untouched
	IDs          []string `json:"ids"`          // the incidents acknowledged now
}

// AcknowledgeIncidents acknowledges the project's open incidents among ids
// in one transaction, with one ledger entry per incident naming the person.
// Ids of other projects' incidents count as not found and are never read
// beyond their project id.
func (d *DB) AcknowledgeIncidents(ctx context.Context, projectID string, ids []string, userID string) (BulkAcknowledged, error) {
	res := BulkAcknowledged{IDs: []string{}}
	now := d.now()
	ts := formatTime(now)
	err := d.inTx(ctx, "acknowledge incidents", func(tx *sql.Tx) error {
		var entries []LedgerEntry
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			i, err := scanIncident(tx.QueryRowContext(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE id = ? AND project_id = ?`, id, projectID))
			if errors.Is(err, ErrNotFound) {
				res.NotFound++
				continue
			}
			if err != nil {
				return fmt.Errorf("acknowledge incidents: %w", err)
			}
			switch i.Status {
			case IncidentOpen:
			case IncidentAcknowledged:
				res.Already++
				continue
			default:
				res.Skipped++
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE incidents SET status = 'acknowledged', acknowledged_at = ?, acknowledged_by = ?
				WHERE id = ? AND status = 'open'`, ts, userID, id); err != nil {
				return fmt.Errorf("acknowledge incidents: %w", err)
			}
			entries = append(entries, LedgerEntry{Kind: ledger.IncidentAcknowledged, CustomerID: i.CustomerID, SubjectKey: i.SubjectKey,
				IncidentID: i.ID, Actor: userID, Detail: map[string]any{"kind": i.Kind, "from": i.Status, "bulk": true}})
			res.Acknowledged++
			res.IDs = append(res.IDs, i.ID)
		}
		return appendLedger(ctx, tx, projectID, now, entries)
	})
	return res, err
}
