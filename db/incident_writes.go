package db

// A check's incident writes: opened, updated, reopened and resolved in
// batches, each with its ledger entries, in one transaction.

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"parityrail/ledger"
)

// IncidentOp is what a check does to an incident.
type IncidentOp int

const (
	OpOpen    IncidentOp = iota + 1 // file a new incident
	OpTouch                         // found again with the same values: last seen only
	OpUpdate                        // found again with different values: new evidence, ledgered
	OpReopen                        // an ignored incident whose expected values changed: open again
	OpResolve                       // the promise holds: resolved
)

// IncidentWrite is one incident change of a check.
type IncidentWrite struct {
	Op           IncidentOp
	ID           string // existing incident (all ops but open); set by the store for open
	Key          IncidentKey
	SubjectKind  string
	SubjectID    string
	SubjectEmail string
	SubjectName  string
	Severity     string
	Summary      string
	Fingerprint  string
	DiffHash     string
	Finding      []byte // JSON
	Resolution   string // resolve
	// Detail is the ledger entry's detail for open, update, reopen and resolve.
	Detail any
	// Repair is the incident's proposed repair (a Postgres row whose fix is
	// a change of mapped fields), filed or refreshed with any op but resolve.
	Repair *RepairProposal
	// AtStake is written with open, update and reopen.
	AtStake *AtStake
	// PolicyVersion is the version of the policy the finding was judged
	// under; a touch carries it (and Finding) only when it changed.
	PolicyVersion string
}

// PromiseRow is the last promise seen for a customer.
type PromiseRow struct {
	CustomerID  string
	Fingerprint string
	Summary     []byte // JSON
	BoundaryAt  *time.Time
}

// LinkWrite sets (CustomerID non-empty) or removes a subject link.
type LinkWrite struct {
	SubjectKey string
	CustomerID string
}

// CheckBatch is a slice of a check's results written in one transaction, so
// a crash never leaves an incident without its ledger entry or half-written.
type CheckBatch struct {
	Incidents []IncidentWrite
	Promises  []PromiseRow
	Links     []LinkWrite
	Ledger    []LedgerEntry // e.g. promise changes
	// PolicyInputs: what the check read of customers a policy change could
	// judge differently (policy previews).
	PolicyInputs []PolicyInputWrite
}

func (b CheckBatch) Len() int {
	return len(b.Incidents) + len(b.Promises) + len(b.Links) + len(b.Ledger) + len(b.PolicyInputs)
}

// ApplyCheckBatch writes a batch of a check's results. actor is who ran the
// check (a user id, "schedule", "webhook", "cli").
func (d *DB) ApplyCheckBatch(ctx context.Context, projectID, checkID, actor string, b *CheckBatch) error {
	if b.Len() == 0 {
		return nil
	}
	now := d.now()
	return d.inTx(ctx, "write check results", func(tx *sql.Tx) error {
		return writeCheckBatch(ctx, tx, projectID, checkID, actor, now, b)
	})
}

