package notifier

import (
	"context"
	"encoding/json"

	"github.com/robfig/cron/v3"

	"parityrail/db"
	"parityrail/notification"
)

// DigestPayload is the weekly digest of a project for the week up to now.
func (n *Notifier) DigestPayload(ctx context.Context, p db.Project) (db.NotifyPayload, error) {
	to := n.now()
	from := to.AddDate(0, 0, -7)
	st, err := n.DB.Digest(ctx, p.ID, from, to)
	if err != nil {
		return db.NotifyPayload{}, err
	}
	d := notification.Digest{WeekStart: from, WeekEnd: to, OpenBySeverity: st.OpenBySeverity, OpenByKind: st.OpenByKind,
		Opened: st.Opened, Resolved: st.Resolved, Ignored: st.Ignored, RepairsApproved: st.RepairsApproved,
		RepairsVerified: st.RepairsVerified, ChecksRun: st.ChecksRun, ChecksFailed: st.ChecksFailed,
		WebhookDeliveries: st.WebhookEvents, SignatureFailures: st.SignatureFailures}
	stakes, err := n.DB.StakeTotals(ctx, p.ID)
	if err != nil {
		return db.NotifyPayload{}, err
	}
	for _, s := range stakes {
		d.AtStake = append(d.AtStake, notification.Stake{Currency: s.Currency, Kind: s.Kind, MonthlyMinor: s.MonthlyMinor})
	}
	if o := st.Oldest; o != nil {
		subject := o.SubjectEmail
		if subject == "" {
			subject = o.SubjectID
		}
		d.Oldest = &notification.Incident{ID: o.ID, Kind: o.Kind, Severity: o.Severity, CustomerID: o.CustomerID, Subject: subject, Summary: o.Summary}
		since := o.FirstSeenAt
		d.OldestSince = &since
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return db.NotifyPayload{}, err
	}
	return db.NotifyPayload{Event: db.EventDigest, ProjectID: p.ID, ProjectName: p.Name, Digest: raw}, nil
}

// Preview is the digest as the email will read.
func (n *Notifier) Preview(ctx context.Context, p db.Project) (subject, text, html string, err error) {
	payload, err := n.DigestPayload(ctx, p)
	if err != nil {
		return "", "", "", err
	}
	subject, text, html = notification.EmailContent(n.Message(payload))
	return subject, text, html, nil
}

// QueueDigest queues the project's digest for every channel that chose it;
// cause makes a second call for the same week a no-op. It returns how many
// channels it queued for.
func (n *Notifier) QueueDigest(ctx context.Context, p db.Project, cause string) (int, error) {
	channels, err := n.DB.ListChannels(ctx, p.ID)
	if err != nil {
		return 0, err
	}
	var payload *db.NotifyPayload
	queued := 0
	for _, ch := range channels {
		if !ch.Events.Digest {
			continue
		}
		if payload == nil {
			pl, err := n.DigestPayload(ctx, p)
			if err != nil {
				return queued, err
			}
			payload = &pl
		}
		if err := n.DB.EnqueueNotification(ctx, ch, cause, *payload); err != nil {
			return queued, err
		}
		queued++
	}
	return queued, nil
}

// Digests queues each live project's weekly digest when its digest schedule
// is due (cron asks every minute; a digest missed while the app was down
// goes out once).
type Digests struct{ Notifier *Notifier }

func (j Digests) RunOnce(ctx context.Context) error {
	n := j.Notifier
	now := n.now()
	return n.DB.EachOnboardedProject(ctx, func(p db.Project, schedules []db.Schedule) error {
		for _, s := range schedules {
			if s.Kind != db.ScheduleDigest || !s.Enabled {
				continue
			}
			spec, err := cron.ParseStandard(s.Spec)
			if err != nil {
				n.log().Error("digest schedule unreadable", "project", p.ID, "spec", s.Spec, "err", err)
				continue
			}
			if s.LastRunAt != nil && spec.Next(*s.LastRunAt).After(now) {
				continue
			}
			if err := n.DB.MarkScheduleRun(ctx, p.ID, s.Kind, s.Spec, s.Enabled, now); err != nil {
				return err
			}
			if s.LastRunAt == nil {
				continue // first sight: the clock starts now
			}
			k, err := n.QueueDigest(ctx, p, "digest:"+now.Format("2006-01-02T15:04"))
			if err != nil {
				return err
			}
			n.log().Info("weekly digest queued", "project", p.ID, "channels", k)
		}
		return nil
	})
}
