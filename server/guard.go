package server

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// contentSecurityPolicy allows the SPA and nothing else. Why each allowance:
//   - script-src 'self': the built app is one hashed module file; no inline
//     script exists, so none is allowed.
//   - style-src 'unsafe-inline': sonner (the toasts) injects its stylesheet as
//     a <style> element at runtime; Tailwind's CSS is a file. Inline styles
//     cannot run code, so this costs little.
//   - img-src data: the favicon is an inline SVG data URL.
//   - frame-ancestors 'none': nobody frames ParityRail (clickjacking on
//     "Approve repair").
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; " +
	"form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the browser protections on every answer: the SPA, the
// API and errors alike (they are set before the handler runs).
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()")
		if s.secureCookies(c) {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		return next(c)
	}
}

// Body limits: every JSON body ParityRail takes is small (a mapping is the
// largest); Stripe's events can be larger, so the webhook gets more.
const (
	maxBody        = 256 << 10
	maxWebhookBody = 1 << 20
)

// limitBodies refuses a body over its route's limit with 413 before the
// handler reads it (a declared length), and stops reading at the limit when
// the length is not declared (chunked), so no handler sees a truncated body.
func (s *Server) limitBodies(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
			return next(c)
		}
		limit := int64(maxBody)
		if strings.HasPrefix(r.URL.Path, "/api/webhooks/") {
			limit = maxWebhookBody
		}
		if r.ContentLength > limit {
			return errTooLarge(limit)
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, limit)
		return next(c)
	}
}

func errTooLarge(limit int64) *apiError {
	return newError(http.StatusRequestEntityTooLarge, "too_large", "The request body is larger than %d kB, the most this path accepts.", limit>>10)
}

// asTooLarge turns a read stopped by limitBodies into the 413 answer.
func asTooLarge(err error) (*apiError, bool) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errTooLarge(mbe.Limit), true
	}
	return nil, false
}

// ipExtractor says where a request comes from. By default the TCP peer:
// X-Forwarded-For is written by whoever sends the request, so it is believed
// only from the proxies named in PARITYRAIL_TRUSTED_PROXIES. The login
// throttle and the audit trail read the address through it (c.RealIP()).
func ipExtractor(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// ParseTrustedProxies reads PARITYRAIL_TRUSTED_PROXIES: comma-separated CIDRs
// (a bare address means just that address).
func ParseTrustedProxies(v string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			ip := net.ParseIP(part)
			if ip == nil {
				return nil, fmt.Errorf("PARITYRAIL_TRUSTED_PROXIES: %q is not an address or CIDR (e.g. 127.0.0.1/32,10.0.0.0/8)", part)
			}
			bits := 128
			if ip.To4() != nil {
				bits = 32
			}
			part = fmt.Sprintf("%s/%d", ip, bits)
		}
		_, n, err := net.ParseCIDR(part)
		if err != nil {
			return nil, fmt.Errorf("PARITYRAIL_TRUSTED_PROXIES: %q is not an address or CIDR (e.g. 127.0.0.1/32,10.0.0.0/8)", part)
		}
		out = append(out, n)
	}
	return out, nil
}
