package server

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"parityrail/billing"
	"parityrail/db"
)

// stripeWebhook receives a project's Stripe events. The signature is checked
// with the project's webhook signing secret before anything else; a bad or
// missing one is a 400 and nothing is processed. Events are deduplicated by
// id; the acted-on types queue a re-check of their customer (in SQLite, so a
// restart loses nothing), the others are only recorded.
func (s *Server) stripeWebhook(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := s.db.GetProject(ctx, c.Param("projectId"))
	if errors.Is(err, db.ErrNotFound) {
		return newError(http.StatusNotFound, "not_found", "No such project.")
	}
	if err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxWebhookBody+1))
	if tl, ok := asTooLarge(err); ok {
		return tl
	}
	if err != nil {
		return badRequest("invalid_body", "The request body could not be read.")
	}
	if len(body) > maxWebhookBody {
		return newError(http.StatusRequestEntityTooLarge, "too_large", "The request body is too large for a Stripe event.")
	}
	secret := ""
	if conn, err := s.db.GetConnection(ctx, p.ID, "stripe"); err == nil && conn.SealedExtra != "" {
		if secret, err = s.vault.Open(conn.SealedExtra); err != nil {
			s.log.Error("webhook secret cannot be decrypted", "project", p.ID)
			secret = ""
		}
	} else if err != nil && !errors.Is(err, db.ErrNotFound) {
		return err
	}
	ev, err := billing.ParseWebhook(body, c.Request().Header.Get("Stripe-Signature"), secret)
	if err != nil {
		var msg, code string
		switch {
		case errors.Is(err, billing.ErrNoWebhookSecret):
			code, msg = "webhook_secret_missing", "This project has no webhook signing secret: add the endpoint's whsec_ secret on step 2 (Stripe)."
		case errors.Is(err, billing.ErrInvalidSignature):
			code, msg = "invalid_signature", "The Stripe-Signature header is missing or does not match this project's webhook signing secret."
		default:
			code, msg = "invalid_event", "The body is not a Stripe event."
		}
		if rerr := s.db.RecordWebhookFailure(ctx, p.ID, msg); rerr != nil {
			s.log.Error("record webhook failure", "err", rerr)
		}
		s.log.Warn("webhook refused", "project", p.ID, "reason", code)
		s.cfg.Metrics.WebhookEvent("unverified", "refused")
		return badRequest(code, "%s", msg)
	}
	debounce := s.cfg.WebhookDebounce
	switch {
	case debounce == 0:
		// Stripe sends an event burst for one change within milliseconds:
		// 300 ms coalesces it into one re-check and keeps the verdict under
		// a second (the worker polls every 200 ms).
		debounce = 300 * time.Millisecond
	case debounce < 0:
		debounce = 0
	}
	acted := billing.ActedOn(ev.Type)
	if acted && ev.CustomerID == "" && ev.ChargeID != "" {
		// A dispute names its charge only: the charge names the customer.
		c.Set(ctxProject, p)
		if cl, err := projectSource(c, s.sources.StripeClient); err != nil {
			s.log.Warn("webhook: Stripe cannot be opened to read the disputed charge", "project", p.ID, "err", err)
		} else {
			if ev.CustomerID, err = cl.ChargeCustomer(ctx, ev.ChargeID); err != nil {
				s.log.Warn("webhook: the disputed charge's customer cannot be read", "project", p.ID, "charge", ev.ChargeID, "err", err)
			}
		}
	}
	dup, err := s.db.RecordWebhookEvent(ctx, p.ID, db.WebhookEvent{ID: ev.ID, Type: ev.Type, CustomerID: ev.CustomerID,
		ActedOn: acted, Livemode: ev.Livemode, Created: ev.Created}, debounce)
	if err != nil {
		return err
	}
	result := map[bool]string{true: "acted_on", false: "ignored"}[acted]
	if dup {
		result = "duplicate"
	}
	s.cfg.Metrics.WebhookEvent(ev.Type, result) // a signed event's type is one of Stripe's
	s.log.Info("webhook received", "project", p.ID, "event", ev.ID, "type", ev.Type, "customer", ev.CustomerID,
		"acted_on", acted, "duplicate", dup)
	return c.JSON(http.StatusOK, map[string]any{"received": true, "duplicate": dup, "queued": acted && !dup && ev.CustomerID != ""})
}

func (s *Server) webhookHealth(c echo.Context) error {
	h, err := s.db.GetWebhookHealth(c.Request().Context(), currentProject(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h)
}
