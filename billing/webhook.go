package billing

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"
)

// ActedOnEvents are the event types that trigger a re-check of their
// customer; every other type is only logged.
var ActedOnEvents = []string{
	"checkout.session.completed",
	"customer.subscription.created",
	"customer.subscription.updated",
	"customer.subscription.deleted",
	"invoice.paid",
	"invoice.payment_failed",
	"entitlements.active_entitlement_summary.updated",
	// The refund and dispute policy (re-checked whatever the policy: the
	// check decides whether they matter).
	"charge.refunded",
	"charge.dispute.created",
	"charge.dispute.closed",
}

// ActedOn reports whether events of this type trigger a re-check.
func ActedOn(eventType string) bool {
	for _, t := range ActedOnEvents {
		if t == eventType {
			return true
		}
	}
	return false
}

// ErrInvalidSignature is a webhook whose Stripe-Signature header is
// missing, malformed, wrong or too old: answer 400 and process nothing.
// The underlying reason (webhook.ErrNotSigned, ErrNoValidSignature,
// ErrTooOld, ErrInvalidHeader) is wrapped too.
var ErrInvalidSignature = errors.New("invalid Stripe webhook signature")

// ErrNoWebhookSecret means no signing secret is configured, so no event can
// be verified.
var ErrNoWebhookSecret = errors.New("no webhook signing secret is configured for this project")

// ErrMalformedEvent is a correctly signed body that isn't an event.
var ErrMalformedEvent = errors.New("malformed Stripe event")

// Event is what ParityRail keeps of a webhook event. The payload is only a
// trigger: the customer is re-read from Stripe, never trusted from here.
type Event struct {
	ID         string
	Type       string
	CustomerID string // the customer the event is about; empty if none
	// ChargeID is the disputed charge of a dispute event (a dispute names
	// no customer: the charge's customer is looked up).
	ChargeID   string
	Created    time.Time
	Livemode   bool
	APIVersion string
}

// WebhookTolerance is how old a signature may be (Stripe's default, 5 min).
const WebhookTolerance = webhook.DefaultTolerance

// ParseWebhook verifies the Stripe-Signature header against secret and
// extracts the event's id, type and customer. Events rendered in any API
// version are accepted: the endpoint's version is the account's choice, and
// only ids are read from the payload.
func ParseWebhook(payload []byte, sigHeader, secret string) (Event, error) {
	if secret == "" {
		return Event{}, ErrNoWebhookSecret
	}
	ev, err := webhook.ConstructEventWithOptions(payload, sigHeader, secret, webhook.ConstructEventOptions{
		Tolerance:                WebhookTolerance,
		IgnoreAPIVersionMismatch: true,
	})
	if err != nil {
		switch {
		case errors.Is(err, webhook.ErrNotSigned), errors.Is(err, webhook.ErrInvalidHeader),
			errors.Is(err, webhook.ErrNoValidSignature), errors.Is(err, webhook.ErrTooOld):
			return Event{}, fmt.Errorf("%w: %w", ErrInvalidSignature, err)
		}
		// The signature was valid but the body didn't decode as an event.
		return Event{}, fmt.Errorf("%w: %v", ErrMalformedEvent, err)
	}
	if ev.ID == "" || ev.Type == "" {
		return Event{}, fmt.Errorf("%w: no id or type", ErrMalformedEvent)
	}
	out := Event{
		ID: ev.ID, Type: string(ev.Type), Created: unix(ev.Created), Livemode: ev.Livemode, APIVersion: ev.APIVersion,
	}
	if ev.Data != nil {
		out.CustomerID = customerOf(ev.Data.Raw)
		if out.CustomerID == "" {
			out.ChargeID = disputedCharge(ev.Data.Raw)
		}
	}
	return out, nil
}

// customerOf finds the customer id in an event's data.object: the object
// itself when it is a customer, else its "customer" field, which is an id
// or (when expanded) an object with one. Checkout sessions, subscriptions,
// invoices and entitlement summaries all carry it there.
func customerOf(raw json.RawMessage) string {
	var obj struct {
		ID       string          `json:"id"`
		Object   string          `json:"object"`
		Customer json.RawMessage `json:"customer"`
	}
	if json.Unmarshal(raw, &obj) != nil {
		return ""
	}
	if obj.Object == "customer" {
		return obj.ID
	}
	return expandedID(obj.Customer)
}

// disputedCharge is the charge id of a dispute object ("" otherwise).
func disputedCharge(raw json.RawMessage) string {
	var obj struct {
		Object string          `json:"object"`
		Charge json.RawMessage `json:"charge"`
	}
	if json.Unmarshal(raw, &obj) != nil || obj.Object != "dispute" {
		return ""
	}
	return expandedID(obj.Charge)
}

// expandedID reads an expandable field as read in an event: its id, or ""
// when it is missing or not an id or object.
func expandedID(raw json.RawMessage) string {
	var id wireID
	if json.Unmarshal(raw, &id) != nil {
		return ""
	}
	return string(id)
}
