package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Notification events (the outbox's event column).
const (
	EventIncidents      = "incidents"
	EventCheckFailing   = "check_failing"
	EventCheckRecovered = "check_recovered"
	EventDigest         = "digest"
	EventTest           = "test"
)

// ChannelEvents are what a channel is sent.
type ChannelEvents struct {
	// Incidents: the severities of new incidents that notify (none: off).
	Incidents    []string `json:"incidents"`
	CheckFailing bool     `json:"check_failing"`
	Digest       bool     `json:"digest"`
}

// Channel is a project's notification channel; its target and secret stay
// sealed.
type Channel struct {
	ID           string
	ProjectID    string
	Kind         string // slack, email, webhook
	Name         string
	SealedTarget string
	Label        string
	SealedSecret string
	Events       ChannelEvents
	Status       string // ok, failing
	LastError    string
	CreatedBy    string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

const channelColumns = `id, project_id, kind, name, sealed_target, label, sealed_secret, events, status, last_error, created_by, created_at, updated_at`

func scanChannel(row interface{ Scan(...any) error }) (Channel, error) {
	var c Channel
	var events, created, updated string
	err := row.Scan(&c.ID, &c.ProjectID, &c.Kind, &c.Name, &c.SealedTarget, &c.Label, &c.SealedSecret, &events, &c.Status,
		&c.LastError, &c.CreatedBy, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, err
	}
	c.CreatedAt, c.UpdatedAt = parseTime(created), parseTime(updated)
	return c, json.Unmarshal([]byte(events), &c.Events)
}

// CreateChannel stores a new channel.
func (d *DB) CreateChannel(ctx context.Context, c Channel) (Channel, error) {
	ev, err := json.Marshal(c.Events)
	if err != nil {
		return c, err
	}
	c.ID, c.Status, c.CreatedAt = newID("chn_"), "ok", d.now()
	c.UpdatedAt = c.CreatedAt
	_, err = d.write.ExecContext(ctx, `INSERT INTO notification_channels (`+channelColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.ProjectID, c.Kind, c.Name, c.SealedTarget, c.Label, c.SealedSecret, string(ev), c.Status, "", c.CreatedBy,
		formatTime(c.CreatedAt), formatTime(c.UpdatedAt))
	if err != nil {
		return c, fmt.Errorf("create channel: %w", err)
	}
	return c, nil
}

// UpdateChannel stores a channel's name, target, secret and events; a new
// target clears the failing state (the person fixed what was wrong).
func (d *DB) UpdateChannel(ctx context.Context, c Channel, targetChanged bool) (Channel, error) {
	ev, err := json.Marshal(c.Events)
	if err != nil {
		return c, err
	}
	q := `UPDATE notification_channels SET name = ?, sealed_target = ?, label = ?, sealed_secret = ?, events = ?, updated_at = ?`
	if targetChanged {
		q += `, status = 'ok', last_error = ''`
	}
	if err := d.execOne(ctx, "update channel", q+` WHERE id = ? AND project_id = ?`, c.Name, c.SealedTarget, c.Label, c.SealedSecret,
		string(ev), formatTime(d.now()), c.ID, c.ProjectID); err != nil {
		return c, err
	}
	return d.GetChannel(ctx, c.ProjectID, c.ID)
}

// GetChannel returns one channel of the project.
func (d *DB) GetChannel(ctx context.Context, projectID, id string) (Channel, error) {
	return scanChannel(d.read.QueryRowContext(ctx, `SELECT `+channelColumns+` FROM notification_channels WHERE id = ? AND project_id = ?`, id, projectID))
}

// ListChannels returns a project's channels, oldest first.
func (d *DB) ListChannels(ctx context.Context, projectID string) ([]Channel, error) {
	return queryChannels(ctx, d.read, `WHERE project_id = ? ORDER BY created_at, id`, projectID)
}

func queryChannels(ctx context.Context, q queryer, where string, args ...any) ([]Channel, error) {
	return queryAll(ctx, q, "channels", scanChannel, `SELECT `+channelColumns+` FROM notification_channels `+where, args...)
}

// DeleteChannel deletes a channel with its pending notifications.
func (d *DB) DeleteChannel(ctx context.Context, projectID, id string) error {
	return d.execOne(ctx, "delete channel", `DELETE FROM notification_channels WHERE id = ? AND project_id = ?`, id, projectID)
}

// SetChannelStatus marks a channel ok or failing with the receiver's answer.
func (d *DB) SetChannelStatus(ctx context.Context, id, status, lastError string) error {
	_, err := d.write.ExecContext(ctx, `UPDATE notification_channels SET status = ?, last_error = ? WHERE id = ?`, status, lastError, id)
	if err != nil {
		return fmt.Errorf("channel status: %w", err)
	}
	return nil
}

// NotifyIncident is one incident in a notification.
type NotifyIncident struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"`
	Severity   string `json:"severity"`
	CustomerID string `json:"customer_id"`
	Subject    string `json:"subject"`
	Summary    string `json:"summary"`
}

// NotifyPayload is what the outbox keeps of a notification: the worker
// renders it for its channel (links are made at send time).
type NotifyPayload struct {
	Event       string           `json:"event"`
	ProjectID   string           `json:"project_id"`
	ProjectName string           `json:"project_name"`
	Incidents   []NotifyIncident `json:"incidents,omitempty"`
	Total       int              `json:"total,omitempty"`
	CheckID     string           `json:"check_id,omitempty"`
	CheckError  string           `json:"check_error,omitempty"`
	Digest      json.RawMessage  `json:"digest,omitempty"`
}

// maxNotifyIncidents bounds the incidents an outbox row carries (messages
// show ten; the rest is "and N more").
const maxNotifyIncidents = 50

// webhookBatch is how long a webhook re-check's notification waits for the
// next ones, so a burst of events sends one message.
const webhookBatch = 60 * time.Second

// enqueueCheck writes the notifications a finished check causes, in its
// finishing transaction: new and re-opened incidents to the channels that
// want their severity, and a failing or recovered streak of scheduled
// checks. Dry runs and projects not yet live notify nothing.
func enqueueCheck(ctx context.Context, tx *sql.Tx, c Check, status, errMsg string, now time.Time) error {
	if c.DryRun {
		return nil
	}
	var name string
	var onboarded sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT name, onboarded_at FROM projects WHERE id = ?`, c.ProjectID).Scan(&name, &onboarded); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	if !onboarded.Valid {
		return nil
	}
	channels, err := queryChannels(ctx, tx, `WHERE project_id = ?`, c.ProjectID)
	if err != nil || len(channels) == 0 {
		return err
	}
	if c.Trigger == "schedule" {
		if err := enqueueHealth(ctx, tx, c, name, status, errMsg, channels, now); err != nil {
			return err
		}
	}
	if status != "finished" {
		return nil
	}
	incidents, err := newIncidents(ctx, tx, c.ID)
	if err != nil || len(incidents) == 0 {
		return err
	}
	for _, ch := range channels {
		var mine []NotifyIncident
		for _, i := range incidents {
			if slices.Contains(ch.Events.Incidents, i.Severity) {
				mine = append(mine, i)
			}
		}
		if len(mine) == 0 {
			continue
		}
		p := NotifyPayload{Event: EventIncidents, ProjectID: c.ProjectID, ProjectName: name, CheckID: c.ID}
		if c.Trigger == "webhook" {
			if merged, err := mergeBatch(ctx, tx, ch.ID, mine, now); err != nil || merged {
				return err
			}
			p.Incidents, p.Total = capIncidents(mine), len(mine)
			if err := enqueue(ctx, tx, ch, "webhook:"+c.ID, p, now, now.Add(webhookBatch)); err != nil {
				return err
			}
			continue
		}
		p.Incidents, p.Total = capIncidents(mine), len(mine)
		if err := enqueue(ctx, tx, ch, "check:"+c.ID, p, now, now); err != nil {
			return err
		}
	}
	return nil
}

func capIncidents(in []NotifyIncident) []NotifyIncident {
	if len(in) > maxNotifyIncidents {
		return in[:maxNotifyIncidents]
	}
	return in
}

// newIncidents are the incidents a check opened or re-opened, most severe
// first.
func newIncidents(ctx context.Context, tx *sql.Tx, checkID string) ([]NotifyIncident, error) {
	scan := func(row rowScanner) (NotifyIncident, error) {
		var i NotifyIncident
		err := row.Scan(&i.ID, &i.Kind, &i.Severity, &i.CustomerID, &i.Subject, &i.Summary)
		return i, err
	}
	return queryAll(ctx, tx, "notify: new incidents", scan, `SELECT i.id, i.kind, i.severity, i.customer_id,
		CASE WHEN i.subject_email <> '' THEN i.subject_email ELSE i.subject_id END, i.summary
		FROM ledger l JOIN incidents i ON i.id = l.incident_id
		WHERE l.check_id = ? AND (l.kind = 'incident_opened' OR (l.kind = 'incident_updated' AND json_extract(l.detail, '$.reopened') IS NOT NULL))
		GROUP BY i.id ORDER BY i.severity_rank DESC, i.seq`, checkID)
}

// mergeBatch adds incidents to the channel's webhook batch still waiting to
// go out; false when there is none.
func mergeBatch(ctx context.Context, tx *sql.Tx, channelID string, add []NotifyIncident, now time.Time) (bool, error) {
	var id, raw string
	err := tx.QueryRowContext(ctx, `SELECT id, payload FROM notification_outbox WHERE channel_id = ? AND status = 'pending'
		AND attempts = 0 AND cause LIKE 'webhook:%' AND next_attempt_at > ? ORDER BY created_at DESC LIMIT 1`,
		channelID, formatTime(now)).Scan(&id, &raw)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("notify: batch: %w", err)
	}
	var p NotifyPayload
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return false, fmt.Errorf("notify: batch: %w", err)
	}
	seen := map[string]bool{}
	for _, i := range p.Incidents {
		seen[i.ID] = true
	}
	for _, i := range add {
		if !seen[i.ID] {
			p.Total++
			if len(p.Incidents) < maxNotifyIncidents {
				p.Incidents = append(p.Incidents, i)
			}
		}
	}
	b, err := json.Marshal(p)
	if err != nil {
		return false, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE notification_outbox SET payload = ? WHERE id = ?`, string(b), id)
	return err == nil, err
}

