package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mattn/go-sqlite3"

	"parityrail/ledger"
)

// Check is one fulfillment check run.
type Check struct {
	ID          string
	ProjectID   string
	Number      int64  // 1, 2, 3, … per project, in the order checks started
	Scope       string // full, recent, customer
	CustomerIDs []string
	SubjectKeys []string
	Trigger     string // person, schedule, webhook, api, dry_run
	DryRun      bool
	Status      string // running, finished, failed
	StartedBy   string
	StartedAt   time.Time
	FinishedAt  *time.Time
	HeartbeatAt time.Time
	Progress    CheckProgress
	Counts      CheckCounts
	Error       string
	Summary     json.RawMessage
}

// CheckProgress is what a progress bar needs.
type CheckProgress struct {
	Phase string `json:"phase"`
	Done  int64  `json:"done"`
	Total int64  `json:"total"` // 0 while unknown
}

// CheckCounts are a check's tallies.
type CheckCounts struct {
	Checked  int64 `json:"checked"`  // customers and unlinked app subjects compared
	Held     int64 `json:"held"`     // … whose promise holds
	Opened   int64 `json:"opened"`   // incidents filed
	Updated  int64 `json:"updated"`  // incidents found again with different values, or reopened
	Resolved int64 `json:"resolved"` // incidents whose promise holds again
	Errors   int64 `json:"errors"`   // customers that could not be checked
}

// BusyError says a check is already running for the project.
type BusyError struct{ Running Check }

func (e *BusyError) Error() string {
	return fmt.Sprintf("A check is already running for this project (started %s).", e.Running.StartedAt.UTC().Format("2006-01-02 15:04:05 UTC"))
}

const checkColumns = `id, project_id, scope, customer_ids, subject_keys, trigger, dry_run, status, started_by, started_at,
	finished_at, heartbeat_at, phase, progress_done, progress_total, checked, held, opened, updated, resolved, errors, error, summary, number`

func scanCheck(row interface{ Scan(...any) error }) (Check, error) {
	var c Check
	var customers, subjects, started, heartbeat, summary string
	var by, finished sql.NullString
	err := row.Scan(&c.ID, &c.ProjectID, &c.Scope, &customers, &subjects, &c.Trigger, &c.DryRun, &c.Status, &by, &started,
		&finished, &heartbeat, &c.Progress.Phase, &c.Progress.Done, &c.Progress.Total,
		&c.Counts.Checked, &c.Counts.Held, &c.Counts.Opened, &c.Counts.Updated, &c.Counts.Resolved, &c.Counts.Errors,
		&c.Error, &summary, &c.Number)
	if errors.Is(err, sql.ErrNoRows) {
		return Check{}, ErrNotFound
	}
	if err != nil {
		return Check{}, err
	}
	_ = json.Unmarshal([]byte(customers), &c.CustomerIDs)
	_ = json.Unmarshal([]byte(subjects), &c.SubjectKeys)
	c.StartedBy, c.StartedAt, c.HeartbeatAt = by.String, parseTime(started), parseTime(heartbeat)
	c.FinishedAt = parseNullTime(finished)
	c.Summary = json.RawMessage(summary)
	return c, nil
}

// StaleCheckAfter is how long a running check may go without a heartbeat
// before another start treats it as interrupted (its process died).
const StaleCheckAfter = 2 * time.Minute

