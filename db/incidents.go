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

// Incident statuses.
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

// IncidentStatuses are every status, in a life's order.
var IncidentStatuses = []string{IncidentOpen, IncidentAcknowledged, IncidentRepairing, IncidentVerifying, IncidentResolved, IncidentIgnored}

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
	// AtStake: what the gap is worth per month (issue 19); nil when none.
	AtStake *AtStake
}

// AtStake is an incident's money at stake: MonthlyMinor nil when no amount
// can be named (basis usage, or no known price).
type AtStake struct {
	MonthlyMinor *int64
	Currency     string
	Basis        string
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
	// Repair is the incident's proposed repair (a Postgres row whose fix is
	// a change of mapped fields), filed or refreshed with any op but resolve.
	Repair *RepairProposal
	// AtStake is written with open, update and reopen.
	AtStake *AtStake
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
				first_seen_at, last_seen_at, first_check_id, last_check_id, search, at_stake_minor, at_stake_currency, at_stake_basis)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				w.ID, projectID, w.Key.CustomerID, w.Key.SubjectKey, w.SubjectKind, w.SubjectID, w.SubjectEmail, w.SubjectName,
				w.Key.Kind, w.Severity, SeverityRank(w.Severity), w.Summary, w.Fingerprint, w.DiffHash, string(w.Finding),
				ts, ts, checkID, checkID, searchText(w), stakeMinor(w.AtStake), stakeCurrency(w.AtStake), stakeBasis(w.AtStake))
			kind = ledger.IncidentOpened
		case OpTouch:
			err = st.exec(ctx, `UPDATE incidents SET last_seen_at = ?, last_check_id = ? WHERE id = ?`, ts, checkID, w.ID)
		case OpUpdate, OpReopen:
			// customer_id follows the key: an incident filed under a value
			// that is no Stripe customer is rekeyed to "" (check/sink.go).
			q := `UPDATE incidents SET last_seen_at = ?, last_check_id = ?, summary = ?, fingerprint = ?, diff_hash = ?, finding = ?,
				subject_email = ?, subject_name = ?, search = ?, customer_id = ?, at_stake_minor = ?, at_stake_currency = ?, at_stake_basis = ?`
			if w.Op == OpReopen {
				q += `, status = 'open', ignored_at = NULL, ignored_by = NULL, ignored_by_key = '', ignore_reason = ''`
			}
			err = st.exec(ctx, q+` WHERE id = ?`, ts, checkID, w.Summary, w.Fingerprint, w.DiffHash, string(w.Finding),
				w.SubjectEmail, w.SubjectName, searchText(w), w.Key.CustomerID, stakeMinor(w.AtStake), stakeCurrency(w.AtStake),
				stakeBasis(w.AtStake), w.ID)
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
	acknowledged_at, acknowledged_by, ignored_at,
	COALESCE(ignored_by, CASE WHEN ignored_by_key <> '' THEN 'apikey:' || ignored_by_key END), ignore_reason, resolved_at, resolution,
	at_stake_minor, at_stake_currency, at_stake_basis`

func scanIncident(row interface{ Scan(...any) error }, extra ...any) (Incident, error) {
	var i Incident
	var first, last string
	var ackAt, ackBy, ignAt, ignBy, resAt sql.NullString
	var stakeMinor sql.NullInt64
	var stakeCur, stakeBasis string
	dest := []any{&i.Seq, &i.ID, &i.ProjectID, &i.CustomerID, &i.SubjectKey, &i.SubjectKind, &i.SubjectID, &i.SubjectEmail,
		&i.SubjectName, &i.Kind, &i.Severity, &i.Status, &i.Summary, &i.Fingerprint, &i.DiffHash, &first, &last,
		&i.FirstCheckID, &i.LastCheckID, &ackAt, &ackBy, &ignAt, &ignBy, &i.IgnoreReason, &resAt, &i.Resolution,
		&stakeMinor, &stakeCur, &stakeBasis}
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
	if stakeBasis != "" {
		i.AtStake = &AtStake{Currency: stakeCur, Basis: stakeBasis}
		if stakeMinor.Valid {
			v := stakeMinor.Int64
			i.AtStake.MonthlyMinor = &v
		}
	}
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

// Incident list orders.
const (
	SortSeverity  = "severity"   // critical first, newest first within a severity (the default)
	SortLastSeen  = "last_seen"  // most recently seen first
	SortFirstSeen = "first_seen" // most recently opened first
	SortAtStake   = "at_stake"   // most money at stake first, within Currency (db/stake.go)
)

// IncidentSorts are the orders ListIncidents knows.
var IncidentSorts = []string{SortSeverity, SortLastSeen, SortFirstSeen, SortAtStake}

// IncidentFilter selects incidents of a project for a list.
type IncidentFilter struct {
	Statuses   []string
	Kind       string
	Severity   string
	CustomerID string
	Q          string // substring of customer id, subject id, email or name
	Sort       string // SortSeverity (default), SortLastSeen, SortFirstSeen, SortAtStake
	Currency   string // incidents whose money at stake is in this currency (required by SortAtStake)
	Cursor     string // from the previous page (of the same sort)
	Limit      int
}

// ListIncidents returns a page of incidents in the filter's order and the
// cursor of the next page ("" at the end). Keyset paging on the order's
// index columns ((severity_rank, seq), or (last_seen_at, seq), or
// (first_seen_at, seq)), each page one or two index ranges, stays fast at
// any depth.
func (d *DB) ListIncidents(ctx context.Context, projectID string, f IncidentFilter) ([]Incident, string, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	if f.Sort == "" {
		f.Sort = SortSeverity
	}
	timeCol := map[string]string{SortLastSeen: "last_seen_at", SortFirstSeen: "first_seen_at"}[f.Sort]
	if f.Sort != SortSeverity && f.Sort != SortAtStake && timeCol == "" {
		return nil, "", fmt.Errorf("list incidents: unknown sort %q", f.Sort)
	}
	where, args := []string{"project_id = ?"}, []any{projectID}
	switch len(f.Statuses) {
	case 0:
	case 1:
		where, args = append(where, "status = ?"), append(args, f.Statuses[0])
	default:
		// Several statuses: walk the list's order and filter (a unary +
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
		op := "severity_rank = ?"
		if timeCol != "" {
			op = "+severity_rank = ?" // walk the time order, not the severity index
		}
		where, args = append(where, op), append(args, SeverityRank(f.Severity))
	}
	if f.CustomerID != "" {
		where, args = append(where, "customer_id = ?"), append(args, f.CustomerID)
	}
	if q := strings.ToLower(strings.TrimSpace(f.Q)); q != "" {
		q = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q)
		pattern := "%" + q + "%"
		// The substring scan reads the small (project_id, search) index, not
		// the rows. A rare match (an email, a customer id) lists its few
		// incidents by seq; a common one is dense enough that walking the
		// list's order and testing each row finds a page quickly.
		seqs, err := d.searchIncidents(ctx, projectID, pattern, searchDense)
		if err != nil {
			return nil, "", err
		}
		if len(seqs) < searchDense {
			ids, _ := json.Marshal(seqs)
			where, args = append(where, `seq IN (SELECT value FROM json_each(?))`), append(args, string(ids))
		} else {
			where, args = append(where, `search LIKE ? ESCAPE '\'`), append(args, pattern)
		}
	}
	if f.Currency != "" || f.Sort == SortAtStake {
		where, args = stakeWhere(where, args, f)
	}
	order := ` ORDER BY severity_rank, seq DESC`
	if f.Sort == SortAtStake {
		order = stakeOrder
	}
	if timeCol != "" {
		order = ` ORDER BY ` + timeCol + ` DESC, seq DESC`
	}
	want := f.Limit + 1
	var out []Incident
	query := func(extra string, extraArgs ...any) error {
		q := `SELECT ` + incidentColumns + ` FROM incidents WHERE ` + strings.Join(where, " AND ") + extra + order + ` LIMIT ?`
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
	switch {
	case f.Cursor == "":
		if err := query(""); err != nil {
			return nil, "", err
		}
	case f.Sort == SortAtStake:
		minor, seq, ok := parseStakeCursor(f.Cursor)
		if !ok {
			return nil, "", ErrBadCursor
		}
		if err := query(" AND (at_stake_minor, seq) < (?, ?)", minor, seq); err != nil {
			return nil, "", err
		}
	case timeCol != "":
		ts, seq, ok := parseTimeCursor(f.Sort, f.Cursor)
		if !ok {
			return nil, "", ErrBadCursor
		}
		// A row value compares like the ORDER BY, so SQLite seeks the
		// index straight to the cursor.
		if err := query(" AND ("+timeCol+", seq) < (?, ?)", ts, seq); err != nil {
			return nil, "", err
		}
	default:
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
		switch f.Sort {
		case SortLastSeen:
			next = fmt.Sprintf("l.%d.%s", last.Seq, formatTime(last.LastSeenAt))
		case SortFirstSeen:
			next = fmt.Sprintf("f.%d.%s", last.Seq, formatTime(last.FirstSeenAt))
		case SortAtStake:
			next = stakeCursor(last)
		default:
			next = fmt.Sprintf("%d.%d", SeverityRank(last.Severity), last.Seq)
		}
	}
	return out, next, nil
}

