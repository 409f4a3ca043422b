package billing

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"
)

// No payload is accepted without a signature made with the endpoint's
// secret, however the header is forged; a signed payload altered by one byte
// is refused.
func FuzzParseWebhook(f *testing.F) {
	const secret = "whsec_fuzzsecret"
	f.Add([]byte(`{"id":"evt_1","object":"event","type":"invoice.paid","data":{"object":{"customer":"cus_1"}}}`), "t=1,v1=00")
	f.Add([]byte(`{}`), "")
	f.Add([]byte(`not json`), "t=abc,v1=zz,v0=11")
	f.Fuzz(func(t *testing.T, payload []byte, header string) {
		if _, err := ParseWebhook(payload, header, secret); err == nil {
			t.Fatalf("accepted a payload with a forged header %q", header)
		}
		now := time.Now()
		signed := fmt.Sprintf("t=%d,v1=%x", now.Unix(), webhook.ComputeSignature(now, payload, secret))
		if len(payload) == 0 {
			return
		}
		altered := bytes.Clone(payload)
		altered[len(altered)/2] ^= 0x01
		if _, err := ParseWebhook(altered, signed, secret); err == nil {
			t.Fatal("accepted an altered payload under the original signature")
		}
		// The genuine signature never panics, whatever the payload holds.
		_, _ = ParseWebhook(payload, signed, secret)
	})
}
