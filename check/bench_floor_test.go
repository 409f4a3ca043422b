package check

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// floorRead is the benchmark's floor: the same customer and subscription
// pages a full check needs, read the plain way — one sequential
// auto-paginating cursor per list, minimal structs, nothing kept — from the
// same Stripe fake in the same run. A full check cannot be faster than
// reading its input; the ratio check ÷ floor is what the check adds.
func floorRead(ctx context.Context, base, key string) (time.Duration, int, error) {
	start := time.Now()
	pages := 0
	type page struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
		HasMore bool `json:"has_more"`
	}
	lists := []struct {
		path string
		q    url.Values
	}{
		{"/v1/customers", url.Values{}},
		// The check's expansion, so the pages are the same bytes.
		{"/v1/subscriptions", url.Values{"status": {"all"}, "expand[0]": {"data.latest_invoice"}}},
	}
	for _, l := range lists {
		after := ""
		for {
			q := url.Values{"limit": {"100"}}
			for k, v := range l.q {
				q[k] = v
			}
			if after != "" {
				q.Set("starting_after", after)
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+l.path+"?"+q.Encode(), nil)
			if err != nil {
				return 0, pages, err
			}
			req.Header.Set("Authorization", "Bearer "+key)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				return 0, pages, err
			}
			var p page
			err = json.NewDecoder(res.Body).Decode(&p)
			res.Body.Close()
			if err != nil || res.StatusCode != http.StatusOK {
				return 0, pages, fmt.Errorf("floor read %s: %d %v", l.path, res.StatusCode, err)
			}
			pages++
			if !p.HasMore || len(p.Data) == 0 {
				break
			}
			after = p.Data[len(p.Data)-1].ID
		}
	}
	return time.Since(start), pages, nil
}