// BeginCheck records a running check and ledgers its start, unless one is
// already running for the project (*BusyError). A running row whose
// heartbeat stopped more than StaleCheckAfter ago is marked failed first.
func (d *DB) BeginCheck(ctx context.Context, c Check, actor string) (Check, error) {
	now := d.now()
	c.ID, c.Status, c.StartedAt, c.HeartbeatAt = newID("chk_"), "running", now, now
	if c.Summary == nil {
		c.Summary = json.RawMessage("{}")
	}
	customers, _ := json.Marshal(nonNil(c.CustomerIDs))
	subjects, _ := json.Marshal(nonNil(c.SubjectKeys))
	err := d.inTx(ctx, "begin check", func(tx *sql.Tx) error {
		running, err := scanCheck(tx.QueryRowContext(ctx, `SELECT `+checkColumns+` FROM checks WHERE project_id = ? AND status = 'running'`, c.ProjectID))
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return fmt.Errorf("begin check: %w", err)
		case now.Sub(running.HeartbeatAt) > StaleCheckAfter:
			if err := failCheck(ctx, tx, running, "interrupted: the process running it stopped", now); err != nil {
				return err
			}
		default:
			return &BusyError{Running: running}
		}
		// Writes are serialized, so the next number read here is still free at
		// the insert.
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(number), 0) + 1 FROM checks WHERE project_id = ?`, c.ProjectID).Scan(&c.Number); err != nil {
			return fmt.Errorf("begin check: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO checks (id, project_id, number, scope, customer_ids, subject_keys, trigger, dry_run, status,
			started_by, started_at, heartbeat_at, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)`,
			c.ID, c.ProjectID, c.Number, c.Scope, string(customers), string(subjects), c.Trigger, c.DryRun, nullable(c.StartedBy),
			formatTime(now), formatTime(now), string(c.Summary))
		var se sqlite3.Error
		if errors.As(err, &se) && se.Code == sqlite3.ErrConstraint {
			return &BusyError{Running: Check{ProjectID: c.ProjectID, StartedAt: now}}
		}
		if err != nil {
			return fmt.Errorf("begin check: %w", err)
		}
		if c.DryRun {
			return nil
		}
		return appendLedger(ctx, tx, c.ProjectID, now, []LedgerEntry{{Kind: ledger.CheckStarted, CheckID: c.ID, Actor: actor,
			Detail: map[string]any{"number": c.Number, "scope": c.Scope, "trigger": c.Trigger, "customers": nonNil(c.CustomerIDs), "subjects": nonNil(c.SubjectKeys)}}})
	})
	if err != nil {
		return Check{}, err
	}
	return c, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// UpdateCheckProgress stores progress and counts so far, and beats the heart.
func (d *DB) UpdateCheckProgress(ctx context.Context, id string, p CheckProgress, n CheckCounts) error {
	_, err := d.write.ExecContext(ctx, `UPDATE checks SET heartbeat_at = ?, phase = ?, progress_done = ?, progress_total = ?,
		checked = ?, held = ?, opened = ?, updated = ?, resolved = ?, errors = ? WHERE id = ? AND status = 'running'`,
		formatTime(d.now()), p.Phase, p.Done, p.Total, n.Checked, n.Held, n.Opened, n.Updated, n.Resolved, n.Errors, id)
	if err != nil {
		return fmt.Errorf("update check progress: %w", err)
	}
	return nil
}

// FinishCheck ends a check as finished (errMsg empty) or failed, with its
// final counts and summary, and ledgers the outcome (dry runs file nothing).
func (d *DB) FinishCheck(ctx context.Context, c Check, n CheckCounts, summary any, errMsg, actor string) (Check, error) {
	now := d.now()
	sum, err := json.Marshal(summary)
	if err != nil {
		return Check{}, fmt.Errorf("finish check: %w", err)
	}
	status := "finished"
	if errMsg != "" {
		status = "failed"
	}
	gone := false
	err = d.inTx(ctx, "finish check", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE checks SET status = ?, finished_at = ?, heartbeat_at = ?, phase = ?,
			checked = ?, held = ?, opened = ?, updated = ?, resolved = ?, errors = ?, error = ?, summary = ?
			WHERE id = ? AND status = 'running'`,
			status, formatTime(now), formatTime(now), status, n.Checked, n.Held, n.Opened, n.Updated, n.Resolved, n.Errors,
			errMsg, string(sum), c.ID)
		if err != nil {
			return fmt.Errorf("finish check: %w", err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			// Someone marked it interrupted meanwhile (a stale heartbeat):
			// the row says failed; leave it.
			gone = true
			return nil
		}
		if c.DryRun {
			return nil
		}
		kind := ledger.CheckFinished
		detail := map[string]any{"scope": c.Scope, "trigger": c.Trigger, "counts": n,
			"duration_ms": now.Sub(c.StartedAt).Milliseconds()}
		if errMsg != "" {
			kind, detail["error"] = ledger.CheckFailed, errMsg
		}
		if err := appendLedger(ctx, tx, c.ProjectID, now, []LedgerEntry{{Kind: kind, CheckID: c.ID, Actor: actor, Detail: detail}}); err != nil {
			return err
		}
		// Its notifications commit with it, or not at all.
		return enqueueCheck(ctx, tx, c, status, errMsg, now)
	})
	if err != nil {
		return Check{}, err
	}
	if gone {
		return d.GetCheck(ctx, c.ID)
	}
	return d.getCheck(ctx, d.write, c.ID)
}

func failCheck(ctx context.Context, tx *sql.Tx, c Check, why string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE checks SET status = 'failed', phase = 'failed', finished_at = ?, error = ? WHERE id = ?`,
		formatTime(now), why, c.ID); err != nil {
		return fmt.Errorf("fail check: %w", err)
	}
	if c.DryRun {
		return nil
	}
	if err := appendLedger(ctx, tx, c.ProjectID, now, []LedgerEntry{{Kind: ledger.CheckFailed, CheckID: c.ID, Actor: "system",
		Detail: map[string]any{"scope": c.Scope, "trigger": c.Trigger, "error": why}}}); err != nil {
		return err
	}
	return enqueueCheck(ctx, tx, c, "failed", why, now)
}

