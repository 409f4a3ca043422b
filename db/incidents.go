package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"parityrail/ledger"
)

// Incident statuses (SPEC §6).
const (
	IncidentOpen         = "open"
	IncidentAcknowledged = "acknowledged"
	IncidentRepairing    = "repairing"
	IncidentVerifying    = "verifying"
	IncidentResolved     = "resolved"
	IncidentIgnored      = "ignored"
)

// ActiveStatuses are the statuses of an incident still being worked on.
var ActiveStatuses = []string{IncidentOpen, IncidentAcknowledged, IncidentRepairing, IncidentVerifying}

// Incident is one access incident.
type Incident struct {
	Seq            int64
	ID             string
	ProjectID      string
	CustomerID     string
	SubjectKey     string
	SubjectKind    string
	SubjectID      string
	SubjectEmail   string
	SubjectName    string
	Kind           string
	Severity       string
	Status         string
	Summary        string
	Fingerprint    string
	DiffHash       string
	Finding        json.RawMessage // fulfillment.Finding; only filled by GetIncident
	FirstSeenAt    time.Time
	LastSeenAt     time.Time
	FirstCheckID   string
	LastCheckID    string
	AcknowledgedAt *time.Time
	AcknowledgedBy string
	IgnoredAt      *time.Time
	IgnoredBy      string
	IgnoreReason   string
	ResolvedAt     *time.Time
	Resolution     string
}

// IncidentKey identifies a gap: one unresolved incident per key.
type IncidentKey struct {
	CustomerID string
	SubjectKey string
	Kind       string
}

// ActiveIncident is what a check needs to know of an unresolved incident.
type ActiveIncident struct {
	ID          string
	Status      string
	Fingerprint string
	DiffHash    string
}

// SeverityRank orders severities for lists: critical first.
func SeverityRank(s string) int {
	switch s {
	case "critical":
		return 0
	case "high":
		return 1
	case "medium":
		return 2
	}
	return 3
}

var severityByRank = []string{"critical", "high", "medium", "low"}

// ActiveIncidents calls fn for every unresolved incident (ignored included)
// of the project; with customers or subjectKeys set, only for those
// customers and those unlinked subjects (whose customer id is empty).
func (d *DB) ActiveIncidents(ctx context.Context, projectID string, customers, subjectKeys []string, fn func(IncidentKey, ActiveIncident)) error {
	base := `SELECT customer_id, subject_key, kind, id, status, fingerprint, diff_hash FROM incidents WHERE project_id = ? AND status <> 'resolved'`
	run := func(q string, args ...any) error {
		rows, err := d.read.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("active incidents: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k IncidentKey
			var a ActiveIncident
			if err := rows.Scan(&k.CustomerID, &k.SubjectKey, &k.Kind, &a.ID, &a.Status, &a.Fingerprint, &a.DiffHash); err != nil {
				return fmt.Errorf("active incidents: %w", err)
			}
			fn(k, a)
		}
		return rows.Err()
	}
	if customers == nil && subjectKeys == nil {
		return run(base, projectID)
	}
	for _, c := range customers {
		if err := run(base+` AND customer_id = ?`, projectID, c); err != nil {
			return err
		}
	}
	for _, s := range subjectKeys {
		if err := run(base+` AND customer_id = '' AND subject_key = ?`, projectID, s); err != nil {
			return err
		}
	}
	return nil
}

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
}

func (b CheckBatch) Len() int {
	return len(b.Incidents) + len(b.Promises) + len(b.Links) + len(b.Ledger)
}