// searchDense is the number of matches from which a search walks the list
// order instead of listing the matches by seq.
const searchDense = 1000

// searchIncidents returns up to limit seqs of the project's incidents whose
// search text is LIKE pattern, reading only the search index.
func (d *DB) searchIncidents(ctx context.Context, projectID, pattern string, limit int) ([]int64, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT seq FROM incidents INDEXED BY incidents_search
		WHERE project_id = ? AND search LIKE ? ESCAPE '\' LIMIT ?`, projectID, pattern, limit)
	if err != nil {
		return nil, fmt.Errorf("search incidents: %w", err)
	}
	defer rows.Close()
	seqs := []int64{}
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			return nil, fmt.Errorf("search incidents: %w", err)
		}
		seqs = append(seqs, seq)
	}
	return seqs, rows.Err()
}

// ErrBadCursor is a paging cursor this store did not hand out (or one of
// another sort).
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

// parseTimeCursor reads "l.<seq>.<time>" (last seen) or "f.<seq>.<time>"
// (first seen); the time is the stored text, compared as stored.
func parseTimeCursor(sort, s string) (string, int64, bool) {
	parts := strings.SplitN(s, ".", 3)
	if len(parts) != 3 || parts[0] != sort[:1] {
		return "", 0, false
	}
	seq, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return "", 0, false
	}
	if _, err := time.Parse(timeFormat, parts[2]); err != nil {
		return "", 0, false
	}
	return parts[2], seq, true
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
	tx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("acknowledge incidents: %w", err)
	}
	defer tx.Rollback()
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
			return res, fmt.Errorf("acknowledge incidents: %w", err)
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
			return res, fmt.Errorf("acknowledge incidents: %w", err)
		}
		entries = append(entries, LedgerEntry{Kind: ledger.IncidentAcknowledged, CustomerID: i.CustomerID, SubjectKey: i.SubjectKey,
			IncidentID: i.ID, Actor: userID, Detail: map[string]any{"kind": i.Kind, "from": i.Status, "bulk": true}})
		res.Acknowledged++
		res.IDs = append(res.IDs, i.ID)
	}
	if err := appendLedger(ctx, tx, projectID, now, entries); err != nil {
		return res, err
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("acknowledge incidents: %w", err)
	}
	return res, nil
}

