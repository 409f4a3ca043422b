package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SMTP is the workspace's mail server (the password sealed).
type SMTP struct {
	Host           string
	Port           int
	Username       string
	SealedPassword string
	From           string
	TLS            string // starttls, tls, none
	UpdatedBy      string
	UpdatedAt      time.Time
}

// GetSMTP returns the stored SMTP settings (ErrNotFound when none).
func (d *DB) GetSMTP(ctx context.Context) (SMTP, error) {
	var s SMTP
	var at string
	err := d.read.QueryRowContext(ctx, `SELECT host, port, username, sealed_password, from_address, tls, updated_by, updated_at
		FROM smtp_settings WHERE id = 1`).Scan(&s.Host, &s.Port, &s.Username, &s.SealedPassword, &s.From, &s.TLS, &s.UpdatedBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return s, ErrNotFound
	}
	if err != nil {
		return s, fmt.Errorf("smtp settings: %w", err)
	}
	s.UpdatedAt = parseTime(at)
	return s, nil
}

// SaveSMTP stores the SMTP settings.
func (d *DB) SaveSMTP(ctx context.Context, s SMTP) error {
	_, err := d.write.ExecContext(ctx, `INSERT INTO smtp_settings (id, host, port, username, sealed_password, from_address, tls, updated_by, updated_at)
		VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET host = excluded.host, port = excluded.port,
		username = excluded.username, sealed_password = excluded.sealed_password, from_address = excluded.from_address,
		tls = excluded.tls, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		s.Host, s.Port, s.Username, s.SealedPassword, s.From, s.TLS, s.UpdatedBy, formatTime(d.now()))
	if err != nil {
		return fmt.Errorf("save smtp settings: %w", err)
	}
	return nil
}

// DigestStats is a project's week, as the weekly digest tells it.
type DigestStats struct {
	From, To          time.Time
	OpenBySeverity    map[string]int
	OpenByKind        map[string]int
	Opened            int
	Resolved          int
	Ignored           int
	RepairsApproved   int
	RepairsVerified   int
	ChecksRun         int
	ChecksFailed      int
	WebhookEvents     int
	SignatureFailures int
	Oldest            *Incident
}

// Digest reads the project's state now and its activity in [from, to).
func (d *DB) Digest(ctx context.Context, projectID string, from, to time.Time) (DigestStats, error) {
	st := DigestStats{From: from, To: to, OpenBySeverity: map[string]int{}, OpenByKind: map[string]int{}}
	err := eachRow(ctx, d.read, "digest", func(row rowScanner) error {
		var sev, kind string
		var n int
		if err := row.Scan(&sev, &kind, &n); err != nil {
			return err
		}
		st.OpenBySeverity[sev] += n
		st.OpenByKind[kind] += n
		return nil
	}, `SELECT severity, kind, count(*) FROM incidents WHERE project_id = ? AND status NOT IN (?, ?)
		GROUP BY severity, kind`, projectID, IncidentResolved, IncidentIgnored)
	if err != nil {
		return st, err
	}
	f, t := formatTime(from), formatTime(to)
	for _, c := range []struct {
		dst  *int
		q    string
		args []any
	}{
		{&st.Opened, `SELECT count(*) FROM ledger WHERE project_id = ? AND kind = 'incident_opened' AND at >= ? AND at < ?`, nil},
		{&st.Resolved, `SELECT count(*) FROM ledger WHERE project_id = ? AND kind = 'incident_resolved' AND at >= ? AND at < ?`, nil},
		{&st.Ignored, `SELECT count(*) FROM ledger WHERE project_id = ? AND kind = 'incident_ignored' AND at >= ? AND at < ?`, nil},
		{&st.RepairsApproved, `SELECT count(*) FROM ledger WHERE project_id = ? AND kind = 'repair_approved' AND at >= ? AND at < ?`, nil},
		{&st.RepairsVerified, `SELECT count(*) FROM repairs WHERE project_id = ? AND verification = 'held' AND verified_at >= ? AND verified_at < ?`, nil},
		{&st.ChecksRun, `SELECT count(*) FROM checks WHERE project_id = ? AND dry_run = 0 AND started_at >= ? AND started_at < ?`, nil},
		{&st.ChecksFailed, `SELECT count(*) FROM checks WHERE project_id = ? AND dry_run = 0 AND status = 'failed' AND started_at >= ? AND started_at < ?`, nil},
		{&st.WebhookEvents, `SELECT count(*) FROM webhook_events WHERE project_id = ? AND received_at >= ? AND received_at < ?`, nil},
		{&st.SignatureFailures, `SELECT count(*) FROM webhook_signature_failures WHERE project_id = ? AND at >= ? AND at < ?`, nil},
	} {
		if err := d.read.QueryRowContext(ctx, c.q, projectID, f, t).Scan(c.dst); err != nil {
			return st, fmt.Errorf("digest: %w", err)
		}
	}
	oldest, err := scanIncident(d.read.QueryRowContext(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE project_id = ?
		AND status NOT IN (?, ?) ORDER BY first_seen_at, seq LIMIT 1`, projectID, IncidentResolved, IncidentIgnored))
	switch {
	case err == nil:
		st.Oldest = &oldest
	case !errors.Is(err, ErrNotFound):
		return st, fmt.Errorf("digest: %w", err)
	}
	return st, nil
}
