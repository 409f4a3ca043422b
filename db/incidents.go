package db

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
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
	// PolicyVersion: the policy it was last judged under ('' before
	// versions were recorded).
	PolicyVersion string
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

// Compare orders keys by customer, subject, then kind: a stable order keeps
// ledgers and examples readable.
func (k IncidentKey) Compare(o IncidentKey) int {
	return cmp.Or(cmp.Compare(k.CustomerID, o.CustomerID), cmp.Compare(k.SubjectKey, o.SubjectKey), cmp.Compare(k.Kind, o.Kind))
}

// ActiveIncident is what a check needs to know of an unresolved incident.
type ActiveIncident struct {
	ID          string
	Status      string
	Fingerprint string
	DiffHash    string
	// PolicyVersion: the policy it was last judged under.
	PolicyVersion string
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
	base := `SELECT customer_id, subject_key, kind, id, status, fingerprint, diff_hash, policy_version FROM incidents
		WHERE project_id = ? AND status <> 'resolved'`
	run := func(q string, args ...any) error {
		return eachRow(ctx, d.read, "active incidents", func(row rowScanner) error {
			var k IncidentKey
			var a ActiveIncident
			if err := row.Scan(&k.CustomerID, &k.SubjectKey, &k.Kind, &a.ID, &a.Status, &a.Fingerprint, &a.DiffHash, &a.PolicyVersion); err != nil {
				return err
			}
			fn(k, a)
			return nil
		}, q, args...)
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

const incidentColumns = `seq, id, project_id, customer_id, subject_key, subject_kind, subject_id, subject_email, subject_name,
	kind, severity, status, summary, fingerprint, diff_hash, first_seen_at, last_seen_at, first_check_id, last_check_id,
	acknowledged_at, acknowledged_by, ignored_at,
	COALESCE(ignored_by, CASE WHEN ignored_by_key <> '' THEN 'apikey:' || ignored_by_key END), ignore_reason, resolved_at, resolution,
	at_stake_minor, at_stake_currency, at_stake_basis, policy_version`

func scanIncident(row interface{ Scan(...any) error }, extra ...any) (Incident, error) {
	var i Incident
	var first, last string
	var ackAt, ackBy, ignAt, ignBy, resAt sql.NullString
	var stakeMinor sql.NullInt64
	var stakeCur, stakeBasis string
	dest := []any{&i.Seq, &i.ID, &i.ProjectID, &i.CustomerID, &i.SubjectKey, &i.SubjectKind, &i.SubjectID, &i.SubjectEmail,
		&i.SubjectName, &i.Kind, &i.Severity, &i.Status, &i.Summary, &i.Fingerprint, &i.DiffHash, &first, &last,
		&i.FirstCheckID, &i.LastCheckID, &ackAt, &ackBy, &ignAt, &ignBy, &i.IgnoreReason, &resAt, &i.Resolution,
		&stakeMinor, &stakeCur, &stakeBasis, &i.PolicyVersion}
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
	// CheckID: the incidents this check opened or resolved (CheckEvent
	// "opened" or "resolved" narrows it to one).
	CheckID    string
	CheckEvent string
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
	if f.CheckID != "" {
		var err error
		if where, args, err = d.checkWhere(ctx, projectID, f, where, args); err != nil {
			return nil, "", err
		}
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
		return eachRow(ctx, d.read, "list incidents", func(row rowScanner) error {
			i, err := scanIncident(row)
			if err != nil {
				return err
			}
			out = append(out, i)
			return nil
		}, q, append(append(append([]any(nil), args...), extraArgs...), want-len(out))...)
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

// checkDense is the number of a check's incident entries from which the
// list walks its own order and tests each incident against the ledger,
// instead of listing the check's incidents by id and sorting them (a
// variable for tests).
var checkDense = 5000

// checkWhere narrows the list to the incidents the check opened or
// resolved (f.CheckEvent "opened", "resolved", or "" for both), read from
// the ledger's index by check (ledger_check_incidents). A check that
// touched few incidents (a webhook re-check, a quiet daily check) lists
// them by id; one that touched many (a first check opens tens of
// thousands) is dense in the list's order, so walking that order and
// probing the same index for each incident's id (one seek, no ledger row
// read; the severity order's index holds the id, so no incident row is read
// either until it is listed) finds a page quickly.
func (d *DB) checkWhere(ctx context.Context, projectID string, f IncidentFilter, where []string, args []any) ([]string, []any, error) {
	kinds := `'incident_opened', 'incident_resolved'`
	switch f.CheckEvent {
	case "opened":
		kinds = `'incident_opened'`
	case "resolved":
		kinds = `'incident_resolved'`
	}
	ids, err := queryAll(ctx, d.read, "check incidents", scanString, `SELECT incident_id FROM ledger INDEXED BY ledger_check_incidents
		WHERE project_id = ? AND check_id = ? AND kind IN (`+kinds+`) AND incident_id <> '' LIMIT ?`, projectID, f.CheckID, checkDense)
	if err != nil {
		return nil, nil, err
	}
	if len(ids) < checkDense {
		list, _ := json.Marshal(ids)
		return append(where, `id IN (SELECT value FROM json_each(?))`), append(args, string(list)), nil
	}
	return append(where, `EXISTS (SELECT 1 FROM ledger l INDEXED BY ledger_check_incidents WHERE l.project_id = ? AND l.check_id = ?
		AND l.kind IN (`+kinds+`) AND l.incident_id = incidents.id AND l.incident_id <> '')`), append(args, projectID, f.CheckID), nil
}

// searchDense is the number of matches from which a search walks the list
// order instead of listing the matches by seq.
const searchDense = 1000

// searchIncidents returns up to limit seqs of the project's incidents whose
// search text is LIKE pattern, reading only the search index.
func (d *DB) searchIncidents(ctx context.Context, projectID, pattern string, limit int) ([]int64, error) {
	seqs := []int64{} // ListIncidents hands them on as a JSON array
	err := eachRow(ctx, d.read, "search incidents", func(row rowScanner) error {
		var seq int64
		if err := row.Scan(&seq); err != nil {
			return err
		}
		seqs = append(seqs, seq)
		return nil
	}, `SELECT seq FROM incidents INDEXED BY incidents_search
		WHERE project_id = ? AND search LIKE ? ESCAPE '\' LIMIT ?`, projectID, pattern, limit)
	if err != nil {
		return nil, err
	}
	return seqs, nil
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
	err := eachRow(ctx, d.read, "count incidents", func(row rowScanner) error {
		var status, kind string
		var n int
		if err := row.Scan(&status, &kind, &n); err != nil {
			return err
		}
		byStatus[status] += n
		if status != IncidentResolved && status != IncidentIgnored {
			byKind[kind] += n
		}
		return nil
	}, `SELECT status, kind, COUNT(*) FROM incidents WHERE project_id = ? GROUP BY status, kind`, projectID)
	if err != nil {
		return nil, nil, err
	}
	return byStatus, byKind, nil
}

// OpenCounts are a project's active incidents (open, acknowledged,
// repairing, verifying) counted by severity and by kind: the dashboard.
type OpenCounts struct {
	BySeverity map[string]int
	ByKind     map[string]int
	Total      int
}

// openCountsQuery reads the counts migration 0020's triggers keep
// (incident_counts), a few dozen rows whatever the number of incidents;
// groups whose count fell to 0 are left out, as a GROUP BY over the
// incidents would (TestOpenCountsPlan keeps it off the incidents table).
var openCountsQuery = `SELECT kind, status, severity_rank, SUM(n) FROM incident_counts
	WHERE project_id = ? AND status IN (` + placeholders(len(ActiveStatuses)) + `) GROUP BY kind, status, severity_rank HAVING SUM(n) > 0`

// CountOpenIncidents counts the project's active incidents from the kept
// counts (incident_counts): it stays under a millisecond with 100,000 open
// incidents, where counting them took 50 ms.
func (d *DB) CountOpenIncidents(ctx context.Context, projectID string) (OpenCounts, error) {
	out := OpenCounts{BySeverity: map[string]int{}, ByKind: map[string]int{}}
	args := []any{projectID}
	for _, s := range ActiveStatuses {
		args = append(args, s)
	}
	err := eachRow(ctx, d.read, "count open incidents", func(row rowScanner) error {
		var kind, status string
		var rank, n int
		if err := row.Scan(&kind, &status, &rank, &n); err != nil {
			return err
		}
		if rank >= 0 && rank < len(severityByRank) {
			out.BySeverity[severityByRank[rank]] += n
		}
		out.ByKind[kind] += n
		out.Total += n
		return nil
	}, openCountsQuery, args...)
	return out, err
}