// ApplyCheckBatch writes a batch of a check's results. actor is who ran the
// check (a user id, "schedule", "webhook", "cli").
func (d *DB) ApplyCheckBatch(ctx context.Context, projectID, checkID, actor string, b *CheckBatch) error {
	if b.Len() == 0 {
		return nil
	}
	now := d.now()
	ts := formatTime(now)
	tx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("write check results: %w", err)
	}
	defer tx.Rollback()
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
				first_seen_at, last_seen_at, first_check_id, last_check_id, search)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				w.ID, projectID, w.Key.CustomerID, w.Key.SubjectKey, w.SubjectKind, w.SubjectID, w.SubjectEmail, w.SubjectName,
				w.Key.Kind, w.Severity, SeverityRank(w.Severity), w.Summary, w.Fingerprint, w.DiffHash, string(w.Finding),
				ts, ts, checkID, checkID, searchText(w))
			kind = ledger.IncidentOpened
		case OpTouch:
			err = st.exec(ctx, `UPDATE incidents SET last_seen_at = ?, last_check_id = ? WHERE id = ?`, ts, checkID, w.ID)
		case OpUpdate, OpReopen:
			q := `UPDATE incidents SET last_seen_at = ?, last_check_id = ?, summary = ?, fingerprint = ?, diff_hash = ?, finding = ?,
				subject_email = ?, subject_name = ?, search = ?`
			if w.Op == OpReopen {
				q += `, status = 'open', ignored_at = NULL, ignored_by = NULL, ignore_reason = ''`
			}
			err = st.exec(ctx, q+` WHERE id = ?`, ts, checkID, w.Summary, w.Fingerprint, w.DiffHash, string(w.Finding),
				w.SubjectEmail, w.SubjectName, searchText(w), w.ID)
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
	}
	if err := writePromises(ctx, &st, projectID, ts, b.Promises); err != nil {
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
	if err := appendLedger(ctx, tx, projectID, now, entries); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("write check results: %w", err)
	}
	return nil
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

const incidentColumns = `seq, id, project_id, customer_id, subject_key, subject_kind, subject_id, subject_email, subject_name,
	kind, severity, status, summary, fingerprint, diff_hash, first_seen_at, last_seen_at, first_check_id, last_check_id,
	acknowledged_at, acknowledged_by, ignored_at, ignored_by, ignore_reason, resolved_at, resolution`

func scanIncident(row interface{ Scan(...any) error }, extra ...any) (Incident, error) {
	var i Incident
	var first, last string
	var ackAt, ackBy, ignAt, ignBy, resAt sql.NullString
	dest := []any{&i.Seq, &i.ID, &i.ProjectID, &i.CustomerID, &i.SubjectKey, &i.SubjectKind, &i.SubjectID, &i.SubjectEmail,
		&i.SubjectName, &i.Kind, &i.Severity, &i.Status, &i.Summary, &i.Fingerprint, &i.DiffHash, &first, &last,
		&i.FirstCheckID, &i.LastCheckID, &ackAt, &ackBy, &ignAt, &ignBy, &i.IgnoreReason, &resAt, &i.Resolution}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Incident{}, ErrNotFound
		}
		return Incident{}, err
	}
	i.FirstSeenAt, i.LastSeenAt = parseTime(first), parseTime(last)
	i.AcknowledgedAt, i.AcknowledgedBy = parseNullTime(ackAt), ackBy.String
	i.IgnoredAt, i.IgnoredBy = parseNullTime(ignAt), ignBy.String
	i.ResolvedAt = parseNullTime(resAt)
	return i, nil
}

// GetIncident returns one incident with its evidence.
func (d *DB) GetIncident(ctx context.Context, id string) (Incident, error) {
	var finding string
	i, err := scanIncident(d.read.QueryRowContext(ctx, `SELECT `+incidentColumns+`, finding FROM incidents WHERE id = ?`, id), &finding)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return Incident{}, err
		}
		return Incident{}, fmt.Errorf("get incident: %w", err)
	}
	i.Finding = json.RawMessage(finding)
	return i, nil
}

// IncidentFilter selects incidents of a project for a list.
type IncidentFilter struct {
	Statuses   []string
	Kind       string
	Severity   string
	CustomerID string
	Q          string // substring of customer id, subject id, email or name
	Cursor     string // from the previous page
	Limit      int
}

