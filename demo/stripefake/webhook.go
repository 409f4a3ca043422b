package stripefake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"
)

// SignPayload returns the Stripe-Signature header Stripe would send for
// payload: "t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<payload>" keyed by secret>".
func SignPayload(payload []byte, secret string, t time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{
		Payload: payload, Secret: secret, Timestamp: t,
	}).Header
}

// SetEventAPIVersion sets the api_version stamped on events, which is the
// webhook endpoint's (account's) choice in real Stripe, not the SDK's.
func (s *Server) SetEventAPIVersion(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apiVersion = v
}

// Event builds a Stripe event payload of eventType whose data.object is
// the stored object of that kind and id ("customer", "subscription",
// "invoice", "checkout.session"), rendered as the API would return it. For
// entitlements.active_entitlement_summary.updated pass the customer id.
func (s *Server) Event(eventType, kind, id string) ([]byte, error) {
	var obj map[string]any
	if kind == "entitlements.active_entitlement_summary" {
		obj = s.entitlementSummary(id)
	} else {
		s.mu.RLock()
		v, ok := s.getLocked(kind, id)
		if !ok {
			s.mu.RUnlock()
			return nil, fmt.Errorf("stripefake: no %s %s", kind, id)
		}
		objTree, apiErr := s.render(kind, v, nil, func(string) *apiError { return nil })
		s.mu.RUnlock()
		if apiErr != nil {
			return nil, apiErr
		}
		m, err := objTree.toAny()
		if err != nil {
			return nil, err
		}
		obj = m
	}
	return s.EventWithObject(eventType, obj)
}

// EventWithObject builds an event payload around any data.object.
func (s *Server) EventWithObject(eventType string, obj map[string]any) ([]byte, error) {
	s.mu.Lock()
	id := "evt_" + s.nextSuffixLocked()
	ev := map[string]any{
		"id":               id,
		"object":           "event",
		"api_version":      s.apiVersion,
		"created":          s.now().Unix(),
		"data":             map[string]any{"object": obj},
		"livemode":         s.livemode,
		"pending_webhooks": 1,
		"request":          map[string]any{"id": nil, "idempotency_key": nil},
		"type":             eventType,
	}
	s.mu.Unlock()
	return json.MarshalIndent(ev, "", "  ")
}

func (s *Server) entitlementSummary(customerID string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	data := []any{}
	for _, k := range s.ents[customerID] {
		data = append(data, map[string]any{
			"id": entitlementID(customerID, k), "object": "entitlements.active_entitlement",
			"feature": featureID(k), "livemode": s.livemode, "lookup_key": k,
		})
	}
	return map[string]any{
		"object":       "entitlements.active_entitlement_summary",
		"customer":     customerID,
		"entitlements": listEnvelope("/v1/customer/"+customerID+"/entitlements", data, false),
		"livemode":     s.livemode,
	}
}

// SendWebhook POSTs payload to url signed with secret, as Stripe delivers
// events. It returns the endpoint's HTTP status.
func SendWebhook(ctx context.Context, client *http.Client, url, secret string, payload []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		return 0, fmt.Errorf("build webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
	req.Header.Set("Stripe-Signature", SignPayload(payload, secret, time.Now()))
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("deliver webhook: %w", err)
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
