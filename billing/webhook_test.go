package billing

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"parityrail/demo/stripefake"

	"github.com/stripe/stripe-go/v76/webhook"
)

const secret = "whsec_parityrailtestsecret"

func TestParseWebhookActedOnTypes(t *testing.T) {
	f := stripefake.New()
	f.AddPrice(stripefake.PriceSpec{ID: "price_pro"})
	cus := f.AddCustomer(stripefake.CustomerSpec{})
	sub := f.MustAddSubscription(stripefake.SubscriptionSpec{CustomerID: cus, PriceIDs: []string{"price_pro"}})
	inv := f.AddInvoice(stripefake.InvoiceSpec{CustomerID: cus, SubscriptionID: sub, Status: "open"})
	cs := f.AddCheckoutSession(stripefake.CheckoutSessionSpec{CustomerID: cus, SubscriptionID: sub})
	ch, err := f.PayInvoice(inv)
	if err != nil {
		t.Fatal(err)
	}
	dp, err := f.AddDispute(ch, "")
	if err != nil {
		t.Fatal(err)
	}

	objects := map[string][2]string{
		"checkout.session.completed":                      {"checkout.session", cs},
		"customer.subscription.created":                   {"subscription", sub},
		"customer.subscription.updated":                   {"subscription", sub},
		"customer.subscription.deleted":                   {"subscription", sub},
		"invoice.paid":                                    {"invoice", inv},
		"invoice.payment_failed":                          {"invoice", inv},
		"entitlements.active_entitlement_summary.updated": {"entitlements.active_entitlement_summary", cus},
		"charge.refunded":                                 {"charge", ch},
		"charge.dispute.created":                          {"dispute", dp},
		"charge.dispute.closed":                           {"dispute", dp},
	}
	if len(objects) != len(ActedOnEvents) {
		t.Fatal("every acted-on type is covered")
	}
	for _, typ := range ActedOnEvents {
		o := objects[typ]
		payload, err := f.Event(typ, o[0], o[1])
		if err != nil {
			t.Fatal(err)
		}
		ev, err := ParseWebhook(payload, stripefake.SignPayload(payload, secret, time.Now()), secret)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if o[0] == "dispute" {
			// A dispute names its charge; the server asks the charge for its customer.
			if ev.CustomerID != "" || ev.ChargeID != ch || !ActedOn(ev.Type) {
				t.Fatalf("%s: %+v", typ, ev)
			}
			continue
		}
		if ev.Type != typ || ev.CustomerID != cus || !strings.HasPrefix(ev.ID, "evt_") || ev.Created.IsZero() || ev.Livemode || !ActedOn(ev.Type) {
			t.Fatalf("%s: %+v", typ, ev)
		}
	}

	// A customer event names the customer itself; other types are parsed
	// but not acted on.
	payload, _ := f.Event("customer.updated", "customer", cus)
	ev, err := ParseWebhook(payload, stripefake.SignPayload(payload, secret, time.Now()), secret)
	if err != nil || ev.CustomerID != cus || ActedOn(ev.Type) {
		t.Fatalf("customer.updated: %+v %v", ev, err)
	}
}

func TestParseWebhookSignatures(t *testing.T) {
	f := stripefake.New()
	cus := f.AddCustomer(stripefake.CustomerSpec{})
	payload, _ := f.Event("customer.updated", "customer", cus)
	now := time.Now()
	good := stripefake.SignPayload(payload, secret, now)

	// Stripe signs "t.payload" with HMAC-SHA256 and sends t=…,v1=<hex>.
	if good != fmt.Sprintf("t=%d,v1=%x", now.Unix(), webhook.ComputeSignature(now, payload, secret)) {
		t.Fatalf("header %q", good)
	}
	if _, err := ParseWebhook(payload, good, secret); err != nil {
		t.Fatal(err)
	}
	// Several v1 signatures (a rolled secret) verify if any matches.
	rolled := good + ",v1=" + strings.Repeat("ab", 32)
	if _, err := ParseWebhook(payload, rolled, secret); err != nil {
		t.Fatalf("rolled: %v", err)
	}

	bad := []struct {
		name   string
		header string
		body   []byte
		cause  error
	}{
		{"missing", "", payload, webhook.ErrNotSigned},
		{"wrong secret", stripefake.SignPayload(payload, "whsec_other", now), payload, webhook.ErrNoValidSignature},
		{"tampered body", good, append([]byte(nil), strings.Replace(string(payload), cus, "cus_evil", 1)...), webhook.ErrNoValidSignature},
		{"expired / replayed", stripefake.SignPayload(payload, secret, now.Add(-6*time.Minute)), payload, webhook.ErrTooOld},
		{"garbage header", "nonsense", payload, webhook.ErrInvalidHeader},
		{"no v1", fmt.Sprintf("t=%d,v0=abc", now.Unix()), payload, webhook.ErrNoValidSignature},
	}
	for _, b := range bad {
		_, err := ParseWebhook(b.body, b.header, secret)
		if !errors.Is(err, ErrInvalidSignature) || !errors.Is(err, b.cause) {
			t.Errorf("%s: %v", b.name, err)
		}
	}
	if _, err := ParseWebhook(payload, good, ""); !errors.Is(err, ErrNoWebhookSecret) {
		t.Fatalf("no secret: %v", err)
	}
	// Same event delivered twice parses to the same id (the caller dedupes).
	a, _ := ParseWebhook(payload, good, secret)
	b, _ := ParseWebhook(payload, stripefake.SignPayload(payload, secret, now.Add(time.Second)), secret)
	if a.ID != b.ID {
		t.Fatal("duplicate delivery changed the id")
	}
}

// The endpoint's API version is the account's choice: events rendered in
// other versions than stripe-go's must still verify and parse.
func TestParseWebhookOtherAPIVersion(t *testing.T) {
	f := stripefake.New()
	f.SetEventAPIVersion("2025-03-31.basil")
	cus := f.AddCustomer(stripefake.CustomerSpec{})
	payload, _ := f.EventWithObject("invoice.paid", map[string]any{
		"id": "in_1", "object": "invoice", "customer": map[string]any{"id": cus, "object": "customer"},
		// A newer-version shape stripe-go v76 doesn't know.
		"parent": map[string]any{"type": "subscription_details"},
	})
	ev, err := ParseWebhook(payload, stripefake.SignPayload(payload, secret, time.Now()), secret)
	if err != nil || ev.CustomerID != cus || ev.APIVersion != "2025-03-31.basil" {
		t.Fatalf("%+v %v", ev, err)
	}
}

func TestParseWebhookMalformed(t *testing.T) {
	for _, body := range []string{`not json`, `{"object":"event"}`} {
		_, err := ParseWebhook([]byte(body), stripefake.SignPayload([]byte(body), secret, time.Now()), secret)
		if !errors.Is(err, ErrMalformedEvent) || errors.Is(err, ErrInvalidSignature) {
			t.Errorf("%s: %v", body, err)
		}
	}
}

// An event's customer or charge is an id, or an object when expanded.
func TestExpandedID(t *testing.T) {
	for raw, want := range map[string]string{`"cus_1"`: "cus_1", `{"id": "cus_2", "object": "customer"}`: "cus_2",
		`null`: "", ``: "", `42`: ""} {
		if got := expandedID([]byte(raw)); got != want {
			t.Errorf("expandedID(%s) = %q, want %q", raw, got, want)
		}
	}
}
