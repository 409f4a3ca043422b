package notification

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// WebhookBody is the JSON a webhook channel receives (snake_case; empty
// optional fields are left out):
//
//	{
//	  "id": "ntf_…",              // the delivery key, also the Idempotency-Key header: drop repeats
//	  "event": "incidents",       // incidents, check_failing, check_recovered, digest, test
//	  "created_at": "2026-01-02T03:04:05Z", // RFC 3339, UTC
//	  "project": {"id": "prj_…", "name": "Acme", "url": "https://…/projects/prj_…"},
//	  "incidents": [{             // incidents: the new ones (at most 50; "total" counts all)
//	    "id": "inc_…", "kind": "paid_without_access", "severity": "critical",
//	    "customer_id": "cus_…", "subject": "ann@example.com", "summary": "…", "url": "https://…"
//	  }],
//	  "total": 3,                 // incidents: how many the message is about
//	  "check_id": "chk_…",        // the check that found them (or failed)
//	  "check_error": "…",         // check_failing: why the last check failed
//	  "digest": {                 // digest: the project's week
//	    "week_start": "…", "week_end": "…",
//	    "open_by_severity": {"critical": 1}, "open_by_kind": {"wrong_plan": 1},
//	    "opened": 4, "resolved": 1, "ignored": 0, "repairs_approved": 0, "repairs_verified": 0,
//	    "checks_run": 30, "checks_failed": 1, "webhook_deliveries": 12, "signature_failures": 0,
//	    "oldest": {incident}, "oldest_since": "…",
//	    "at_stake": [{"currency": "usd", "kind": "paid_without_access", "monthly_minor": 4900}]
//	  }
//	}
//
// It is signed with Sign and sent with HTTPSender.Webhook.
func WebhookBody(m Message, deliveryKey string) ([]byte, error) {
	type project struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		URL  string `json:"url,omitempty"`
	}
	at := m.At
	if at.IsZero() {
		at = time.Now()
	}
	body := struct {
		ID         string     `json:"id"`
		Event      string     `json:"event"`
		CreatedAt  string     `json:"created_at"`
		Project    project    `json:"project"`
		Incidents  []Incident `json:"incidents,omitempty"`
		Total      int        `json:"total,omitempty"`
		CheckID    string     `json:"check_id,omitempty"`
		CheckError string     `json:"check_error,omitempty"`
		Digest     *Digest    `json:"digest,omitempty"`
	}{ID: deliveryKey, Event: m.Event, CreatedAt: at.UTC().Format(time.RFC3339), Project: project{ID: m.ProjectID, Name: m.ProjectName, URL: m.ProjectURL},
		Incidents: m.Incidents, CheckID: m.CheckID, CheckError: m.CheckError}
	if m.Digest != nil {
		d := *m.Digest // counts read as {} rather than null
		if d.OpenBySeverity == nil {
			d.OpenBySeverity = map[string]int{}
		}
		if d.OpenByKind == nil {
			d.OpenByKind = map[string]int{}
		}
		body.Digest = &d
	}
	if m.Event == EventIncidents {
		body.Total = m.total()
	}
	return json.Marshal(body)
}

// SignatureHeader carries a webhook's signature.
const SignatureHeader = "ParityRail-Signature"

// NewSecret is a webhook channel's signing secret: "whsec_" and 32 random
// bytes in hex. Receivers use the whole string as the HMAC key.
func NewSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return "whsec_" + hex.EncodeToString(b)
}

// Sign is the ParityRail-Signature value, the way Stripe signs its own
// webhooks: "t=<unix>,v1=<hex HMAC-SHA256 keyed with the secret's bytes,
// over "<t>.<body>">".
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret, ts string, body []byte) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(ts))
	h.Write([]byte("."))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// Verify checks a ParityRail-Signature as a receiver would: some v1 matches
// and the timestamp is within tolerance of now.
func Verify(header, secret string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return errors.New("malformed signature header: want t=<unix>,v1=<hex>")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("signature timestamp is %s away from now (tolerance %s)", d.Round(time.Second), tolerance)
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return errors.New("no signature matches: wrong secret, or the body was changed")
}