// ListIncidents returns a page of incidents, critical first and newest first
// within a severity, and the cursor of the next page ("" at the end). Keyset
// paging on (severity_rank, seq), each page one or two index ranges, stays
// fast at any depth.
func (d *DB) ListIncidents(ctx context.Context, projectID string, f IncidentFilter) ([]Incident, string, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	where, args := []string{"project_id = ?"}, []any{projectID}
	switch len(f.Statuses) {
	case 0:
	case 1:
		where, args = append(where, "status = ?"), append(args, f.Statuses[0])
	default:
		// Several statuses: walk the severity order and filter (a unary +
		// keeps SQLite from an IN lookup that would need a sort).
		where = append(where, "+status IN ("+placeholders(len(f.Statuses))+")")
		for _, s := range f.Statuses {
			args = append(args, s)
		}
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	if f.Severity != "" {
		where, args = append(where, "severity_rank = ?"), append(args, SeverityRank(f.Severity))
	}
	if f.CustomerID != "" {
		where, args = append(where, "customer_id = ?"), append(args, f.CustomerID)
	}
	if q := strings.ToLower(strings.TrimSpace(f.Q)); q != "" {
		q = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q)
		where, args = append(where, `search LIKE ? ESCAPE '\'`), append(args, "%"+q+"%")
	}
	want := f.Limit + 1
	var out []Incident
	query := func(extra string, extraArgs ...any) error {
		q := `SELECT ` + incidentColumns + ` FROM incidents WHERE ` + strings.Join(where, " AND ") + extra +
			` ORDER BY severity_rank, seq DESC LIMIT ?`
		rows, err := d.read.QueryContext(ctx, q, append(append(append([]any(nil), args...), extraArgs...), want-len(out))...)
		if err != nil {
			return fmt.Errorf("list incidents: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			i, err := scanIncident(rows)
			if err != nil {
				return fmt.Errorf("list incidents: %w", err)
			}
			out = append(out, i)
		}
		return rows.Err()
	}
	if f.Cursor == "" {
		if err := query(""); err != nil {
			return nil, "", err
		}
	} else {
		rank, seq, ok := parseIncidentCursor(f.Cursor)
		if !ok {
			return nil, "", ErrBadCursor
		}
		// The rest of the cursor's severity, then the severities after it.
		if err := query(" AND severity_rank = ? AND seq < ?", rank, seq); err != nil {
			return nil, "", err
		}
		if len(out) < want {
			if err := query(" AND severity_rank > ?", rank); err != nil {
				return nil, "", err
			}
		}
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = fmt.Sprintf("%d.%d", SeverityRank(last.Severity), last.Seq)
	}
	return out, next, nil
}

// ErrBadCursor is a paging cursor this store did not hand out.
var ErrBadCursor = errors.New("bad cursor")

func parseIncidentCursor(s string) (int, int64, bool) {
	a, b, ok := strings.Cut(s, ".")
	if !ok {
		return 0, 0, false
	}
	rank, err1 := strconv.Atoi(a)
	seq, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || rank < 0 || rank >= len(severityByRank) {
		return 0, 0, false
	}
	return rank, seq, true
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// CountIncidents counts a project's incidents by status and, for unresolved
// ones, by kind (dashboard tiles).
func (d *DB) CountIncidents(ctx context.Context, projectID string) (map[string]int, map[string]int, error) {
	byStatus, byKind := map[string]int{}, map[string]int{}
	rows, err := d.read.QueryContext(ctx, `SELECT status, kind, COUNT(*) FROM incidents WHERE project_id = ? GROUP BY status, kind`, projectID)
	if err != nil {
		return nil, nil, fmt.Errorf("count incidents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var status, kind string
		var n int
		if err := rows.Scan(&status, &kind, &n); err != nil {
			return nil, nil, fmt.Errorf("count incidents: %w", err)
		}
		byStatus[status] += n
		if status != IncidentResolved && status != IncidentIgnored {
			byKind[kind] += n
		}
	}
	return byStatus, byKind, rows.Err()
}

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
		return `UPDATE incidents SET status = 'ignored', ignored_at = ?, ignored_by = ?, ignore_reason = ? WHERE id = ?`,
			[]any{now, userID, reason, id},
			&LedgerEntry{Kind: ledger.IncidentIgnored, Actor: userID, Detail: map[string]any{"kind": i.Kind, "from": i.Status, "reason": reason}}, nil
	})
}

func (d *DB) transition(ctx context.Context, id string, step func(Incident) (string, []any, *LedgerEntry, error)) (Incident, error) {
	tx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return Incident{}, fmt.Errorf("update incident: %w", err)
	}
	defer tx.Rollback()
	i, err := scanIncident(tx.QueryRowContext(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE id = ?`, id))
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return Incident{}, err
		}
		return Incident{}, fmt.Errorf("update incident: %w", err)
	}
	q, args, entry, err := step(i)
	if err != nil || q == "" {
		if err != nil {
			return Incident{}, err
		}
		return d.GetIncident(ctx, id)
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return Incident{}, fmt.Errorf("update incident: %w", err)
	}
	entry.CustomerID, entry.SubjectKey, entry.IncidentID = i.CustomerID, i.SubjectKey, i.ID
	if err := appendLedger(ctx, tx, i.ProjectID, d.now(), []LedgerEntry{*entry}); err != nil {
		return Incident{}, err
	}
	if err := tx.Commit(); err != nil {
		return Incident{}, fmt.Errorf("update incident: %w", err)
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
