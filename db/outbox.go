package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Outbox is one notification on its way to one channel.
type Outbox struct {
	ID             string // the delivery key
	ProjectID      string
	ChannelID      string
	Event          string
	Cause          string
	Payload        NotifyPayload
	Attempts       int
	FirstAttemptAt *time.Time
}

// ClaimNotifications takes up to limit due notifications for sending: each
// is marked sending with its attempt counted, in one transaction, so two
// workers never send the same one. A process killed mid-send leaves it
// sending; ResetSending puts it back at start (at-least-once toward the
// receiver, with the same delivery key).
func (d *DB) ClaimNotifications(ctx context.Context, limit int) ([]Outbox, error) {
	now := d.now()
	var out []Outbox
	err := d.inTx(ctx, "claim notifications", func(tx *sql.Tx) error {
		err := eachRow(ctx, tx, "claim notifications", func(row rowScanner) error {
			var o Outbox
			var payload string
			var first sql.NullString
			if err := row.Scan(&o.ID, &o.ProjectID, &o.ChannelID, &o.Event, &o.Cause, &payload, &o.Attempts, &first); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(payload), &o.Payload); err != nil {
				return fmt.Errorf("%s: %w", o.ID, err)
			}
			o.FirstAttemptAt = parseNullTime(first)
			if o.FirstAttemptAt == nil {
				t := now
				o.FirstAttemptAt = &t
			}
			o.Attempts++
			out = append(out, o)
			return nil
		}, `SELECT id, project_id, channel_id, event, cause, payload, attempts, first_attempt_at
			FROM notification_outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`,
			formatTime(now), limit)
		if err != nil {
			return err
		}
		for _, o := range out {
			if _, err := tx.ExecContext(ctx, `UPDATE notification_outbox SET status = 'sending', attempts = ?, first_attempt_at = ? WHERE id = ?`,
				o.Attempts, formatTime(*o.FirstAttemptAt), o.ID); err != nil {
				return fmt.Errorf("claim notifications: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ResetSending returns notifications left "sending" by a process that died
// to the queue (the start-up sweep).
func (d *DB) ResetSending(ctx context.Context) (int64, error) {
	res, err := d.write.ExecContext(ctx, `UPDATE notification_outbox SET status = 'pending' WHERE status = 'sending'`)
	if err != nil {
		return 0, fmt.Errorf("reset sending: %w", err)
	}
	return res.RowsAffected()
}

// Attempt is how one delivery try went.
type Attempt struct {
	Result string // delivered, retrying, failed
	Status int
	Answer string
	// Next is when to retry (Result retrying).
	Next time.Time
	// ChannelError, on failed, marks the channel failing with this.
	ChannelError string
}

// RecordAttempt stores a try in the delivery log and moves the
// notification on: delivered, back to the queue for Next, or failed.
func (d *DB) RecordAttempt(ctx context.Context, o Outbox, a Attempt) error {
	now := d.now()
	var q string
	var args []any
	switch a.Result {
	case "delivered":
		q, args = `UPDATE notification_outbox SET status = 'delivered', delivered_at = ? WHERE id = ?`, []any{formatTime(now), o.ID}
	case "retrying":
		q, args = `UPDATE notification_outbox SET status = 'pending', next_attempt_at = ? WHERE id = ?`, []any{formatTime(a.Next), o.ID}
	case "failed":
		q, args = `UPDATE notification_outbox SET status = 'failed' WHERE id = ?`, []any{o.ID}
	default:
		return fmt.Errorf("record attempt: result %q", a.Result)
	}
	return d.inTx(ctx, "record attempt", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("record attempt: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO notification_attempts (outbox_id, project_id, channel_id, event, at, attempt, result, status, answer)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, o.ID, o.ProjectID, o.ChannelID, o.Event, formatTime(now), o.Attempts, a.Result, a.Status,
			truncate(a.Answer, 1000)); err != nil {
			return fmt.Errorf("record attempt: %w", err)
		}
		var err error
		switch {
		case a.Result == "delivered":
			_, err = tx.ExecContext(ctx, `UPDATE notification_channels SET status = 'ok', last_error = '' WHERE id = ?`, o.ChannelID)
		case a.ChannelError != "":
			_, err = tx.ExecContext(ctx, `UPDATE notification_channels SET status = 'failing', last_error = ? WHERE id = ?`, a.ChannelError, o.ChannelID)
		}
		if err != nil {
			return fmt.Errorf("record attempt: %w", err)
		}
		return nil
	})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Delivery is one line of a project's delivery log.
type Delivery struct {
	At          time.Time `json:"at"`
	ChannelID   string    `json:"channel_id"`
	ChannelName string    `json:"channel_name"`
	ChannelKind string    `json:"channel_kind"`
	Event       string    `json:"event"`
	Result      string    `json:"result"`
	Attempt     int       `json:"attempt"`
	Status      int       `json:"status"`
	Answer      string    `json:"answer"`
	DeliveryKey string    `json:"delivery_key"`
}

// Deliveries is a project's delivery log, newest first (last 200).
func (d *DB) Deliveries(ctx context.Context, projectID string) ([]Delivery, error) {
	out := []Delivery{}
	err := eachRow(ctx, d.read, "deliveries", func(row rowScanner) error {
		var x Delivery
		var at string
		if err := row.Scan(&at, &x.ChannelID, &x.ChannelName, &x.ChannelKind, &x.Event, &x.Result, &x.Attempt, &x.Status, &x.Answer, &x.DeliveryKey); err != nil {
			return err
		}
		x.At = parseTime(at)
		out = append(out, x)
		return nil
	}, `SELECT a.at, a.channel_id, COALESCE(c.name, '(deleted)'), COALESCE(c.kind, ''), a.event,
		a.result, a.attempt, a.status, a.answer, a.outbox_id
		FROM notification_attempts a LEFT JOIN notification_channels c ON c.id = a.channel_id
		WHERE a.project_id = ? ORDER BY a.seq DESC LIMIT 200`, projectID)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ChannelByID loads a channel by id alone (the worker).
func (d *DB) ChannelByID(ctx context.Context, id string) (Channel, error) {
	return queryOne(ctx, d.read, "channel", scanChannel, `SELECT `+channelColumns+` FROM notification_channels WHERE id = ?`, id)
}
