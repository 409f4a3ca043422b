// Package notifier delivers ParityRail's notifications: it takes what the
// outbox holds (db/notifications.go writes it with its cause), renders it
// for the channel (package notification) and sends it, retrying with backoff
// and marking a channel failing when its receiver refuses for good. It also
// builds the weekly digest. A failing channel never slows or fails a check:
// checks only write outbox rows.
package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"parityrail/db"
	"parityrail/notification"
)

// Notifier sends notifications. One is shared by the worker (jobs) and the
// server ("Send test", the digest).
type Notifier struct {
	DB    *db.DB
	Vault interface{ Open(string) (string, error) }
	// BaseURL starts every link (PARITYRAIL_BASE_URL, or the listen address).
	BaseURL string
	// EnvSMTP, when set, is PARITYRAIL_SMTP_URL: it wins over the stored
	// settings.
	EnvSMTP *notification.SMTPConfig
	HTTP    notification.HTTPSender
	Log     *slog.Logger
	// Now is the clock (tests move it).
	Now func() time.Time
	// OnDelivery, when set, counts each attempt (metrics).
	OnDelivery func(kind, result string)
}

func (n *Notifier) now() time.Time {
	if n.Now != nil {
		return n.Now().UTC()
	}
	return time.Now().UTC()
}

func (n *Notifier) log() *slog.Logger {
	if n.Log != nil {
		return n.Log
	}
	return slog.Default()
}

// ErrNoSMTP: an email channel with no mail server configured.
var ErrNoSMTP = errors.New("no mail server is set up: an admin sets one in Settings → Email (or PARITYRAIL_SMTP_URL)")

// SMTP is the mail server in force and where it comes from ("environment",
// "settings"); ErrNoSMTP when none.
func (n *Notifier) SMTP(ctx context.Context) (notification.SMTPConfig, string, error) {
	if n.EnvSMTP != nil {
		return *n.EnvSMTP, "environment", nil
	}
	s, err := n.DB.GetSMTP(ctx)
	if errors.Is(err, db.ErrNotFound) {
		return notification.SMTPConfig{}, "", ErrNoSMTP
	}
	if err != nil {
		return notification.SMTPConfig{}, "", err
	}
	c := notification.SMTPConfig{Host: s.Host, Port: s.Port, Username: s.Username, From: s.From, TLS: s.TLS}
	if s.SealedPassword != "" {
		if c.Password, err = n.Vault.Open(s.SealedPassword); err != nil {
			return c, "", fmt.Errorf("the stored SMTP password cannot be read (was the credentials key changed?): %w", err)
		}
	}
	return c, "settings", nil
}

// Message turns an outbox payload into a message with absolute links.
func (n *Notifier) Message(p db.NotifyPayload) notification.Message {
	base := strings.TrimRight(n.BaseURL, "/")
	m := notification.Message{Event: p.Event, ProjectID: p.ProjectID, ProjectName: p.ProjectName,
		ProjectURL: base + "/projects/" + p.ProjectID, IncidentsURL: base + "/projects/" + p.ProjectID + "/incidents?status=active",
		Total: p.Total, CheckID: p.CheckID, CheckError: p.CheckError, At: n.now()}
	for _, i := range p.Incidents {
		m.Incidents = append(m.Incidents, notification.Incident{ID: i.ID, Kind: i.Kind, Severity: i.Severity, CustomerID: i.CustomerID,
			Subject: i.Subject, Summary: i.Summary, URL: base + "/incidents/" + i.ID})
	}
	if len(p.Digest) > 0 {
		var d notification.Digest
		if err := json.Unmarshal(p.Digest, &d); err == nil {
			if d.Oldest != nil {
				d.Oldest.URL = base + "/incidents/" + d.Oldest.ID
			}
			m.Digest = &d
		}
	}
	return m
}

