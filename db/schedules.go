package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Schedule is one of a project's recurring checks.
type Schedule struct {
	ProjectID string
	Kind      string // full, recent, digest
	Spec      string // five-field cron spec, UTC
	Enabled   bool
	LastRunAt *time.Time
	UpdatedAt time.Time
}

// Default schedules: a daily full check at 03:00 UTC, an hourly recent
// check on the hour, and the weekly digest on Mondays at 08:00 UTC (sent
// only to channels that chose it), all on.
var DefaultSchedules = []Schedule{
	{Kind: "full", Spec: "0 3 * * *", Enabled: true},
	{Kind: "recent", Spec: "0 * * * *", Enabled: true},
	{Kind: "digest", Spec: "0 8 * * 1", Enabled: true},
}

// ScheduleDigest is the schedule kind of the weekly digest (not a check).
const ScheduleDigest = "digest"

// EachOnboardedProject calls fn with every onboarded project and its
// schedules, in project creation order: the walk of the scheduled jobs.
func (d *DB) EachOnboardedProject(ctx context.Context, fn func(p Project, schedules []Schedule) error) error {
	projects, err := d.ListProjects(ctx)
	if err != nil {
		return err
	}
	for _, p := range projects {
		if p.OnboardedAt == nil {
			continue
		}
		schedules, err := d.Schedules(ctx, p.ID)
		if err != nil {
			return err
		}
		if err := fn(p, schedules); err != nil {
			return err
		}
	}
	return nil
}

// Schedules returns a project's schedules, defaults for the ones not stored.
func (d *DB) Schedules(ctx context.Context, projectID string) ([]Schedule, error) {
	stored := map[string]Schedule{}
	err := eachRow(ctx, d.read, "schedules", func(row rowScanner) error {
		s := Schedule{ProjectID: projectID}
		var last sql.NullString
		var updated string
		if err := row.Scan(&s.Kind, &s.Spec, &s.Enabled, &last, &updated); err != nil {
			return err
		}
		s.LastRunAt, s.UpdatedAt = parseNullTime(last), parseTime(updated)
		stored[s.Kind] = s
		return nil
	}, `SELECT kind, spec, enabled, last_run_at, updated_at FROM schedules WHERE project_id = ?`, projectID)
	if err != nil {
		return nil, err
	}
	out := make([]Schedule, 0, len(DefaultSchedules))
	for _, def := range DefaultSchedules {
		s, ok := stored[def.Kind]
		if !ok {
			s = def
			s.ProjectID = projectID
		}
		out = append(out, s)
	}
	return out, nil
}

// SaveSchedule stores a project's schedule of one kind (spec already valid).
func (d *DB) SaveSchedule(ctx context.Context, s Schedule) error {
	_, err := d.write.ExecContext(ctx, `INSERT INTO schedules (project_id, kind, spec, enabled, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (project_id, kind) DO UPDATE SET spec = excluded.spec, enabled = excluded.enabled, updated_at = excluded.updated_at`,
		s.ProjectID, s.Kind, s.Spec, s.Enabled, formatTime(d.now()))
	if err != nil {
		return fmt.Errorf("save schedule: %w", err)
	}
	return nil
}

// MarkScheduleRun records when the scheduler last acted on a schedule.
func (d *DB) MarkScheduleRun(ctx context.Context, projectID, kind, spec string, enabled bool, at time.Time) error {
	_, err := d.write.ExecContext(ctx, `INSERT INTO schedules (project_id, kind, spec, enabled, last_run_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (project_id, kind) DO UPDATE SET last_run_at = excluded.last_run_at`,
		projectID, kind, spec, enabled, formatTime(at), formatTime(d.now()))
	if err != nil {
		return fmt.Errorf("mark schedule run: %w", err)
	}
	return nil
}
