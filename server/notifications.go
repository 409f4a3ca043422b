package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"parityrail/db"
	"parityrail/notification"
)

// channelView is a notification channel as the API shows it: its address
// only as a masked label. Secret (webhook channels) appears once, in the
// create answer and when rotated.
type channelView struct {
	ID        string           `json:"id"`
	Kind      string           `json:"kind"`
	Name      string           `json:"name"`
	Label     string           `json:"label"`
	Events    db.ChannelEvents `json:"events"`
	Status    string           `json:"status"`
	LastError string           `json:"last_error,omitempty"`
	CreatedAt time.Time        `json:"created_at"`
	Secret    string           `json:"secret,omitempty"`
}

func viewChannel(c db.Channel) channelView {
	ev := c.Events
	if ev.Incidents == nil {
		ev.Incidents = []string{}
	}
	return channelView{ID: c.ID, Kind: c.Kind, Name: c.Name, Label: c.Label, Events: ev, Status: c.Status, LastError: c.LastError,
		CreatedAt: c.CreatedAt}
}

type channelRequest struct {
	Kind         string            `json:"kind"`
	Name         *string           `json:"name"`
	URL          *string           `json:"url"`
	Recipients   []string          `json:"recipients"`
	Events       *db.ChannelEvents `json:"events"`
	RotateSecret bool              `json:"rotate_secret"`
}

func (s *Server) listChannels(c echo.Context) error {
	channels, err := s.db.ListChannels(c.Request().Context(), currentProject(c).ID)
	if err != nil {
		return err
	}
	views := make([]channelView, 0, len(channels))
	for _, ch := range channels {
		views = append(views, viewChannel(ch))
	}
	return c.JSON(http.StatusOK, listOf(views))
}

// channelTarget validates and seals what a channel sends to: a URL (Slack,
// webhook) or recipients (email).
func (s *Server) channelTarget(kind string, url *string, recipients []string) (sealed, label string, err error) {
	switch kind {
	case "slack", "webhook":
		if url == nil || strings.TrimSpace(*url) == "" {
			what := "the Slack incoming webhook URL (https://hooks.slack.com/services/…)"
			if kind == "webhook" {
				what = "the URL to POST to"
			}
			return "", "", badRequest("invalid_url", "Paste %s.", what).on("url")
		}
		u := strings.TrimSpace(*url)
		if err := notification.ValidateURL(u); err != nil {
			return "", "", badRequest("invalid_url", "%s", err.Error()).on("url")
		}
		sealed, err := s.vault.Seal(u)
		return sealed, notification.LabelURL(u), err
	case "email":
		var to []string
		for _, r := range recipients {
			r = strings.TrimSpace(r)
			if r == "" {
				continue
			}
			if a, err := mail.ParseAddress(r); err != nil || a.Address != r || !strings.Contains(r, "@") {
				return "", "", badRequest("invalid_recipients", "%q is not an email address.", r).on("recipients")
			}
			to = append(to, r)
		}
		if len(to) == 0 {
			return "", "", badRequest("invalid_recipients", "Add at least one recipient.").on("recipients")
		}
		if len(to) > 20 {
			return "", "", badRequest("invalid_recipients", "At most 20 recipients; use a mailing list for more.").on("recipients")
		}
		raw, _ := json.Marshal(to)
		sealed, err := s.vault.Seal(string(raw))
		return sealed, notification.LabelRecipients(to), err
	}
	return "", "", badRequest("invalid_kind", "Choose slack, email or webhook.").on("kind")
}

func channelEvents(ev *db.ChannelEvents) (db.ChannelEvents, error) {
	if ev == nil {
		return db.ChannelEvents{}, badRequest("invalid_events", "Choose what this channel is told: new incidents, failing checks or the weekly digest.").on("events")
	}
	out := db.ChannelEvents{Incidents: []string{}, CheckFailing: ev.CheckFailing, Digest: ev.Digest}
	for _, sev := range ev.Incidents {
		if !slices.Contains(severities, sev) {
			return out, badRequest("invalid_events", "Unknown severity %q; use critical, high, medium or low.", sev).on("events")
		}
		if !slices.Contains(out.Incidents, sev) {
			out.Incidents = append(out.Incidents, sev)
		}
	}
	if len(out.Incidents) == 0 && !out.CheckFailing && !out.Digest {
		return out, badRequest("invalid_events", "Choose at least one event: new incidents, failing checks or the weekly digest.").on("events")
	}
	return out, nil
}

func channelName(raw *string) (string, error) {
	name := ""
	if raw != nil {
		name = *raw
	}
	return givenName(name, "Channel", "Name the channel, e.g. \"#billing-alerts\" or \"On-call email\".")
}

