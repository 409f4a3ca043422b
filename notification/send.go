package notification

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Result is how one delivery attempt went.
type Result struct {
	Delivered bool
	// Status is the HTTP status or SMTP reply code; 0 when nothing answered.
	Status int
	// Body is the receiver's answer (at most 1000 bytes; never a secret).
	Body string
	// Retry: worth trying again (5xx, 429, network error, temporary SMTP).
	Retry      bool
	RetryAfter time.Duration
	// Hint says what a person should do about a permanent failure.
	Hint string
}

// HTTPSender posts Slack messages and webhooks.
type HTTPSender struct{ Client *http.Client }

var defaultClient = &http.Client{Timeout: 10 * time.Second,
	// A receiver's redirect is not followed: the signed body goes where it was configured to.
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (s HTTPSender) client() *http.Client {
	if s.Client != nil {
		return s.Client
	}
	return defaultClient
}

// Slack posts a Block Kit payload to an incoming webhook.
func (s HTTPSender) Slack(ctx context.Context, url string, payload []byte) Result {
	r := s.post(ctx, url, payload, nil)
	if !r.Delivered && !r.Retry {
		r.Hint = slackHint(r)
	}
	return r
}

// Webhook posts a signed body with its delivery key.
func (s HTTPSender) Webhook(ctx context.Context, url, secret, deliveryKey string, body []byte, now time.Time) Result {
	r := s.post(ctx, url, body, map[string]string{SignatureHeader: Sign(secret, now, body), "Idempotency-Key": deliveryKey})
	if !r.Delivered && !r.Retry {
		r.Hint = webhookHint(r)
	}
	return r
}

func (s HTTPSender) post(ctx context.Context, url string, body []byte, headers map[string]string) Result {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return Result{Body: err.Error(), Hint: "The URL is not valid; edit the channel."}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ParityRail")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := s.client().Do(req)
	if err != nil {
		return Result{Retry: true, Body: networkError(err)}
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1000))
	r := Result{Status: res.StatusCode, Body: strings.TrimSpace(string(b))}
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		r.Delivered = true
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
		r.Retry = true
		if secs, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && secs > 0 {
			r.RetryAfter = time.Duration(secs) * time.Second
		}
	}
	return r
}

// networkError says why nothing answered, without the URL (it may be secret).
func networkError(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "Client.Timeout"):
		return "the receiver did not answer within 10 seconds"
	case strings.Contains(err.Error(), "connection refused"):
		return "connection refused: nothing listens at that address"
	case strings.Contains(err.Error(), "no such host"):
		return "the receiver's host name does not resolve"
	case strings.Contains(err.Error(), "certificate"):
		return "the receiver's TLS certificate is not valid"
	}
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		return ue.Unwrap().Error()
	}
	return "the receiver could not be reached"
}

// slackHint turns Slack's answers into what to do.
func slackHint(r Result) string {
	switch strings.TrimSpace(r.Body) {
	case "invalid_token", "no_service", "no_team", "team_disabled":
		return fmt.Sprintf("Slack says %q: the webhook was revoked or deleted; paste a new webhook URL.", r.Body)
	case "channel_not_found", "channel_is_archived":
		return fmt.Sprintf("Slack says %q: the webhook's channel is gone or archived; create a webhook for another channel.", r.Body)
	case "action_prohibited", "posting_to_general_channel_denied":
		return fmt.Sprintf("Slack says %q: a workspace admin restricted posting there; ask them or pick another channel.", r.Body)
	case "invalid_payload":
		return "Slack says \"invalid_payload\": the receiver is not a Slack-compatible incoming webhook."
	}
	if r.Status == http.StatusNotFound {
		return "The receiver answered 404: the URL is wrong or the webhook was deleted; paste a new one."
	}
	return fmt.Sprintf("The receiver refused the message (%d %s); check the URL.", r.Status, r.Body)
}

func webhookHint(r Result) string {
	switch r.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Sprintf("The receiver answered %d: it refused the signature or needs other credentials; check it uses this channel's signing secret.", r.Status)
	case http.StatusNotFound:
		return "The receiver answered 404: the URL is wrong; edit the channel."
	}
	return fmt.Sprintf("The receiver refused the message (%d %s).", r.Status, r.Body)
}
