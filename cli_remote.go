package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"parityrail/check"
)

// remoteCheck runs `parityrail check --server` through REST v1: start the
// check, follow it to its end, then count the active incidents in its scope.
func remoteCheck(ctx context.Context, f checkFlags) (checkOutcome, error) {
	if f.apiKey == "" {
		return checkOutcome{}, errors.New("--server needs an API key: --api-key sk_prail_… or PARITYRAIL_API_KEY (Settings → API keys)")
	}
	base, err := url.Parse(strings.TrimRight(f.server, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return checkOutcome{}, fmt.Errorf("--server %q: give the address ParityRail is served at, e.g. https://parityrail.example.com", f.server)
	}
	api := &v1Client{base: base.String(), key: f.apiKey, http: &http.Client{Timeout: 60 * time.Second}}

	var run struct {
		CheckID   string          `json:"check_id"`
		StatusURL string          `json:"status_url"`
		Check     *remoteCheckRes `json:"check"`
	}
	body := map[string]any{"project_id": f.project, "dry_run": f.dry}
	if f.customer != "" {
		body["customer_id"] = f.customer
	}
	if err := api.do(ctx, "POST", "/api/v1/reconciliation/run", body, &run); err != nil {
		return checkOutcome{}, err
	}
	ch := run.Check
	for ch == nil || ch.Status == "running" {
		if ch != nil {
			select {
			case <-ctx.Done():
				return checkOutcome{}, fmt.Errorf("stopped waiting for check %s (it goes on on the server)", run.CheckID)
			case <-time.After(time.Second):
			}
		}
		ch = &remoteCheckRes{}
		if err := api.do(ctx, "GET", run.StatusURL, nil, ch); err != nil {
			return checkOutcome{}, err
		}
	}
	out := checkOutcome{Check: ch.checkJSON, Summary: ch.Summary}
	out.Active = ch.Summary.Severities
	if ch.Status != "finished" || f.dry {
		return out, nil
	}
	// The active incidents in the check's scope, every page.
	out.Active = map[string]int{}
	q := url.Values{"project_id": {ch.ProjectID}, "status": {"active"}, "limit": {"500"}}
	if f.customer != "" {
		q.Set("customer_id", f.customer)
	}
	for {
		var page struct {
			Items []struct {
				Severity string `json:"severity"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		if err := api.do(ctx, "GET", "/api/v1/mismatches?"+q.Encode(), nil, &page); err != nil {
			return out, err
		}
		for _, i := range page.Items {
			out.Active[i.Severity]++
		}
		if page.NextCursor == "" {
			return out, nil
		}
		q.Set("cursor", page.NextCursor)
	}
}

// remoteCheckRes is the part of a v1 check the CLI reads.
type remoteCheckRes struct {
	checkJSON
	Summary check.Summary `json:"summary"`
}

// v1Client calls a ParityRail's REST v1 with an API key.
type v1Client struct {
	base, key string
	http      *http.Client
}

func (c *v1Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach ParityRail at %s: %w", c.base, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 32<<20))
	if err != nil {
		return fmt.Errorf("reading the answer of %s %s: %w", method, path, err)
	}
	if res.StatusCode >= 300 {
		var e struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil && e.Error.Code != "" {
			return fmt.Errorf("%s (%s, HTTP %d)", e.Error.Message, e.Error.Code, res.StatusCode)
		}
		return fmt.Errorf("%s %s answered HTTP %d; is %s a ParityRail?", method, path, res.StatusCode, c.base)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: not a ParityRail answer: %w", method, path, err)
	}
	return nil
}
