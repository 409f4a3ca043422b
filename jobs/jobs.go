// Package jobs runs ParityRail's background work on a UTC cron schedule.
// Each job is a plain RunOnce(ctx) that tests call directly; cron only decides
// when it runs.
package jobs

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"parityrail/db"
)

// Scheduler owns the cron runner.
type Scheduler struct {
	cron    *cron.Cron
	log     *slog.Logger
	running atomic.Bool
}

type slogCron struct{ log *slog.Logger }

func (l slogCron) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l slogCron) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}

// NewScheduler builds a scheduler in UTC. SkipIfStillRunning is outermost so
// a slow run is never overlapped by the next, then Recover so one panicking
// run does not take the process down.
func NewScheduler(log *slog.Logger) *Scheduler {
	l := slogCron{log}
	c := cron.New(cron.WithLocation(time.UTC), cron.WithChain(cron.SkipIfStillRunning(l), cron.Recover(l)), cron.WithLogger(l))
	return &Scheduler{cron: c, log: log}
}

// Add schedules job under a standard five-field cron spec.
func (s *Scheduler) Add(spec, name string, job func(ctx context.Context) error) error {
	_, err := s.cron.AddFunc(spec, func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		if err := job(ctx); err != nil {
			s.log.Error("job failed", "job", name, "err", err)
		}
	})
	return err
}

func (s *Scheduler) Start() {
	s.cron.Start()
	s.running.Store(true)
}

// Running says whether jobs are being scheduled (readiness).
func (s *Scheduler) Running() bool { return s.running.Load() }

// Stop stops scheduling and waits for running jobs, up to ctx.
func (s *Scheduler) Stop(ctx context.Context) {
	s.running.Store(false)
	done := s.cron.Stop().Done()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// Cleanup removes expired sessions, old sign-in failures and long-expired
// invites, and marks checks whose process died (stale heartbeat) failed.
type Cleanup struct {
	DB          *db.DB
	LoginWindow time.Duration
	Log         *slog.Logger
}

func (c Cleanup) RunOnce(ctx context.Context) error {
	n, err := c.DB.DeleteExpired(ctx, c.LoginWindow)
	if err != nil {
		return err
	}
	if n > 0 {
		c.Log.Info("cleanup removed expired rows", "rows", n)
	}
	if n, err := c.DB.FailInterruptedChecks(ctx); err != nil {
		return err
	} else if n > 0 {
		c.Log.Warn("checks whose process stopped were marked failed", "checks", n)
	}
	return nil
}

// poll runs runOnce every interval (fallback when unset) until ctx ends,
// logging a failure under what; a failure does not stop the polling.
func poll(ctx context.Context, every, fallback time.Duration, runOnce func(context.Context) error, log *slog.Logger, what string) {
	if every <= 0 {
		every = fallback
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := runOnce(ctx); err != nil && ctx.Err() == nil {
			log.Error(what, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
