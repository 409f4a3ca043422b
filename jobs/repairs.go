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
	poll(ctx, w.Interval, time.Second, w.RunOnce, w.Log, "repair verification")
}