// FailInterruptedChecks marks the "running" checks whose heartbeat stopped
// more than StaleCheckAfter ago as failed (interrupted): their process is
// gone. The cleanup job calls it; BeginCheck does the same for its project.
func (d *DB) FailInterruptedChecks(ctx context.Context) (int, error) {
	now := d.now()
	running, err := d.runningChecks(ctx)
	if err != nil {
		return 0, err
	}
	var stale []Check
	for _, c := range running {
		if now.Sub(c.HeartbeatAt) > StaleCheckAfter {
			stale = append(stale, c)
		}
	}
	return d.failInterrupted(ctx, stale)
}

// FailDeadChecks is the start-up sweep: a running check whose heartbeat does
// not move while watching for a few heartbeats belongs to a process that
// died, and is marked failed (interrupted); one that still beats belongs to
// a live process — a `parityrail check` beside the server — and is left
// running, so a second check of its project stays refused. It waits only
// when some check is running. Incident writes are transactional, so an
// interrupted run leaves only whole incidents behind.
func (d *DB) FailDeadChecks(ctx context.Context, watch time.Duration) (int, error) {
	before, err := d.runningChecks(ctx)
	if err != nil || len(before) == 0 {
		return 0, err
	}
	select {
	case <-time.After(watch):
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	after, err := d.runningChecks(ctx)
	if err != nil {
		return 0, err
	}
	var dead []Check
	for _, c := range after {
		for _, b := range before {
			if b.ID == c.ID && b.HeartbeatAt.Equal(c.HeartbeatAt) {
				dead = append(dead, c)
			}
		}
	}
	return d.failInterrupted(ctx, dead)
}

func (d *DB) runningChecks(ctx context.Context) ([]Check, error) {
	return queryAll(ctx, d.write, "running checks", scanCheck, `SELECT `+checkColumns+` FROM checks WHERE status = 'running'`)
}

func (d *DB) failInterrupted(ctx context.Context, checks []Check) (int, error) {
	now := d.now()
	for _, c := range checks {
		// One transaction a check: each one failed stays failed.
		if err := d.inTx(ctx, "fail interrupted checks", func(tx *sql.Tx) error {
			return failCheck(ctx, tx, c, "interrupted: ParityRail stopped while the check ran", now)
		}); err != nil {
			return 0, err
		}
	}
	return len(checks), nil
}

// GetCheck returns one check.
func (d *DB) GetCheck(ctx context.Context, id string) (Check, error) {
	return d.getCheck(ctx, d.read, id)
}

func (d *DB) getCheck(ctx context.Context, q rowQueryer, id string) (Check, error) {
	return queryOne(ctx, q, "get check", scanCheck, `SELECT `+checkColumns+` FROM checks WHERE id = ?`, id)
}

// RunningCheck returns the project's running check, or ErrNotFound.
func (d *DB) RunningCheck(ctx context.Context, projectID string) (Check, error) {
	return queryOne(ctx, d.read, "running check", scanCheck, `SELECT `+checkColumns+` FROM checks WHERE project_id = ? AND status = 'running'`, projectID)
}

// ListChecks returns a project's checks, newest first, before the cursor
// (a check id) when given.
func (d *DB) ListChecks(ctx context.Context, projectID string, limit int, before string) ([]Check, error) {
	q, args := `SELECT `+checkColumns+` FROM checks WHERE project_id = ?`, []any{projectID}
	if before != "" {
		q += ` AND (started_at, id) < (SELECT started_at, id FROM checks WHERE id = ?)`
		args = append(args, before)
	}
	q += ` ORDER BY started_at DESC, id DESC LIMIT ?`
	args = append(args, limit)
	return queryAll(ctx, d.read, "list checks", scanCheck, q, args...)
}

// LastFullCheckSize is how many customers the project's last finished full
// check compared (0 when none): the progress bar's estimate for the next.
func (d *DB) LastFullCheckSize(ctx context.Context, projectID string) (int64, error) {
	var n int64
	err := d.read.QueryRowContext(ctx, `SELECT checked FROM checks WHERE project_id = ? AND scope = 'full' AND status = 'finished'
		ORDER BY started_at DESC LIMIT 1`, projectID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("last full check: %w", err)
	}
	return n, nil
}

// CustomerCheckIDs returns the ids of the project's most recent one-customer
// checks (up to limit) that re-checked this customer, newest first: the
// customer's timeline shows them even when they changed nothing.
func (d *DB) CustomerCheckIDs(ctx context.Context, projectID, customerID string, limit int) ([]string, error) {
	return queryAll(ctx, d.read, "customer checks", scanString, `SELECT id FROM checks WHERE project_id = ? AND scope = 'customer' AND dry_run = 0
		AND EXISTS (SELECT 1 FROM json_each(checks.customer_ids) WHERE value = ?) ORDER BY started_at DESC LIMIT ?`,
		projectID, customerID, limit)
}

// LastCheck returns the project's most recent ended check that was not a dry
// run (ErrNotFound when none): the dashboard's "last check".
func (d *DB) LastCheck(ctx context.Context, projectID string) (Check, error) {
	return queryOne(ctx, d.read, "last check", scanCheck, `SELECT `+checkColumns+` FROM checks
		WHERE project_id = ? AND status <> 'running' AND dry_run = 0 ORDER BY started_at DESC, id DESC LIMIT 1`, projectID)
}

// OpenIncidentCounts counts the open incidents (neither resolved nor
// ignored) per project, kind and severity, for the metrics endpoint.
func (d *DB) OpenIncidentCounts(ctx context.Context) ([]OpenIncidentCount, error) {
	scan := func(row rowScanner) (OpenIncidentCount, error) {
		var c OpenIncidentCount
		err := row.Scan(&c.Project, &c.Kind, &c.Severity, &c.Count)
		return c, err
	}
	return queryAll(ctx, d.read, "count open incidents", scan, `SELECT project_id, kind, severity, count(*) FROM incidents
		WHERE status NOT IN (?, ?) GROUP BY project_id, kind, severity`, IncidentResolved, IncidentIgnored)
}

// OpenIncidentCount is one row of OpenIncidentCounts.
type OpenIncidentCount struct {
	Project, Kind, Severity string
	Count                   int
}

// LastCheckedAt is when a finished check (not a dry run) last compared the
// customer: the project's last full check or the customer's own re-check,
// whichever ended later (nil when none has).
func (d *DB) LastCheckedAt(ctx context.Context, projectID, customerID string) (*time.Time, error) {
	var at sql.NullString
	err := d.read.QueryRowContext(ctx, `SELECT MAX(finished_at) FROM checks WHERE project_id = ? AND status = 'finished' AND dry_run = 0
		AND (scope = 'full' OR (scope = 'customer' AND EXISTS (SELECT 1 FROM json_each(checks.customer_ids) WHERE value = ?)))`,
		projectID, customerID).Scan(&at)
	if err != nil {
		return nil, fmt.Errorf("last checked: %w", err)
	}
	return parseNullTime(at), nil
}

// ActiveSeverityCounts counts a project's active incidents (neither
// resolved nor ignored) per severity; of one customer when customerID is set.
func (d *DB) ActiveSeverityCounts(ctx context.Context, projectID, customerID string) (map[string]int, error) {
	q := `SELECT severity, count(*) FROM incidents WHERE project_id = ? AND status NOT IN (?, ?)`
	args := []any{projectID, IncidentResolved, IncidentIgnored}
	if customerID != "" {
		q += ` AND customer_id = ?`
		args = append(args, customerID)
	}
	out := map[string]int{}
	err := eachPair(ctx, d.read, "count active incidents", func(sev string, n int) { out[sev] = n }, q+` GROUP BY severity`, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CheckNumbers returns the numbers of the project's checks among ids.
func (d *DB) CheckNumbers(ctx context.Context, projectID string, ids []string) (map[string]int64, error) {
	out := map[string]int64{}
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 500)]
		ids = ids[len(batch):]
		args := []any{projectID}
		for _, id := range batch {
			args = append(args, id)
		}
		err := eachPair(ctx, d.read, "check numbers", func(id string, n int64) { out[id] = n },
			`SELECT id, number FROM checks WHERE project_id = ? AND id IN (`+placeholders(len(batch))+`)`, args...)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
