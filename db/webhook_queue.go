package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"parityrail/ledger"
)

// WebhookEvent is a verified Stripe event as kept.
type WebhookEvent struct {
	ID         string
	Type       string
	CustomerID string
	ActedOn    bool
	Livemode   bool
	Created    time.Time
}

// RecordWebhookEvent stores a verified event unless its id was seen before
// (duplicate true: nothing else happens). An acted-on event with a customer
// is ledgered and queues a re-check of that customer after debounce, in the
// same transaction, so a crash loses neither. Health counters move too.
func (d *DB) RecordWebhookEvent(ctx context.Context, projectID string, e WebhookEvent, debounce time.Duration) (duplicate bool, err error) {
	now := d.now()
	ts := formatTime(now)
	err = d.inTx(ctx, "record webhook", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO webhook_events (project_id, event_id, type, customer_id, acted_on, livemode, created_at, received_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, event_id) DO NOTHING`,
			projectID, e.ID, e.Type, e.CustomerID, e.ActedOn, e.Livemode, formatTime(e.Created), ts)
		if err != nil {
			return fmt.Errorf("record webhook: %w", err)
		}
		n, _ := res.RowsAffected()
		duplicate = n == 0
		if duplicate {
			_, err = tx.ExecContext(ctx, `INSERT INTO webhook_health (project_id, duplicates) VALUES (?, 1)
				ON CONFLICT (project_id) DO UPDATE SET duplicates = duplicates + 1`, projectID)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO webhook_health (project_id, received, last_event_at, last_event_type) VALUES (?, 1, ?, ?)
				ON CONFLICT (project_id) DO UPDATE SET received = received + 1, last_event_at = excluded.last_event_at,
				last_event_type = excluded.last_event_type`, projectID, ts, e.Type)
		}
		if err != nil {
			return fmt.Errorf("record webhook health: %w", err)
		}
		if !duplicate && e.ActedOn && e.CustomerID != "" {
			due := formatTime(now.Add(debounce))
			if _, err := tx.ExecContext(ctx, `INSERT INTO recheck_queue (project_id, customer_id, first_at, last_at, due_at)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT (project_id, customer_id) DO UPDATE SET version = version + 1, events = events + 1,
				last_at = excluded.last_at, due_at = excluded.due_at, attempts = 0`, projectID, e.CustomerID, ts, ts, due); err != nil {
				return fmt.Errorf("queue re-check: %w", err)
			}
			if err := appendLedger(ctx, tx, projectID, now, []LedgerEntry{{Kind: ledger.BillingEvent, CustomerID: e.CustomerID, Actor: "webhook",
				Detail: map[string]any{"event_id": e.ID, "type": e.Type, "created": e.Created.UTC(), "livemode": e.Livemode}}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	return duplicate, nil
}

// RecordWebhookFailure counts a request refused for its signature.
// Each failure's time is kept too (the weekly digest counts them).
func (d *DB) RecordWebhookFailure(ctx context.Context, projectID, reason string) error {
	now := formatTime(d.now())
	return d.inTx(ctx, "record webhook failure", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_health (project_id, signature_failures, last_failure_at, last_failure_reason)
			VALUES (?, 1, ?, ?) ON CONFLICT (project_id) DO UPDATE SET signature_failures = signature_failures + 1,
			last_failure_at = excluded.last_failure_at, last_failure_reason = excluded.last_failure_reason`,
			projectID, now, reason); err != nil {
			return fmt.Errorf("record webhook failure: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_signature_failures (project_id, at) VALUES (?, ?)`, projectID, now); err != nil {
			return fmt.Errorf("record webhook failure: %w", err)
		}
		return nil
	})
}

// WebhookHealth is what the dashboard shows about a project's webhooks.
type WebhookHealth struct {
	Received          int64      `json:"received"`
	Duplicates        int64      `json:"duplicates"`
	LastEventAt       *time.Time `json:"last_event_at"`
	LastEventType     string     `json:"last_event_type"`
	SignatureFailures int64      `json:"signature_failures"`
	LastFailureAt     *time.Time `json:"last_failure_at"`
	LastFailureReason string     `json:"last_failure_reason"`
	Queued            int64      `json:"queued"` // customers waiting for a re-check
	// Days are the last 7 days (UTC, oldest first): events received per
	// type and refused signatures.
	Days []WebhookDay `json:"days"`
	// Silent warns when no event arrived for 24 h while checks saw
	// subscriptions change ("" otherwise).
	Silent string `json:"silent,omitempty"`
}

// WebhookDay is one day of a project's webhook deliveries.
type WebhookDay struct {
	Date              string         `json:"date"` // YYYY-MM-DD, UTC
	Received          int            `json:"received"`
	ByType            map[string]int `json:"by_type"`
	SignatureFailures int            `json:"signature_failures"`
}

// SilentWebhooks is the warning of a project whose Stripe seems to send
// nothing.
const SilentWebhooks = "No Stripe event arrived for 24 hours while checks saw subscriptions change: Stripe may not be sending events here. Check the endpoint in Stripe (Developers → Webhooks)."

