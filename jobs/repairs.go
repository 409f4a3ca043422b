package jobs

import (
	"context"
	"log/slog"
	"time"

	"parityrail/repair"
)

// RepairVerifier re-checks applied repairs on their schedule until the
// promise holds or the tries run out. The schedule lives in SQLite (the
// repairs table), so a repair applied before a restart is verified after it.
type RepairVerifier struct {
	Repairs *repair.Service
	Log     *slog.Logger
	// Interval is how often Run looks for due verifications (default 1 s).
	Interval time.Duration
}

// RunOnce runs every due verification.
func (w RepairVerifier) RunOnce(ctx context.Context) error { return w.Repairs.VerifyDue(ctx) }

// Run polls until ctx ends.
func (w RepairVerifier) Run(ctx context.Context) {
	every := w.Interval
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
			w.Log.Error("repair verification", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