// enqueueHealth announces the second scheduled check failing in a row, and
// the first that finishes after that.
func enqueueHealth(ctx context.Context, tx *sql.Tx, c Check, name, status, errMsg string, channels []Channel, now time.Time) error {
	var failed, alerted int
	err := tx.QueryRowContext(ctx, `SELECT failed_in_row, alerted FROM check_health WHERE project_id = ?`, c.ProjectID).Scan(&failed, &alerted)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("notify: check health: %w", err)
	}
	event := ""
	if status == "finished" {
		if alerted == 1 {
			event = EventCheckRecovered
		}
		failed, alerted = 0, 0
	} else {
		failed++
		if failed == 2 && alerted == 0 {
			event, alerted = EventCheckFailing, 1
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO check_health (project_id, failed_in_row, alerted) VALUES (?, ?, ?)
		ON CONFLICT (project_id) DO UPDATE SET failed_in_row = excluded.failed_in_row, alerted = excluded.alerted`,
		c.ProjectID, failed, alerted); err != nil {
		return fmt.Errorf("notify: check health: %w", err)
	}
	if event == "" {
		return nil
	}
	for _, ch := range channels {
		if !ch.Events.CheckFailing {
			continue
		}
		p := NotifyPayload{Event: event, ProjectID: c.ProjectID, ProjectName: name, CheckID: c.ID, CheckError: errMsg}
		if err := enqueue(ctx, tx, ch, event+":"+c.ID, p, now, now); err != nil {
			return err
		}
	}
	return nil
}

// enqueue writes one outbox row; the same channel and cause twice is one row.
func enqueue(ctx context.Context, tx *sql.Tx, ch Channel, cause string, p NotifyPayload, now, due time.Time) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO notification_outbox (id, project_id, channel_id, event, cause, payload, next_attempt_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel_id, cause) DO NOTHING`,
		newID("ntf_"), ch.ProjectID, ch.ID, p.Event, cause, string(b), formatTime(due), formatTime(now))
	if err != nil {
		return fmt.Errorf("notify: enqueue: %w", err)
	}
	return nil
}

// EnqueueNotification writes one notification for a channel now (digests
// and tests); cause makes it idempotent.
func (d *DB) EnqueueNotification(ctx context.Context, ch Channel, cause string, p NotifyPayload) error {
	return d.inTx(ctx, "notify: enqueue", func(tx *sql.Tx) error {
		now := d.now()
		return enqueue(ctx, tx, ch, cause, p, now, now)
	})
}
