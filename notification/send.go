package notification

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
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
	r.Body = redact(r.Body, urlPath(url))
	if !r.Delivered && !r.Retry && r.Hint == "" {
		r.Hint = slackHint(r)
	}
	return r
}

// Webhook posts a signed body with its delivery key: Content-Type
// application/json, ParityRail-Signature (see Sign), Idempotency-Key (the
// delivery key, also the body's "id") and User-Agent ParityRail.
func (s HTTPSender) Webhook(ctx context.Context, url, secret, deliveryKey string, body []byte, now time.Time) Result {
	if secret == "" {
		return Result{Body: "no signing secret", Hint: "The channel has no signing secret; rotate it to make one."}
	}
	r := s.post(ctx, url, body, map[string]string{SignatureHeader: Sign(secret, now, body), "Idempotency-Key": deliveryKey})
	r.Body = redact(r.Body, secret, urlPath(url))
	if !r.Delivered && !r.Retry && r.Hint == "" {
		r.Hint = webhookHint(r)
	}
	return r
}

func (s HTTPSender) post(ctx context.Context, url string, body []byte, headers map[string]string) Result {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil { // the error would repeat the URL, which may be secret
		return Result{Body: "the channel's URL cannot be read", Hint: "The URL is not valid; edit the channel."}
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
	b, _ := io.ReadAll(io.LimitReader(res.Body, maxBody))
	r := Result{Status: res.StatusCode, Body: strings.TrimSpace(strings.ToValidUTF8(string(b), ""))}
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		r.Delivered = true
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode == http.StatusRequestTimeout || res.StatusCode >= 500:
		r.Retry = true
		r.RetryAfter = retryAfter(res.Header.Get("Retry-After"), time.Now())
	case res.StatusCode >= 300 && res.StatusCode < 400:
		r.Hint = fmt.Sprintf("The receiver answered %d, a redirect (to %s); ParityRail does not follow redirects, so paste the final URL.",
			res.StatusCode, hostOf(res.Header.Get("Location")))
	}
	return r
}

// maxBody is how much of a receiver's answer a Result keeps.
const maxBody = 1000

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		return time.Duration(max(secs, 0)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now).Round(time.Second)
	}
	return 0
}

// urlPath is the secret part of a webhook URL (Slack's is a token).
func urlPath(raw string) string {
	if u, err := url.Parse(raw); err == nil && len(strings.Trim(u.Path, "/")) >= 8 {
		return u.Path
	}
	return ""
}

// redact blanks secrets a receiver might echo back.
func redact(s string, secrets ...string) string {
	for _, x := range secrets {
		if x != "" {
			s = strings.ReplaceAll(s, x, "…")
		}
	}
	return s
}

// hostOf is a URL's host, for hints that must not repeat a whole URL.
func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return "another address"
}

// networkError says why nothing answered, without the URL (it may be secret).
func networkError(err error) string {
	var dns *net.DNSError
	var cert *tls.CertificateVerificationError
	var ne net.Error
	switch {
	case errors.As(err, &dns):
		return "the receiver's host name does not resolve (" + dns.Name + ")"
	case errors.As(err, &cert) || strings.Contains(err.Error(), "x509:") || strings.Contains(err.Error(), "certificate"):
		return "the receiver's TLS certificate is not valid"
	case errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(err.Error(), "connection refused"):
		return "connection refused: nothing listens at that address"
	case errors.Is(err, context.Canceled):
		return "the attempt was cancelled (ParityRail is shutting down); it will be tried again"
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return "the receiver did not answer in time"
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "the receiver closed the connection without answering"
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err.Error()
	}
	return "the receiver could not be reached"
}

// slackHint turns Slack's answers into what to do.
func slackHint(r Result) string {
	switch strings.TrimSpace(r.Body) {
	case "invalid_token", "no_service", "no_team", "team_disabled", "no_active_hooks":
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
	return fmt.Sprintf("The receiver refused the message (%d %s); check the URL.", r.Status, truncateRunes(oneLine(r.Body), 200))
}

func webhookHint(r Result) string {
	switch r.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Sprintf("The receiver answered %d: it refused the signature or needs other credentials; check it uses this channel's signing secret.", r.Status)
	case http.StatusNotFound:
		return "The receiver answered 404: the URL is wrong; edit the channel."
	case http.StatusGone:
		return "The receiver answered 410: the endpoint is gone; edit or delete the channel."
	}
	return fmt.Sprintf("The receiver refused the message (%d %s).", r.Status, truncateRunes(oneLine(r.Body), 200))
}
