package clerk

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// sampleQuery asks for the most recent subjects, one page: what recent
// sign-ups store is what the app writes today.
func sampleQuery() url.Values {
	return url.Values{"limit": {strconv.Itoa(sampleSize)}, "order_by": {"-created_at"}}
}

// SampleUsers reads the most recent users (one GET).
func (c *Client) SampleUsers(ctx context.Context) ([]User, error) {
	data, err := c.get(ctx, "/users", sampleQuery(), "users")
	if err != nil {
		return nil, err
	}
	return c.decodeUsers(data)
}

// SampleOrganizations reads the most recent organizations (one GET).
func (c *Client) SampleOrganizations(ctx context.Context) ([]Organization, error) {
	data, err := c.get(ctx, "/organizations", sampleQuery(), "organizations")
	if err != nil {
		return nil, err
	}
	orgs, _, err := c.decodeOrganizations(data)
	return orgs, err
}

// ValueCount is one metadata value and how many sampled subjects hold it.
type ValueCount struct {
	Value string
	Count int
}

// ValueSample counts the values found at one field path on sampled subjects.
type ValueSample struct {
	// Values, most subjects first (then by value); text as the comparison
	// reads it: strings as they are, numbers and booleans as written.
	Values []ValueCount
	// Unset: the key is missing, null or empty (no plan).
	Unset int
	// NotText: objects or arrays, which cannot be a plan value.
	NotText int
	Sampled int
}

// CountValues counts the values at path on each subject.
func CountValues[S Subject](subjects []S, path FieldPath) ValueSample {
	out := ValueSample{Sampled: len(subjects)}
	counts := map[string]int{}
	for _, s := range subjects {
		v, ok := Lookup(s, path)
		var text string
		switch t := v.(type) {
		case string:
			text = t
		case json.Number:
			text = t.String()
		case bool:
			text = fmt.Sprint(t)
		default:
			if ok && v != nil {
				out.NotText++
				continue
			}
		}
		if strings.TrimSpace(text) == "" {
			out.Unset++
			continue
		}
		counts[text]++
	}
	for v, n := range counts {
		out.Values = append(out.Values, ValueCount{Value: v, Count: n})
	}
	slices.SortFunc(out.Values, func(a, b ValueCount) int {
		return cmp.Or(b.Count-a.Count, strings.Compare(a.Value, b.Value))
	})
	return out
}

// planKeys are metadata keys that usually hold a plan, best first.
var planKeys = []string{"plan", "plan_id", "tier", "subscription_plan", "plan_name", "subscription_tier", "subscription"}

// LikelyPlanPath is the metadata path that most likely holds the plan on
// these subjects, before step 6 names one: a key named like a plan, in
// public_metadata first (what the app's front end reads), then private, then
// unsafe. ok is false when no sampled subject has such a key.
func LikelyPlanPath[S Subject](subjects []S) (FieldPath, bool) {
	for _, key := range planKeys {
		for _, ct := range Containers {
			for _, s := range subjects {
				for k := range s.Metadata(ct) {
					if strings.EqualFold(k, key) {
						return FieldPath{Container: ct, Key: k}, true
					}
				}
			}
		}
	}
	return FieldPath{}, false
}