// OpenCounts are a project's active incidents (open, acknowledged,
// repairing, verifying) counted by severity and by kind: the dashboard.
type OpenCounts struct {
	BySeverity map[string]int
	ByKind     map[string]int
	Total      int
}

// openCountsQuery groups in the order of incidents_by_kind_status, which
// SQLite picks as a covering index (TestOpenCountsPlan keeps it so).
var openCountsQuery = `SELECT kind, status, severity_rank, COUNT(*) FROM incidents
	WHERE project_id = ? AND status IN (` + placeholders(len(ActiveStatuses)) + `) GROUP BY kind, status, severity_rank`

// CountOpenIncidents counts the project's active incidents in one pass over
// the covering index incidents_by_kind_status (project_id, kind, status,
// severity_rank): grouped in the index's own order, so SQLite reads no table
// row and sorts nothing, and it stays fast with 100,000 incidents.
func (d *DB) CountOpenIncidents(ctx context.Context, projectID string) (OpenCounts, error) {
	out := OpenCounts{BySeverity: map[string]int{}, ByKind: map[string]int{}}
	args := []any{projectID}
	for _, s := range ActiveStatuses {
		args = append(args, s)
	}
	rows, err := d.read.QueryContext(ctx, openCountsQuery, args...)
	if err != nil {
		return out, fmt.Errorf("count open incidents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, status string
		var rank, n int
		if err := rows.Scan(&kind, &status, &rank, &n); err != nil {
			return out, fmt.Errorf("count open incidents: %w", err)
		}
		if rank >= 0 && rank < len(severityByRank) {
			out.BySeverity[severityByRank[rank]] += n
		}
		out.ByKind[kind] += n
		out.Total += n
	}
	return out, rows.Err()
}