// writeCheckBatch is ApplyCheckBatch's work inside its transaction.
func writeCheckBatch(ctx context.Context, tx *sql.Tx, projectID, checkID, actor string, now time.Time, b *CheckBatch) error {
	ts := formatTime(now)
	entries := append([]LedgerEntry(nil), b.Ledger...)
	for i := range entries {
		entries[i].CheckID, entries[i].Actor = checkID, actor
	}
	// A full check writes a hundred thousand rows in batches: each
	// statement is prepared once per transaction, not once per row.
	st := stmts{tx: tx}
	defer st.close()
	for i := range b.Incidents {
		w := &b.Incidents[i]
		var kind ledger.Kind
		var err error
		switch w.Op {
		case OpOpen:
			w.ID = newID("inc_")
			err = st.exec(ctx, `INSERT INTO incidents (id, project_id, customer_id, subject_key, subject_kind, subject_id,
				subject_email, subject_name, kind, severity, severity_rank, status, summary, fingerprint, diff_hash, finding,
				first_seen_at, last_seen_at, first_check_id, last_check_id, search, at_stake_minor, at_stake_currency, at_stake_basis,
				policy_version)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				w.ID, projectID, w.Key.CustomerID, w.Key.SubjectKey, w.SubjectKind, w.SubjectID, w.SubjectEmail, w.SubjectName,
				w.Key.Kind, w.Severity, SeverityRank(w.Severity), w.Summary, w.Fingerprint, w.DiffHash, string(w.Finding),
				ts, ts, checkID, checkID, searchText(w), stakeMinor(w.AtStake), stakeCurrency(w.AtStake), stakeBasis(w.AtStake),
				w.PolicyVersion)
			kind = ledger.IncidentOpened
		case OpTouch:
			if w.Finding != nil {
				// The same gap judged under another policy: its evidence
				// names the policy, so it follows (no ledger entry: the
				// policy change has its own).
				err = st.exec(ctx, `UPDATE incidents SET last_seen_at = ?, last_check_id = ?, finding = ?, policy_version = ? WHERE id = ?`,
					ts, checkID, string(w.Finding), w.PolicyVersion, w.ID)
				break
			}
			err = st.exec(ctx, `UPDATE incidents SET last_seen_at = ?, last_check_id = ? WHERE id = ?`, ts, checkID, w.ID)
		case OpUpdate, OpReopen:
			// customer_id follows the key: an incident filed under a value
			// that is no Stripe customer is rekeyed to "" (check/sink.go).
			q := `UPDATE incidents SET last_seen_at = ?, last_check_id = ?, summary = ?, fingerprint = ?, diff_hash = ?, finding = ?,
				subject_email = ?, subject_name = ?, search = ?, customer_id = ?, at_stake_minor = ?, at_stake_currency = ?, at_stake_basis = ?,
				policy_version = ?`
			if w.Op == OpReopen {
				q += `, status = 'open', ignored_at = NULL, ignored_by = NULL, ignored_by_key = '', ignore_reason = ''`
			}
			err = st.exec(ctx, q+` WHERE id = ?`, ts, checkID, w.Summary, w.Fingerprint, w.DiffHash, string(w.Finding),
				w.SubjectEmail, w.SubjectName, searchText(w), w.Key.CustomerID, stakeMinor(w.AtStake), stakeCurrency(w.AtStake),
				stakeBasis(w.AtStake), w.PolicyVersion, w.ID)
			kind = ledger.IncidentUpdated
		case OpResolve:
			err = st.exec(ctx, `UPDATE incidents SET status = 'resolved', resolved_at = ?, resolution = ?, last_check_id = ?
				WHERE id = ? AND status <> 'resolved'`, ts, w.Resolution, checkID, w.ID)
			kind = ledger.IncidentResolved
		default:
			err = fmt.Errorf("unknown incident op %d", w.Op)
		}
		if err != nil {
			return fmt.Errorf("write incident: %w", err)
		}
		if kind != "" {
			entries = append(entries, LedgerEntry{Kind: kind, CustomerID: w.Key.CustomerID, SubjectKey: w.Key.SubjectKey,
				IncidentID: w.ID, CheckID: checkID, Actor: actor, Detail: w.Detail, At: now})
		}
		// The incident's repair proposal follows its incident (db/repairs.go).
		if w.Repair != nil && w.Op != OpResolve {
			e, err := proposeRepair(ctx, tx, projectID, w.ID, checkID, w.Repair, now)
			if err != nil {
				return err
			}
			if e != nil {
				e.CustomerID, e.SubjectKey, e.IncidentID, e.CheckID, e.Actor, e.At = w.Key.CustomerID, w.Key.SubjectKey, w.ID, checkID, actor, now
				entries = append(entries, *e)
			}
		} else if w.Op == OpUpdate || w.Op == OpReopen || w.Op == OpResolve {
			if err := supersedeRepairs(ctx, tx, w.ID, now); err != nil {
				return err
			}
		}
	}
	if err := writePromises(ctx, &st, projectID, ts, b.Promises); err != nil {
		return err
	}
	if err := writePolicyInputs(ctx, &st, projectID, ts, b.PolicyInputs); err != nil {
		return err
	}
	for _, l := range b.Links {
		var err error
		if l.CustomerID == "" {
			err = st.exec(ctx, `DELETE FROM subject_links WHERE project_id = ? AND subject_key = ?`, projectID, l.SubjectKey)
		} else {
			err = st.exec(ctx, `INSERT INTO subject_links (project_id, subject_key, customer_id) VALUES (?, ?, ?)
				ON CONFLICT (project_id, subject_key) DO UPDATE SET customer_id = excluded.customer_id`, projectID, l.SubjectKey, l.CustomerID)
		}
		if err != nil {
			return fmt.Errorf("write subject link: %w", err)
		}
	}
	return appendLedger(ctx, tx, projectID, now, entries)
}

// stmts prepares each distinct statement of a transaction once.
type stmts struct {
	tx *sql.Tx
	m  map[string]*sql.Stmt
}

func (s *stmts) exec(ctx context.Context, query string, args ...any) error {
	st, ok := s.m[query]
	if !ok {
		var err error
		if st, err = s.tx.PrepareContext(ctx, query); err != nil {
			return err
		}
		if s.m == nil {
			s.m = map[string]*sql.Stmt{}
		}
		s.m[query] = st
	}
	_, err := st.ExecContext(ctx, args...)
	return err
}

func (s *stmts) close() {
	for _, st := range s.m {
		st.Close()
	}
}

func searchText(w *IncidentWrite) string {
	return strings.ToLower(strings.Join([]string{w.Key.CustomerID, w.SubjectID, w.SubjectEmail, w.SubjectName}, " "))
}
