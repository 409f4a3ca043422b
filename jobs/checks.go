package jobs

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"parityrail/check"
	"parityrail/db"
)

// ScheduledChecks starts each onboarded project's due checks: the daily full
// check and the hourly recent check by default, each editable per project
// (five-field cron specs in UTC, stored in the schedules table). Cron runs
// RunOnce every minute; a schedule is due when its next time after the last
// run has come. A check still running for the project makes the due one
// skip (the per-project SkipIfStillRunning); a run missed while the app was
// down happens once, not once per missed slot.
type ScheduledChecks struct {
	DB     *db.DB
	Runner *check.Runner
	Log    *slog.Logger
	// Now is the clock (tests move it).
	Now func() time.Time
}

// ScheduledChecksSpec is how often cron asks RunOnce.
const ScheduledChecksSpec = "* * * * *"

func (j ScheduledChecks) now() time.Time {
	if j.Now != nil {
		return j.Now().UTC()
	}
	return time.Now().UTC()
}

// RunOnce starts the checks that are due now and returns once they started
// (they run in the runner's background).
func (j ScheduledChecks) RunOnce(ctx context.Context) error {
	now := j.now()
	return j.DB.EachOnboardedProject(ctx, func(p db.Project, schedules []db.Schedule) error {
		started := false
		for _, s := range schedules { // full first: it covers the recent check due at the same minute
			if !s.Enabled || s.Kind == db.ScheduleDigest { // the digest is Digests' job
				continue
			}
			spec, err := cron.ParseStandard(s.Spec)
			if err != nil {
				j.Log.Error("schedule unreadable", "project", p.ID, "schedule", s.Kind, "spec", s.Spec, "err", err)
				continue
			}
			if s.LastRunAt == nil {
				// First sight: the clock starts now; the first check is the
				// one "Finish" starts.
				if err := j.DB.MarkScheduleRun(ctx, p.ID, s.Kind, s.Spec, s.Enabled, now); err != nil {
					return err
				}
				continue
			}
			if spec.Next(*s.LastRunAt).After(now) {
				continue
			}
			if err := j.DB.MarkScheduleRun(ctx, p.ID, s.Kind, s.Spec, s.Enabled, now); err != nil {
				return err
			}
			if started {
				j.Log.Info("scheduled check skipped: the project's other scheduled check just started", "project", p.ID, "schedule", s.Kind)
				continue
			}
			c, err := j.Runner.Start(ctx, check.Request{ProjectID: p.ID, Scope: s.Kind, Trigger: check.TriggerSchedule, Actor: "schedule"})
			var busy *db.BusyError
			switch {
			case errors.As(err, &busy):
				j.Log.Info("scheduled check skipped: a check is still running", "project", p.ID, "schedule", s.Kind, "running", busy.Running.ID)
			case err != nil:
				j.Log.Warn("scheduled check could not start", "project", p.ID, "schedule", s.Kind, "err", err)
			default:
				started = true
				j.Log.Info("scheduled check started", "project", p.ID, "schedule", s.Kind, "check", c.ID)
			}
		}
		return nil
	})
}