// GetWebhookHealth returns the project's webhook counters (zero when none).
func (d *DB) GetWebhookHealth(ctx context.Context, projectID string) (WebhookHealth, error) {
	var h WebhookHealth
	var last, fail sql.NullString
	err := d.read.QueryRowContext(ctx, `SELECT received, duplicates, last_event_at, last_event_type, signature_failures,
		last_failure_at, last_failure_reason FROM webhook_health WHERE project_id = ?`, projectID).
		Scan(&h.Received, &h.Duplicates, &last, &h.LastEventType, &h.SignatureFailures, &fail, &h.LastFailureReason)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return h, fmt.Errorf("webhook health: %w", err)
	}
	h.LastEventAt, h.LastFailureAt = parseNullTime(last), parseNullTime(fail)
	if err := d.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM recheck_queue WHERE project_id = ?`, projectID).Scan(&h.Queued); err != nil {
		return h, fmt.Errorf("webhook health: %w", err)
	}
	now := d.now()
	if err := d.webhookDays(ctx, projectID, now, &h); err != nil {
		return h, err
	}
	if h.LastEventAt == nil || now.Sub(*h.LastEventAt) > 24*time.Hour {
		var changed int
		if err := d.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM checks WHERE project_id = ? AND status = 'finished' AND dry_run = 0
			AND started_at >= ? AND COALESCE(json_extract(summary, '$.promises_changed'), 0) > 0`,
			projectID, formatTime(now.Add(-24*time.Hour))).Scan(&changed); err != nil {
			return h, fmt.Errorf("webhook health: %w", err)
		}
		if changed > 0 {
			h.Silent = SilentWebhooks
		}
	}
	return h, nil
}

// webhookDays fills the last 7 days of deliveries and refused signatures.
func (d *DB) webhookDays(ctx context.Context, projectID string, now time.Time, h *WebhookHealth) error {
	today := now.UTC().Truncate(24 * time.Hour)
	from := today.AddDate(0, 0, -6)
	index := map[string]int{}
	for i := range 7 {
		date := from.AddDate(0, 0, i).Format("2006-01-02")
		index[date] = i
		h.Days = append(h.Days, WebhookDay{Date: date, ByType: map[string]int{}})
	}
	// Counted per day as they arrive (webhook_event_days, migration 0020).
	err := eachRow(ctx, d.read, "webhook days", func(row rowScanner) error {
		var date, typ string
		var n int
		if err := row.Scan(&date, &typ, &n); err != nil {
			return err
		}
		if i, ok := index[date]; ok {
			h.Days[i].ByType[typ] += n
			h.Days[i].Received += n
		}
		return nil
	}, `SELECT day, type, received FROM webhook_event_days
		WHERE project_id = ? AND day >= ?`, projectID, from.Format("2006-01-02"))
	if err != nil {
		return err
	}
	return eachPair(ctx, d.read, "webhook days", func(date string, n int) {
		if i, ok := index[date]; ok {
			h.Days[i].SignatureFailures += n
		}
	}, `SELECT substr(at, 1, 10), COUNT(*) FROM webhook_signature_failures
		WHERE project_id = ? AND at >= ? GROUP BY 1`, projectID, formatTime(from))
}

// QueuedRecheck is one customer waiting for a webhook re-check.
type QueuedRecheck struct {
	ProjectID  string
	CustomerID string
	Version    int64
	Events     int64
	Attempts   int
}

// DueRechecks returns queued re-checks due by now, grouped by the caller.
func (d *DB) DueRechecks(ctx context.Context, limit int) ([]QueuedRecheck, error) {
	scan := func(row rowScanner) (QueuedRecheck, error) {
		var q QueuedRecheck
		err := row.Scan(&q.ProjectID, &q.CustomerID, &q.Version, &q.Events, &q.Attempts)
		return q, err
	}
	return queryAll(ctx, d.read, "due re-checks", scan, `SELECT project_id, customer_id, version, events, attempts FROM recheck_queue
		WHERE due_at <= ? ORDER BY due_at LIMIT ?`, formatTime(d.now()), limit)
}

// DoneRecheck removes a queued re-check unless another event arrived for
// the customer while it ran (its version moved): then it stays queued.
func (d *DB) DoneRecheck(ctx context.Context, q QueuedRecheck) error {
	_, err := d.write.ExecContext(ctx, `DELETE FROM recheck_queue WHERE project_id = ? AND customer_id = ? AND version = ?`,
		q.ProjectID, q.CustomerID, q.Version)
	if err != nil {
		return fmt.Errorf("done re-check: %w", err)
	}
	return nil
}

// RetryRecheck keeps a failed re-check queued until retryAt.
func (d *DB) RetryRecheck(ctx context.Context, q QueuedRecheck, retryAt time.Time, why string) error {
	_, err := d.write.ExecContext(ctx, `UPDATE recheck_queue SET attempts = attempts + 1, due_at = ?, last_error = ?
		WHERE project_id = ? AND customer_id = ?`, formatTime(retryAt), why, q.ProjectID, q.CustomerID)
	if err != nil {
		return fmt.Errorf("retry re-check: %w", err)
	}
	return nil
}

// DeferRecheck pushes a queued re-check back without counting an attempt
// (e.g. another check of the project is running).
func (d *DB) DeferRecheck(ctx context.Context, q QueuedRecheck, until time.Time) error {
	_, err := d.write.ExecContext(ctx, `UPDATE recheck_queue SET due_at = ? WHERE project_id = ? AND customer_id = ? AND due_at < ?`,
		formatTime(until), q.ProjectID, q.CustomerID, formatTime(until))
	if err != nil {
		return fmt.Errorf("defer re-check: %w", err)
	}
	return nil
}