// Send renders and sends one message to one channel now.
func (n *Notifier) Send(ctx context.Context, ch db.Channel, deliveryKey string, m notification.Message) notification.Result {
	target, err := n.Vault.Open(ch.SealedTarget)
	if err != nil {
		return notification.Result{Body: "The channel's stored address cannot be read (was the credentials key changed?); edit the channel."}
	}
	switch ch.Kind {
	case "slack":
		payload, err := notification.SlackPayload(m)
		if err != nil {
			return notification.Result{Body: err.Error()}
		}
		return n.HTTP.Slack(ctx, target, payload)
	case "webhook":
		secret, err := n.Vault.Open(ch.SealedSecret)
		if err != nil {
			return notification.Result{Body: "The channel's signing secret cannot be read; rotate it."}
		}
		body, err := notification.WebhookBody(m, deliveryKey)
		if err != nil {
			return notification.Result{Body: err.Error()}
		}
		return n.HTTP.Webhook(ctx, target, secret, deliveryKey, body, n.now())
	case "email":
		var to []string
		if err := json.Unmarshal([]byte(target), &to); err != nil {
			return notification.Result{Body: "The channel's recipients cannot be read; edit the channel."}
		}
		cfg, _, err := n.SMTP(ctx)
		if err != nil {
			return notification.Result{Body: err.Error(), Hint: err.Error()}
		}
		subject, text, html := notification.EmailContent(m)
		return notification.SendEmail(ctx, cfg, to, subject, text, html, deliveryKey)
	}
	return notification.Result{Body: "unknown channel kind " + ch.Kind}
}

// RunOnce sends every due notification once.
func (n *Notifier) RunOnce(ctx context.Context) error {
	due, err := n.DB.ClaimNotifications(ctx, 20)
	if err != nil {
		return err
	}
	for _, o := range due {
		if err := n.deliver(ctx, o); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			n.log().Error("notification not recorded", "notification", o.ID, "err", err)
		}
	}
	return nil
}

func (n *Notifier) deliver(ctx context.Context, o db.Outbox) error {
	ch, err := n.DB.ChannelByID(ctx, o.ChannelID)
	if errors.Is(err, db.ErrNotFound) {
		return nil // deleted meanwhile: its outbox rows went with it
	}
	if err != nil {
		return err
	}
	res := n.Send(ctx, ch, o.ID, n.Message(o.Payload))
	a := db.Attempt{Status: res.Status, Answer: res.Body}
	switch {
	case res.Delivered:
		a.Result = "delivered"
	case res.Retry:
		next, ok := notification.NextAttempt(*o.FirstAttemptAt, o.Attempts, n.now(), res.RetryAfter)
		a.Result, a.Next = "retrying", next
		if !ok {
			a.Result = "failed"
			a.ChannelError = "Gave up after 3 days of failed deliveries; the last answer: " + answerOf(res)
		}
	default:
		a.Result, a.ChannelError = "failed", answerOf(res)
	}
	// Recorded even if the worker is stopping: the send happened.
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if n.OnDelivery != nil {
		n.OnDelivery(ch.Kind, a.Result)
	}
	n.log().Info("notification attempt", "notification", o.ID, "channel", ch.ID, "kind", ch.Kind, "event", o.Event,
		"attempt", o.Attempts, "result", a.Result, "status", res.Status)
	return n.DB.RecordAttempt(rec, o, a)
}

// answerOf is what a person reads about a refused delivery: the hint when
// there is one, else the receiver's answer.
func answerOf(r notification.Result) string {
	if r.Hint != "" {
		return r.Hint
	}
	if r.Status != 0 {
		return fmt.Sprintf("The receiver answered %d: %s", r.Status, r.Body)
	}
	return r.Body
}

// Run polls the outbox until ctx ends.
func (n *Notifier) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = 2 * time.Second
	}
	if k, err := n.DB.ResetSending(ctx); err != nil {
		n.log().Error("notifications: reset", "err", err)
	} else if k > 0 {
		n.log().Info("notifications interrupted by a stop go out again", "count", k)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := n.RunOnce(ctx); err != nil && ctx.Err() == nil {
			n.log().Error("notifications", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