// createChannel adds a channel; a webhook channel's signing secret is in
// the answer this once.
func (s *Server) createChannel(c echo.Context, req channelRequest) error {
	name, err := channelName(req.Name)
	if err != nil {
		return err
	}
	sealed, label, err := s.channelTarget(req.Kind, req.URL, req.Recipients)
	if err != nil {
		return err
	}
	events, err := channelEvents(req.Events)
	if err != nil {
		return err
	}
	ch := db.Channel{ProjectID: currentProject(c).ID, Kind: req.Kind, Name: name, SealedTarget: sealed, Label: label, Events: events,
		CreatedBy: currentUser(c).ID}
	secret := ""
	if req.Kind == "webhook" {
		secret = notification.NewSecret()
		if ch.SealedSecret, err = s.vault.Seal(secret); err != nil {
			return err
		}
	}
	ch, err = s.db.CreateChannel(c.Request().Context(), ch)
	if err != nil {
		return err
	}
	v := viewChannel(ch)
	v.Secret = secret
	return c.JSON(http.StatusCreated, v)
}

// withChannel loads the :channelId channel of the project.
func (s *Server) channelOf(c echo.Context) (db.Channel, error) {
	ch, err := s.db.GetChannel(c.Request().Context(), currentProject(c).ID, c.Param("channelId"))
	if errors.Is(err, db.ErrNotFound) {
		return ch, newError(http.StatusNotFound, "not_found", "No such notification channel in this project.")
	}
	return ch, err
}

// updateChannel changes a channel's name, address, events, or rotates a
// webhook's secret (answered once).
func (s *Server) updateChannel(c echo.Context, req channelRequest) error {
	ch, err := s.channelOf(c)
	if err != nil {
		return err
	}
	if req.Kind != "" && req.Kind != ch.Kind {
		return badRequest("invalid_kind", "A channel's kind cannot change; add a new channel instead.").on("kind")
	}
	if req.Name != nil {
		if ch.Name, err = channelName(req.Name); err != nil {
			return err
		}
	}
	targetChanged := req.URL != nil || req.Recipients != nil
	if targetChanged {
		if ch.SealedTarget, ch.Label, err = s.channelTarget(ch.Kind, req.URL, req.Recipients); err != nil {
			return err
		}
	}
	if req.Events != nil {
		if ch.Events, err = channelEvents(req.Events); err != nil {
			return err
		}
	}
	secret := ""
	if req.RotateSecret {
		if ch.Kind != "webhook" {
			return badRequest("invalid_kind", "Only webhook channels have a signing secret.").on("rotate_secret")
		}
		secret = notification.NewSecret()
		if ch.SealedSecret, err = s.vault.Seal(secret); err != nil {
			return err
		}
	}
	ch, err = s.db.UpdateChannel(c.Request().Context(), ch, targetChanged)
	if err != nil {
		return err
	}
	v := viewChannel(ch)
	v.Secret = secret
	return c.JSON(http.StatusOK, v)
}

func (s *Server) deleteChannel(c echo.Context) error {
	ch, err := s.channelOf(c)
	if err != nil {
		return err
	}
	if err := s.db.DeleteChannel(c.Request().Context(), ch.ProjectID, ch.ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// testResult is what "Send test" shows: whether the receiver took it and
// what it answered.
type testResult struct {
	Delivered bool   `json:"delivered"`
	Status    int    `json:"status"`
	Body      string `json:"body"`
	Hint      string `json:"hint,omitempty"`
}

// testChannel sends a real test message now and answers 200 whether or not
// the receiver accepted it.
func (s *Server) testChannel(c echo.Context) error {
	ch, err := s.channelOf(c)
	if err != nil {
		return err
	}
	p := currentProject(c)
	key := "test_" + strings.TrimPrefix(ch.ID, "chn_") + "_" + s.now().UTC().Format("20060102T150405")
	res := s.notifier.Send(c.Request().Context(), ch, key, s.notifier.Message(db.NotifyPayload{Event: db.EventTest, ProjectID: p.ID, ProjectName: p.Name}))
	status, lastErr := "ok", ""
	if !res.Delivered {
		status, lastErr = "failing", res.Hint
		if lastErr == "" {
			lastErr = res.Body
		}
	}
	if err := s.db.SetChannelStatus(c.Request().Context(), ch.ID, status, lastErr); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, testResult{Delivered: res.Delivered, Status: res.Status, Body: res.Body, Hint: res.Hint})
}

func (s *Server) listDeliveries(c echo.Context) error {
	items, err := s.db.Deliveries(c.Request().Context(), currentProject(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(items))
}

type digestPreview struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html"`
}

func (s *Server) previewDigest(c echo.Context) error {
	subject, text, html, err := s.notifier.Preview(c.Request().Context(), currentProject(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, digestPreview{Subject: subject, Text: text, HTML: html})
}

// sendDigest queues this week's digest now for the channels that chose it.
func (s *Server) sendDigest(c echo.Context) error {
	p := currentProject(c)
	n, err := s.notifier.QueueDigest(c.Request().Context(), p, "digest-now:"+s.now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return err
	}
	if n == 0 {
		return newError(http.StatusConflict, "no_digest_channel", "No channel of this project receives the weekly digest; tick \"Weekly digest\" on one first.")
	}
	return c.JSON(http.StatusAccepted, map[string]int{"queued": n})
}
