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

// WebhookBody is the JSON a webhook channel receives:
//
//	{
//	  "id": "ntf_…",              // the delivery key, also the Idempotency-Key header
//	  "event": "incidents",       // incidents, check_failing, check_recovered, digest, test
//	  "created_at": "RFC3339",
//	  "project": {"id": "prj_…", "name": "Acme", "url": "https://…/projects/prj_…"},
//	  "incidents": [{"id", "kind", "severity", "customer_id", "subject", "summary", "url"}],
//	  "total": 3,                 // incidents this is about (the list holds at most 50)
//	  "check_id": "chk_…",
//	  "check_error": "…",         // check_failing
//	  "digest": {…}               // digest: the week's counts
//	}
func WebhookBody(m Message, deliveryKey string) ([]byte, error) {
	type project struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		URL  string `json:"url,omitempty"`
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
	}{ID: deliveryKey, Event: m.Event, CreatedAt: m.At.UTC().Format(time.RFC3339), Project: project{ID: m.ProjectID, Name: m.ProjectName, URL: m.ProjectURL},
		Incidents: m.Incidents, CheckID: m.CheckID, CheckError: m.CheckError, Digest: m.Digest}
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
