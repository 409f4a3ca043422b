package jobs

import (
	"context"
	"errors"
	"log/slog"
	"parityrail/sources"
	"time"

	"parityrail/check"
	"parityrail/db"
)

// RecheckWorker drains the webhook re-check queue: each due customer is
// re-checked from freshly read Stripe and app state (the event payload is
// only the trigger). The queue is in SQLite, one row per customer, so a
// burst of events for one customer is one re-check and a restart loses
// nothing; a row is removed only if no new event arrived while it ran.
type RecheckWorker struct {
	DB     *db.DB
	Runner *check.Runner
	Log    *slog.Logger
	// Batch is how many queued customers one pass takes (default 200).
	Batch int
	// Interval is how often Run polls the queue (default 200 ms: a due
	// re-check starts within that of its debounce ending).
	Interval time.Duration
}

// retryAfter spaces out retries of a failing re-check: 30 s, 1, 2, 4 … up
// to 30 minutes.
func retryAfter(attempts int) time.Duration {
	d := 30 * time.Second
	for i := 0; i < attempts && d < 30*time.Minute; i++ {
		d *= 2
	}
	return min(d, 30*time.Minute)
}

// maxAttempts drops a re-check that keeps failing (a full check catches the
// customer anyway).
const maxAttempts = 12

// RunOnce re-checks every due customer, one check per project.
func (w RecheckWorker) RunOnce(ctx context.Context) error {
	batch := w.Batch
	if batch <= 0 {
		batch = 200
	}
	due, err := w.DB.DueRechecks(ctx, batch)
	if err != nil {
		return err
	}
	byProject := map[string][]db.QueuedRecheck{}
	var order []string
	for _, q := range due {
		if _, ok := byProject[q.ProjectID]; !ok {
			order = append(order, q.ProjectID)
		}
		byProject[q.ProjectID] = append(byProject[q.ProjectID], q)
	}
	for _, projectID := range order {
		if err := w.project(ctx, projectID, byProject[projectID]); err != nil {
			return err
		}
	}
	return nil
}

func (w RecheckWorker) project(ctx context.Context, projectID string, items []db.QueuedRecheck) error {
	ids := make([]string, len(items))
	for i, q := range items {
		ids[i] = q.CustomerID
	}
	res, err := w.Runner.Run(ctx, check.Request{ProjectID: projectID, Scope: check.ScopeCustomer, CustomerIDs: ids,
		Trigger: check.TriggerWebhook, Actor: "webhook"})
	now := w.DB.Now()
	var busy *db.BusyError
	var se *sources.SourceError
	switch {
	case errors.As(err, &busy):
		// Another check of the project is running: wait for it, without
		// counting an attempt.
		for _, q := range items {
			if err := w.DB.DeferRecheck(ctx, q, now.Add(10*time.Second)); err != nil {
				return err
			}
		}
		return nil
	case errors.Is(err, db.ErrNotFound):
		// The project is gone (its queue rows went with it).
		return nil
	case errors.As(err, &se):
		return w.retry(ctx, items, now, se.Message)
	case err != nil:
		return w.retry(ctx, items, now, err.Error())
	case res.Check.Status != "finished":
		return w.retry(ctx, items, now, res.Check.Error)
	}
	for _, q := range items {
		if err := w.DB.DoneRecheck(ctx, q); err != nil {
			return err
		}
	}
	w.Log.Info("webhook re-check done", "project", projectID, "customers", len(ids), "check", res.Check.ID,
		"opened", res.Check.Counts.Opened, "resolved", res.Check.Counts.Resolved)
	return nil
}

func (w RecheckWorker) retry(ctx context.Context, items []db.QueuedRecheck, now time.Time, why string) error {
	w.Log.Warn("webhook re-check failed; will retry", "project", items[0].ProjectID, "customers", len(items), "err", why)
	for _, q := range items {
		if q.Attempts+1 >= maxAttempts {
			w.Log.Error("webhook re-check dropped after repeated failures; the next full check covers the customer",
				"project", q.ProjectID, "customer", q.CustomerID, "err", why)
			if err := w.DB.DoneRecheck(ctx, q); err != nil {
				return err
			}
			continue
		}
		if err := w.DB.RetryRecheck(ctx, q, now.Add(retryAfter(q.Attempts)), why); err != nil {
			return err
		}
	}
	return nil
}

// Run polls the queue until ctx ends.
func (w RecheckWorker) Run(ctx context.Context) {
	poll(ctx, w.Interval, 200*time.Millisecond, w.RunOnce, w.Log, "webhook re-check queue")
}
